"""Allowed-mention policies. Every post the bot makes uses one of these, so text a
member typed can never ping ``@everyone``, ``@here`` or a role."""

from __future__ import annotations

from collections.abc import Iterable

import discord

NO_PINGS = discord.AllowedMentions.none()
"""Pings nobody: for any post that only displays text."""

SAFE_DEFAULT = discord.AllowedMentions(everyone=False, roles=False, users=False, replied_user=False)
"""The bot-wide default (``Bot.allowed_mentions``): a post that forgets to choose pings nobody."""


def only_users(users: Iterable[discord.abc.Snowflake | int]) -> discord.AllowedMentions:
    """Ping exactly these users, named on purpose; never everyone, here or roles."""
    objects = [discord.Object(u) if isinstance(u, int) else u for u in users]
    return discord.AllowedMentions(everyone=False, roles=False, users=objects, replied_user=False)
