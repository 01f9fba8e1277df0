"""The facilitation rotation: who facilitates each meeting, fairly, and the roster post.

The rules (issue 4), all applied by :func:`plan`, which is deterministic: the same
database state and ``now`` always give the same roster.

- Each turn goes to the available member with the fewest facilitations; ties go to
  whoever has waited longest since their last turn (or since joining, if they have had
  none), then to the earliest joined, then the lowest id.
- A newcomer starts counting from the group's median (their ``baseline``), so they get
  no burst of catch-up turns. Someone who rejoins is lifted to the median the same way.
- Being unavailable costs nothing: the count is unchanged, so the member is first in
  line again once they are available.
- A cancelled meeting counts for nobody, so nobody's standing changes.
- Members who leave or lapse drop out; their future turns go to others.
- Meetings that have started are history and are never changed by planning.
- A member's first turn is paired with an experienced co-facilitator.

Turns set by people (a coordinator's assignment, a volunteer, a swap) are kept while
the member stays active and available. Automatic turns within ``settle_days`` of the
meeting are kept too (the facilitator has been told); later automatic turns are
re-planned each time, so the rotation corrects itself after every change.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import AppConfig
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.models import (
    AssignmentRole,
    AssignmentSource,
    FacilitationAssignment,
    Meeting,
    MeetingStatus,
    Member,
    MemberStatus,
    RosterPost,
    RosterPostStatus,
    RotationEntry,
    SwapRequest,
    SwapStatus,
    Unavailability,
)
from bot.services.meetings import (
    active_series,
    clean_text,
    example_day,
    extend_series,
    upcoming_meetings,
)

MAX_UNAVAILABLE_DAYS = 366
MAX_REASON = 300
PINNED = frozenset({AssignmentSource.ASSIGNED, AssignmentSource.VOLUNTEER, AssignmentSource.SWAP})
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class RotationRules:
    """The settings planning needs, from config (``RotationRules.from_config``)."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Australia/Brisbane"))
    settle_days: int = 7
    experienced_after: int = 1
    horizon_days: int = 180

    @classmethod
    def from_config(cls, config: AppConfig) -> RotationRules:
        return cls(
            zone=config.community.zone,
            settle_days=config.rotation.settle_days,
            experienced_after=config.rotation.experienced_after,
            horizon_days=config.rotation.horizon_days,
        )


# --- standing --------------------------------------------------------------------------


@dataclass
class _Standing:
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


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


async def _active_members(session: AsyncSession) -> list[Member]:
    members = (
        await session.scalars(
            select(Member).where(Member.status == MemberStatus.ACTIVE, Member.in_guild.is_(True))
        )
    ).all()
    return sorted(members, key=lambda m: (m.joined_at or m.first_seen_at, m.id))


