"""Changes people make to turns: marking days unavailable, standing availability,
assigning, volunteering, naming a co-facilitator, recording a missed turn, and
taking leavers out of the rotation.

Contested changes (volunteering, assigning) are decided in the database
(:func:`bot.services.rotation.assignments.claim`): of many callers at once exactly one
wins, and the others are told who has the turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.models import (
    AssignmentRole,
    AssignmentSource,
    FacilitationAssignment,
    Meeting,
    Member,
    MemberStatus,
    RotationEntry,
    Unavailability,
)
from bot.services.rotation import availability
from bot.services.rotation.assignments import (
    PINNED,
    assignment_of,
    claim,
    drop_co_role_of,
    holder_of,
    local_day,
    require_future_scheduled,
)
from bot.services.rotation.planner import (
    Announced,
    PlanResult,
    RotationRules,
    announced,
    plan,
    plan_changes,
)
from bot.services.rotation.reasons import seal_reason
from bot.services.rotation.series import clean_text, example_day, upcoming_meetings
from bot.services.rotation.swaps import withdraw_swaps_of

MAX_UNAVAILABLE_DAYS = 366
MAX_REASON = 300


def require_in_rotation(member: Member | None, *, mention: str, you: bool) -> Member:
    """The member, if they are active (in the rotation); a clear refusal otherwise."""
    if member is not None and member.status is MemberStatus.ACTIVE:
        return member
    if you:
        raise NotAllowed(
            "You're not in the facilitation rotation yet: it's for approved members. "
            "Apply with `/join`, or ask a coordinator."
        )
    raise InvalidInput(
        f"{mention} isn't in the facilitation rotation (only approved, active members are). "
        "Pick someone who is, like a name from `/roster ledger`."
    )


# --- availability ----------------------------------------------------------------------


@dataclass(frozen=True)
class UnavailableResult:
    record: Unavailability
    released: list[Meeting]
    """Upcoming meetings in the range the member was down for, now handed on."""


async def _release(session: AsyncSession, member: Member, meetings: list[Meeting]) -> list[Meeting]:
    released = []
    for meeting in meetings:
        mine = [a for a in meeting.assignments if a.member_id == member.id]
        for assignment in mine:
            meeting.assignments.remove(assignment)
        if mine:
            released.append(meeting)
    await session.flush()
    return released


async def mark_unavailable(
    session: AsyncSession,
    member: Member,
    first_day: date,
    last_day: date,
    reason: str,
    now: datetime,
    rules: RotationRules | None = None,
    *,
    keyring: Keyring,
) -> UnavailableResult:
    """Record that ``member`` can't facilitate on these local days (inclusive); any turn
    they had in the range goes to someone else. Their count is untouched, so they keep
    their place in the rotation. The reason is stored encrypted with ``keyring``."""
    rules = rules or RotationRules()
    reason_clean = clean_text(reason, MAX_REASON, "reason")
    if (last_day - first_day).days + 1 > MAX_UNAVAILABLE_DAYS:
        example = example_day(now, rules.zone)
        raise InvalidInput(
            f"That's more than {MAX_UNAVAILABLE_DAYS} days. Mark up to a year at a time, like "
            f"`{example} to {(date.fromisoformat(example) + timedelta(days=30)).isoformat()}`."
        )
    record = Unavailability(
        member_id=member.id,
        first_day=first_day,
        last_day=last_day,
        created_at=now,
    )
    seal_reason(keyring, record, reason_clean)
    session.add(record)
    in_range = [
        m
        for m in await upcoming_meetings(session, now)
        if first_day <= local_day(m.starts_at, rules.zone) <= last_day
    ]
    released = await _release(session, member, in_range)
    await plan(session, now, rules)
    return UnavailableResult(record, released)


async def clear_unavailable(
    session: AsyncSession,
    member: Member,
    first_day: date,
    last_day: date,
    now: datetime,
    rules: RotationRules | None = None,
) -> int:
    """Remove the member's unavailability overlapping these days; returns how many
    records changed. Parts outside the range are kept."""
    rows = (
        await session.scalars(
            select(Unavailability).where(
                Unavailability.member_id == member.id,
                Unavailability.first_day <= last_day,
                Unavailability.last_day >= first_day,
            )
        )
    ).all()
    for row in rows:
        before = (row.first_day, first_day - timedelta(days=1))
        after = (last_day + timedelta(days=1), row.last_day)
        for start, end in (before, after):
            if start <= end:
                session.add(
                    Unavailability(
                        member_id=member.id,
                        first_day=start,
                        last_day=end,
                        reason_sealed=row.reason_sealed,
                        key_id=row.key_id,
                        legacy_reason=row.legacy_reason,
                        created_at=row.created_at,
                    )
                )
        await session.delete(row)
    await session.flush()
    if rows:
        await plan(session, now, rules)
    return len(rows)


async def set_standing_availability(
    session: AsyncSession,
    member: Member,
    phrase: str,
    now: datetime,
    rules: RotationRules | None = None,
) -> tuple[availability.StandingRule, list[Meeting]]:
    """Store the member's standing availability ("I can't do Mondays", "not before
    10:00"); upcoming turns it rules out go to others. Returns the rule and those
    meetings."""
    rules = rules or RotationRules()
    rule = availability.parse_standing(phrase)
    await availability.set_standing(session, member, rule, now)
    ruled_out = [m for m in await upcoming_meetings(session, now) if not rule.allows(m, rules.zone)]
    released = await _release(session, member, ruled_out)
    await plan(session, now, rules)
    return rule, released


# --- turns -----------------------------------------------------------------------------


async def _refuse_if_unavailable(
    session: AsyncSession, member: Member, meeting: Meeting, rules: RotationRules, *, you: bool
) -> None:
    blocked = await availability.blocking(session, member, meeting, rules.zone)
    if blocked is not None:
        raise Conflict(blocked.refusal(you=you))


async def _took_turn(
    session: AsyncSession,
    meeting: Meeting,
    member: Member,
    now: datetime,
    rules: RotationRules,
    before: Announced,
) -> PlanResult:
    """After ``member`` took the facilitator turn at ``meeting``: they no longer
    co-facilitate it, the rest of the roster is re-planned around it, and the plan comes
    back with moved turns only of members other than them."""
    await drop_co_role_of(session, meeting, member)
    result = await plan_changes(session, now, rules, before=before)
    return PlanResult(result.meetings, [m for m in result.moved if m.member.id != member.id])


def _taken(holder: Member | None) -> Conflict:
    who = f"<@{holder.user_id}>" if holder is not None else "Someone else"
    return Conflict(
        f"{who} has already taken that meeting. Ask them with `/roster swap`, or volunteer "
        "for another date."
    )


async def assign(
    session: AsyncSession,
    meeting: Meeting,
    member: Member,
    now: datetime,
    rules: RotationRules | None = None,
    *,
    source: AssignmentSource = AssignmentSource.ASSIGNED,
) -> PlanResult:
    """A coordinator sets the facilitator of an upcoming meeting; the rest of the roster
    is re-planned around it.

    Decided in the database against the facilitator this caller saw: if another
    coordinator changed it in the meantime, this one is told who has it now.
    """
    rules = rules or RotationRules()
    require_future_scheduled(meeting, now)
    await _refuse_if_unavailable(
        session, member, meeting, rules, you=source is AssignmentSource.VOLUNTEER
    )
    current = assignment_of(meeting, AssignmentRole.FACILITATOR)
    seen = current.member_id if current is not None else None
    before = await announced(session, now, rules)
    if seen != member.id:
        won = await claim(
            session,
            meeting,
            AssignmentRole.FACILITATOR,
            member,
            source,
            now,
            from_member_id=seen,
            only_if_empty=seen is None,
        )
        if not won:
            holder = await holder_of(session, meeting.id, AssignmentRole.FACILITATOR)
            who = f"<@{holder.user_id}>" if holder is not None else "nobody"
            raise Conflict(
                f"Someone changed that meeting at the same moment: {who} facilitates it now. "
                "Check `/roster show` and try again if it still needs changing."
            )
    elif current is not None and current.source is not source:
        current.source = source
    return await _took_turn(session, meeting, member, now, rules, before)


async def volunteer(
    session: AsyncSession,
    meeting: Meeting,
    member: Member,
    now: datetime,
    rules: RotationRules | None = None,
) -> PlanResult:
    """Put ``member`` forward for a meeting. A turn already set by a person (assigned,
    volunteered or swapped) is not taken over: they are told who has it.

    Of many volunteers at once exactly one wins: the turn changes only while it is
    still automatic (a conditional UPDATE), or, with no facilitator yet, by an INSERT
    against the unique ``(meeting, role)``.
    """
    rules = rules or RotationRules()
    require_future_scheduled(meeting, now)
    current = assignment_of(meeting, AssignmentRole.FACILITATOR)
    if current is not None and current.member_id == member.id:
        raise Conflict("You're already the facilitator for that meeting. Thank you!")
    if current is not None and current.source in PINNED:
        raise _taken(current.member)
    await _refuse_if_unavailable(session, member, meeting, rules, you=True)
    before = await announced(session, now, rules)
    won = await claim(
        session,
        meeting,
        AssignmentRole.FACILITATOR,
        member,
        AssignmentSource.VOLUNTEER,
        now,
        from_sources=[AssignmentSource.AUTO],
    )
    if not won:
        holder = await holder_of(session, meeting.id, AssignmentRole.FACILITATOR)
        if holder is not None and holder.id == member.id:
            raise Conflict("You're already the facilitator for that meeting. Thank you!")
        raise _taken(holder)
    return await _took_turn(session, meeting, member, now, rules, before)


async def name_co_facilitator(
    session: AsyncSession,
    meeting: Meeting,
    member: Member,
    now: datetime,
    rules: RotationRules | None = None,
) -> Meeting:
    """A coordinator names the co-facilitator of an upcoming meeting (for example for
    the first meeting of a new community, when nobody has facilitated yet)."""
    rules = rules or RotationRules()
    require_future_scheduled(meeting, now)
    fac = assignment_of(meeting, AssignmentRole.FACILITATOR)
    if fac is not None and fac.member_id == member.id:
        raise InvalidInput(
            f"<@{member.user_id}> facilitates that meeting, so they can't also co-facilitate "
            "it. Pick someone else."
        )
    await _refuse_if_unavailable(session, member, meeting, rules, you=False)
    co = assignment_of(meeting, AssignmentRole.CO_FACILITATOR)
    if co is None:
        won = await claim(
            session,
            meeting,
            AssignmentRole.CO_FACILITATOR,
            member,
            AssignmentSource.ASSIGNED,
            now,
            only_if_empty=True,
        )
        if not won:
            raise Conflict(
                "Someone named a co-facilitator for that meeting at the same moment. "
                "Check `/roster show` and try again."
            )
    else:
        co.member = member
        co.member_id = member.id
        co.source = AssignmentSource.ASSIGNED
        co.created_at = now
        await session.flush()
    await plan(session, now, rules)
    return meeting


async def record_missed(
    session: AsyncSession,
    meeting: Meeting,
    stand_in: Member | None,
    now: datetime,
) -> FacilitationAssignment:
    """Record, after the meeting, that its facilitator did not take the turn (and who
    stood in, who is credited with it). The original assignment stays as it was."""
    if meeting.starts_at > now:
        raise InvalidInput(
            "That meeting hasn't happened yet. To change who facilitates it, use `/roster assign`."
        )
    if meeting.is_cancelled:
        raise InvalidInput("That meeting was cancelled, so no turn was missed.")
    current = assignment_of(meeting, AssignmentRole.FACILITATOR)
    if current is None:
        raise NotFound("That meeting had no facilitator on the roster, so no turn was missed.")
    if current.missed:
        raise Conflict("That turn is already recorded as missed.")
    if stand_in is not None and stand_in.id == current.member_id:
        raise InvalidInput("The stand-in must be someone other than the facilitator who missed it.")
    current.missed = True
    current.stand_in_id = stand_in.id if stand_in else None
    await session.flush()
    return current


# --- leaving ---------------------------------------------------------------------------


async def reassign_future_turns(
    session: AsyncSession, member: Member, now: datetime, rules: RotationRules | None = None
) -> list[Meeting]:
    """Take a member who left or lapsed out of the rotation and give their upcoming
    turns to others. Past turns stay as history. Returns the meetings that changed.

    Call after setting ``member.status`` away from ACTIVE or ``member.in_guild`` to
    False (onboarding's lapse path and the rotation cog's ``on_member_remove`` do); the
    rotation is only for members who are ACTIVE and in the guild.
    """
    entry = await session.get(RotationEntry, member.id)
    if entry is not None:
        entry.active = False
    changed = await _release(session, member, await upcoming_meetings(session, now))
    await withdraw_swaps_of(session, member, now)
    await session.flush()
    await plan(session, now, rules)
    return changed
