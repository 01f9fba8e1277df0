"""The discord.py implementation of :class:`bot.port.DiscordPort` (the only one).

Every send and edit sets ``allowed_mentions`` to ping only the users a
:class:`bot.port.Message` names, never ``@everyone``, ``@here`` or a role. Discord errors
become the port's small set (DmClosed, Gone, Forbidden, Transient). discord.py itself
waits out and retries 429s; a 429 that still surfaces becomes Transient with its
``retry_after``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot import port
from bot.mentions import NO_PINGS, only_users

if TYPE_CHECKING:
    from typing_extensions import Unpack

log = logging.getLogger(__name__)

DMS_CLOSED = 50007
"""Discord's error code for "Cannot send messages to this user"."""

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


def _retry_after(exc: discord.HTTPException) -> float | None:
    response: Any = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        return (
            float(headers.get("Retry-After") or headers.get("X-RateLimit-Reset-After") or 0) or None
        )
    except (TypeError, ValueError):
        return None


def translate(exc: BaseException) -> port.PortError:
    """A discord.py or network exception as a port error."""
    if isinstance(exc, port.PortError):
        return exc
    if isinstance(exc, discord.RateLimited):
        return port.Transient("rate limited", retry_after=exc.retry_after)
    if isinstance(exc, discord.Forbidden):
        if exc.code == DMS_CLOSED:
            return port.DmClosed(f"{exc.status} {exc.code}")
        return port.Forbidden(f"{exc.status} {exc.code}")
    if isinstance(exc, discord.NotFound):
        return port.Gone(f"{exc.status} {exc.code}")
    if isinstance(exc, discord.HTTPException):
        if exc.status == 429:
            return port.Transient("429", retry_after=_retry_after(exc))
        if exc.status >= 500:
            return port.Transient(f"{exc.status} {exc.code}")
        return port.PortError(f"{exc.status} {exc.code}")
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | OSError):
        return port.Transient(type(exc).__name__)
    return port.Transient(f"unexpected {type(exc).__name__}")


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Inside it, anything discord.py or the network raises becomes a ``port.PortError``."""
    try:
        yield
    except port.PortError:
        raise
    except (TimeoutError, discord.DiscordException, aiohttp.ClientError, OSError) as exc:
        raise translate(exc) from exc


def embed_of(card: port.Card) -> discord.Embed:
    embed = discord.Embed(
        title=card.title,
        description=card.description,
        colour=card.colour,
        url=card.url,
    )
    for f in card.fields:
        embed.add_field(name=f.name, value=f.value, inline=f.inline)
    if card.footer:
        embed.set_footer(text=card.footer)
    return embed


def view_of(buttons: tuple[port.Button, ...]) -> discord.ui.View | None:
    """The buttons as a view that is never stored: a press is handled by the persistent
    item whose template matches the custom id, so nothing grows per message sent."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for b in buttons:
        view.add_item(
            discord.ui.Button(
                label=b.label,
                custom_id=b.custom_id,
                url=b.url,
                style=discord.ButtonStyle.link if b.url else _STYLES[b.style],
                emoji=b.emoji,
            )
        )
    view.stop()
    return view


def send_kwargs(message: port.Message) -> dict[str, Any]:
    """The keyword arguments of ``Messageable.send`` for a port message."""
    kwargs: dict[str, Any] = {
        "content": message.content,
        "embeds": [embed_of(c) for c in message.cards],
        "allowed_mentions": only_users(message.ping_users) if message.ping_users else NO_PINGS,
    }
    view = view_of(message.buttons)
    if view is not None:
        kwargs["view"] = view
    if message.nonce is not None:
        kwargs["nonce"] = message.nonce
    return kwargs


def _marked(message: discord.Message, marker: str) -> bool:
    if (message.content or "").endswith(marker):
        return True
    return any((e.footer.text or "").endswith(marker) for e in message.embeds)


