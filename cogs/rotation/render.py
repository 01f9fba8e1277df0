"""Text for meetings, the roster and the ledger. Mentions are written as ``<@id>``; the
caller decides with ``allowed_mentions`` whether they ping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

import discord

from bot import port
from bot.models import AssignmentRole, Meeting, Member, SwapStatus
from bot.services.rotation import (
    LedgerRow,
    PostPlan,
    SwapDecision,
    SwapView,
    TurnMoved,
    nobody_experienced,
)
from bot.timeutil import show

MESSAGE_LIMIT = 2000
EMBED_LIMIT = 4096
COLOUR = discord.Colour.teal()

ROSTER_HINT = (
    "Can't make your turn? Use `/roster swap` or `/roster unavailable`. "
    "Happy to take one? Use `/roster volunteer`."
)
NO_MEETINGS = (
    "There are no upcoming meetings, so the roster is empty. A coordinator can set the "
    "schedule with `/meeting series`, like `every 4 weeks on Tuesday at 10:00`, or add one "
    "with `/meeting add`."
)
NOBODY_IN_ROTATION = (
    "Nobody is in the facilitation rotation yet: members join it when a coordinator "
    "approves their `/join` application."
)


def mention(member: Member | None) -> str:
    return f"<@{member.user_id}>" if member is not None else "nobody yet"


def handed_over(meetings: Sequence[Meeting]) -> list[str]:
    """One phrase per turn that went to someone else: "<date> now goes to @name"."""
    return [f"{show(m.starts_at, 'D')} now goes to {mention(m.facilitator)}" for m in meetings]


def when(meeting: Meeting) -> str:
    return f"{show(meeting.starts_at, 'F')} ({show(meeting.starts_at, 'R')})"


def local_date(meeting: Meeting, zone: ZoneInfo) -> str:
    return meeting.starts_at.astimezone(zone).date().isoformat()


def facilitators_text(meeting: Meeting) -> str:
    facilitator = meeting.facilitator
    if facilitator is None:
        return "needs a facilitator: volunteer with `/roster volunteer`"
    first = next(
        (a.first_turn for a in meeting.assignments if a.role is AssignmentRole.FACILITATOR),
        False,
    )
    text = f"facilitator {mention(facilitator)}"
    co = meeting.co_facilitator
    if co is not None:
        what = "first turn, with" if first else "with"
        text += f" ({what} {mention(co)} co-facilitating)"
    elif nobody_experienced(meeting):
        text += (
            " (first turn, and nobody experienced is free to co-facilitate, as in a new "
            "community: a coordinator can name a co-facilitator with `/roster cofacilitator`)"
        )
    elif first:
        text += " (first turn)"
    return text


def roster_lines(meetings: Sequence[Meeting]) -> list[str]:
    lines = []
    for meeting in meetings:
        place = f" · {meeting.place}" if meeting.place else ""
        title = f" · {meeting.title}" if meeting.title else ""
        lines.append(f"• {when(meeting)}{title}{place}\n  {facilitators_text(meeting)}")
    return lines


def roster_text(meetings: Sequence[Meeting], *, heading: str, footer: str = ROSTER_HINT) -> str:
    """The roster as message content, kept under Discord's 2,000-character limit."""
    lines = roster_lines(meetings)
    body = [heading]
    used = len(heading) + len(footer) + 40
    shown = 0
    for line in lines:
        if used + len(line) + 1 > MESSAGE_LIMIT:
            break
        body.append(line)
        used += len(line) + 1
        shown += 1
    if shown < len(lines):
        body.append(f"…and {len(lines) - shown} more: see `/roster show`.")
    if footer:
        body.append(footer)
    return "\n".join(body)


def roster_people(meetings: Sequence[Meeting]) -> list[int]:
    """The user ids named in a roster (facilitators and co-facilitators), in order."""
    ids: list[int] = []
    for meeting in meetings:
        for member in (meeting.facilitator, meeting.co_facilitator):
            if member is not None and member.user_id not in ids:
                ids.append(member.user_id)
    return ids


