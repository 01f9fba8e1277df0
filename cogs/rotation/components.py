"""The rotation's persistent buttons: a swap request's Accept / Decline (the swap id
in the custom id; only the asked member may press them)."""

from __future__ import annotations

import discord

from bot.mentions import NO_PINGS, only_users
from bot.models import SwapStatus
from bot.services import rotation
from bot.services.rotation import RotationRules
from bot.ui import CopButton, CopInteraction, CopView, choices, persistent_view
from cogs.rotation.render import moved_text, swap_decision_text

SWAP_TEMPLATE = r"rotation:swap:(?P<action>accept|decline):(?P<swap_id>[0-9]{1,19})"


def swap_buttons(swap_id: int) -> CopView:
    return persistent_view(SwapButton(swap_id, "accept"), SwapButton(swap_id, "decline"))


class SwapButton(CopButton, template=SWAP_TEMPLATE):
    where = "the swap buttons"

    swap_id: int
    action: str = choices(
        {"accept": ("Accept swap", discord.ButtonStyle.success), "decline": "Decline"}
    )

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = interaction.client
        rules = RotationRules.from_config(bot.config)
        async with bot.db.transaction() as session:
            decision = await rotation.decide_swap(
                session,
                self.swap_id,
                user_id=interaction.user.id,
                accept=self.action == "accept",
                now=bot.clock(),
                rules=rules,
            )
        if decision.status is SwapStatus.ACCEPTED:
            bot.dispatch("cop_meetings_changed")
        outcome, notice = swap_decision_text(decision)
        await interaction.response.edit_message(
            content=outcome, view=None, allowed_mentions=NO_PINGS
        )
        if notice:
            await interaction.followup.send(
                notice, allowed_mentions=only_users([decision.view.requester.user_id])
            )
        if decision.moved:
            await interaction.followup.send(
                moved_text(decision.moved),
                allowed_mentions=only_users([m.member.user_id for m in decision.moved]),
            )
