"""Fair planning: who facilitates each upcoming meeting. Deterministic: the same
database state and ``now`` always give the same roster.

- Each turn goes to the available member with the fewest facilitations; ties go to
  whoever has waited longest since their last turn (or since joining), then to the
  earliest joined, then the lowest id.
- Turns that are already fixed later in the series (set by a person, or settled)
  count from the start, so a member who holds one is not also given an earlier turn.
- A newcomer starts counting from the group's median (their ``baseline``), so they get
  no burst of catch-up turns. Someone who rejoins is lifted to the median the same way.
- Being unavailable costs nothing: the count is unchanged.
- A cancelled meeting counts for nobody. Members who leave or lapse drop out.
- Meetings that have started are history and are never changed by planning.
- A member's first turn is paired with an experienced co-facilitator when there is
  one; a coordinator may name one (an ASSIGNED co-facilitator is kept).

Turns set by people (assigned, volunteered, swapped) are kept while the member stays
active and available. Automatic turns within ``settle_days`` of the meeting are kept
too; later automatic turns are re-planned each time.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import AppConfig
from bot.models import (
    AssignmentRole,
    AssignmentSource,
    FacilitationAssignment,
    Meeting,
    MeetingStatus,
    Member,
    MemberStatus,
    RotationEntry,
)
from bot.services.rotation import availability, watch
from bot.services.rotation.assignments import (
    PINNED,
    assignment_of,
    local_day,
    set_assignment,
)
from bot.services.rotation.series import extend_series, upcoming_meetings
from bot.services.unique import insert_once, insert_or_winner


@dataclass(frozen=True)
class RotationRules:
    """The settings planning needs, from config (``RotationRules.from_config``)."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Australia/Brisbane"))
    settle_days: int = 7
    experienced_after: int = 1
    horizon_days: int = 180
    announced: int = 4
    """How many upcoming meetings the roster shows; a turn among them that moves is told."""

    @classmethod
    def from_config(cls, config: AppConfig) -> RotationRules:
        return cls(
            zone=config.community.zone,
            settle_days=config.rotation.settle_days,
            experienced_after=config.rotation.experienced_after,
            horizon_days=config.rotation.horizon_days,
            announced=config.rotation.post_count,
        )


@dataclass
class Standing:
    member: Member
    baseline: int
    facilitated: int = 0
    """Turns actually taken (past meetings, not missed; stand-ins included)."""
    co_facilitated: int = 0
    missed: int = 0
    last_turn: datetime | None = None
    last_co_turn: datetime | None = None

    @property
    def joined(self) -> datetime:
        return self.member.joined_at or self.member.first_seen_at

    @property
    def count(self) -> int:
        return self.baseline + self.facilitated


@dataclass
class _History:
    done: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    co: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    missed: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    last: dict[int, datetime] = field(default_factory=dict)
    last_co: dict[int, datetime] = field(default_factory=dict)


async def _active_members(session: AsyncSession) -> list[Member]:
    members = (
        await session.scalars(
            select(Member).where(Member.status == MemberStatus.ACTIVE, Member.in_guild.is_(True))
        )
    ).all()
    return sorted(members, key=lambda m: (m.joined_at or m.first_seen_at, m.id))


async def history(
    session: AsyncSession, now: datetime, member_ids: Collection[int] | None = None
) -> _History:
    """Counts from meetings that have started and were not cancelled (of ``member_ids``
    only, when given)."""
    query = (
        select(
            FacilitationAssignment.member_id,
            FacilitationAssignment.role,
            FacilitationAssignment.missed,
            FacilitationAssignment.stand_in_id,
            Meeting.starts_at,
        )
        .join(Meeting, Meeting.id == FacilitationAssignment.meeting_id)
        .where(Meeting.starts_at <= now, Meeting.status == MeetingStatus.SCHEDULED)
    )
    if member_ids is not None:
        ids = list(member_ids)
        query = query.where(
            or_(
                FacilitationAssignment.member_id.in_(ids),
                FacilitationAssignment.stand_in_id.in_(ids),
            )
        )
    rows = (await session.execute(query)).all()
    counts = _History()
    for member_id, role, was_missed, stand_in_id, starts_at in rows:
        if role is AssignmentRole.CO_FACILITATOR:
            if not was_missed:
                counts.co[member_id] += 1
                counts.last_co[member_id] = max(starts_at, counts.last_co.get(member_id, starts_at))
            continue
        if was_missed:
            counts.missed[member_id] += 1
            if stand_in_id is None:
                continue
            member_id = stand_in_id
        counts.done[member_id] += 1
        counts.last[member_id] = max(starts_at, counts.last.get(member_id, starts_at))
    return counts