class DiscordPort:
    """The port over a discord.py client, for one guild."""

    def __init__(self, client: discord.Client, guild_id: int) -> None:
        self.client = client
        self.guild_id = guild_id

    async def _dm_channel(self, user_id: int) -> discord.DMChannel:
        """The DM channel: from the cache, or one request to open it (no user lookup)."""
        return await self.client.create_dm(discord.Object(user_id))

    async def _messageable(self, channel_id: int) -> discord.abc.Messageable:
        channel = self.client.get_channel(channel_id)
        if channel is None:
            channel = await self.client.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise port.Gone(f"channel {channel_id} cannot hold messages")
        return channel

    async def _guild(self) -> discord.Guild:
        guild = self.client.get_guild(self.guild_id)
        if guild is None:
            guild = await self.client.fetch_guild(self.guild_id)
        return guild

    async def dm(self, user_id: int, message: port.Message) -> port.Sent:
        with translated():
            channel = await self._dm_channel(user_id)
            sent = await channel.send(**send_kwargs(message))
            return port.Sent(sent.channel.id, sent.id)

    async def post(self, channel_id: int, message: port.Message) -> port.Sent:
        with translated():
            channel = await self._messageable(channel_id)
            sent = await channel.send(**send_kwargs(message))
            return port.Sent(sent.channel.id, sent.id)

    async def start_thread(
        self, channel_id: int, name: str, message: port.Message, *, private: bool = False
    ) -> port.Sent:
        with translated():
            channel = await self._messageable(channel_id)
            if not isinstance(channel, discord.TextChannel):
                raise port.Forbidden(f"channel {channel_id} cannot hold threads")
            thread = await channel.create_thread(
                name=name[:100],
                type=discord.ChannelType.private_thread
                if private
                else discord.ChannelType.public_thread,
                auto_archive_duration=10080,
            )
            sent = await thread.send(**send_kwargs(message))
            return port.Sent(thread.id, sent.id)

    async def edit(self, channel_id: int, message_id: int, message: port.Message) -> port.Sent:
        with translated():
            channel = await self._messageable(channel_id)
            if not hasattr(channel, "get_partial_message"):
                raise port.Gone(f"channel {channel_id} has no messages to edit")
            partial = channel.get_partial_message(message_id)
            kwargs = send_kwargs(message)
            kwargs.pop("nonce", None)
            kwargs.setdefault("view", None)
            edited = await partial.edit(**kwargs)
            return port.Sent(edited.channel.id, edited.id)

    async def forum_post(
        self, forum_id: int, name: str, message: port.Message, tag_ids: Sequence[int] = ()
    ) -> port.Sent:
        with translated():
            forum = self.client.get_channel(forum_id)
            if forum is None:
                forum = await self.client.fetch_channel(forum_id)
            if not isinstance(forum, discord.ForumChannel):
                raise port.Gone(f"channel {forum_id} is not a forum")
            tags = [t for t in (forum.get_tag(i) for i in tag_ids) if t is not None]
            kwargs = send_kwargs(message)
            kwargs.pop("nonce", None)
            made = await forum.create_thread(name=name[:100], applied_tags=tags[:5], **kwargs)
            return port.Sent(made.thread.id, made.message.id)

    async def edit_thread(self, thread_id: int, **changes: Unpack[port.ThreadChanges]) -> None:
        fields: dict[str, Any] = {}
        if (archived := changes.get("archived")) is not None:
            fields["archived"] = archived
        if (name := changes.get("name")) is not None:
            fields["name"] = name[:100]
        if (tag_ids := changes.get("tag_ids")) is not None:
            fields["applied_tags"] = [str(i) for i in tag_ids][:5]
        if not fields:
            return
        with translated():
            await self.client.http.edit_channel(thread_id, **fields)

    async def unarchive(self, channel_id: int) -> bool:
        with translated():
            channel = self.client.get_channel(channel_id)
            if channel is None:
                channel = await self.client.fetch_channel(channel_id)
            if not isinstance(channel, discord.Thread) or not channel.archived:
                return False
            await channel.edit(archived=False)
            return True

    async def delete_channel(self, channel_id: int, *, reason: str = "") -> None:
        with translated():
            await self.client.http.delete_channel(channel_id, reason=reason or None)

    async def delete(self, channel_id: int, message_id: int) -> None:
        with translated():
            channel = await self._messageable(channel_id)
            if not hasattr(channel, "get_partial_message"):
                raise port.Gone(f"channel {channel_id} has no messages to delete")
            await channel.get_partial_message(message_id).delete()

    async def add_role(self, user_id: int, role_id: int, *, reason: str = "") -> None:
        with translated():
            guild = await self._guild()
            await self.client.http.add_role(guild.id, user_id, role_id, reason=reason or None)

    async def remove_role(self, user_id: int, role_id: int, *, reason: str = "") -> None:
        with translated():
            guild = await self._guild()
            await self.client.http.remove_role(guild.id, user_id, role_id, reason=reason or None)

    async def member(self, user_id: int) -> port.MemberInfo | None:
        with translated():
            guild = await self._guild()
            found = guild.get_member(user_id)
            if found is None:
                try:
                    found = await guild.fetch_member(user_id)
                except discord.NotFound:
                    return None
            return port.MemberInfo(
                user_id=found.id,
                display_name=found.display_name,
                role_ids=frozenset(r.id for r in found.roles),
                bot=found.bot,
            )

    async def _find(
        self, opening: Awaitable[discord.abc.Messageable], marker: str, limit: int
    ) -> port.Sent | None:
        """The bot's recent message in the channel ``opening`` gives that ends with
        ``marker``; None when there is none or the channel or its history can't be read."""
        try:
            with translated():
                channel = await opening
        except port.PortError:
            return None
        me = self.client.user
        try:
            async for message in channel.history(limit=limit):
                if me is not None and message.author.id == me.id and _marked(message, marker):
                    return port.Sent(message.channel.id, message.id)
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            log.warning(
                "could not read back a history (%s); relying on the nonce", type(exc).__name__
            )
        return None

    async def find_in_channel(
        self, channel_id: int, marker: str, *, limit: int = 100
    ) -> port.Sent | None:
        return await self._find(self._messageable(channel_id), marker, limit)

    async def find_in_dm(self, user_id: int, marker: str, *, limit: int = 100) -> port.Sent | None:
        return await self._find(self._dm_channel(user_id), marker, limit)


def _conforms(implementation: DiscordPort) -> port.DiscordPort:
    """mypy checks here that DiscordPort satisfies the protocol."""
    return implementation
