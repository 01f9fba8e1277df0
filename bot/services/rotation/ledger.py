"""Reading the rotation: the roster and the shared workload (the ledger).

Both read the database only (the rotation's members, the upcoming meetings and a few
grouped counts), never the server's member list, so they do not grow with the server.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    AssignmentRole,
    Meeting,
    MeetingAttendance,
    Member,
    MemberStatus,
    RotationEntry,
    SwapRequest,
    SwapStatus,
)
from bot.services.rotation.planner import (
    RotationRules,
    ensure_planned,
    history,
    rotation_size,
)
from bot.services.rotation.series import active_series, upcoming_meetings


@dataclass(frozen=True)
class LedgerRow:
    member: Member
    facilitated: int
    co_facilitated: int
    swaps: int
    missed: int
    next_turn: Meeting | None
    next_role: AssignmentRole | None
    attended: int = 0
    """Meetings the member was recorded as attending."""


async def _swap_counts(session: AsyncSession, member_ids: set[int]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for column in (SwapRequest.requester_id, SwapRequest.target_id):
        rows = await session.execute(
            select(column, func.count())
            .where(SwapRequest.status == SwapStatus.ACCEPTED, column.in_(member_ids))
            .group_by(column)
        )
        for member_id, n in rows.all():
            counts[member_id] += n
    return counts


async def attended_counts(session: AsyncSession, member_ids: set[int]) -> dict[int, int]:
    rows = await session.execute(
        select(MeetingAttendance.member_id, func.count())
        .where(MeetingAttendance.member_id.in_(member_ids))
        .group_by(MeetingAttendance.member_id)
    )
    return {member_id: int(n) for member_id, n in rows.all()}


LEDGER_ROWS = 40
"""The ledger shows at most this many members (an embed holds about that many lines)."""


async def ledger(
    session: AsyncSession,
    now: datetime,
    rules: RotationRules | None = None,
    *,
    limit: int = LEDGER_ROWS,
) -> list[LedgerRow]:
    """The shared workload of the rotation: those with the soonest next turn first, then
    the earliest joined, at most ``limit`` rows (:func:`rotation_size` says how many are
    in the rotation). Bounded queries only, so it does not grow with the server."""
    rules = rules or RotationRules()
    await ensure_planned(session, now, rules)
    meetings = await upcoming_meetings(session, now)
    next_of: dict[int, tuple[Meeting, AssignmentRole]] = {}
    for meeting in meetings:
        for assignment in meeting.assignments:
            next_of.setdefault(assignment.member_id, (meeting, assignment.role))
    in_rotation = (
        select(Member)
        .join(RotationEntry, RotationEntry.member_id == Member.id)
        .where(
            RotationEntry.active.is_(True),
            Member.status == MemberStatus.ACTIVE,
            Member.in_guild.is_(True),
        )
    )
    with_turn = list((await session.scalars(in_rotation.where(Member.id.in_(list(next_of))))).all())
    with_turn.sort(key=lambda m: (next_of[m.id][0].starts_at, _joined_key(m), m.id))
    shown = with_turn[:limit]
    without_turn = in_rotation.where(Member.id.not_in(list(next_of)))
    # Earliest joined first, then those with no join date: each read along the members
    # (status, in_guild, joined_at) index, stopping at the rows shown.
    for part in (
        without_turn.where(Member.joined_at.is_not(None)).order_by(Member.joined_at, Member.id),
        without_turn.where(Member.joined_at.is_(None)).order_by(Member.id),
    ):
        if len(shown) < limit:
            shown.extend((await session.scalars(part.limit(limit - len(shown)))).all())
    ids = {m.id for m in shown}
    counts = await history(session, now, ids)
    swaps = await _swap_counts(session, ids)
    attended = await attended_counts(session, ids)
    rows = []
    for member in shown:
        nxt = next_of.get(member.id)
        rows.append(
            LedgerRow(
                member,
                counts.done.get(member.id, 0),
                counts.co.get(member.id, 0),
                swaps.get(member.id, 0),
                counts.missed.get(member.id, 0),
                nxt[0] if nxt else None,
                nxt[1] if nxt else None,
                attended.get(member.id, 0),
            )
        )
    return rows


def _joined_key(member: Member) -> datetime:
    return member.joined_at or datetime.max.replace(tzinfo=UTC)


async def roster(
    session: AsyncSession, now: datetime, count: int, rules: RotationRules | None = None
) -> list[Meeting]:
    """The next ``count`` scheduled meetings with their facilitators, as stored (planned
    again first only when something changed that planning has not seen yet)."""
    await ensure_planned(session, now, rules)
    return await upcoming_meetings(session, now, limit=count)


async def pool_size(session: AsyncSession, now: datetime) -> int:
    """How many members are in the rotation."""
    return await rotation_size(session)


async def has_series(session: AsyncSession) -> bool:
    return await active_series(session) is not None


def nobody_experienced(meeting: Meeting) -> bool:
    """A first turn with no co-facilitator: nobody has facilitated yet (a new
    community), so a coordinator may want to name one with `/roster cofacilitator`."""
    fac = next((a for a in meeting.assignments if a.role is AssignmentRole.FACILITATOR), None)
    return fac is not None and fac.first_turn and meeting.co_facilitator is None
