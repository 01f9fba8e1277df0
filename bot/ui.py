"""The one error path for app commands, views and modals, and the base UI classes.

A ``DomainError``, a failed check or a bad argument becomes an ephemeral sentence;
anything else is logged with its traceback and the person reads that it was logged.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.errors import DomainError
from bot.mentions import NO_PINGS

log = logging.getLogger(__name__)

INTERNAL_ERROR = "Something went wrong on our side; it has been logged. Please try again later."


def describe_error(error: BaseException) -> str | None:
    """The sentence for an error the person can act on, or None for a bug."""
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
        return f"`{error.value}` isn't a valid {error.type.name.lower()}. Check it and try again."
    if isinstance(error, app_commands.CheckFailure):
        return str(error) or "You can't use this command here."
    return None


async def reply_ephemeral(interaction: discord.Interaction[Any], text: str) -> None:
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("could not send an error reply for interaction %s", interaction.id)


async def handle_interaction_error(
    interaction: discord.Interaction[Any], error: BaseException, where: str
) -> None:
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


class CopCommandTree(app_commands.CommandTree[Any]):
    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.qualified_name if interaction.command else "a command"
        await handle_interaction_error(interaction, error, f"/{name}")


class CopView(discord.ui.View):
    """A view whose errors go through the one error path."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await handle_interaction_error(interaction, error, f"{type(self).__name__}")


class OwnerOnlyView(CopView):
    """A view that only one person may press; anyone else gets a polite refusal."""

    def __init__(self, owner_id: int, *, timeout: float | None = 180) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await reply_ephemeral(
            interaction, "These buttons are for someone else, so they can't be used by you."
        )
        return False


class CopModal(discord.ui.Modal):
    """A modal whose errors go through the one error path.

    Never log a modal's values: members type confidential text into forms.
    """

    async def on_error(  # type: ignore[override]  # Modal narrows BaseView's signature
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await handle_interaction_error(interaction, error, f"{type(self).__name__}")
