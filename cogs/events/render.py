"""Text for meeting threads, follow-ups and attendance. Mentions are written as
``<@id>``; which of them ping is decided by each message's ``ping_users``."""

from __future__ import annotations

from collections.abc import Sequence

from bot import port
from bot.models import Meeting
from bot.timeutil import show

MAX_THEMES = 8


def _who(meeting: Meeting) -> str:
    facilitator = meeting.facilitator
    text = (
        f"<@{facilitator.user_id}>"
        if facilitator
        else "nobody yet (volunteer with `/roster volunteer`)"
    )
    if meeting.co_facilitator is not None:
        text += f", with <@{meeting.co_facilitator.user_id}> co-facilitating"
    return text


def facilitator_ids(meeting: Meeting) -> tuple[int, ...]:
    return tuple(m.user_id for m in (meeting.facilitator, meeting.co_facilitator) if m)


def thread_name(meeting: Meeting, local_day: str) -> str:
    title = meeting.title or "Meeting"
    return f"{title} · {local_day}"[:100]


def thread_message(meeting: Meeting, themes: Sequence[str], coming: int) -> port.Message:
    """The first message of a meeting's thread: details, facilitators, themes. It pings
    only the facilitators; others join from the event."""
    lines = [
        f"**{meeting.title or 'Our next meeting'}**: {show(meeting.starts_at, 'F')} "
        f"({show(meeting.starts_at, 'R')})",
    ]
    if meeting.place:
        lines.append(f"Where: {meeting.place}")
    lines.append(f"Facilitating: {_who(meeting)}")
    if themes:
        shown = ", ".join(f"`{t}`" for t in themes[:MAX_THEMES])
        lines.append(f"Themes from recent shared learnings: {shown}")
    lines.append(
        f"{coming} marked Interested so far. Use this thread for the agenda and the follow-up; "
        "mark Interested on the event to let the facilitator know you're coming."
    )
    return port.Message(content="\n".join(lines)[:1900], ping_users=facilitator_ids(meeting))


def follow_up_message(meeting: Meeting, *, in_thread: bool, button: port.Button) -> port.Message:
    """After the meeting: in its thread, the learning prompt; and, for the facilitators
    and coordinators, the ``button`` to record who came."""
    prompt = (
        f"Thank you for coming to the meeting on {show(meeting.starts_at, 'D')}. What did you "
        "learn? Record it with `/learning add`; you choose who may read it.\n"
        if in_thread
        else f"The meeting on {show(meeting.starts_at, 'D')} is over.\n"
    )
    text = prompt + (
        f"{_who(meeting)}: please record who came with the button below (coordinators can "
        "too, or later with `/meeting attendance`)."
    )
    return port.Message(
        content=text,
        buttons=(button,),
        ping_users=facilitator_ids(meeting),
    )


def attendance_prompt(meeting: Meeting, prefilled: int, from_rsvps: bool) -> str:
    source = "who marked Interested" if from_rsvps else "who was recorded"
    hint = f" It starts with the {prefilled} {source}." if prefilled else ""
    return (
        f"Who came to the meeting on {show(meeting.starts_at, 'D')}? Pick everyone who came "
        f"(up to 25), then close the menu.{hint}"
    )


def attendance_saved(count: int, unknown: int) -> str:
    text = f"Recorded: {count} came." if count else "Recorded: nobody came."
    if unknown:
        text += f" {unknown} of those picked aren't members the bot knows, so they weren't counted."
    return text + " It shows in `/roster ledger`; correct it any time with `/meeting attendance`."


def status_lines(enabled: bool, mirrored: int, problems: Sequence[str]) -> str:
    if not enabled:
        return "Server events are off (`events.enabled = false`); meetings live in `/meeting list`."
    lines = [f"Server events: {mirrored} upcoming meeting(s) shown in the server's Events list."]
    lines.extend(f"⚠️ {p}" for p in problems)
    if not problems:
        lines.append("No problems with events.")
    return "\n".join(lines)
