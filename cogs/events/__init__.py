"""Meetings where Discord shows them: scheduled events, RSVPs, threads and attendance.

Other capabilities use :func:`open_picker` (record who came) from here.
"""

from __future__ import annotations

from bot.client import CopBot
from cogs.events.cog import Events
from cogs.events.components import open_picker
from cogs.events.render import status_lines

__all__ = ["Events", "open_picker", "setup", "status_lines"]


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Events(bot))
