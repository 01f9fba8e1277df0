"""Sending helpers shared by the capabilities."""

from __future__ import annotations

import logging
from typing import Any

import discord

log = logging.getLogger(__name__)

DMS_CLOSED = 50007
"""Discord's error code for "Cannot send messages to this user"."""


async def try_dm(client: discord.Client, user_id: int, **kwargs: Any) -> discord.Message | None:
    """DM a user. Returns None when their DMs are closed (50007), so the caller can
    fall back to a channel mention; other HTTP errors propagate."""
    user = client.get_user(user_id) or await client.fetch_user(user_id)
    try:
        return await user.send(**kwargs)
    except discord.Forbidden as exc:
        if exc.code == DMS_CLOSED:
            log.info("DMs closed for user %s", user_id)
            return None
        raise