async def _enter(
    session: AsyncSession, member_id: int, baseline: int, now: datetime
) -> RotationEntry:
    """One member's rotation entry, or the one another unit of work made just now."""
    row = RotationEntry(member_id=member_id, baseline=baseline, entered_at=now, active=True)
    return await insert_or_winner(
        session,
        row,
        lambda: session.get(RotationEntry, member_id, populate_existing=True),
    )


async def sync_pool(session: AsyncSession, now: datetime) -> dict[int, Standing]:
    """Bring the rotation in line with who is an active member, and return each active
    member's standing (keyed by member id).

    A member entering (or re-entering) the rotation gets a baseline so that they start
    at the group's median count. A member no longer active is marked out of the pool.
    """
    members = await _active_members(session)
    entries = {e.member_id: e for e in (await session.scalars(select(RotationEntry))).all()}
    history_ = await history(session, now)
    active_ids = {m.id for m in members}

    for member_id, entry in entries.items():
        if entry.active and member_id not in active_ids:
            entry.active = False

    pool: dict[int, Standing] = {}
    newcomers: list[Member] = []
    for member in members:
        known = entries.get(member.id)
        if known is None or not known.active:
            newcomers.append(member)
            continue
        pool[member.id] = Standing(member, known.baseline)
    # Everyone entering now starts at the group's median count as it stands before them:
    # one median for the whole batch, so entering N people costs O(N), not O(N²).
    counts = [s.baseline + history_.done.get(s.member.id, 0) for s in pool.values()]
    median = int(statistics.median_low(counts)) if counts else 0
    fresh = {
        m.id: RotationEntry(
            member_id=m.id,
            baseline=max(0, median - history_.done.get(m.id, 0)),
            entered_at=now,
            active=True,
        )
        for m in newcomers
        if m.id not in entries
    }
    if fresh and not await insert_once(session, *fresh.values()):
        # Another unit of work entered some of them at the same moment: one at a time.
        for member_id, row in fresh.items():
            fresh[member_id] = await _enter(session, row.member_id, row.baseline, now)
    entries.update(fresh)
    for member in newcomers:
        existing = entries[member.id]
        if member.id not in fresh:
            existing.active = True
            existing.entered_at = now
            existing.baseline = max(existing.baseline, median - history_.done.get(member.id, 0))
        pool[member.id] = Standing(member, existing.baseline)
    for standing in pool.values():
        mid = standing.member.id
        standing.facilitated = history_.done.get(mid, 0)
        standing.co_facilitated = history_.co.get(mid, 0)
        standing.missed = history_.missed.get(mid, 0)
        standing.last_turn = history_.last.get(mid)
        standing.last_co_turn = history_.last_co.get(mid)
    await session.flush()
    return pool


class Planner:
    """The fairness rules over a snapshot of standings; used by plan() and standby."""

    def __init__(self, pool: dict[int, Standing], rules: RotationRules) -> None:
        self.pool = pool
        self.rules = rules
        self.count = {mid: s.count for mid, s in pool.items()}
        self.real = {mid: s.facilitated for mid, s in pool.items()}
        self.last = {mid: s.last_turn or s.joined for mid, s in pool.items()}
        self.co_count = {mid: s.co_facilitated for mid, s in pool.items()}
        self.co_last = {mid: s.last_co_turn or s.joined for mid, s in pool.items()}
        self.reserved: dict[int, int] = defaultdict(int)
        """Fixed turns later in the series, counted before they come round."""

    def key(self, mid: int) -> tuple[int, datetime, datetime, int]:
        standing = self.pool[mid]
        return (self.count[mid] + self.reserved[mid], self.last[mid], standing.joined, mid)

    def co_key(self, mid: int) -> tuple[int, datetime, datetime, int]:
        standing = self.pool[mid]
        return (self.co_count[mid], self.co_last[mid], standing.joined, mid)

    def experienced(self, mid: int) -> bool:
        return self.real[mid] >= self.rules.experienced_after

    def take(self, mid: int, when: datetime) -> bool:
        """Count a turn; returns whether it was the member's first."""
        first = self.real[mid] == 0
        self.count[mid] += 1
        self.real[mid] += 1
        self.last[mid] = max(self.last[mid], when)
        return first

    def take_co(self, mid: int, when: datetime) -> None:
        self.co_count[mid] += 1
        self.co_last[mid] = max(self.co_last[mid], when)


@dataclass(frozen=True)
class TurnMoved:
    """A facilitator's announced turn went to someone else when the roster was re-planned."""

    meeting: Meeting
    member: Member
    """Who had the turn."""
    next_turn: Meeting | None
    """Their next turn after re-planning, if any."""


@dataclass(frozen=True)
class PlanResult:
    meetings: list[Meeting]
    moved: list[TurnMoved]


