"""Showing a bulk send's progress to the coordinator who started it."""

from __future__ import annotations

import asyncio
import logging
import time

import discord

from bot.mentions import NO_PINGS
from bot.services import outbound
from bot.ui import CopInteraction
from cogs.notifications import render

log = logging.getLogger(__name__)

REFRESH_SECONDS = 3.0
FOLLOW_FOR_SECONDS = 14 * 60
"""An interaction's token lasts 15 minutes; after that, /outbound status shows progress."""


async def follow_progress(
    interaction: CopInteraction,
    batch_id: int,
    *,
    refresh_seconds: float = REFRESH_SECONDS,
) -> outbound.Progress:
    """Show the batch's progress in the interaction's response (deferred or sent before;
    it is edited) every few seconds until everything is sent or the interaction expires."""
    bot = interaction.client
    bot.outbox.wake()
    async with bot.db.transaction() as session:
        progress = await outbound.progress(session, batch_id)
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=True)
    started = time.monotonic()
    shown: outbound.Progress | None = None
    while True:
        if progress != shown:
            try:
                await interaction.edit_original_response(
                    content=None, embed=render.progress_embed(progress), allowed_mentions=NO_PINGS
                )
            except discord.HTTPException as exc:
                log.info("progress: could not update (HTTP %s); stopping", exc.status)
                break
            shown = progress
        if progress.done or time.monotonic() - started > FOLLOW_FOR_SECONDS:
            break
        await asyncio.sleep(refresh_seconds)
        async with bot.db.transaction() as session:
            progress = await outbound.progress(session, batch_id)
    return progress
