"""Meetings and the fair facilitation rotation (issue 4): /meeting and /roster."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.rotation.meetings import Meetings
from cogs.rotation.roster import Roster

if TYPE_CHECKING:
    from bot.client import CopBot


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Meetings(bot))
    await bot.add_cog(Roster(bot))
