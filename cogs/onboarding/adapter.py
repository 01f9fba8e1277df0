"""The Discord side of onboarding's flows and sweep, beyond the bot's one port: pinning,
and the member list the sweep reads.

The member list comes from ``GET /guilds/{id}/members`` in pages of 1,000, bounded by a
timeout (a second gateway chunk request can wait forever), and is read straight from the
JSON: the whole server is never held as ``discord.Member`` objects.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.services.onboarding.outreach import Outreach
from bot.services.onboarding.sweep import Census, Present
from cogs.onboarding.render import Texts

if TYPE_CHECKING:
    from bot.client import CopBot

log = logging.getLogger(__name__)

MEMBER_LIST_TIMEOUT = 120.0
"""Seconds the whole member list may take (50 pages at 50,000 people)."""


class DiscordPins:
    """``bot.services.onboarding.outreach.Pins`` over the running bot."""

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

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
    """The flows' dependencies for the running bot: its one port, and onboarding's texts."""
    return Outreach(
        bot.db,
        bot.config,
        bot.clock,
        bot.port,
        Texts(bot.config),
        DiscordPins(bot),
        bot.outbox.wake,
    )
