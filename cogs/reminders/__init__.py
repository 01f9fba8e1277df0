"""Scheduled reminders that survive restarts (issue 6).

- ``cog``: the slash commands (/reminder add|list|cancel|status, /remindme) and the
  facilitator's confirmation button.
- ``engine``: the scheduler jobs and the sending side of the engine.
- ``render``: what each reminder looks like.
- ``views``: the persistent buttons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.reminders.cog import Reminders

if TYPE_CHECKING:
    from bot.client import CopBot

__all__ = ["Reminders", "setup"]


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Reminders(bot))
