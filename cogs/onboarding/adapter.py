"""The Discord side of onboarding's flows: the port they send through and the member
list the sweep reads, implemented with discord.py.

The member list comes from ``GET /guilds/{id}/members`` in pages of 1,000, bounded by a
timeout (a second gateway chunk request can wait forever), and is read straight from the
JSON: the whole server is never held as ``discord.Member`` objects.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.messaging import DMS_CLOSED
from bot.services.onboarding.outreach import Delivery, Outgoing, Outreach, Posted
from bot.services.onboarding.sweep import Census, Present
from cogs.onboarding.render import Message, Texts

if TYPE_CHECKING:
    from bot.client import CopBot

log = logging.getLogger(__name__)

MEMBER_LIST_TIMEOUT = 120.0
"""Seconds the whole member list may take (50 pages at 50,000 people)."""


def _message(message: Outgoing) -> Message:
    if not isinstance(message, Message):
        raise TypeError(f"not an onboarding message: {type(message).__name__}")
    return message


class DiscordPort:
    """``bot.services.onboarding.outreach.Port`` over the running bot."""

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    async def dm(self, user_id: int, message: Outgoing) -> Delivery:
        out = _message(message)
        try:
            user = self.bot.get_user(user_id) or await self.bot.fetch_user(user_id)
            await user.send(
                content=out.content,
                embeds=out.embeds,
                view=out.view or discord.utils.MISSING,
                allowed_mentions=out.allowed_mentions,
            )
        except discord.NotFound:
            return Delivery.GONE
        except discord.Forbidden as exc:
            if exc.code == DMS_CLOSED:
                log.info("DMs closed for user %s", user_id)
                return Delivery.CLOSED
            log.warning("could not DM user %s (HTTP %s, code %s)", user_id, exc.status, exc.code)
            return Delivery.FAILED
        except discord.HTTPException as exc:
            log.warning("could not DM user %s (HTTP %s, code %s)", user_id, exc.status, exc.code)
            return Delivery.FAILED
        return Delivery.SENT

    async def post(self, channel_id: int, message: Outgoing) -> Posted | None:
        out = _message(message)
        try:
            channel = await self.bot.text_channel(channel_id)
            sent = await channel.send(
                content=out.content,
                embeds=out.embeds,
                view=out.view or discord.utils.MISSING,
                allowed_mentions=out.allowed_mentions,
            )
        except (discord.HTTPException, TypeError):
            log.exception("could not post in channel %s", channel_id)
            return None
        return Posted(sent.channel.id, sent.id)

    async def edit(self, channel_id: int, message_id: int, message: Outgoing) -> bool:
        out = _message(message)
        try:
            channel = await self.bot.text_channel(channel_id)
            if not isinstance(channel, discord.TextChannel | discord.Thread | discord.DMChannel):
                return False
            partial = channel.get_partial_message(message_id)
            if out.content is not None:
                await partial.edit(
                    content=out.content,
                    embeds=out.embeds,
                    view=out.view,
                    allowed_mentions=out.allowed_mentions,
                )
            else:
                await partial.edit(
                    embeds=out.embeds, view=out.view, allowed_mentions=out.allowed_mentions
                )
        except discord.HTTPException as exc:
            log.info("could not edit message %s (HTTP %s)", message_id, exc.status)
            return False
        return True

    async def pin(self, channel_id: int, message_id: int) -> bool:
        try:
            channel = await self.bot.text_channel(channel_id)
            if not isinstance(channel, discord.TextChannel | discord.Thread):
                return False
            await channel.get_partial_message(message_id).pin(reason="How to join")
        except discord.HTTPException as exc:
            log.warning("could not pin message %s (HTTP %s)", message_id, exc.status)
            return False
        return True

    async def _member(self, user_id: int) -> discord.Member | None:
        guild = self.bot.guild
        if guild is None:
            return None
        found = guild.get_member(user_id)
        if found is not None:
            return found
        try:
            return await guild.fetch_member(user_id)
        except discord.NotFound:
            return None

    async def member_roles(self, user_id: int) -> frozenset[int] | None:
        member = await self._member(user_id)
        return None if member is None else frozenset(r.id for r in member.roles)

    async def add_role(self, user_id: int, role_id: int, reason: str) -> bool:
        return await self._roles(user_id, role_id, reason, add=True)

    async def remove_role(self, user_id: int, role_id: int, reason: str) -> bool:
        return await self._roles(user_id, role_id, reason, add=False)

    async def _roles(self, user_id: int, role_id: int, reason: str, *, add: bool) -> bool:
        guild = self.bot.guild
        if guild is None:
            return False
        try:
            route = guild.get_member(user_id) or discord.Object(user_id)
            if add:
                await self.bot.http.add_role(guild.id, route.id, role_id, reason=reason)
            else:
                await self.bot.http.remove_role(guild.id, route.id, role_id, reason=reason)
        except discord.HTTPException as exc:
            log.error("could not change role %s of %s: HTTP %s", role_id, user_id, exc.status)
            return False
        return True


PAGE = 1000
"""The most members Discord returns per request."""


def present(data: Any) -> Present | None:
    """One guild member object from the API, or None for a bot."""
    user = data["user"]
    if user.get("bot"):
        return None
    name = data.get("nick") or user.get("global_name") or user.get("username") or ""
    joined = data.get("joined_at")
    return Present(
        int(user["id"]),
        name,
        discord.utils.parse_time(joined) if joined else None,
        tuple(int(r) for r in data.get("roles", ())),
    )


class DiscordMemberList:
    """``bot.services.onboarding.sweep.MemberList``: the server's people, page by page."""

    def __init__(self, bot: CopBot, timeout: float = MEMBER_LIST_TIMEOUT) -> None:
        self.bot = bot
        self.timeout = timeout

    async def census(self) -> Census | None:
        guild = self.bot.guild
        if guild is None:
            return None
        people: list[Present] = []
        complete = True
        try:
            async with asyncio.timeout(self.timeout):
                after = 0
                while True:
                    page = await self.bot.http.get_members(guild.id, PAGE, after)
                    people.extend(p for p in map(present, page) if p is not None)
                    if len(page) < PAGE:
                        break
                    after = int(page[-1]["user"]["id"])
        except TimeoutError:
            log.warning(
                "the member list of %s did not arrive in %ss; %d people so far",
                guild.name,
                self.timeout,
                len(people),
            )
            complete = False
        except discord.HTTPException as exc:
            log.warning(
                "the member list stopped at HTTP %s; %d people so far", exc.status, len(people)
            )
            complete = False
        return Census(people, complete)


def outreach(bot: CopBot) -> Outreach:
    """The flows' dependencies for the running bot."""
    return Outreach(bot.db, bot.config, bot.clock, DiscordPort(bot), Texts(bot.config))
