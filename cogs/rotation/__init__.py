"""Meetings and the fair facilitation rotation: /meeting and /roster."""

from __future__ import annotations

from bot.client import CopBot
from cogs.rotation.cog import Meetings, Roster


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Meetings(bot))
    await bot.add_cog(Roster(bot))
