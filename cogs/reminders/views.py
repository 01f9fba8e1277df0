"""The buttons on reminders. They are ``DynamicItem``s carrying the meeting id in their
``custom_id``, so they keep working after a restart."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.ui import handle_interaction_error, reply_ephemeral

if TYPE_CHECKING:
    from cogs.reminders.cog import Reminders


def _cog(interaction: discord.Interaction[Any]) -> Reminders:
    cog = interaction.client.get_cog("Reminders")
    if cog is None:
        raise RuntimeError("the reminders cog is not loaded")
    return cog  # type: ignore[no-any-return]


class ConfirmButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"rem:confirm:(?P<meeting_id>\d+):(?P<answer>yes|no)",
):
    """The facilitator's "I'll be there" / "I can't make it"."""

    def __init__(self, meeting_id: int, confirmed: bool) -> None:
        answer = "yes" if confirmed else "no"
        super().__init__(
            discord.ui.Button(
                label="I'll be there" if confirmed else "I can't make it",
                style=discord.ButtonStyle.success if confirmed else discord.ButtonStyle.secondary,
                custom_id=f"rem:confirm:{meeting_id}:{answer}",
            )
        )
        self.meeting_id = meeting_id
        self.confirmed = confirmed

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ConfirmButton:
        return cls(int(match["meeting_id"]), match["answer"] == "yes")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await _cog(interaction).press_confirm(interaction, self.meeting_id, self.confirmed)
        except Exception as exc:  # the one error path, as for views
            await handle_interaction_error(interaction, exc, "ConfirmButton")


class LearningButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"rem:learn:(?P<meeting_id>\d+)"
):
    """Opens the learning form, linked to the meeting."""

    def __init__(self, meeting_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Record a learning",
                style=discord.ButtonStyle.primary,
                custom_id=f"rem:learn:{meeting_id}",
            )
        )
        self.meeting_id = meeting_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> LearningButton:
        return cls(int(match["meeting_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await open_learning_form(interaction, self.meeting_id)
        except Exception as exc:
            await handle_interaction_error(interaction, exc, "LearningButton")


async def open_learning_form(interaction: discord.Interaction[Any], meeting_id: int) -> None:
    """Hand over to the learnings capability's form; point to /learning add without it."""
    if interaction.client.get_cog("Learnings") is None:
        await reply_ephemeral(
            interaction, "Recording learnings isn't switched on here. Ask a coordinator."
        )
        return
    from cogs.learnings import open_learning_form as open_form

    await open_form(interaction, meeting_id=meeting_id)


def confirm_view(meeting_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ConfirmButton(meeting_id, True))
    view.add_item(ConfirmButton(meeting_id, False))
    return view


def learning_view(meeting_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(LearningButton(meeting_id))
    return view


DYNAMIC_ITEMS = (ConfirmButton, LearningButton)
