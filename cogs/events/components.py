"""Recording who came: the persistent "Record who came" button posted after a meeting,
and the member picker it (and ``/meeting attendance``) opens, prefilled from the RSVPs."""

from __future__ import annotations

from typing import Any

import discord

from bot.checks import is_coordinator
from bot.errors import NotAllowed, NotFound
from bot.models import Meeting
from bot.services import events
from bot.ui import CopButton, CopInteraction, OwnerOnlyView, bot_of, send
from cogs.events.render import attendance_prompt, attendance_saved

PICK_LIMIT = 25


async def open_picker(interaction: CopInteraction, meeting_id: int) -> None:
    """Show the presser a member picker for who came, prefilled with those recorded or,
    if nobody is yet, with those who marked the event Interested."""
    bot = interaction.client
    coordinator = is_coordinator(interaction.user, bot.config)
    async with bot.db.transaction() as session:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None:
            raise NotFound("That meeting no longer exists.")
        if not events.may_record(meeting, interaction.user.id, coordinator=coordinator):
            raise NotAllowed(
                "Only the meeting's facilitators and the coordinators can record who came."
            )
        recorded = await events.attended(session, meeting_id)
        prefill = recorded or await events.coming(session, meeting_id)
    view = AttendancePicker(interaction.user.id, meeting_id, prefill[:PICK_LIMIT])
    await send(
        interaction,
        attendance_prompt(meeting, len(prefill[:PICK_LIMIT]), from_rsvps=not recorded),
        view=view,
    )


class AttendancePicker(OwnerOnlyView):
    """A one-person picker (it times out; the button or the command opens a new one)."""

    def __init__(self, owner_id: int, meeting_id: int, prefill: list[int]) -> None:
        super().__init__(owner_id, timeout=600)
        self.meeting_id = meeting_id
        select: discord.ui.UserSelect[AttendancePicker] = discord.ui.UserSelect(
            placeholder="Who came?",
            min_values=0,
            max_values=PICK_LIMIT,
            default_values=[
                discord.SelectDefaultValue(id=uid, type=discord.SelectDefaultValueType.user)
                for uid in prefill
            ],
        )
        select.callback = self._picked  # type: ignore[method-assign]
        self.select = select
        self.add_item(select)

    async def _picked(self, interaction: discord.Interaction[Any]) -> None:
        bot = bot_of(interaction)
        coordinator = is_coordinator(interaction.user, bot.config)
        chosen = [user.id for user in self.select.values if not user.bot]
        async with bot.db.transaction() as session:
            meeting = await session.get(Meeting, self.meeting_id)
            if meeting is None:
                raise NotFound("That meeting no longer exists.")
            recorded = await events.record(
                session,
                meeting,
                chosen,
                by_user=interaction.user.id,
                coordinator=coordinator,
                now=bot.clock(),
            )
        await interaction.response.edit_message(
            content=attendance_saved(len(recorded.attended), len(recorded.unknown)), view=None
        )


class AttendanceButton(CopButton, template=r"events:attendance:(?P<meeting_id>[0-9]{1,10})"):
    where = "the attendance button"

    meeting_id: int
    label = "Record who came"
    style = discord.ButtonStyle.primary

    async def pressed(self, interaction: CopInteraction) -> None:
        await open_picker(interaction, self.meeting_id)