def _keeps(
    current: FacilitationAssignment | None,
    meeting: Meeting,
    pool: dict[int, Standing],
    free: availability.Availability,
    settled: bool,
) -> bool:
    return (
        current is not None
        and current.member_id in pool
        and free.is_free(current.member_id, meeting)
        and (current.source in PINNED or settled)
    )


Announced = dict[int, Member]
"""Who facilitates each announced meeting (meeting id to member), before a change."""


async def announced(
    session: AsyncSession, now: datetime, rules: RotationRules | None = None
) -> Announced:
    """Who holds the turns the roster shows (the next ``rules.announced`` meetings)."""
    rules = rules or RotationRules()
    return {
        m.id: fac.member
        for m in await upcoming_meetings(session, now, limit=rules.announced)
        if (fac := assignment_of(m, AssignmentRole.FACILITATOR)) is not None
    }


async def plan_changes(
    session: AsyncSession,
    now: datetime,
    rules: RotationRules | None = None,
    *,
    before: Announced | None = None,
) -> PlanResult:
    """Make sure the active series' meetings exist up to the horizon and every upcoming
    meeting has a fair facilitator (and a co-facilitator on a first turn). Also reports
    the announced turns (the next ``rules.announced`` meetings) that moved to someone
    else, so their holders can be told: compared with ``before`` (from
    :func:`announced`, taken before a change) or with the roster as it was on entry.
    Idempotent and deterministic."""
    rules = rules or RotationRules()
    await extend_series(session, now, rules.horizon_days)
    pool = await sync_pool(session, now)
    meetings = await upcoming_meetings(session, now, fresh=True)
    free = await availability.load(session, pool, local_day(now, rules.zone), rules.zone)
    planner = Planner(pool, rules)
    settle_until = now + timedelta(days=rules.settle_days)
    if before is None:
        before = {
            m.id: fac.member
            for m in meetings[: rules.announced]
            if (fac := assignment_of(m, AssignmentRole.FACILITATOR)) is not None
        }

    for meeting in meetings:
        current = assignment_of(meeting, AssignmentRole.FACILITATOR)
        if current is not None and _keeps(
            current, meeting, pool, free, meeting.starts_at < settle_until
        ):
            planner.reserved[current.member_id] += 1

    for meeting in meetings:
        settled = meeting.starts_at < settle_until
        current = assignment_of(meeting, AssignmentRole.FACILITATOR)
        chosen: Member | None = None
        source = AssignmentSource.AUTO
        if current is not None and _keeps(current, meeting, pool, free, settled):
            chosen, source = current.member, current.source
            planner.reserved[current.member_id] -= 1
        else:
            candidates = [mid for mid in pool if free.is_free(mid, meeting)]
            if candidates:
                chosen = pool[min(candidates, key=planner.key)].member
        if chosen is None:
            set_assignment(meeting, AssignmentRole.FACILITATOR, None, source, now)
            set_assignment(meeting, AssignmentRole.CO_FACILITATOR, None, source, now)
            continue
        first = planner.take(chosen.id, meeting.starts_at)
        set_assignment(meeting, AssignmentRole.FACILITATOR, chosen, source, now, first_turn=first)
        _plan_co(meeting, chosen, first, pool, free, planner, settled, now)
    await session.flush()

    moved = []
    for meeting in meetings:
        if meeting.id not in before:
            continue
        had = before.get(meeting.id)
        if had is None or (meeting.facilitator is not None and meeting.facilitator.id == had.id):
            continue
        if had.id not in pool:
            continue
        later = next(
            (m for m in meetings if m.facilitator is not None and m.facilitator.id == had.id),
            None,
        )
        moved.append(TurnMoved(meeting, had, later))
    watch.mark_current(session)
    return PlanResult(meetings, moved)


def _plan_co(
    meeting: Meeting,
    chosen: Member,
    first: bool,
    pool: dict[int, Standing],
    free: availability.Availability,
    planner: Planner,
    settled: bool,
    now: datetime,
) -> None:
    co_current = assignment_of(meeting, AssignmentRole.CO_FACILITATOR)
    co_member: Member | None = None
    usable = (
        co_current is not None
        and co_current.member_id in pool
        and co_current.member_id != chosen.id
        and free.is_free(co_current.member_id, meeting)
    )
    if co_current is not None and usable and co_current.source is AssignmentSource.ASSIGNED:
        # A coordinator named this co-facilitator: kept even when nobody is experienced.
        co_member = co_current.member
    elif first:
        if (
            co_current is not None
            and usable
            and planner.experienced(co_current.member_id)
            and (co_current.source in PINNED or settled)
        ):
            co_member = co_current.member
        else:
            experienced = [
                mid
                for mid in pool
                if mid != chosen.id and planner.experienced(mid) and free.is_free(mid, meeting)
            ]
            if experienced:
                co_member = pool[min(experienced, key=planner.co_key)].member
    if co_member is not None:
        planner.take_co(co_member.id, meeting.starts_at)
        co_source = (
            co_current.source
            if co_current and co_current.member_id == co_member.id
            else AssignmentSource.AUTO
        )
        set_assignment(meeting, AssignmentRole.CO_FACILITATOR, co_member, co_source, now)
    else:
        set_assignment(meeting, AssignmentRole.CO_FACILITATOR, None, AssignmentSource.AUTO, now)


