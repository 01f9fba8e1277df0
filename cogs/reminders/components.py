"""The persistent buttons on reminders: the facilitator's confirmation, "Record a
learning" on the learning prompt, and snooze on a personal reminder. They are
``CopItem``s carrying their ids in the ``custom_id``, so they keep working after a
restart; their custom ids are written by ``render``."""

from __future__ import annotations

from typing import Any

import discord

from bot import port
from bot.mentions import NO_PINGS
from bot.services import reminders as svc
from bot.timeutil import show
from bot.ui import CopButton, CopInteraction, bot_of, choices, send
from cogs.learnings import open_learning_form


def sender_of(interaction: discord.Interaction[Any]) -> svc.ReminderSender:
    """The running reminder sender (held by the reminders cog)."""
    cog = bot_of(interaction).get_cog("Reminders")
    sender = getattr(cog, "engine", None)
    if not isinstance(sender, svc.ReminderSender):
        raise RuntimeError("the reminders cog is not loaded")
    return sender


class ConfirmButton(CopButton, template=r"rem:confirm:(?P<meeting_id>\d+):(?P<confirmed>yes|no)"):
    """The facilitator's "I'll be there" / "I can't make it"."""

    meeting_id: int
    confirmed: bool = choices(
        {"yes": ("I'll be there", discord.ButtonStyle.success), "no": "I can't make it"}
    )

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = interaction.client
        sender = sender_of(interaction)
        async with bot.db.transaction() as session:
            outcome = await svc.answer_confirmation(
                session,
                self.meeting_id,
                interaction.user.id,
                confirmed=self.confirmed,
                now=bot.clock(),
                settings=sender.settings,
            )
        sender.apply(outcome.planned)
        when = show(outcome.meeting.starts_at, "F")
        if self.confirmed:
            text = f"✅ Thanks, you're confirmed to facilitate on {when}."
        else:
            text = (
                f"Thanks for letting us know. The coordinators have been told you can't "
                f"facilitate on {when}, and someone will be asked to stand by."
            )
        if not outcome.changed:
            text = "You'd already answered that. " + text
        if interaction.message is not None and interaction.message.embeds:
            embed = interaction.message.embeds[0].copy()
            embed.description = f"{text}\n\n{embed.description or ''}".strip()[:4096]
            await interaction.response.edit_message(
                embed=embed, view=None, allowed_mentions=NO_PINGS
            )
        else:
            await send(interaction, text)
        if outcome.planned.planned:
            await sender.wake()


class RecordLearningButton(CopButton, template=r"rem:learn:(?P<meeting_id>\d+)"):
    """On the learning prompt: opens the learning form, linked to the meeting."""

    meeting_id: int
    label = "Record a learning"
    style = discord.ButtonStyle.primary

    async def pressed(self, interaction: CopInteraction) -> None:
        if interaction.client.get_cog("Learnings") is None:
            await send(
                interaction, "Recording learnings isn't switched on here. Ask a coordinator."
            )
            return
        await open_learning_form(interaction, meeting_id=self.meeting_id)


class SnoozeButton(
    CopButton,
    template=r"rem:snooze:(?P<reminder_id>\d+):(?P<choice>10m|1h|tomorrow)",
):
    """On a personal reminder's DM: send it again in 10 minutes, an hour, or tomorrow."""

    reminder_id: int
    choice: str = choices(
        {
            choice: f"Snooze {label}" if choice != "tomorrow" else "Snooze till tomorrow"
            for choice, label in svc.SNOOZES.items()
        }
    )
    emoji = "💤"

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = interaction.client
        sender = sender_of(interaction)
        async with bot.db.transaction() as session:
            due, planned = await svc.snooze(
                session,
                bot.clock(),
                self.reminder_id,
                user_id=interaction.user.id,
                choice=self.choice,
                zone=bot.zone,
            )
        sender.apply(planned)
        await send(
            interaction,
            f"💤 Snoozed: I'll remind you again {show(due, 'F')} ({show(due, 'R')}).",
        )


class PortButtons:
    """These buttons as port buttons, for the reminders' DMs and posts
    (``cogs.reminders.render.Buttons``)."""

    def confirm(self, meeting_id: int) -> tuple[port.Button, ...]:
        return (
            ConfirmButton(meeting_id, confirmed=True).as_port(),
            ConfirmButton(meeting_id, confirmed=False).as_port(),
        )

    def learning(self, meeting_id: int) -> tuple[port.Button, ...]:
        return (RecordLearningButton(meeting_id).as_port(),)

    def snooze(self, reminder_id: int) -> tuple[port.Button, ...]:
        return tuple(SnoozeButton(reminder_id, choice).as_port() for choice in svc.SNOOZES)


BUTTONS = PortButtons()
"""The one the reminders' render takes."""

DYNAMIC_ITEMS = (ConfirmButton, RecordLearningButton, SnoozeButton)
