"""What each reminder looks like. Pure functions from a delivery's context to a post.

Every post carries ``ref R<delivery id>`` in its embed footer: after a crash the engine
finds an already-sent message by it instead of sending again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import discord

from bot.mentions import NO_PINGS, only_users
from bot.models import ReminderKind, ReminderStep
from bot.services.reminders import DeliveryContext, MeetingFacts, ReportLine
from bot.timeutil import show
from cogs.reminders.views import confirm_view, learning_view

COLOUR = discord.Colour.teal()
ALERT_COLOUR = discord.Colour.orange()
MAX_THEMES = 10
MAX_REPORT_LINES = 20


@dataclass(frozen=True)
class Post:
    embed: discord.Embed
    content: str | None = None
    view: discord.ui.View | None = None
    allowed_mentions: discord.AllowedMentions = NO_PINGS


def marker(delivery_id: int) -> str:
    return f"ref R{delivery_id}"


def nonce(delivery_id: int, *, fallback: bool = False) -> str:
    """The Discord nonce of a delivery's message: a resend with the same nonce (and
    ``enforce_nonce``) returns the message already created instead of a second one."""
    return f"cop-rem{'f' if fallback else ''}-{delivery_id}"


def has_marker(message: discord.Message, delivery_id: int) -> bool:
    wanted = marker(delivery_id)
    return any((e.footer.text or "").endswith(wanted) for e in message.embeds)


def _footer(embed: discord.Embed, text: str, delivery_id: int) -> discord.Embed:
    embed.set_footer(text=f"{text} · {marker(delivery_id)}" if text else marker(delivery_id))
    return embed


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


def late_note(due_at: datetime) -> str:
    return (
        f"⏰ Sent late: this was due {show(due_at, 'f')} ({show(due_at, 'R')}), "
        "while the bot was offline or couldn't reach Discord."
    )


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


def report_post(ctx: DeliveryContext, community: str) -> Post:
    lines = [_report_line(line, community) for line in ctx.report]
    shown = lines[:MAX_REPORT_LINES]
    if len(lines) > MAX_REPORT_LINES:
        shown.append(f"…and {len(lines) - MAX_REPORT_LINES} more.")
    embed = discord.Embed(
        title="Reminders that didn't go out",
        description="\n".join(shown)[:4000]
        + "\n\nNothing was sent for these; follow up by hand where it still matters.",
        colour=ALERT_COLOUR,
    )
    return Post(_footer(embed, "Reminder engine report", ctx.claim.delivery_id))


def group_post(ctx: DeliveryContext, community: str) -> Post:
    meeting = ctx.meeting
    assert meeting is not None
    when = _in_words(meeting.starts_at - ctx.occurrence.due_at)
    embed = discord.Embed(
        title=f"📅 {meeting_name(meeting, community)}: {when}",
        description=meeting_details(meeting),
        colour=COLOUR,
    )
    return Post(_footer(embed, "Meeting reminder", ctx.claim.delivery_id))


def pack_post(
    ctx: DeliveryContext,
    user_id: int,
    community: str,
    themes: Sequence[tuple[str, int]],
    lookback_days: int,
) -> Post:
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
    parts = [intro, meeting_details(meeting)]
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
    embed = discord.Embed(title=title, description="\n\n".join(parts)[:4000], colour=COLOUR)
    return Post(_footer(embed, "Facilitator hand-over pack", ctx.claim.delivery_id))


def confirm_post(ctx: DeliveryContext, community: str) -> Post:
    meeting = ctx.meeting
    assert meeting is not None
    embed = discord.Embed(
        title=f"Can you confirm you're facilitating {meeting_name(meeting, community)}?",
        description=(
            f"{meeting_details(meeting)}\n\nPress **I'll be there** to confirm. If you can't make "
            "it, press **I can't make it** and the coordinators will find a stand-in."
        ),
        colour=COLOUR,
    )
    return Post(
        _footer(embed, "Facilitation check", ctx.claim.delivery_id), view=confirm_view(meeting.id)
    )


def escalation_post(ctx: DeliveryContext, community: str) -> Post:
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
    embed = discord.Embed(
        title="Facilitator not confirmed", description=f"{first}\n\n{second}", colour=ALERT_COLOUR
    )
    return Post(_footer(embed, "Facilitation check", ctx.claim.delivery_id))


def standby_post(ctx: DeliveryContext, community: str) -> Post:
    meeting = ctx.meeting
    assert meeting is not None
    reason = "can't make it" if ctx.declined else "hasn't confirmed yet"
    if meeting.facilitator_user_id is None:
        reason_line = "It has no facilitator yet."
    else:
        reason_line = f"Its facilitator {reason}."
    embed = discord.Embed(
        title=f"Could you stand by for {meeting_name(meeting, community)}?",
        description=(
            f"{meeting_details(meeting, people=False)}\n\n{reason_line} You're next in the "
            "rotation, so a coordinator may ask you to step in. If you can't, just let them know."
        ),
        colour=COLOUR,
    )
    return Post(_footer(embed, "Stand-by request", ctx.claim.delivery_id))


def learning_post(ctx: DeliveryContext, community: str) -> Post:
    meeting = ctx.meeting
    assert meeting is not None
    embed = discord.Embed(
        title=f"What did you learn at {meeting_name(meeting, community)}?",
        description=(
            f"The meeting was {show(meeting.starts_at, 'f')}. Take a minute to record a "
            "learning while it's fresh. It's private unless you choose to share it."
        ),
        colour=COLOUR,
    )
    return Post(
        _footer(embed, "Learning prompt", ctx.claim.delivery_id), view=learning_view(meeting.id)
    )


def _mentioned_users(text: str) -> list[int]:
    import re

    return [int(m) for m in re.findall(r"<@!?(\d{15,20})>", text)]


def custom_post(ctx: DeliveryContext, schedule: str) -> Post:
    reminder = ctx.reminder
    assert reminder is not None
    repeats = "" if schedule == "once" else f" · repeats {schedule}"
    if reminder.kind is ReminderKind.PERSONAL:
        embed = discord.Embed(title="⏰ Your reminder", description=reminder.text, colour=COLOUR)
        footer = f"Reminder #{reminder.id}{repeats}"
        if repeats:
            footer += f" · stop it with /reminder cancel {reminder.id}"
        return Post(_footer(embed, footer, ctx.claim.delivery_id))
    embed = discord.Embed(colour=COLOUR)
    return Post(
        _footer(embed, f"🔔 Reminder #{reminder.id}{repeats}", ctx.claim.delivery_id),
        content=reminder.text,
        allowed_mentions=only_users(_mentioned_users(reminder.text)),
    )


def fallback_post(ctx: DeliveryContext, user_id: int, community: str) -> Post:
    """The channel post for someone whose DMs are closed: a mention and a pointer, never
    the private content itself."""
    step = ctx.occurrence.step
    meeting = ctx.meeting
    when = show(meeting.starts_at, "F") if meeting else ""
    view: discord.ui.View | None = None
    match step:
        case ReminderStep.FACILITATOR_PACK:
            text = f"I have your facilitator's hand-over pack for the meeting on {when}."
        case ReminderStep.CONFIRM_REQUEST:
            text = f"please confirm you're facilitating the meeting on {when}."
            assert meeting is not None
            view = confirm_view(meeting.id)
        case ReminderStep.ESCALATION:
            text = f"a coordinator may ask you to stand by to facilitate the meeting on {when}."
        case ReminderStep.LEARNING_PROMPT:
            text = f"how was the meeting on {when}? Record a learning while it's fresh."
            assert meeting is not None
            view = learning_view(meeting.id)
        case _:
            text = "I have a reminder you set with `/remindme`; `/reminder list` shows it."
    embed = discord.Embed(
        description=(
            f"{text}\n\nI couldn't send you a direct message. To get these privately, allow "
            "direct messages from server members (server menu → Privacy Settings)."
        ),
        colour=COLOUR,
    )
    return Post(
        _footer(embed, "Couldn't DM you", ctx.claim.delivery_id),
        content=f"<@{user_id}>",
        view=view,
        allowed_mentions=only_users([user_id]),
    )
