"""Onboarding on the Discord side: /join and its form, coordinator review, the day-one
welcome, profiles, /connect, arrivals and leavers, renewal, and ``/onboarding invite``.

- ``cog``: the slash commands and listeners;
- ``components``: modals and persistent buttons;
- ``render``: embeds and texts, and the messages the flows send;
- ``adapter``: the port and member list the service-side flows and sweep use.
"""

from __future__ import annotations

from bot.client import CopBot
from cogs.onboarding.cog import Onboarding

__all__ = ["Onboarding", "setup"]


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Onboarding(bot))
