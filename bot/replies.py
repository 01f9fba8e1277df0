"""The one error path: an error becomes one safe, ephemeral sentence.

A ``DomainError``, a failed check or a bad argument becomes its sentence; anything
else is logged with its traceback and the person reads that it was logged. Every
sentence passes through ``clamp`` on its way out, so a value a member typed is echoed
at most ``QUOTE_LIMIT`` characters long, and no reply goes over Discord's limit.

This module knows nothing of the Bot class, so ``bot.client`` can use the command
tree defined here; ``bot.ui`` builds the typed helpers on top of it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands

from bot.errors import QUOTE_LIMIT, DomainError, quote
from bot.mentions import NO_PINGS

log = logging.getLogger(__name__)

INTERNAL_ERROR = "Something went wrong on our side; it has been logged. Please try again later."

MESSAGE_LIMIT = 2000
"""Discord refuses message content longer than this."""
SENTENCE_LIMIT = 1900
"""Where ``clamp`` cuts a sentence, leaving room for what a caller appends."""

_SPAN = re.compile(r"`([^`]*)`")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_MASS_PING = re.compile(r"@(everyone|here)|<@&(\d+)>")


def _unquoted(text: str) -> str:
    text = _CONTROL.sub("", text)
    return _MASS_PING.sub(lambda m: m.group(0).replace("@", "@\u200b", 1), text)


def clamp(sentence: str, *, quote_limit: int = QUOTE_LIMIT, limit: int = SENTENCE_LIMIT) -> str:
    """A sentence that is safe to send: every inline code span (where member input is
    quoted) cleaned and cut to ``quote_limit`` characters, control characters dropped,
    ``@everyone``/``@here``/role mentions neutralised, and the whole under ``limit``."""
    parts: list[str] = []
    last = 0
    for match in _SPAN.finditer(sentence):
        parts.append(_unquoted(sentence[last : match.start()]))
        inner = match.group(1)
        parts.append(quote(inner, quote_limit) if inner else "``")
        last = match.end()
    parts.append(_unquoted(sentence[last:]))
    text = "".join(parts)
    if len(text) > limit:
        text = text[: limit - 2].rstrip() + "…"
        if text.count("`") % 2:
            text += "`"
    return text


def fit(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis) if it is longer; nothing else
    changes. For content the bot composed; error sentences go through ``clamp``."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def describe_error(error: BaseException) -> str | None:
    """The clamped sentence for an error the person can act on, or None for a bug."""
    sentence = _sentence(error)
    return None if sentence is None else clamp(sentence)


def _sentence(error: BaseException) -> str | None:
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, app_commands.MissingRole | app_commands.MissingAnyRole):
        return "Only coordinators can do that. Ask a coordinator if you need it done."
    if isinstance(error, app_commands.NoPrivateMessage):
        return "Use this command in the community's server, not in a DM."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} seconds."
    if isinstance(error, app_commands.TransformerError):
        return (
            f"{quote(error.value)} isn't a valid {error.type.name.lower()}. Check it and try again."
        )
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here."
    return None


async def reply_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    """An ephemeral sentence, as the response or (if already responded) a follow-up.
    A failure to send is logged, never raised: this is the last step of the error path."""
    text = clamp(text, limit=MESSAGE_LIMIT)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            try:
                await interaction.response.send_message(
                    text, ephemeral=True, allowed_mentions=NO_PINGS
                )
            except discord.InteractionResponded:
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("could not send an error reply for interaction %s", interaction.id)


async def handle_interaction_error(
    interaction: discord.Interaction[Any], error: BaseException, where: str
) -> None:
    """The one error path for commands, views, modals and persistent items."""
    sentence = describe_error(error)
    if sentence is None:
        original = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        log.error(
            "unhandled error in %s (interaction %s, user %s)",
            where,
            interaction.id,
            interaction.user.id,
            exc_info=original,
        )
        sentence = INTERNAL_ERROR
    await reply_ephemeral(interaction, sentence)


STRING_OPTION_MAX = 1000
"""The longest value any string option takes when its command sets no tighter bound.
Discord enforces it as the option's ``max_length``; longer text belongs in a form."""


def bound_string_options(command: app_commands.Command[Any, ..., Any]) -> None:
    """Give every free-text string option of ``command`` a ``max_length``."""
    for param in command._params.values():
        if (
            param.type is discord.AppCommandOptionType.string
            and not param.choices
            and param.max_value is None
        ):
            param.max_value = STRING_OPTION_MAX


class CopCommandTree(app_commands.CommandTree[Any]):
    """The command tree: one ``on_error`` for every command, and every string option
    bounded (``STRING_OPTION_MAX`` unless the command says less) when commands sync."""

    async def sync(
        self, *, guild: discord.abc.Snowflake | None = None
    ) -> list[app_commands.AppCommand]:
        for command in self.walk_commands(guild=guild):
            if isinstance(command, app_commands.Command):
                bound_string_options(command)
        return await super().sync(guild=guild)

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "a command"
        await handle_interaction_error(interaction, error, f"/{name}")
