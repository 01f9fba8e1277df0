"""Scheduled reminders that survive restarts: the Discord side.

- ``cog``: the slash commands (/reminder add|list|cancel|status, /remindme).
- ``components``: the persistent buttons (confirm, record a learning, snooze).
- ``render``: what each reminder looks like, as port messages.

What is due and how it goes out is decided in ``bot.services.reminders`` (the sender),
which reaches Discord through the port.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.reminders.cog import Reminders

if TYPE_CHECKING:
    from bot.client import CopBot

__all__ = ["Reminders", "setup"]


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Reminders(bot))
