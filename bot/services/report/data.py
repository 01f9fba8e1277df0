"""What the community's report shows: aggregates only, never a member's text.

Every category of people (a locality, a training, a theme) with fewer than
``min_group`` people is merged into "Other"; if even that leaves a group too small, the
chart says there are too few to show. Nobody is named except in outcomes they agreed to
be named in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import DecryptionError, Keyring
from bot.errors import InvalidInput
from bot.models import (
    Application,
    ApplicationStatus,
    AssignmentRole,
    ConnectionPair,
    ConnectionRound,
    Consult,
    FacilitationAssignment,
    Learning,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    Member,
    MemberStatus,
    OutcomeKind,
    Partnership,
    Renewal,
    RenewalOutcome,
    RotationEntry,
    SharingLevel,
)
from bot.services.learnings import open_tags
from bot.services.outcomes import KIND_LABELS, ReportOutcome, outcomes_for_report

OTHER = "Other"
MAX_MONTHS = 120
SHARED = (SharingLevel.GROUP, SharingLevel.DIGEST_ANONYMOUS, SharingLevel.DIGEST_NAMED)
EXPORTABLE = (SharingLevel.DIGEST_ANONYMOUS, SharingLevel.DIGEST_NAMED)


def long_date(day: date) -> str:
    """`3 March 2026`: how the report writes a day."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    zone: ZoneInfo

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(0), self.zone).astimezone(UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(0), self.zone).astimezone(UTC)

    def months(self) -> list[date]:
        out, month = [], self.start.replace(day=1)
        while month <= self.end:
            out.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return out

    def month_of(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date().replace(day=1)


def make_period(start: date, end: date, zone: ZoneInfo, today: date) -> Period:
    """A report period, checked: a clear sentence for an empty, reversed or huge range."""
    if end < start:
        raise InvalidInput(
            f"The range ends (`{end.isoformat()}`) before it starts (`{start.isoformat()}`). "
            "Give the earlier date first."
        )
    if start > today:
        raise InvalidInput(
            f"`{start.isoformat()}` is in the future, so there is nothing to report yet. "
            "Choose a range that starts today or earlier."
        )
    period = Period(start, end, zone)
    if len(period.months()) > MAX_MONTHS:
        raise InvalidInput(
            f"A report covers at most {MAX_MONTHS // 12} years. Choose a shorter range."
        )
    return period


@dataclass(frozen=True)
class Grouped:
    """Counts by category, small groups merged. ``hidden`` when too few to show."""

    counts: list[tuple[str, int]]
    merged: int
    """How many small categories went into "Other"."""
    hidden: bool

    @property
    def total(self) -> int:
        return sum(n for _, n in self.counts)


def group_small(
    people: Mapping[str, set[int]],
    min_group: int,
    values: Mapping[str, int] | None = None,
) -> Grouped:
    """Merge every category with fewer than ``min_group`` distinct people into "Other"
    (then fold the smallest named groups in until "Other" itself has enough people). If
    everyone together is fewer than ``min_group``, hide it all. The number shown for a
    category is ``values[label]`` (e.g. learnings) or else its number of people."""
    cats = {(k or OTHER): set(v) for k, v in people.items() if v}
    if not cats:
        return Grouped([], 0, False)
    everyone = set().union(*cats.values())
    if len(everyone) < min_group:
        return Grouped([], len(cats), True)

    def value(labels: Iterable[str], members: set[int]) -> int:
        if values is None:
            return len(members)
        return sum(values.get(label, 0) for label in labels)

    big = {k: v for k, v in cats.items() if len(v) >= min_group and k != OTHER}
    small = [k for k in cats if k not in big]
    other_people = set().union(*(cats[k] for k in small)) if small else set()
    while other_people and len(other_people) < min_group and big:
        smallest = min(big, key=lambda k: (len(big[k]), k))
        other_people |= big.pop(smallest)
        small.append(smallest)
    counts = sorted(((k, value([k], v)) for k, v in big.items()), key=lambda kv: (-kv[1], kv[0]))
    if small:
        counts.append((OTHER, value(small, other_people)))
    return Grouped(counts, sum(1 for k in small if k != OTHER), False)


def _by_category(rows: Iterable[Any]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = defaultdict(set)
    for member_id, label in rows:
        out[label or OTHER].add(member_id)
    return out


@dataclass
class ReportData:
    period: Period
    community: str
    generated_at: datetime
    min_group: int
    months: list[date]
    joined: list[int]
    lapsed: list[int]
    left: list[int]
    active_members: int
    localities: Grouped
    trainings: Grouped
    meetings_held: list[int]
    attendance: list[int] | None
    turns_per_member: list[int] | None
    learnings_recorded: list[int]
    learnings_shared: list[int]
    themes: Grouped
    outcome_counts: dict[OutcomeKind, int]
    outcomes: list[ReportOutcome]
    extras: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    """Further simple counts other capabilities contribute (consults, connections)."""

    @property
    def empty(self) -> bool:
        return not (
            any(self.joined)
            or any(self.lapsed)
            or any(self.left)
            or any(self.meetings_held)
            or any(self.learnings_recorded)
            or self.outcomes
            or any(self.outcome_counts.values())
        )

    def kind_label(self, kind: OutcomeKind) -> str:
        return KIND_LABELS[kind]


def _per_month(months: list[date], period: Period, moments: Iterable[datetime]) -> list[int]:
    index = {m: i for i, m in enumerate(months)}
    out = [0] * len(months)
    for moment in moments:
        i = index.get(period.month_of(moment))
        if i is not None:
            out[i] += 1
    return out


async def _moments(session: AsyncSession, column: object, *where: object) -> list[datetime]:
    return list((await session.scalars(select(column).where(*where))).all())  # type: ignore[call-overload]


async def _round_pairs(session: AsyncSession, since: datetime, until: datetime) -> int:
    pairs = (
        select(ConnectionPair.round_id, ConnectionPair.pair_no)
        .join(ConnectionRound, ConnectionRound.id == ConnectionPair.round_id)
        .where(ConnectionRound.starts_at >= since, ConnectionRound.starts_at < until)
        .distinct()
        .subquery()
    )
    return int(await session.scalar(select(func.count()).select_from(pairs)) or 0)


async def gather(
    session: AsyncSession,
    keyring: Keyring,
    period: Period,
    *,
    community: str,
    min_group: int,
    facilitation_counts: bool,
    now: datetime,
) -> ReportData:
    since, until = period.since, period.until
    months = period.months()
    in_range = (since, until)

    joined = _per_month(
        months,
        period,
        await _moments(
            session, Member.joined_at, Member.joined_at >= since, Member.joined_at < until
        ),
    )
    left = _per_month(
        months,
        period,
        await _moments(session, Member.left_at, Member.left_at >= since, Member.left_at < until),
    )
    lapsed = _per_month(
        months,
        period,
        await _moments(
            session,
            Renewal.closed_at,
            Renewal.outcome == RenewalOutcome.LAPSED,
            Renewal.closed_at >= since,
            Renewal.closed_at < until,
        ),
    )
    active = (
        await session.scalar(
            select(func.count()).select_from(Member).where(Member.status == MemberStatus.ACTIVE)
        )
        or 0
    )

    localities = _by_category(
        (
            await session.execute(
                select(Member.id, Member.locality).where(Member.status == MemberStatus.ACTIVE)
            )
        ).all()
    )
    latest = (
        select(Application.member_id, func.max(Application.id).label("last"))
        .where(Application.status == ApplicationStatus.APPROVED)
        .group_by(Application.member_id)
        .subquery()
    )
    courses = _by_category(
        (
            await session.execute(
                select(Application.member_id, Application.course)
                .join(latest, latest.c.last == Application.id)
                .join(Member, Member.id == Application.member_id)
                .where(Member.status == MemberStatus.ACTIVE)
            )
        ).all()
    )

    held = (
        Meeting.status == MeetingStatus.SCHEDULED,
        Meeting.superseded.is_(False),
        Meeting.starts_at >= in_range[0],
        Meeting.starts_at < min(until, now),
    )
    meetings_held = _per_month(months, period, await _moments(session, Meeting.starts_at, *held))

    turns: list[int] | None = None
    if facilitation_counts:
        counted = Counter(
            (
                await session.scalars(
                    select(FacilitationAssignment.member_id)
                    .join(Meeting, Meeting.id == FacilitationAssignment.meeting_id)
                    .where(
                        *held,
                        FacilitationAssignment.role == AssignmentRole.FACILITATOR,
                        FacilitationAssignment.missed.is_(False),
                    )
                )
            ).all()
        )
        in_rotation = (
            await session.scalars(select(RotationEntry.member_id).where(RotationEntry.active))
        ).all()
        for member_id in in_rotation:
            counted.setdefault(member_id, 0)
        turns = sorted(counted.values(), reverse=True)

    learning_rows = (
        await session.execute(
            select(Learning.author_id, Learning.sharing, Learning.tags, Learning.created_at).where(
                Learning.created_at >= since, Learning.created_at < until
            )
        )
    ).all()
    recorded = _per_month(months, period, (r.created_at for r in learning_rows))
    shared = _per_month(
        months, period, (r.created_at for r in learning_rows if r.sharing in SHARED)
    )
    theme_authors: dict[str, set[int]] = defaultdict(set)
    theme_learnings: Counter[str] = Counter()
    for row in learning_rows:
        if row.sharing not in EXPORTABLE:
            continue
        try:
            tags = open_tags(keyring, row.author_id, row.sharing, row.tags)
        except DecryptionError:
            continue
        for tag in set(tags):
            theme_authors[tag].add(row.author_id)
            theme_learnings[tag] += 1
    themes = group_small(theme_authors, min_group, theme_learnings)

    outcome_counts, outcomes = await outcomes_for_report(session, keyring, period.start, period.end)

    attended = await _moments(
        session,
        Meeting.starts_at,
        *held,
        Meeting.id == MeetingAttendance.meeting_id,
    )
    attendance = _per_month(months, period, attended) if attended else None

    async def count(model: Any, column: Any, *where: Any) -> int:
        query = select(func.count()).select_from(model).where(column >= since, column < until)
        return int(await session.scalar(query.where(*where)) or 0)

    between = [
        ("Consults asked", await count(Consult, Consult.created_at)),
        ("Consults resolved", await count(Consult, Consult.resolved_at)),
        ("Connection-round pairs", await _round_pairs(session, since, until)),
        (
            "Partnerships begun",
            await count(Partnership, Partnership.created_at, Partnership.started_on.is_not(None)),
        ),
    ]

    return ReportData(
        period=period,
        community=community,
        generated_at=now,
        min_group=min_group,
        months=months,
        joined=joined,
        lapsed=lapsed,
        left=left,
        active_members=active,
        localities=group_small(localities, min_group),
        trainings=group_small(courses, min_group),
        meetings_held=meetings_held,
        attendance=attendance,
        turns_per_member=turns,
        learnings_recorded=recorded,
        learnings_shared=shared,
        themes=themes,
        outcome_counts=outcome_counts,
        outcomes=outcomes,
        extras={"Between meetings: consults and connections": between},
    )
