"""What each reminder looks like: pure functions from a delivery's context to a
:class:`bot.port.Message` (no Discord objects: the port sends them).

Every post's footer ends with ``ref R<delivery id>`` (:func:`marker`): after a crash the
sender finds an already-sent message by it instead of sending again. Every DM also points
to /notifications.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Protocol

from bot import port
from bot.models import ReminderKind, ReminderStep
from bot.services.outbound import NOTIFICATIONS_BUTTON, NOTIFICATIONS_LINE
from bot.services.reminders import (
    DeliveryContext,
    Extras,
    MeetingFacts,
    ReportLine,
    marker,
    schedule_of,
)
from bot.timeutil import show
from bot.ui import safe

COLOUR = 0x1ABC9C
"""Teal."""
ALERT_COLOUR = 0xE67E22
"""Orange."""
MAX_THEMES = 10
MAX_REPORT_LINES = 20
NAME_LIMIT = 60

__all__ = ["marker"]


class Buttons(Protocol):
    """The reminders' persistent buttons as port buttons (``cogs.reminders.components``
    implements it with its ``CopButton``s, which this module may not import)."""

    def confirm(self, meeting_id: int) -> tuple[port.Button, ...]:
        """A facilitator's "I'll be there" / "I can't make it"."""
        ...

    def learning(self, meeting_id: int) -> tuple[port.Button, ...]:
        """ "Record a learning" after a meeting."""
        ...

    def snooze(self, reminder_id: int) -> tuple[port.Button, ...]:
        """The snooze choices on a personal reminder's DM."""
        ...


def card(
    *,
    title: str | None = None,
    description: str | None = None,
    footer: str,
    delivery_id: int,
    colour: int = COLOUR,
    dm: bool = False,
) -> port.Card:
    """A card whose footer ends with the delivery's marker (and, in a DM, points to
    /notifications)."""
    parts = [footer] if footer else []
    if dm:
        parts.append(NOTIFICATIONS_LINE)
    parts.append(marker(delivery_id))
    return port.Card(
        title=title,
        description=description[:4096] if description else description,
        colour=colour,
        footer=" · ".join(parts),
    )


def dm_message(
    ctx: DeliveryContext,
    *,
    title: str,
    description: str,
    footer: str,
    buttons: tuple[port.Button, ...] = (),
) -> port.Message:
    """A DM of one card, its buttons, then the notification settings button."""
    return port.Message(
        cards=(
            card(
                title=title,
                description=description,
                footer=footer,
                delivery_id=ctx.claim.delivery_id,
                dm=True,
            ),
        ),
        buttons=(*buttons, NOTIFICATIONS_BUTTON),
    )


def meeting_name(meeting: MeetingFacts, community: str) -> str:
    return meeting.title or f"{community} meeting"


def _person(user_id: int | None, name: str) -> str:
    if user_id is None:
        return "nobody yet"
    return f"<@{user_id}>" + (f" ({name})" if name else "")


def meeting_details(meeting: MeetingFacts, *, people: bool = True) -> str:
    lines = [f"**When:** {show(meeting.starts_at, 'F')} ({show(meeting.starts_at, 'R')})"]
    if meeting.place:
        lines.append(f"**Where:** {meeting.place}")
    if people:
        lines.append(
            f"**Facilitator:** {_person(meeting.facilitator_user_id, meeting.facilitator_name)}"
        )
        if meeting.co_facilitator_user_id is not None:
            co = _person(meeting.co_facilitator_user_id, meeting.co_facilitator_name)
            lines.append(f"**Co-facilitator:** {co}")
    return "\n".join(lines)


