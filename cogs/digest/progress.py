"""Showing a large digest export's progress in the coordinator's deferred reply."""

from __future__ import annotations

import asyncio
import contextlib

import discord

from bot.mentions import NO_PINGS
from bot.services.learnings.stream import Progress
from bot.ui import CopInteraction
from cogs.digest.render import progress_text


class ProgressReporter:
    """Edits the deferred reply as the export goes, every tenth, never two edits at once
    (the export does not wait for Discord)."""

    def __init__(self, interaction: CopInteraction) -> None:
        self.interaction = interaction
        self.total = 0
        self.step = -1
        self.task: asyncio.Task[None] | None = None

    async def _edit(self, text: str) -> None:
        with contextlib.suppress(discord.HTTPException):  # a courtesy; the result still comes
            await self.interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)

    async def start(self, total: int) -> Progress:
        """Show 0 of ``total``; what the export calls as it goes is ``update``."""
        self.total = total
        self.step = 0
        await self._edit(progress_text(total, 0))
        return self.update

    def update(self, done: int, total: int) -> None:
        step = done * 10 // max(1, total)
        if step <= self.step or (self.task is not None and not self.task.done()):
            return
        self.step = step
        self.task = asyncio.create_task(self._edit(progress_text(self.total, done)))

    async def finish(self) -> None:
        """Wait for the last edit, if the export showed its progress at all."""
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)
