"""The swap request's Accept / Decline buttons: persistent (``DynamicItem``, the swap id
in the custom id), and only the asked member may press them."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

import discord

from bot.mentions import NO_PINGS, only_users
from bot.models import SwapStatus
from bot.services import rotation
from bot.services.rotation import RotationRules, SwapView
from bot.ui import handle_interaction_error
from cogs.rotation.render import when

if TYPE_CHECKING:
    from bot.client import CopBot

SWAP_TEMPLATE = r"rotation:swap:(?P<action>accept|decline):(?P<id>[0-9]+)"


def swap_request_text(view: SwapView) -> str:
    text = (
        f"{view.target_mention}, {view.requester_mention} asks you to facilitate the meeting "
        f"on {when(view.meeting)} in their place."
    )
    if view.return_meeting is not None:
        text += f" In return they'll take your turn on {when(view.return_meeting)}."
    return text + "\nOnly you can answer, with the buttons below."


def swap_buttons(swap_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(SwapButton(swap_id, "accept"))
    view.add_item(SwapButton(swap_id, "decline"))
    return view


class SwapButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=SWAP_TEMPLATE):
    def __init__(self, swap_id: int, action: str) -> None:
        accept = action == "accept"
        super().__init__(
            discord.ui.Button(
                label="Accept swap" if accept else "Decline",
                style=discord.ButtonStyle.success if accept else discord.ButtonStyle.secondary,
                custom_id=f"rotation:swap:{action}:{swap_id}",
            )
        )
        self.swap_id = swap_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> SwapButton:
        return cls(int(match["id"]), match["action"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self._pressed(interaction)
        except Exception as exc:
            await handle_interaction_error(interaction, exc, "the swap buttons")

    async def _pressed(self, interaction: discord.Interaction[Any]) -> None:
        bot = cast("CopBot", interaction.client)
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
        view = decision.view
        asked = f"<@{view.target.user_id}>"
        requester = f"<@{view.requester.user_id}>"
        if decision.status is SwapStatus.ACCEPTED:
            outcome = f"✅ {asked} accepted: they facilitate on {when(view.meeting)}."
            if decision.exchanged and view.return_meeting is not None:
                outcome += f" {requester} takes their turn on {when(view.return_meeting)}."
            notice = f"{requester}, {asked} accepted your swap for {when(view.meeting)}."
        elif decision.status is SwapStatus.DECLINED:
            outcome = f"{asked} declined the swap for {when(view.meeting)}."
            notice = (
                f"{requester}, {asked} can't swap {when(view.meeting)}. You could ask someone "
                "else with `/roster swap`, or mark yourself unavailable with `/roster unavailable`."
            )
        else:
            outcome = f"This swap can't go ahead: {decision.note}"
            notice = ""
        await interaction.response.edit_message(
            content=outcome, view=None, allowed_mentions=NO_PINGS
        )
        if notice:
            await interaction.followup.send(
                notice, allowed_mentions=only_users([view.requester.user_id])
            )