async def _history(
    session: AsyncSession, now: datetime
) -> tuple[
    dict[int, int], dict[int, int], dict[int, int], dict[int, datetime], dict[int, datetime]
]:
    """Counts from meetings that have started and were not cancelled."""
    rows = (
        await session.execute(
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
    ).all()
    done: dict[int, int] = defaultdict(int)
    co: dict[int, int] = defaultdict(int)
    missed: dict[int, int] = defaultdict(int)
    last: dict[int, datetime] = {}
    last_co: dict[int, datetime] = {}
    for member_id, role, was_missed, stand_in_id, starts_at in rows:
        if role is AssignmentRole.CO_FACILITATOR:
            if not was_missed:
                co[member_id] += 1
                last_co[member_id] = max(starts_at, last_co.get(member_id, starts_at))
            continue
        if was_missed:
            missed[member_id] += 1
            if stand_in_id is None:
                continue
            member_id = stand_in_id
        done[member_id] += 1
        last[member_id] = max(starts_at, last.get(member_id, starts_at))
    return done, co, missed, last, last_co


async def sync_pool(session: AsyncSession, now: datetime) -> dict[int, _Standing]:
    """Bring the rotation in line with who is an active member, and return each active
    member's standing (keyed by member id).

    A member entering (or re-entering) the rotation gets a baseline so that they start
    at the group's median count. A member no longer active is marked out of the pool.
    """
    members = await _active_members(session)
    entries = {e.member_id: e for e in (await session.scalars(select(RotationEntry))).all()}
    done, co, missed, last, last_co = await _history(session, now)
    active_ids = {m.id for m in members}

    for member_id, entry in entries.items():
        if entry.active and member_id not in active_ids:
            entry.active = False

    pool: dict[int, _Standing] = {}
    newcomers: list[Member] = []
    for member in members:
        known = entries.get(member.id)
        if known is None or not known.active:
            newcomers.append(member)
            continue
        pool[member.id] = _Standing(member, known.baseline)
    for member in newcomers:
        counts = [s.baseline + done.get(s.member.id, 0) for s in pool.values()]
        median = int(statistics.median_low(counts)) if counts else 0
        own = done.get(member.id, 0)
        existing = entries.get(member.id)
        if existing is None:
            existing = RotationEntry(
                member_id=member.id, baseline=max(0, median - own), entered_at=now, active=True
            )
            session.add(existing)
            entries[member.id] = existing
        else:
            existing.active = True
            existing.entered_at = now
            existing.baseline = max(existing.baseline, median - own)
        pool[member.id] = _Standing(member, existing.baseline)
    for standing in pool.values():
        mid = standing.member.id
        standing.facilitated = done.get(mid, 0)
        standing.co_facilitated = co.get(mid, 0)
        standing.missed = missed.get(mid, 0)
        standing.last_turn = last.get(mid)
        standing.last_co_turn = last_co.get(mid)
    await session.flush()
    return pool


async def _unavailable_days(
    session: AsyncSession, member_ids: set[int], today: date
) -> dict[int, list[tuple[date, date]]]:
    rows = (
        await session.scalars(
            select(Unavailability).where(
                Unavailability.member_id.in_(member_ids), Unavailability.last_day >= today
            )
        )
    ).all()
    spans: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for row in rows:
        spans[row.member_id].append((row.first_day, row.last_day))
    return spans


def _is_free(spans: dict[int, list[tuple[date, date]]], member_id: int, day: date) -> bool:
    return not any(first <= day <= last for first, last in spans.get(member_id, ()))


async def is_unavailable(
    session: AsyncSession, member: Member, meeting: Meeting, zone: ZoneInfo
) -> bool:
    day = _local_day(meeting.starts_at, zone)
    found = (
        await session.scalars(
            select(Unavailability.id).where(
                Unavailability.member_id == member.id,
                Unavailability.first_day <= day,
                Unavailability.last_day >= day,
            )
        )
    ).first()
    return found is not None


def _assignment(meeting: Meeting, role: AssignmentRole) -> FacilitationAssignment | None:
    return next((a for a in meeting.assignments if a.role is role), None)


def _set_assignment(
    meeting: Meeting,
    role: AssignmentRole,
    member: Member | None,
    source: AssignmentSource,
    now: datetime,
    *,
    first_turn: bool = False,
) -> None:
    """Point one role of a future meeting at ``member`` (or clear it), in place."""
    current = _assignment(meeting, role)
    if member is None:
        if current is not None:
            meeting.assignments.remove(current)
        return
    if current is None:
        meeting.assignments.append(
            FacilitationAssignment(
                meeting_id=meeting.id,
                member_id=member.id,
                member=member,
                role=role,
                source=source,
                first_turn=first_turn,
                missed=False,
                created_at=now,
            )
        )
        return
    if current.member_id != member.id:
        current.member = member
        current.member_id = member.id
        current.source = source
        current.created_at = now
    elif current.source is not source and source is not AssignmentSource.AUTO:
        current.source = source
    current.first_turn = first_turn


class _Planner:
    """The fairness rules over a snapshot of standings; used by plan() and standby."""

    def __init__(self, pool: dict[int, _Standing], rules: RotationRules) -> None:
        self.pool = pool
        self.rules = rules
        self.count = {mid: s.count for mid, s in pool.items()}
        self.real = {mid: s.facilitated for mid, s in pool.items()}
        self.last = {mid: s.last_turn or s.joined for mid, s in pool.items()}
        self.co_count = {mid: s.co_facilitated for mid, s in pool.items()}
        self.co_last = {mid: s.last_co_turn or s.joined for mid, s in pool.items()}

    def key(self, mid: int) -> tuple[int, datetime, datetime, int]:
        standing = self.pool[mid]
        return (self.count[mid], self.last[mid], standing.joined, mid)

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


async def plan(
    session: AsyncSession, now: datetime, rules: RotationRules | None = None
) -> list[Meeting]:
    """Make sure the active series' meetings exist up to the horizon and every upcoming
    meeting has a fair facilitator (and a co-facilitator on a first turn).

    Returns the upcoming scheduled meetings in time order. Idempotent and deterministic.
    """
    rules = rules or RotationRules()
    await extend_series(session, now, rules.horizon_days)
    pool = await sync_pool(session, now)
    meetings = await upcoming_meetings(session, now)
    today = _local_day(now, rules.zone)
    spans = await _unavailable_days(session, set(pool), today)
    planner = _Planner(pool, rules)
    settle_until = now + timedelta(days=rules.settle_days)

    for meeting in meetings:
        day = _local_day(meeting.starts_at, rules.zone)
        settled = meeting.starts_at < settle_until
        current = _assignment(meeting, AssignmentRole.FACILITATOR)
        chosen: Member | None = None
        source = AssignmentSource.AUTO
        if (
            current is not None
            and current.member_id in pool
            and _is_free(spans, current.member_id, day)
            and (current.source in PINNED or settled)
        ):
            chosen, source = current.member, current.source
        else:
            candidates = [mid for mid in pool if _is_free(spans, mid, day)]
            if candidates:
                chosen = pool[min(candidates, key=planner.key)].member
        if chosen is None:
            _set_assignment(meeting, AssignmentRole.FACILITATOR, None, source, now)
            _set_assignment(meeting, AssignmentRole.CO_FACILITATOR, None, source, now)
            continue
        first = planner.take(chosen.id, meeting.starts_at)
        _set_assignment(meeting, AssignmentRole.FACILITATOR, chosen, source, now, first_turn=first)

        co_current = _assignment(meeting, AssignmentRole.CO_FACILITATOR)
        co_member: Member | None = None
        if first:
            if (
                co_current is not None
                and co_current.member_id in pool
                and co_current.member_id != chosen.id
                and _is_free(spans, co_current.member_id, day)
                and planner.experienced(co_current.member_id)
                and (co_current.source in PINNED or settled)
            ):
                co_member = co_current.member
            else:
                experienced = [
                    mid
                    for mid in pool
                    if mid != chosen.id and planner.experienced(mid) and _is_free(spans, mid, day)
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
            _set_assignment(meeting, AssignmentRole.CO_FACILITATOR, co_member, co_source, now)
        else:
            _set_assignment(meeting, AssignmentRole.CO_FACILITATOR, None, source, now)
    await session.flush()
    return meetings


async def standby_for(
    session: AsyncSession, meeting: Meeting, now: datetime, rules: RotationRules | None = None
) -> Member | None:
    """The next member in the rotation for ``meeting`` other than its facilitators: who
    to ask to stand by when the facilitator has not confirmed (used by reminders)."""
    rules = rules or RotationRules()
    pool = await sync_pool(session, now)
    planner = _Planner(pool, rules)
    for earlier in await upcoming_meetings(session, now, until=meeting.starts_at):
        fac = _assignment(earlier, AssignmentRole.FACILITATOR)
        if fac is not None and fac.member_id in pool:
            planner.take(fac.member_id, earlier.starts_at)
    busy = {a.member_id for a in meeting.assignments}
    day = _local_day(meeting.starts_at, rules.zone)
    spans = await _unavailable_days(session, set(pool), _local_day(now, rules.zone))
    candidates = [mid for mid in pool if mid not in busy and _is_free(spans, mid, day)]
    return pool[min(candidates, key=planner.key)].member if candidates else None


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
    changed: list[Meeting] = []
    for meeting in await upcoming_meetings(session, now):
        mine = [a for a in meeting.assignments if a.member_id == member.id]
        for assignment in mine:
            meeting.assignments.remove(assignment)
        if mine:
            changed.append(meeting)
    await _withdraw_swaps_of(session, member, now)
    await session.flush()
    await plan(session, now, rules)
    return changed


async def _withdraw_swaps_of(session: AsyncSession, member: Member, now: datetime) -> None:
    await session.execute(
        update(SwapRequest)
        .where(
            SwapRequest.status == SwapStatus.PENDING,
            or_(SwapRequest.requester_id == member.id, SwapRequest.target_id == member.id),
        )
        .values(status=SwapStatus.WITHDRAWN, decided_at=now)
    )


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


# --- changes people make -------------------------------------------------------------


@dataclass(frozen=True)
class UnavailableResult:
    record: Unavailability
    released: list[Meeting]
    """Upcoming meetings in the range the member was down for, now handed on."""


async def mark_unavailable(
    session: AsyncSession,
    member: Member,
    first_day: date,
    last_day: date,
    reason: str,
    now: datetime,
    rules: RotationRules | None = None,
) -> UnavailableResult:
    """Record that ``member`` can't facilitate on these local days (inclusive); any turn
    they had in the range goes to someone else. Their count is untouched, so they keep
    their place in the rotation."""
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
        reason=reason_clean,
        created_at=now,
    )
    session.add(record)
    released: list[Meeting] = []
    for meeting in await upcoming_meetings(session, now):
        if not first_day <= _local_day(meeting.starts_at, rules.zone) <= last_day:
            continue
        mine = [a for a in meeting.assignments if a.member_id == member.id]
        for assignment in mine:
            meeting.assignments.remove(assignment)
        if mine:
            released.append(meeting)
    await session.flush()
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
        if before[0] <= before[1]:
            session.add(
                Unavailability(
                    member_id=member.id,
                    first_day=before[0],
                    last_day=before[1],
                    reason=row.reason,
                    created_at=row.created_at,
                )
            )
        if after[0] <= after[1]:
            session.add(
                Unavailability(
                    member_id=member.id,
                    first_day=after[0],
                    last_day=after[1],
                    reason=row.reason,
                    created_at=row.created_at,
                )
            )
        await session.delete(row)
    await session.flush()
    if rows:
        await plan(session, now, rules)
    return len(rows)


def _future_scheduled(meeting: Meeting, now: datetime) -> None:
    if meeting.starts_at <= now:
        raise InvalidInput("That meeting has already started; past turns can't be changed.")
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise InvalidInput("That meeting is cancelled, so it has no facilitator to change.")


async def assign(
    session: AsyncSession,
    meeting: Meeting,
    member: Member,
    now: datetime,
    rules: RotationRules | None = None,
    *,
    source: AssignmentSource = AssignmentSource.ASSIGNED,
) -> Meeting:
    """Set the facilitator of an upcoming meeting (a coordinator's decision, or a
    volunteer). The rest of the roster is re-planned around it."""
    rules = rules or RotationRules()
    _future_scheduled(meeting, now)
    if await is_unavailable(session, member, meeting, rules.zone):
        day = _local_day(meeting.starts_at, rules.zone).isoformat()
        who = "You've" if source is AssignmentSource.VOLUNTEER else "They've"
        raise Conflict(
            f"{who} marked `{day}` as unavailable, so that turn can't be taken. "
            "Clear it first with `/roster available`, or pick another date."
        )
    co = _assignment(meeting, AssignmentRole.CO_FACILITATOR)
    if co is not None and co.member_id == member.id:
        meeting.assignments.remove(co)
        await session.flush()
    _set_assignment(meeting, AssignmentRole.FACILITATOR, member, source, now)
    await session.flush()
    await plan(session, now, rules)
    return meeting


async def volunteer(
    session: AsyncSession,
    meeting: Meeting,
    member: Member,
    now: datetime,
    rules: RotationRules | None = None,
) -> Meeting:
    """Put ``member`` forward for a meeting. A turn already set by a person (assigned,
    volunteered or swapped) is not taken over: they are told to ask for a swap."""
    _future_scheduled(meeting, now)
    current = _assignment(meeting, AssignmentRole.FACILITATOR)
    if current is not None and current.member_id == member.id:
        raise Conflict("You're already the facilitator for that meeting. Thank you!")
    if current is not None and current.source in PINNED:
        raise Conflict(
            f"<@{current.member.user_id}> has already taken that meeting. Ask them with "
            "`/roster swap`, or volunteer for another date."
        )
    return await assign(session, meeting, member, now, rules, source=AssignmentSource.VOLUNTEER)


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
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise InvalidInput("That meeting was cancelled, so no turn was missed.")
    current = _assignment(meeting, AssignmentRole.FACILITATOR)
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


# --- swaps -----------------------------------------------------------------------------


async def request_swap(
    session: AsyncSession,
    *,
    requester: Member,
    target: Member,
    meeting: Meeting,
    now: datetime,
    rules: RotationRules | None = None,
) -> SwapRequest:
    """Ask ``target`` to take ``requester``'s turn at ``meeting``; if the target has an
    upcoming turn of their own, the requester offers to take it in exchange."""
    rules = rules or RotationRules()
    day = _local_day(meeting.starts_at, rules.zone).isoformat()
    if requester.id == target.id:
        raise InvalidInput(
            f"You can't swap with yourself. Name the member you'd like to take your turn, "
            f"like `/roster swap date:{day} member:@name`."
        )
    _future_scheduled(meeting, now)
    current = _assignment(meeting, AssignmentRole.FACILITATOR)
    if current is None or current.member_id != requester.id:
        who = f" <@{current.member.user_id}> is down for it." if current is not None else ""
        raise NotAllowed(
            f"You don't facilitate the meeting on `{day}`, so you can't swap it.{who} "
            "See your turns with `/roster show`."
        )
    if target.status is not MemberStatus.ACTIVE:
        raise InvalidInput(
            f"<@{target.user_id}> isn't in the facilitation rotation, so they can't take a turn. "
            "Ask an active member instead."
        )
    if await is_unavailable(session, target, meeting, rules.zone):
        raise Conflict(f"<@{target.user_id}> has marked `{day}` as unavailable. Ask someone else.")
    pending = (
        await session.scalars(
            select(SwapRequest).where(
                SwapRequest.meeting_id == meeting.id,
                SwapRequest.requester_id == requester.id,
                SwapRequest.status == SwapStatus.PENDING,
            )
        )
    ).first()
    if pending is not None:
        asked = await session.get(Member, pending.target_id)
        who = f"<@{asked.user_id}>" if asked is not None else "someone"
        raise Conflict(f"You've already asked {who} to swap `{day}`; wait for their answer first.")
    return_meeting: Meeting | None = None
    for later in await upcoming_meetings(session, now):
        if later.id == meeting.id:
            continue
        fac = _assignment(later, AssignmentRole.FACILITATOR)
        if fac is not None and fac.member_id == target.id:
            if not await is_unavailable(session, requester, later, rules.zone):
                return_meeting = later
            break
    swap = SwapRequest(
        meeting_id=meeting.id,
        requester_id=requester.id,
        target_id=target.id,
        return_meeting_id=return_meeting.id if return_meeting else None,
        status=SwapStatus.PENDING,
        created_at=now,
    )
    session.add(swap)
    await session.flush()
    return swap


@dataclass(frozen=True)
class SwapView:
    """A swap request with what it refers to, for rendering."""

    swap: SwapRequest
    meeting: Meeting
    requester: Member
    target: Member
    return_meeting: Meeting | None

    @property
    def requester_mention(self) -> str:
        return f"<@{self.requester.user_id}>"

    @property
    def target_mention(self) -> str:
        return f"<@{self.target.user_id}>"


async def swap_view(session: AsyncSession, swap_id: int) -> SwapView:
    swap = await session.get(SwapRequest, swap_id)
    if swap is None:
        raise NotFound("That swap request no longer exists.")
    meeting = await session.get(Meeting, swap.meeting_id)
    requester = await session.get(Member, swap.requester_id)
    target = await session.get(Member, swap.target_id)
    if meeting is None or requester is None or target is None:
        raise NotFound("That swap request no longer exists.")
    back = await session.get(Meeting, swap.return_meeting_id) if swap.return_meeting_id else None
    return SwapView(swap, meeting, requester, target, back)


@dataclass(frozen=True)
class SwapDecision:
    view: SwapView
    status: SwapStatus
    exchanged: bool
    """The requester took the asked member's turn at ``view.return_meeting``."""
    note: str = ""
    """Why an accepted swap could not go ahead (then ``status`` is WITHDRAWN)."""


async def decide_swap(
    session: AsyncSession,
    swap_id: int,
    *,
    user_id: int,
    accept: bool,
    now: datetime,
    rules: RotationRules | None = None,
) -> SwapDecision:
    """The asked member accepts or declines. Only they may; exactly one answer counts
    (the state change is a conditional UPDATE)."""
    rules = rules or RotationRules()
    view = await swap_view(session, swap_id)
    swap, meeting = view.swap, view.meeting
    if view.target.user_id != user_id:
        raise NotAllowed(
            f"Only <@{view.target.user_id}> can answer this swap request, because they were asked."
        )
    if swap.status is not SwapStatus.PENDING:
        raise Conflict(f"This swap request has already been answered ({swap.status.value}).")

    note = ""
    if accept:
        current = _assignment(meeting, AssignmentRole.FACILITATOR)
        if meeting.starts_at <= now:
            note = "The meeting has already started, so the swap can't happen."
        elif meeting.status is not MeetingStatus.SCHEDULED:
            note = "The meeting was cancelled, so there's nothing to swap."
        elif current is None or current.member_id != view.requester.id:
            note = f"<@{view.requester.user_id}> no longer facilitates that meeting."
        elif view.target.status is not MemberStatus.ACTIVE:
            note = "You're no longer in the facilitation rotation."
        elif await is_unavailable(session, view.target, meeting, rules.zone):
            note = "You've marked that day as unavailable; clear it with `/roster available` first."
    status = SwapStatus.ACCEPTED if accept and not note else SwapStatus.DECLINED
    if note:
        status = SwapStatus.WITHDRAWN
    result = await session.execute(
        update(SwapRequest)
        .where(SwapRequest.id == swap.id, SwapRequest.status == SwapStatus.PENDING)
        .values(status=status, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        raise Conflict("This swap request has already been answered.")
    await session.refresh(swap)
    exchanged = False
    if status is SwapStatus.ACCEPTED:
        co = _assignment(meeting, AssignmentRole.CO_FACILITATOR)
        if co is not None and co.member_id == view.target.id:
            meeting.assignments.remove(co)
            await session.flush()
        _set_assignment(
            meeting, AssignmentRole.FACILITATOR, view.target, AssignmentSource.SWAP, now
        )
        back = view.return_meeting
        if back is not None and back.starts_at > now and back.status is MeetingStatus.SCHEDULED:
            back_fac = _assignment(back, AssignmentRole.FACILITATOR)
            if (
                back_fac is not None
                and back_fac.member_id == view.target.id
                and not await is_unavailable(session, view.requester, back, rules.zone)
            ):
                back_co = _assignment(back, AssignmentRole.CO_FACILITATOR)
                if back_co is not None and back_co.member_id == view.requester.id:
                    back.assignments.remove(back_co)
                    await session.flush()
                _set_assignment(
                    back, AssignmentRole.FACILITATOR, view.requester, AssignmentSource.SWAP, now
                )
                exchanged = True
        await session.flush()
        await plan(session, now, rules)
    return SwapDecision(view, status, exchanged, note)


async def set_swap_message(
    session: AsyncSession, swap_id: int, channel_id: int, message_id: int
) -> None:
    swap = await session.get(SwapRequest, swap_id)
    if swap is not None:
        swap.channel_id = channel_id
        swap.message_id = message_id
        await session.flush()


# --- reading the roster ----------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    member: Member
    facilitated: int
    co_facilitated: int
    swaps: int
    missed: int
    next_turn: Meeting | None
    next_role: AssignmentRole | None


async def ledger(
    session: AsyncSession, now: datetime, rules: RotationRules | None = None
) -> list[LedgerRow]:
    """The shared workload of everyone in the rotation, most facilitations last."""
    meetings = await plan(session, now, rules)
    pool = await sync_pool(session, now)
    swaps = (
        await session.execute(
            select(SwapRequest.requester_id, SwapRequest.target_id).where(
                SwapRequest.status == SwapStatus.ACCEPTED
            )
        )
    ).all()
    swap_counts: dict[int, int] = defaultdict(int)
    for requester_id, target_id in swaps:
        swap_counts[requester_id] += 1
        swap_counts[target_id] += 1
    rows = []
    for mid, standing in pool.items():
        next_turn: Meeting | None = None
        next_role: AssignmentRole | None = None
        for meeting in meetings:
            mine = next((a for a in meeting.assignments if a.member_id == mid), None)
            if mine is not None:
                next_turn, next_role = meeting, mine.role
                break
        rows.append(
            LedgerRow(
                standing.member,
                standing.facilitated,
                standing.co_facilitated,
                swap_counts.get(mid, 0),
                standing.missed,
                next_turn,
                next_role,
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


# --- the roster post -------------------------------------------------------------------


@dataclass(frozen=True)
class PostSchedule:
    """When the roster posts itself (from config ``rotation.post_*``)."""

    mode: str = "weekly"
    """``weekly``, ``after_meeting`` or ``off``."""
    weekday: int = 0
    at: time = time(9, 0)
    days_after: int = 1
    grace: timedelta = timedelta(hours=24)

    @classmethod
    def from_config(cls, config: AppConfig) -> PostSchedule:
        section = config.rotation
        hour, minute = (int(p) for p in section.post_time.split(":"))
        return cls(
            mode=section.post_schedule,
            weekday=WEEKDAYS.index(section.post_day),
            at=time(hour, minute),
            days_after=section.post_days_after,
            grace=timedelta(hours=section.post_grace_hours),
        )


@dataclass(frozen=True)
class Slot:
    key: str
    due_at: datetime


async def latest_slot(
    session: AsyncSession, now: datetime, schedule: PostSchedule, zone: ZoneInfo
) -> Slot | None:
    """The most recent moment the roster should have posted, at or before ``now``."""
    if schedule.mode == "weekly":
        local = now.astimezone(zone)
        back = (local.weekday() - schedule.weekday) % 7
        for extra in (0, 7):
            day = local.date() - timedelta(days=back + extra)
            due = datetime.combine(day, schedule.at).replace(tzinfo=zone).astimezone(UTC)
            if due <= now:
                return Slot(f"weekly:{day.isoformat()}T{schedule.at:%H:%M}", due)
        return None
    if schedule.mode == "after_meeting":
        latest_start = now - timedelta(days=schedule.days_after) + timedelta(hours=1)
        candidates = (
            await session.scalars(
                select(Meeting)
                .where(
                    Meeting.status == MeetingStatus.SCHEDULED,
                    Meeting.starts_at <= latest_start,
                    Meeting.starts_at > now - timedelta(days=schedule.days_after + 60),
                )
                .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
                .limit(5)
            )
        ).all()
        for meeting in candidates:
            local = meeting.starts_at.astimezone(zone).replace(tzinfo=None)
            due = (local + timedelta(days=schedule.days_after)).replace(tzinfo=zone)
            due_utc = due.astimezone(UTC)
            if due_utc <= now:
                return Slot(f"after:{meeting.id}", due_utc)
        return None
    return None


async def due_slot(
    session: AsyncSession, now: datetime, schedule: PostSchedule, zone: ZoneInfo
) -> Slot | None:
    """The slot to post for now, if it has not been posted and is not too old.

    Only the latest slot is ever considered, so a bot that was down for weeks posts
    once, not once per missed week; a slot older than the grace period is skipped.
    """
    slot = await latest_slot(session, now, schedule, zone)
    if slot is None or now - slot.due_at > schedule.grace:
        return None
    taken = (
        await session.scalars(select(RosterPost.id).where(RosterPost.slot_key == slot.key))
    ).first()
    return None if taken is not None else slot


async def claim_slot(session: AsyncSession, slot: Slot, now: datetime) -> RosterPost | None:
    """Take the slot (unique key), or None if it was already taken."""
    post = RosterPost(
        slot_key=slot.key,
        scheduled_for=slot.due_at,
        status=RosterPostStatus.CLAIMED,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(post)
    except IntegrityError:
        return None
    return post


async def previous_post(session: AsyncSession, channel_id: int) -> RosterPost | None:
    """The most recent roster post that reached the channel (for editing in place)."""
    return (
        await session.scalars(
            select(RosterPost)
            .where(
                RosterPost.channel_id == channel_id,
                RosterPost.message_id.is_not(None),
                RosterPost.status.in_([RosterPostStatus.SENT, RosterPostStatus.EDITED]),
            )
            .order_by(RosterPost.id.desc())
            .limit(1)
        )
    ).first()


async def finish_post(
    session: AsyncSession,
    post_id: int,
    *,
    status: RosterPostStatus,
    channel_id: int | None,
    message_id: int | None,
    now: datetime,
) -> None:
    post = await session.get(RosterPost, post_id)
    if post is None:
        return
    post.status = status
    post.channel_id = channel_id
    post.message_id = message_id
    post.posted_at = now
    await session.flush()


async def release_slot(session: AsyncSession, post_id: int) -> None:
    """Give a slot back after a failed send, so the next run tries again."""
    await session.execute(
        delete(RosterPost).where(
            RosterPost.id == post_id, RosterPost.status == RosterPostStatus.CLAIMED
        )
    )


# --- personal data (/mydata) -----------------------------------------------------------


async def personal_data(session: AsyncSession, member: Member) -> dict[str, Any]:
    """Everything the rotation holds about one member."""
    rows = (
        await session.execute(
            select(FacilitationAssignment, Meeting.starts_at, Meeting.status)
            .join(Meeting, Meeting.id == FacilitationAssignment.meeting_id)
            .where(
                or_(
                    FacilitationAssignment.member_id == member.id,
                    FacilitationAssignment.stand_in_id == member.id,
                )
            )
            .order_by(Meeting.starts_at)
        )
    ).all()
    assignments = [
        {
            "meeting_starts_at": starts_at.isoformat(),
            "meeting_status": status.value,
            "role": a.role.value if a.member_id == member.id else "stand_in",
            "source": a.source.value,
            "first_turn": a.first_turn,
            "missed": a.missed if a.member_id == member.id else False,
        }
        for a, starts_at, status in rows
    ]
    unavailable = [
        {
            "first_day": u.first_day.isoformat(),
            "last_day": u.last_day.isoformat(),
            "reason": u.reason,
            "recorded_at": u.created_at.isoformat(),
        }
        for u in (
            await session.scalars(
                select(Unavailability)
                .where(Unavailability.member_id == member.id)
                .order_by(Unavailability.first_day)
            )
        ).all()
    ]
    swaps = [
        {
            "role": "asked" if s.requester_id == member.id else "was asked",
            "status": s.status.value,
            "requested_at": s.created_at.isoformat(),
            "decided_at": s.decided_at.isoformat() if s.decided_at else None,
        }
        for s in (
            await session.scalars(
                select(SwapRequest)
                .where(
                    or_(SwapRequest.requester_id == member.id, SwapRequest.target_id == member.id)
                )
                .order_by(SwapRequest.id)
            )
        ).all()
    ]
    entry = await session.get(RotationEntry, member.id)
    return {
        "rotation": (
            {
                "in_rotation": entry.active,
                "entered_at": entry.entered_at.isoformat(),
                "starting_count": entry.baseline,
            }
            if entry
            else None
        ),
        "assignments": assignments,
        "unavailability": unavailable,
        "swaps": swaps,
    }


async def erase_personal_data(session: AsyncSession, member: Member, now: datetime) -> None:
    """Delete what is personal (unavailability and its reasons, pending swaps) and take
    the member out of the rotation. Roster history is kept: it is de-identified when
    the member row itself is scrubbed."""
    await session.execute(delete(Unavailability).where(Unavailability.member_id == member.id))
    await _withdraw_swaps_of(session, member, now)
    for meeting in await upcoming_meetings(session, now):
        for assignment in [a for a in meeting.assignments if a.member_id == member.id]:
            meeting.assignments.remove(assignment)
    entry = await session.get(RotationEntry, member.id)
    if entry is not None:
        entry.active = False
    await session.flush()


async def next_turn_of(session: AsyncSession, member: Member, now: datetime) -> Meeting | None:
    """The member's next upcoming meeting as facilitator or co-facilitator."""
    return (
        await session.scalars(
            select(Meeting)
            .join(FacilitationAssignment, FacilitationAssignment.meeting_id == Meeting.id)
            .where(
                FacilitationAssignment.member_id == member.id,
                Meeting.starts_at > now,
                Meeting.status == MeetingStatus.SCHEDULED,
            )
            .order_by(Meeting.starts_at)
            .limit(1)
        )
    ).first()


async def has_series(session: AsyncSession) -> bool:
    return await active_series(session) is not None