def meeting_list_embed(
    meetings: Sequence[Meeting],
    zone: ZoneInfo,
    series: str | None,
    coming: Mapping[int, int] | None = None,
) -> discord.Embed:
    lines = []
    for meeting in meetings:
        count = (coming or {}).get(meeting.id, 0)
        interested = (
            f" · {count} interested" if not meeting.is_cancelled and coming is not None else ""
        )
        place = f"\n  {meeting.place}" if meeting.place else ""
        title = f" · {meeting.title}" if meeting.title else ""
        status = " · **cancelled**" if meeting.is_cancelled else ""
        reason = (
            f" ({meeting.cancel_reason})" if meeting.is_cancelled and meeting.cancel_reason else ""
        )
        lines.append(
            f"• `{local_date(meeting, zone)}` {when(meeting)}{title}{status}{reason}{interested}"
            f"{place}"
        )
    description = "\n".join(lines) if lines else NO_MEETINGS
    embed = discord.Embed(
        title="Upcoming meetings", description=description[:EMBED_LIMIT], colour=COLOUR
    )
    if series:
        embed.set_footer(text=f"Schedule: {series}")
    return embed


def ledger_embed(rows: Sequence[LedgerRow], total: int | None = None) -> discord.Embed:
    lines = []
    for row in rows:
        swaps = "swap" if row.swaps == 1 else "swaps"
        parts = [
            f"{row.facilitated} facilitated",
            f"{row.co_facilitated} co-facilitated",
            f"{row.swaps} {swaps}",
            f"{row.missed} missed",
            f"{row.attended} attended",
        ]
        if row.next_turn is not None:
            role = " (co-facilitating)" if row.next_role is AssignmentRole.CO_FACILITATOR else ""
            nxt = f"next turn {show(row.next_turn.starts_at, 'D')}{role}"
        else:
            nxt = "no turn planned yet"
        lines.append(f"{mention(row.member)}: {' · '.join(parts)} · {nxt}")
    more = (total or 0) - len(rows)
    tail = f"\n…and {more} more in the rotation." if more > 0 else ""
    description = "\n".join(lines) if lines else NOBODY_IN_ROTATION
    if len(description) + len(tail) > EMBED_LIMIT:
        description = description[: EMBED_LIMIT - len(tail) - 2] + " …"
    description += tail
    return discord.Embed(
        title="Shared facilitation workload", description=description, colour=COLOUR
    ).set_footer(
        text="Turns go to whoever has facilitated least; ties to whoever has waited longest."
    )


def swap_request_text(view: SwapView) -> str:
    text = (
        f"{view.target_mention}, {view.requester_mention} asks you to facilitate the meeting "
        f"on {when(view.meeting)} in their place."
    )
    if view.return_meeting is not None:
        text += f" In return they'll take your turn on {when(view.return_meeting)}."
    return text + "\nOnly you can answer, with the buttons below."


def swap_decision_text(decision: SwapDecision) -> tuple[str, str]:
    """What the swap request message now says, and the notice for the requester ("" for
    none)."""
    view = decision.view
    asked, requester = view.target_mention, view.requester_mention
    if decision.status is SwapStatus.ACCEPTED:
        outcome = f"✅ {asked} accepted: they facilitate on {when(view.meeting)}."
        if decision.exchanged and view.return_meeting is not None:
            outcome += f" {requester} takes their turn on {when(view.return_meeting)}."
        return outcome, f"{requester}, {asked} accepted your swap for {when(view.meeting)}."
    if decision.status is SwapStatus.DECLINED:
        return (
            f"{asked} declined the swap for {when(view.meeting)}.",
            f"{requester}, {asked} can't swap {when(view.meeting)}. You could ask someone "
            "else with `/roster swap`, or mark yourself unavailable with `/roster unavailable`.",
        )
    return f"This swap can't go ahead: {decision.note}", ""


def moved_text(moved: Sequence[TurnMoved]) -> str:
    """Tell members whose announced turn moved when the roster was re-planned."""
    lines = []
    for item in moved:
        nxt = (
            f" Your next turn is now {when(item.next_turn)}."
            if item.next_turn is not None
            else " You have no turn planned for now."
        )
        lines.append(
            f"{mention(item.member)}, the roster changed: the meeting on {when(item.meeting)} "
            f"is now facilitated by {mention(item.meeting.facilitator)}.{nxt}"
        )
    return "\n".join(lines)[:MESSAGE_LIMIT]


def roster_message(plan: PostPlan) -> port.Message:
    """The automatic roster post: the next meetings, pinging only their facilitators."""
    count = len(plan.meetings)
    text = roster_text(
        plan.meetings,
        heading=f"**Facilitation roster**: the next {count} meeting" + ("s" if count != 1 else ""),
        footer=ROSTER_HINT if plan.in_rotation else NOBODY_IN_ROTATION,
    )
    return port.Message(content=text, ping_users=tuple(roster_people(plan.meetings)))
