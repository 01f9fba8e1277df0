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
    SwapRequest,
    SwapStatus,
)
from bot.services.rotation.planner import RotationRules, plan, sync_pool
from bot.services.rotation.series import active_series


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


async def _swap_counts(session: AsyncSession) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for column in (SwapRequest.requester_id, SwapRequest.target_id):
        rows = await session.execute(
            select(column, func.count())
            .where(SwapRequest.status == SwapStatus.ACCEPTED)
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


async def ledger(
    session: AsyncSession, now: datetime, rules: RotationRules | None = None
) -> list[LedgerRow]:
    """The shared workload of everyone in the rotation, the soonest next turn first."""
    meetings = await plan(session, now, rules)
    pool = await sync_pool(session, now)
    swaps = await _swap_counts(session)
    attended = await attended_counts(session, set(pool))
    next_of: dict[int, tuple[Meeting, AssignmentRole]] = {}
    for meeting in meetings:
        for assignment in meeting.assignments:
            next_of.setdefault(assignment.member_id, (meeting, assignment.role))
    rows = []
    for mid, standing in pool.items():
        nxt = next_of.get(mid)
        rows.append(
            LedgerRow(
                standing.member,
                standing.facilitated,
                standing.co_facilitated,
                swaps.get(mid, 0),
                standing.missed,
                nxt[0] if nxt else None,
                nxt[1] if nxt else None,
                attended.get(mid, 0),
            )
        )
    far = datetime.max.replace(tzinfo=UTC)
    rows.sort(
        key=lambda r: (
            r.next_turn.starts_at if r.next_turn else far,
            r.member.joined_at or far,
            r.member.id,
        )
    )
    return rows


async def roster(
    session: AsyncSession, now: datetime, count: int, rules: RotationRules | None = None
) -> list[Meeting]:
    """The next ``count`` scheduled meetings with their (freshly planned) facilitators."""
    meetings = await plan(session, now, rules)
    return meetings[:count]


async def pool_size(session: AsyncSession, now: datetime) -> int:
    return len(await sync_pool(session, now))


async def has_series(session: AsyncSession) -> bool:
    return await active_series(session) is not None


def nobody_experienced(meeting: Meeting) -> bool:
    """A first turn with no co-facilitator: nobody has facilitated yet (a new
    community), so a coordinator may want to name one with `/roster cofacilitator`."""
    fac = next((a for a in meeting.assignments if a.role is AssignmentRole.FACILITATOR), None)
    return fac is not None and fac.first_turn and meeting.co_facilitator is None