async def plan(
    session: AsyncSession, now: datetime, rules: RotationRules | None = None
) -> list[Meeting]:
    """:func:`plan_changes`, returning only the upcoming scheduled meetings in order."""
    return (await plan_changes(session, now, rules)).meetings


async def standby_for(
    session: AsyncSession, meeting: Meeting, now: datetime, rules: RotationRules | None = None
) -> Member | None:
    """The next member in the rotation for ``meeting`` other than its facilitators: who
    to ask to stand by when the facilitator has not confirmed (used by reminders)."""
    rules = rules or RotationRules()
    pool = await sync_pool(session, now)
    planner = Planner(pool, rules)
    for earlier in await upcoming_meetings(session, now, until=meeting.starts_at):
        fac = assignment_of(earlier, AssignmentRole.FACILITATOR)
        if fac is not None and fac.member_id in pool:
            planner.take(fac.member_id, earlier.starts_at)
    busy = {a.member_id for a in meeting.assignments}
    free = await availability.load(session, pool, local_day(now, rules.zone), rules.zone)
    candidates = [mid for mid in pool if mid not in busy and free.is_free(mid, meeting)]
    return pool[min(candidates, key=planner.key)].member if candidates else None


async def _pool_changed(session: AsyncSession) -> bool:
    """Whether someone entered or left the rotation since it was last planned: two
    anti-joins that stop at the first hit (the ``members (status, in_guild)`` index
    keeps the first to the active members)."""
    entered = await session.scalar(
        select(Member.id)
        .where(
            Member.status == MemberStatus.ACTIVE,
            Member.in_guild.is_(True),
            ~exists().where(RotationEntry.member_id == Member.id, RotationEntry.active.is_(True)),
        )
        .limit(1)
    )
    if entered is not None:
        return True
    left = await session.scalar(
        select(RotationEntry.member_id)
        .join(Member, Member.id == RotationEntry.member_id)
        .where(
            RotationEntry.active.is_(True),
            or_(Member.status != MemberStatus.ACTIVE, Member.in_guild.is_(False)),
        )
        .limit(1)
    )
    return left is not None


async def _needs_plan(session: AsyncSession, now: datetime) -> bool:
    """Whether the stored roster may be out of date: someone entered or left the
    rotation, or an upcoming meeting has no facilitator.

    Who is in the rotation is checked against the members only when this process has
    written members or rotation entries since the roster was last found current
    (``watch``); otherwise one query over the upcoming meetings is all."""
    if not watch.still_current(session) and await _pool_changed(session):
        return True
    unfilled = await session.scalar(
        select(Meeting.id)
        .where(
            Meeting.starts_at > now,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.superseded.is_(False),
            ~exists().where(
                FacilitationAssignment.meeting_id == Meeting.id,
                FacilitationAssignment.role == AssignmentRole.FACILITATOR,
            ),
        )
        .limit(1)
    )
    return unfilled is not None and await _anyone_in_rotation(session)


async def _anyone_in_rotation(session: AsyncSession) -> bool:
    return (
        await session.scalar(
            select(RotationEntry.member_id).where(RotationEntry.active.is_(True)).limit(1)
        )
        is not None
    )


async def ensure_planned(
    session: AsyncSession, now: datetime, rules: RotationRules | None = None
) -> None:
    """Plan only when the stored roster may be out of date (see :func:`_needs_plan`), so
    reading the roster does not grow with the rotation or the server. Every change
    people make plans at once, and the hourly job re-plans as time passes."""
    rules = rules or RotationRules()
    created = await extend_series(session, now, rules.horizon_days)
    if created or await _needs_plan(session, now):
        await plan(session, now, rules)
    else:
        watch.mark_current(session)


async def rotation_size(session: AsyncSession) -> int:
    """How many members are in the rotation: one COUNT, read again only after this
    process has written members or rotation entries (``watch``)."""
    known = watch.recalled(session, "rotation_size")
    if known is not None:
        return known
    found = await session.scalar(
        select(func.count())
        .select_from(RotationEntry)
        .join(Member, Member.id == RotationEntry.member_id)
        .where(
            RotationEntry.active.is_(True),
            Member.status == MemberStatus.ACTIVE,
            Member.in_guild.is_(True),
        )
    )
    size = int(found or 0)
    watch.remember(session, "rotation_size", size)
    return size