def _in_words(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    if days >= 0.95 and abs(days - round(days)) < 0.05:
        n = round(days)
        return "tomorrow" if n == 1 else f"in {n} days"
    hours = round(delta.total_seconds() / 3600)
    if hours >= 1:
        return "in 1 hour" if hours == 1 else f"in {hours} hours"
    return "starting soon"


def _describe_step(line: ReportLine, community: str) -> str:
    meeting = (
        f" for {meeting_name(line.meeting, community)} on {show(line.meeting.starts_at, 'f')}"
        if line.meeting
        else ""
    )
    match line.step:
        case ReminderStep.GROUP:
            return f"the group reminder{meeting}"
        case ReminderStep.FACILITATOR_PACK:
            return f"the facilitator's hand-over pack{meeting}"
        case ReminderStep.CONFIRM_REQUEST:
            return f"the facilitator's confirmation request{meeting}"
        case ReminderStep.ESCALATION:
            return f"the unconfirmed-facilitator alert{meeting}"
        case ReminderStep.LEARNING_PROMPT:
            return f"the learning prompt{meeting}"
        case ReminderStep.CUSTOM:
            if line.reminder_channel_id is not None:
                return f"reminder `#{line.reminder_id}` in <#{line.reminder_channel_id}>"
            owner = f" of <@{line.personal_owner_id}>" if line.personal_owner_id else ""
            return f"personal reminder `#{line.reminder_id}`{owner}"
        case _:
            return "a report"


def _report_line(line: ReportLine, community: str) -> str:
    what = _describe_step(line, community)
    due = show(line.due_at, "f")
    if line.what == "missed":
        times = f" ({line.count} times, the last)" if line.count > 1 else ""
        return (
            f"• **Missed**{times}: {what}, due {due}; it was too late to send when the bot "
            "came back."
        )
    to = ""
    if line.target and line.target.startswith("user:"):
        to = f" to <@{line.target.split(':', 1)[1]}>"
    elif line.target and line.target.startswith("channel:"):
        to = f" in <#{line.target.split(':', 1)[1]}>"
    error = f" (`{line.error}`)" if line.error else ""
    return f"• **Not delivered**: {what}{to}, due {due}{error}."


def report_post(ctx: DeliveryContext, community: str) -> port.Message:
    lines = [_report_line(line, community) for line in ctx.report]
    shown = lines[:MAX_REPORT_LINES]
    if len(lines) > MAX_REPORT_LINES:
        shown.append(f"…and {len(lines) - MAX_REPORT_LINES} more.")
    description = (
        "\n".join(shown)[:4000]
        + "\n\nNothing was sent for these; follow up by hand where it still matters."
    )
    return port.Message(
        cards=(
            card(
                title="Reminders that didn't go out",
                description=description,
                footer="Reminder engine report",
                delivery_id=ctx.claim.delivery_id,
                colour=ALERT_COLOUR,
            ),
        )
    )


def coming_line(count: int) -> str:
    """The group reminder's count of RSVPs (nothing when nobody marked Interested)."""
    if count <= 0:
        return ""
    return f"**{count} {'member is' if count == 1 else 'members are'} coming.**"


def group_post(ctx: DeliveryContext, community: str, extras: Extras) -> port.Message:
    meeting = ctx.meeting
    assert meeting is not None
    when = _in_words(meeting.starts_at - ctx.occurrence.due_at)
    coming = coming_line(extras.coming_count)
    return port.Message(
        cards=(
            card(
                title=f"📅 {meeting_name(meeting, community)}: {when}",
                description=meeting_details(meeting) + (f"\n\n{coming}" if coming else ""),
                footer="Meeting reminder",
                delivery_id=ctx.claim.delivery_id,
            ),
        )
    )


def who_is_coming(extras: Extras) -> str:
    """The pack's list of who marked the meeting Interested: names only."""
    if not extras.coming and not extras.others_coming:
        return (
            "**Who is coming:** nobody has marked the meeting's event Interested yet; "
            "members see it in the server's Events list."
        )
    names = ", ".join(safe(name, NAME_LIMIT) for name in extras.coming)
    if extras.others_coming:
        more = f"{extras.others_coming} {'other' if extras.others_coming == 1 else 'others'}"
        names = f"{names} and {more}" if names else more
    return f"**Who is coming** ({extras.coming_count} marked Interested): {names}"


def newcomer_roles(extras: Extras) -> str:
    """The pack's line about newcomers who took a light role at their first meeting."""
    if not extras.roles:
        return ""
    lines = "\n".join(
        f"• {safe(name, NAME_LIMIT)} is {safe(role, NAME_LIMIT)}" for name, role in extras.roles
    )
    return f"**First meeting for a newcomer:** please greet them by name.\n{lines}"


def pack_post(
    ctx: DeliveryContext,
    user_id: int,
    community: str,
    extras: Extras,
    lookback_days: int,
) -> port.Message:
    themes = extras.themes
    meeting = ctx.meeting
    assert meeting is not None
    co_facilitating = user_id == meeting.co_facilitator_user_id
    if co_facilitating:
        title = f"You're co-facilitating {meeting_name(meeting, community)}"
        lead = _person(meeting.facilitator_user_id, meeting.facilitator_name)
        intro = f"You're co-facilitating with {lead}" + (
            ", who is taking their first turn. Thanks for pairing with them."
            if meeting.first_turn
            else "."
        )
    else:
        title = f"Your hand-over pack: {meeting_name(meeting, community)}"
        if meeting.co_facilitator_user_id is not None:
            co = _person(meeting.co_facilitator_user_id, meeting.co_facilitator_name)
            intro = f"You're facilitating, with {co} as your co-facilitator."
        else:
            intro = "You're facilitating; there's no co-facilitator this time."
    parts = [intro, meeting_details(meeting), who_is_coming(extras)]
    if roles := newcomer_roles(extras):
        parts.append(roles)
    if themes:
        listed = "\n".join(f"• {name} ({count})" for name, count in themes[:MAX_THEMES])
        parts.append(
            f"**Themes from learnings members shared in the last {lookback_days} days**, "
            f"to seed discussion:\n{listed}"
        )
    else:
        parts.append(
            f"No learnings were shared in the last {lookback_days} days, so there are no "
            "themes to suggest; asking what everyone has been working on is a good start."
        )
    parts.append(
        "**On the day**\n• Open with our confidentiality rule: what is said here stays here.\n"
        "• Close by inviting everyone to record a learning with `/learning add`.\n"
        "Can't make it? Ask someone to swap with `/roster swap`, or tell a coordinator."
    )
    return dm_message(
        ctx,
        title=title,
        description="\n\n".join(parts)[:4000],
        footer="Facilitator hand-over pack",
    )


def confirm_post(ctx: DeliveryContext, community: str, buttons: Buttons) -> port.Message:
    meeting = ctx.meeting
    assert meeting is not None
    description = (
        f"{meeting_details(meeting)}\n\nPress **I'll be there** to confirm. If you can't make "
        "it, press **I can't make it** and the coordinators will find a stand-in."
    )
    return dm_message(
        ctx,
        title=f"Can you confirm you're facilitating {meeting_name(meeting, community)}?",
        description=description,
        footer="Facilitation check",
        buttons=buttons.confirm(meeting.id),
    )


def escalation_post(ctx: DeliveryContext, community: str) -> port.Message:
    meeting = ctx.meeting
    assert meeting is not None
    name = meeting_name(meeting, community)
    when = f"{show(meeting.starts_at, 'F')} ({show(meeting.starts_at, 'R')})"
    facilitator = _person(meeting.facilitator_user_id, meeting.facilitator_name)
    if meeting.facilitator_user_id is None:
        first = f"⚠️ {name} on {when} has no facilitator."
    elif ctx.declined:
        first = f"⚠️ {facilitator} can't make it to facilitate {name} on {when}."
    else:
        first = f"⚠️ {facilitator} hasn't confirmed they'll facilitate {name} on {when}."
    standby = ctx.standby_user_id
    if standby is not None:
        second = (
            f"I've asked <@{standby}> to stand by. To hand the turn over, use `/roster assign`."
        )
    else:
        second = (
            "Nobody else is free that day to stand by; please find a facilitator "
            "(`/roster assign`)."
        )
    return port.Message(
        cards=(
            card(
                title="Facilitator not confirmed",
                description=f"{first}\n\n{second}",
                footer="Facilitation check",
                delivery_id=ctx.claim.delivery_id,
                colour=ALERT_COLOUR,
            ),
        )
    )


def standby_post(ctx: DeliveryContext, community: str) -> port.Message:
    meeting = ctx.meeting
    assert meeting is not None
    reason = "can't make it" if ctx.declined else "hasn't confirmed yet"
    if meeting.facilitator_user_id is None:
        reason_line = "It has no facilitator yet."
    else:
        reason_line = f"Its facilitator {reason}."
    description = (
        f"{meeting_details(meeting, people=False)}\n\n{reason_line} You're next in the "
        "rotation, so a coordinator may ask you to step in. If you can't, just let them know."
    )
    return dm_message(
        ctx,
        title=f"Could you stand by for {meeting_name(meeting, community)}?",
        description=description,
        footer="Stand-by request",
    )


def learning_card(meeting: MeetingFacts, community: str) -> tuple[str, str]:
    """The learning prompt's title and text."""
    return (
        f"What did you learn at {meeting_name(meeting, community)}?",
        f"The meeting was {show(meeting.starts_at, 'f')}. Take a minute to record a "
        "learning while it's fresh. It's private unless you choose to share it.",
    )


def learning_prompt(meeting: MeetingFacts, community: str, buttons: Buttons) -> port.Message:
    """The learning prompt as the outbound path sends it (it adds the /notifications line,
    marker and button)."""
    title, description = learning_card(meeting, community)
    return port.Message(
        cards=(
            port.Card(
                title=title, description=description, colour=COLOUR, footer="Learning prompt"
            ),
        ),
        buttons=buttons.learning(meeting.id),
    )


def learning_post(ctx: DeliveryContext, community: str, buttons: Buttons) -> port.Message:
    meeting = ctx.meeting
    assert meeting is not None
    title, description = learning_card(meeting, community)
    return dm_message(
        ctx,
        title=title,
        description=description,
        footer="Learning prompt",
        buttons=buttons.learning(meeting.id),
    )


_USER_MENTION = re.compile(r"<@!?(\d{15,20})>")


def _mentioned_users(text: str) -> tuple[int, ...]:
    return tuple(int(m) for m in _USER_MENTION.findall(text))


def custom_post(ctx: DeliveryContext, schedule: str, buttons: Buttons) -> port.Message:
    reminder = ctx.reminder
    assert reminder is not None
    repeats = "" if schedule == "once" else f" · repeats {schedule}"
    if reminder.kind is ReminderKind.PERSONAL:
        footer = f"Reminder #{reminder.id}{repeats}"
        if repeats:
            footer += f" · stop it with /reminder cancel {reminder.id}"
        return dm_message(
            ctx,
            title="⏰ Your reminder",
            description=ctx.text,
            footer=footer,
            buttons=buttons.snooze(reminder.id),
        )
    return port.Message(
        content=ctx.text,
        cards=(
            card(
                footer=f"🔔 Reminder #{reminder.id}{repeats}",
                delivery_id=ctx.claim.delivery_id,
            ),
        ),
        ping_users=_mentioned_users(ctx.text),
    )


def fallback_post(
    ctx: DeliveryContext, user_id: int, community: str, look: Buttons
) -> port.Message:
    """The channel post for someone whose DMs are closed: a mention and a pointer, never
    the private content itself."""
    step = ctx.occurrence.step
    meeting = ctx.meeting
    when = show(meeting.starts_at, "F") if meeting else ""
    buttons: tuple[port.Button, ...] = ()
    match step:
        case ReminderStep.FACILITATOR_PACK:
            text = f"I have your facilitator's hand-over pack for the meeting on {when}."
        case ReminderStep.CONFIRM_REQUEST:
            text = f"please confirm you're facilitating the meeting on {when}."
            assert meeting is not None
            buttons = look.confirm(meeting.id)
        case ReminderStep.ESCALATION:
            text = f"a coordinator may ask you to stand by to facilitate the meeting on {when}."
        case ReminderStep.LEARNING_PROMPT:
            text = f"how was the meeting on {when}? Record a learning while it's fresh."
            assert meeting is not None
            buttons = look.learning(meeting.id)
        case _:
            text = "I have a reminder you set with `/remindme`; `/reminder list` shows it."
    description = (
        f"{text}\n\nI couldn't send you a direct message. To get these privately, allow "
        "direct messages from server members (server menu → Privacy Settings)."
    )
    return port.Message(
        content=f"<@{user_id}>",
        cards=(
            card(
                description=description,
                footer="Couldn't DM you",
                delivery_id=ctx.claim.delivery_id,
            ),
        ),
        buttons=buttons,
        ping_users=(user_id,),
    )


class Look:
    """The reminders' look, as the sender (``bot.services.reminders.ReminderSender``)
    uses it."""

    def __init__(self, community: str, lookback_days: int, buttons: Buttons) -> None:
        self.community = community
        self.lookback_days = lookback_days
        self.buttons = buttons

    def post(self, ctx: DeliveryContext, user_id: int | None, extras: Extras) -> port.Message:
        community = self.community
        step = ctx.occurrence.step
        if step is ReminderStep.CUSTOM:
            assert ctx.reminder is not None
            return custom_post(ctx, schedule_of(ctx.reminder).describe(), self.buttons)
        if step is ReminderStep.REPORT:
            return report_post(ctx, community)
        if step is ReminderStep.GROUP:
            return group_post(ctx, community, extras)
        if step is ReminderStep.FACILITATOR_PACK:
            assert user_id is not None
            return pack_post(ctx, user_id, community, extras, self.lookback_days)
        if step is ReminderStep.CONFIRM_REQUEST:
            return confirm_post(ctx, community, self.buttons)
        if step is ReminderStep.ESCALATION:
            if user_id is not None:
                return standby_post(ctx, community)
            return escalation_post(ctx, community)
        if step is ReminderStep.LEARNING_PROMPT:
            return learning_post(ctx, community, self.buttons)
        raise ValueError(f"no rendering for {step}")

    def fallback(self, ctx: DeliveryContext, user_id: int) -> port.Message:
        return fallback_post(ctx, user_id, self.community, self.buttons)
