"""The reminder engine's database side: planning, dispatching, claiming and recording.

The tables are the source of truth; scheduler jobs only wake the engine up.

- A **reminder occurrence** is one time something is due, with a unique ``key``
  (``r12@1790000000`` for a custom reminder, ``m7@1790000000:group:604800s`` for a meeting
  step), so planning the same thing twice is impossible.
- When it comes due it is **dispatched**: the targets are resolved from the current state
  (meeting cancelled? facilitator changed? already confirmed?) and one **delivery** row is
  written per target, unique on ``(occurrence_id, target)``.
- A delivery is **claimed** (``status='sending'``, committed) *before* anything is sent and
  marked ``sent`` with the message id after. A claim left behind by a crash is never blindly
  resent: the sender first looks for the message in the channel (each message carries its
  delivery's reference), and a resend carries the same Discord nonce with
  ``enforce_nonce`` so Discord itself drops a duplicate.
- Occurrences found more than the grace window late are **missed**: reported to coordinators,
  never sent. Deliveries that fail are retried with exponential backoff and, once given up,
  reported too. Nothing is dropped silently.

Every function takes the session and ``now``; none commits.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import AppConfig
from bot.models import (
    DeliveryStatus,
    FacilitatorConfirmation,
    Member,
    MemberStatus,
    OccurrenceStatus,
    Reminder,
    ReminderDelivery,
    ReminderKind,
    ReminderOccurrence,
    ReminderStatus,
    ReminderStep,
)
from bot.services.reminders.meetings import MeetingFacts, meetings_between, meetings_by_id
from bot.services.reminders.schedule import Schedule

PLANNING_HORIZON = timedelta(days=67)
"""Chain steps are planned for meetings starting up to this far ahead (more than the
largest allowed offset, so a step is always planned before it comes due)."""

STALE_CLAIM = timedelta(minutes=10)
"""A claim this old from the running process itself is treated as abandoned."""

StandbyFinder = Callable[[AsyncSession, int, set[int], datetime], Awaitable[int | None]]
"""Finds who should stand by for a meeting: (session, meeting id, user ids to leave out,
now) -> a user id, or None when nobody is available."""

FAILURE_STEPS = frozenset({ReminderStep.REPORT})
"""Steps whose own failures are only logged (a report about a failed report would loop)."""


@dataclass(frozen=True)
class EngineSettings:
    chain: bool
    group_before: tuple[timedelta, ...]
    pack_before: timedelta
    confirm_before: timedelta
    escalate_before: timedelta
    learning_after: timedelta
    grace: timedelta
    late_after: timedelta
    max_attempts: int
    retry_base: timedelta
    retry_max: timedelta
    announcements_channel: int
    coordinators_channel: int

    @classmethod
    def from_config(cls, config: AppConfig) -> EngineSettings:
        r = config.reminders
        return cls(
            chain=r.meeting_chain,
            group_before=tuple(timedelta(days=d) for d in r.group_days_before),
            pack_before=timedelta(days=r.facilitator_pack_days_before),
            confirm_before=timedelta(days=r.confirm_days_before),
            escalate_before=timedelta(days=r.escalate_days_before),
            learning_after=timedelta(days=r.learning_prompt_days_after),
            grace=timedelta(minutes=r.late_grace_minutes),
            late_after=timedelta(seconds=r.late_note_after_seconds),
            max_attempts=r.max_attempts,
            retry_base=timedelta(seconds=r.retry_base_seconds),
            retry_max=timedelta(seconds=r.retry_max_seconds),
            announcements_channel=config.channels.announcements,
            coordinators_channel=config.channels.coordinators,
        )

    def backoff(self, attempts: int) -> timedelta:
        """The wait before attempt ``attempts + 1``: base, 2×base, 4×base... capped."""
        factor: int = 2 ** max(0, min(attempts - 1, 30))
        wait: timedelta = min(self.retry_base * factor, self.retry_max)
        return wait


def channel_target(channel_id: int) -> str:
    return f"channel:{channel_id}"


def user_target(user_id: int) -> str:
    return f"user:{user_id}"


def parse_target(target: str) -> tuple[str, int]:
    kind, _, ident = target.partition(":")
    return kind, int(ident)


# --- the meeting chain ----------------------------------------------------------------


@dataclass(frozen=True)
class StepPlan:
    key: str
    step: ReminderStep
    meeting_id: int
    meeting_starts_at: datetime
    due_at: datetime
    target_user_id: int | None = None


def _seconds(delta: timedelta) -> int:
    return round(delta.total_seconds())


def meeting_base_key(meeting_id: int, starts_at: datetime) -> str:
    return f"m{meeting_id}@{int(starts_at.timestamp())}"


def chain_steps(meeting: MeetingFacts, settings: EngineSettings) -> list[StepPlan]:
    """The steps a meeting should have now. A cancelled meeting has none."""
    if meeting.cancelled or not settings.chain:
        return []
    base = meeting_base_key(meeting.id, meeting.starts_at)
    steps = [
        StepPlan(
            f"{base}:group:{_seconds(before)}s",
            ReminderStep.GROUP,
            meeting.id,
            meeting.starts_at,
            meeting.starts_at - before,
        )
        for before in settings.group_before
    ]
    facilitator = meeting.facilitator_user_id
    co = meeting.co_facilitator_user_id
    for kind, person in (("pack", facilitator), ("copack", co)):
        if person is not None:
            steps.append(
                StepPlan(
                    f"{base}:{kind}:u{person}",
                    ReminderStep.FACILITATOR_PACK,
                    meeting.id,
                    meeting.starts_at,
                    meeting.starts_at - settings.pack_before,
                    person,
                )
            )
    if facilitator is not None:
        steps.append(
            StepPlan(
                f"{base}:confirm:u{facilitator}",
                ReminderStep.CONFIRM_REQUEST,
                meeting.id,
                meeting.starts_at,
                meeting.starts_at - settings.confirm_before,
                facilitator,
            )
        )
    steps.append(
        StepPlan(
            f"{base}:escalation",
            ReminderStep.ESCALATION,
            meeting.id,
            meeting.starts_at,
            meeting.starts_at - settings.escalate_before,
        )
    )
    steps.append(
        StepPlan(
            f"{base}:learning",
            ReminderStep.LEARNING_PROMPT,
            meeting.id,
            meeting.starts_at,
            meeting.ends_at + settings.learning_after,
        )
    )
    return steps


def _catch_up_due(
    plan: StepPlan, meeting: MeetingFacts, settings: EngineSettings, now: datetime
) -> datetime | None:
    """When to send a step that is planned for the first time after its time has passed
    (the meeting was added at short notice, moved, or its facilitator changed), or None to
    leave it out. Reminders missed while the bot was down are *not* decided here: those were
    planned before and are dispatched late or reported as missed."""
    if plan.due_at >= now:
        return plan.due_at
    if plan.step is ReminderStep.FACILITATOR_PACK and now < meeting.starts_at:
        return now
    if (
        plan.step is ReminderStep.CONFIRM_REQUEST
        and now < meeting.starts_at - settings.escalate_before
    ):
        return now
    return None


@dataclass
class PlanResult:
    planned: list[tuple[int, datetime]] = field(default_factory=list)
    """(occurrence id, due) of occurrences newly planned: each needs a wake-up job."""
    settled: list[int] = field(default_factory=list)
    """Occurrences no longer planned (cancelled or superseded): drop their jobs."""

    def extend(self, other: PlanResult) -> None:
        self.planned.extend(other.planned)
        self.settled.extend(other.settled)


async def _existing_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    wanted = list(set(keys))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            await session.scalars(
                select(ReminderOccurrence.key).where(ReminderOccurrence.key.in_(chunk))
            )
        )
    return found


def _new_occurrence(
    *,
    key: str,
    step: ReminderStep,
    due_at: datetime,
    now: datetime,
    reminder_id: int | None = None,
    meeting_id: int | None = None,
    meeting_starts_at: datetime | None = None,
    target_user_id: int | None = None,
    status: OccurrenceStatus = OccurrenceStatus.PLANNED,
    payload: dict[str, object] | None = None,
    note: str = "",
) -> ReminderOccurrence:
    settled = status is not OccurrenceStatus.PLANNED
    return ReminderOccurrence(
        key=key,
        step=step,
        reminder_id=reminder_id,
        meeting_id=meeting_id,
        meeting_starts_at=meeting_starts_at,
        target_user_id=target_user_id,
        due_at=due_at,
        status=status,
        created_at=now,
        settled_at=now if settled else None,
        note=note,
        payload=payload or {},
    )


async def plan_meetings(
    session: AsyncSession, now: datetime, settings: EngineSettings
) -> PlanResult:
    """Bring the planned chain steps in line with the meetings as they are now."""
    result = PlanResult()
    since = now - settings.learning_after - settings.grace - timedelta(days=2)
    meetings = {m.id: m for m in await meetings_between(session, since, now + PLANNING_HORIZON)}

    planned = list(
        await session.scalars(
            select(ReminderOccurrence).where(
                ReminderOccurrence.status == OccurrenceStatus.PLANNED,
                ReminderOccurrence.meeting_id.is_not(None),
            )
        )
    )
    missing_ids = {o.meeting_id for o in planned if o.meeting_id not in meetings}
    meetings.update(await meetings_by_id(session, {i for i in missing_ids if i is not None}))

    desired: dict[str, tuple[StepPlan, MeetingFacts]] = {}
    for meeting in meetings.values():
        for plan in chain_steps(meeting, settings):
            desired[plan.key] = (plan, meeting)

    for occurrence in planned:
        if occurrence.key in desired:
            continue
        wanted, status, why = _still_wanted(
            occurrence, meetings.get(occurrence.meeting_id or 0), settings
        )
        if not wanted:
            _settle(occurrence, status, now, why)
            result.settled.append(occurrence.id)

    existing = await _existing_keys(session, desired)
    added: list[ReminderOccurrence] = []
    for key, (plan, meeting) in desired.items():
        if key in existing:
            continue
        due = _catch_up_due(plan, meeting, settings, now)
        if due is None:
            continue
        occurrence = _new_occurrence(
            key=key,
            step=plan.step,
            due_at=due,
            now=now,
            meeting_id=plan.meeting_id,
            meeting_starts_at=plan.meeting_starts_at,
            target_user_id=plan.target_user_id,
        )
        session.add(occurrence)
        added.append(occurrence)
    if added:
        await session.flush()
        result.planned.extend((o.id, o.due_at) for o in added)
    return result


def _settle(
    occurrence: ReminderOccurrence, status: OccurrenceStatus, now: datetime, note: str = ""
) -> None:
    occurrence.status = status
    occurrence.settled_at = now
    if note:
        occurrence.note = note[:300]


# --- custom reminders --------------------------------------------------------------------


def custom_key(reminder_id: int, due_at: datetime) -> str:
    return f"r{reminder_id}@{int(due_at.timestamp())}"


def schedule_of(reminder: Reminder) -> Schedule:
    return Schedule(reminder.first_at, reminder.rule, reminder.timezone)


async def plan_custom(
    session: AsyncSession,
    now: datetime,
    settings: EngineSettings,
    reminder_ids: Sequence[int] | None = None,
) -> PlanResult:
    """Plan the next occurrence of each active custom reminder that has none planned.

    A recurring reminder whose next times passed long ago (the bot was down for longer than
    the grace window) records them as one missed occurrence, reported to coordinators, and
    moves on to its next time in the future.
    """
    result = PlanResult()
    has_planned = (
        select(ReminderOccurrence.id)
        .where(
            ReminderOccurrence.reminder_id == Reminder.id,
            ReminderOccurrence.status == OccurrenceStatus.PLANNED,
        )
        .exists()
    )
    query = select(Reminder).where(Reminder.status == ReminderStatus.ACTIVE, ~has_planned)
    if reminder_ids is not None:
        query = query.where(Reminder.id.in_(list(reminder_ids)))
    reminders = list(await session.scalars(query))
    if not reminders:
        return result
    last_due: dict[int, datetime] = {}
    ids = [r.id for r in reminders]
    for start in range(0, len(ids), 500):
        rows = await session.execute(
            select(ReminderOccurrence.reminder_id, func.max(ReminderOccurrence.due_at))
            .where(ReminderOccurrence.reminder_id.in_(ids[start : start + 500]))
            .group_by(ReminderOccurrence.reminder_id)
        )
        for reminder_id, latest in rows.all():
            if reminder_id is not None and latest is not None:
                last_due[reminder_id] = _aware(latest)

    added: list[ReminderOccurrence] = []
    for reminder in reminders:
        schedule = schedule_of(reminder)
        previous = last_due.get(reminder.id)
        due: datetime | None = (
            reminder.first_at if previous is None else schedule.next_after(previous)
        )
        recurrence = schedule.recurrence
        if due is not None and recurrence is not None and now - due > settings.grace:
            missed = recurrence.occurrences(due, now - settings.grace)
            if missed:
                session.add(
                    _new_occurrence(
                        key=custom_key(reminder.id, missed[-1]),
                        step=ReminderStep.CUSTOM,
                        due_at=missed[-1],
                        now=now,
                        reminder_id=reminder.id,
                        status=OccurrenceStatus.MISSED,
                        payload={"count": len(missed), "first_due": missed[0].isoformat()},
                        note="missed while the bot was offline",
                    )
                )
                due = schedule.next_after(missed[-1])
        if due is None:
            reminder.status = ReminderStatus.DONE
            reminder.ended_at = now
            continue
        occurrence = _new_occurrence(
            key=custom_key(reminder.id, due),
            step=ReminderStep.CUSTOM,
            due_at=due,
            now=now,
            reminder_id=reminder.id,
        )
        session.add(occurrence)
        added.append(occurrence)
    await session.flush()
    result.planned.extend((o.id, o.due_at) for o in added)
    return result


def _aware(value: datetime) -> datetime:
    # func.max() bypasses the column type on SQLite; the value is naive UTC there.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def plan_all(session: AsyncSession, now: datetime, settings: EngineSettings) -> PlanResult:
    result = await plan_meetings(session, now, settings)
    result.extend(await plan_custom(session, now, settings))
    return result


# --- dispatching -------------------------------------------------------------------------


@dataclass
class DispatchResult(PlanResult):
    dispatched: int = 0
    missed: int = 0
    more: bool = False
    """The batch limit was reached: call again."""


async def _learning_prompt_users(session: AsyncSession, meeting: MeetingFacts) -> list[int]:
    rows = await session.scalars(
        select(Member.user_id)
        .where(
            Member.status == MemberStatus.ACTIVE,
            Member.in_guild.is_(True),
            or_(Member.joined_at.is_(None), Member.joined_at <= meeting.starts_at),
        )
        .order_by(Member.id)
    )
    return list(rows)


async def confirmation_of(
    session: AsyncSession, meeting_id: int, user_id: int
) -> FacilitatorConfirmation | None:
    found: FacilitatorConfirmation | None = await session.scalar(
        select(FacilitatorConfirmation).where(
            FacilitatorConfirmation.meeting_id == meeting_id,
            FacilitatorConfirmation.user_id == user_id,
        )
    )
    return found


def declined_key(meeting: MeetingFacts, user_id: int) -> str:
    return f"{meeting_base_key(meeting.id, meeting.starts_at)}:declined:u{user_id}"


async def _escalation_targets(
    session: AsyncSession,
    occurrence: ReminderOccurrence,
    meeting: MeetingFacts,
    settings: EngineSettings,
    standby: StandbyFinder | None,
    now: datetime,
) -> list[str]:
    facilitator = meeting.facilitator_user_id
    declined = bool(occurrence.payload.get("declined"))
    if facilitator is not None and not declined:
        answer = await confirmation_of(session, meeting.id, facilitator)
        if answer is not None and answer.confirmed:
            occurrence.note = "the facilitator confirmed"
            return []
        if answer is not None and not answer.confirmed:
            already = await session.scalar(
                select(ReminderOccurrence.id).where(
                    ReminderOccurrence.key == declined_key(meeting, facilitator),
                    ReminderOccurrence.status == OccurrenceStatus.DISPATCHED,
                )
            )
            if already is not None:
                occurrence.note = "coordinators were alerted when the facilitator declined"
                return []
    targets = [channel_target(settings.coordinators_channel)]
    if standby is not None:
        exclude = {u for u in (facilitator, meeting.co_facilitator_user_id) if u is not None}
        found = await standby(session, meeting.id, exclude, now)
        if found is not None:
            occurrence.payload = {**occurrence.payload, "standby_user_id": found}
            targets.append(user_target(found))
    return targets


async def _targets(
    session: AsyncSession,
    occurrence: ReminderOccurrence,
    meeting: MeetingFacts | None,
    reminder: Reminder | None,
    settings: EngineSettings,
    standby: StandbyFinder | None,
    now: datetime,
) -> list[str]:
    step = occurrence.step
    if step is ReminderStep.CUSTOM:
        assert reminder is not None
        if reminder.kind is ReminderKind.PERSONAL:
            return [user_target(reminder.owner_user_id)]
        assert reminder.channel_id is not None
        return [channel_target(reminder.channel_id)]
    if step is ReminderStep.REPORT:
        return [channel_target(settings.coordinators_channel)]
    assert meeting is not None
    if step is ReminderStep.GROUP:
        return [channel_target(settings.announcements_channel)]
    if step in (ReminderStep.FACILITATOR_PACK, ReminderStep.CONFIRM_REQUEST):
        # The key holds the person, so a change of facilitator makes a new occurrence.
        person = occurrence.target_user_id
        return [user_target(person)] if person is not None else []
    if step is ReminderStep.ESCALATION:
        return await _escalation_targets(session, occurrence, meeting, settings, standby, now)
    if step is ReminderStep.LEARNING_PROMPT:
        return [user_target(u) for u in await _learning_prompt_users(session, meeting)]
    return []


def _still_wanted(
    occurrence: ReminderOccurrence, meeting: MeetingFacts | None, settings: EngineSettings
) -> tuple[bool, OccurrenceStatus, str]:
    """Whether a meeting step is still part of its meeting's chain, judged right now."""
    if meeting is None or meeting.cancelled:
        return False, OccurrenceStatus.CANCELLED, "the meeting was cancelled"
    if occurrence.meeting_starts_at != meeting.starts_at:
        return False, OccurrenceStatus.SUPERSEDED, "the meeting moved"
    if occurrence.key.endswith(f":declined:u{occurrence.target_user_id}"):
        if meeting.facilitator_user_id != occurrence.target_user_id:
            return False, OccurrenceStatus.SUPERSEDED, "the facilitator changed"
        return True, OccurrenceStatus.PLANNED, ""
    if occurrence.key not in {p.key for p in chain_steps(meeting, settings)}:
        return False, OccurrenceStatus.SUPERSEDED, "the facilitator changed"
    return True, OccurrenceStatus.PLANNED, ""


async def dispatch_due(
    session: AsyncSession,
    now: datetime,
    settings: EngineSettings,
    *,
    standby: StandbyFinder | None = None,
    limit: int = 500,
) -> DispatchResult:
    """Turn every planned occurrence that is due into delivery rows (or a missed record).

    Each occurrence is checked against the current state first: a cancelled meeting or a
    cancelled reminder sends nothing.
    """
    result = DispatchResult()
    due = list(
        await session.scalars(
            select(ReminderOccurrence)
            .where(
                ReminderOccurrence.status == OccurrenceStatus.PLANNED,
                ReminderOccurrence.due_at <= now,
            )
            .order_by(ReminderOccurrence.due_at, ReminderOccurrence.id)
            .limit(limit)
        )
    )
    result.more = len(due) == limit
    if not due:
        return result
    meetings = await meetings_by_id(session, {o.meeting_id for o in due if o.meeting_id})
    reminder_ids = {o.reminder_id for o in due if o.reminder_id is not None}
    reminders = {
        r.id: r
        for r in await session.scalars(select(Reminder).where(Reminder.id.in_(reminder_ids)))
    }
    follow_up: list[int] = []
    for occurrence in due:
        result.settled.append(occurrence.id)
        meeting = meetings.get(occurrence.meeting_id or 0)
        reminder = reminders.get(occurrence.reminder_id or 0)
        if occurrence.meeting_id is not None:
            wanted, status, why = _still_wanted(occurrence, meeting, settings)
            if not wanted:
                _settle(occurrence, status, now, why)
                continue
        if occurrence.step is ReminderStep.CUSTOM:
            if reminder is None or reminder.status is ReminderStatus.CANCELLED:
                _settle(occurrence, OccurrenceStatus.CANCELLED, now, "the reminder was cancelled")
                continue
            if schedule_of(reminder).recurring:
                follow_up.append(reminder.id)
            else:
                reminder.status = ReminderStatus.DONE
                reminder.ended_at = now
        if now - occurrence.due_at > settings.grace:
            _settle(occurrence, OccurrenceStatus.MISSED, now, "missed while the bot was offline")
            result.missed += 1
            continue
        targets = await _targets(session, occurrence, meeting, reminder, settings, standby, now)
        if not targets:
            _settle(occurrence, OccurrenceStatus.SKIPPED, now, occurrence.note or "no one to tell")
            continue
        for target in dict.fromkeys(targets):
            session.add(
                ReminderDelivery(
                    occurrence_id=occurrence.id,
                    target=target,
                    status=DeliveryStatus.PENDING,
                    attempts=0,
                    failures=0,
                    next_attempt_at=now,
                    fallback=False,
                    late=False,
                    last_error="",
                    reported=False,
                )
            )
        _settle(occurrence, OccurrenceStatus.DISPATCHED, now)
        result.dispatched += 1
    await session.flush()
    if follow_up:
        planned = await plan_custom(session, now, settings, follow_up)
        result.extend(planned)
        # A recurring reminder's next time may itself be due already (after downtime).
        result.more = result.more or any(due <= now for _, due in planned.planned)
    return result


async def report_problems(
    session: AsyncSession, now: datetime, settings: EngineSettings
) -> ReminderOccurrence | None:
    """Gather missed occurrences and given-up deliveries not yet reported into one report
    for coordinators (itself an occurrence with a delivery, so it is sent exactly once)."""
    missed = list(
        await session.scalars(
            select(ReminderOccurrence)
            .where(
                ReminderOccurrence.status == OccurrenceStatus.MISSED,
                ReminderOccurrence.report_id.is_(None),
                ReminderOccurrence.step != ReminderStep.REPORT,
            )
            .order_by(ReminderOccurrence.due_at)
        )
    )
    failed = list(
        await session.scalars(
            select(ReminderDelivery)
            .join(ReminderOccurrence, ReminderOccurrence.id == ReminderDelivery.occurrence_id)
            .where(
                ReminderDelivery.status.in_([DeliveryStatus.FAILED, DeliveryStatus.MISSED]),
                ReminderDelivery.reported.is_(False),
                ReminderOccurrence.step.not_in(list(FAILURE_STEPS)),
            )
            .order_by(ReminderDelivery.id)
        )
    )
    for delivery in await session.scalars(
        select(ReminderDelivery)
        .join(ReminderOccurrence, ReminderOccurrence.id == ReminderDelivery.occurrence_id)
        .where(
            ReminderDelivery.status.in_([DeliveryStatus.FAILED, DeliveryStatus.MISSED]),
            ReminderDelivery.reported.is_(False),
            ReminderOccurrence.step.in_(list(FAILURE_STEPS)),
        )
    ):
        delivery.reported = True  # logged when it failed; never reported about itself
    if not missed and not failed:
        return None
    report = _new_occurrence(
        key=f"report:{uuid.uuid4().hex}",
        step=ReminderStep.REPORT,
        due_at=now,
        now=now,
        status=OccurrenceStatus.DISPATCHED,
        payload={"missed": [o.id for o in missed], "deliveries": [d.id for d in failed]},
    )
    session.add(report)
    await session.flush()
    for occurrence in missed:
        occurrence.report_id = report.id
    for delivery in failed:
        delivery.reported = True
    session.add(
        ReminderDelivery(
            occurrence_id=report.id,
            target=channel_target(settings.coordinators_channel),
            status=DeliveryStatus.PENDING,
            attempts=0,
            failures=0,
            next_attempt_at=now,
            fallback=False,
            late=False,
            last_error="",
            reported=False,
        )
    )
    await session.flush()
    return report


# --- claiming and recording -------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    occurrence_id: int
    target: str
    token: str
    attempts: int
    recovering: bool
    """It was claimed by an earlier run that never recorded the outcome (a crash): look
    for the message before sending again."""
    since: datetime
    """When it was first claimed for this attempt (where to start looking)."""
    step: ReminderStep
    due_at: datetime


@dataclass
class ClaimResult:
    claims: list[Claim] = field(default_factory=list)
    dropped: int = 0
    """Deliveries closed without sending (meeting cancelled, or too late)."""


async def claim_ready(
    session: AsyncSession,
    now: datetime,
    token: str,
    settings: EngineSettings,
    *,
    limit: int = 100,
) -> ClaimResult:
    """Claim deliveries that are ready to send, committing nothing (the caller commits
    *before* sending). Pending ones whose time has come, plus claims abandoned by a crashed
    run (marked ``recovering``)."""
    result = ClaimResult()
    ready = or_(
        and_(
            ReminderDelivery.status == DeliveryStatus.PENDING,
            ReminderDelivery.next_attempt_at <= now,
        ),
        and_(
            ReminderDelivery.status == DeliveryStatus.SENDING,
            or_(
                ReminderDelivery.claim_token.is_(None),
                ReminderDelivery.claim_token != token,
                ReminderDelivery.claimed_at <= now - STALE_CLAIM,
            ),
        ),
    )
    rows = list(
        (
            await session.execute(
                select(ReminderDelivery, ReminderOccurrence)
                .join(ReminderOccurrence, ReminderOccurrence.id == ReminderDelivery.occurrence_id)
                .where(ready)
                .order_by(ReminderDelivery.next_attempt_at, ReminderDelivery.id)
                .limit(limit)
            )
        ).all()
    )
    if not rows:
        return result
    meetings = await meetings_by_id(session, {o.meeting_id for _, o in rows if o.meeting_id})
    reminder_ids = {o.reminder_id for _, o in rows if o.reminder_id is not None}
    cancelled_reminders = set(
        await session.scalars(
            select(Reminder.id).where(
                Reminder.id.in_(reminder_ids), Reminder.status == ReminderStatus.CANCELLED
            )
        )
    )
    for delivery, occurrence in rows:
        recovering = delivery.status is DeliveryStatus.SENDING
        previous_token = delivery.claim_token
        meeting = meetings.get(occurrence.meeting_id or 0)
        meeting_gone = occurrence.meeting_id is not None and (
            meeting is None
            or meeting.cancelled
            or meeting.starts_at != occurrence.meeting_starts_at
        )
        if meeting_gone and not recovering:
            delivery.status = DeliveryStatus.CANCELLED
            delivery.last_error = "the meeting was cancelled or moved before sending"
            result.dropped += 1
            continue
        if occurrence.reminder_id in cancelled_reminders and not recovering:
            delivery.status = DeliveryStatus.CANCELLED
            delivery.last_error = "the reminder was cancelled before sending"
            result.dropped += 1
            continue
        if now - occurrence.due_at > settings.grace and not recovering:
            delivery.status = DeliveryStatus.FAILED if delivery.failures else DeliveryStatus.MISSED
            delivery.last_error = (delivery.last_error or "too late to send")[:300]
            result.dropped += 1
            continue
        since = delivery.claimed_at if recovering and delivery.claimed_at else now
        claimed = await session.execute(
            update(ReminderDelivery)
            .where(
                ReminderDelivery.id == delivery.id,
                ReminderDelivery.status == delivery.status,
                ReminderDelivery.claim_token.is_(None)
                if previous_token is None
                else ReminderDelivery.claim_token == previous_token,
            )
            .values(
                status=DeliveryStatus.SENDING,
                claim_token=token,
                claimed_at=now if not recovering else since,
                attempts=ReminderDelivery.attempts + (0 if recovering else 1),
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(claimed, "rowcount", 0) != 1:
            continue
        result.claims.append(
            Claim(
                delivery_id=delivery.id,
                occurrence_id=occurrence.id,
                target=delivery.target,
                token=token,
                attempts=delivery.attempts + (0 if recovering else 1),
                recovering=recovering,
                since=since,
                step=occurrence.step,
                due_at=occurrence.due_at,
            )
        )
    await session.flush()
    return result


async def _owned(session: AsyncSession, claim: Claim) -> ReminderDelivery | None:
    delivery = await session.get(ReminderDelivery, claim.delivery_id, populate_existing=True)
    if (
        delivery is None
        or delivery.status is not DeliveryStatus.SENDING
        or delivery.claim_token != claim.token
    ):
        return None
    return delivery


async def record_sent(
    session: AsyncSession,
    claim: Claim,
    now: datetime,
    *,
    channel_id: int,
    message_id: int,
    fallback: bool = False,
    late: bool = False,
) -> bool:
    delivery = await _owned(session, claim)
    if delivery is None:
        return False
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = now
    delivery.channel_id = channel_id
    delivery.message_id = message_id
    delivery.fallback = fallback
    delivery.late = late
    return True


async def record_failure(
    session: AsyncSession,
    claim: Claim,
    now: datetime,
    settings: EngineSettings,
    error: str,
    *,
    permanent: bool,
) -> datetime | None:
    """Count a failed attempt. Returns when to retry, or None when it is given up."""
    delivery = await _owned(session, claim)
    if delivery is None:
        return None
    delivery.failures += 1
    delivery.last_error = error[:300]
    if permanent or delivery.attempts >= settings.max_attempts:
        delivery.status = DeliveryStatus.FAILED
        return None
    delivery.status = DeliveryStatus.PENDING
    delivery.claim_token = None
    delivery.next_attempt_at = now + settings.backoff(delivery.attempts)
    return delivery.next_attempt_at


async def record_missed(session: AsyncSession, claim: Claim, now: datetime, why: str) -> None:
    delivery = await _owned(session, claim)
    if delivery is not None:
        delivery.status = DeliveryStatus.MISSED
        delivery.last_error = why[:300]


async def release(session: AsyncSession, claim: Claim, now: datetime) -> None:
    """Hand a claim back untouched (the engine is shutting down before sending it)."""
    delivery = await _owned(session, claim)
    if delivery is not None and not claim.recovering:
        delivery.status = DeliveryStatus.PENDING
        delivery.claim_token = None
        delivery.attempts = max(0, delivery.attempts - 1)
        delivery.next_attempt_at = now


# --- what the scheduler needs at start ---------------------------------------------------


async def wake_times(
    session: AsyncSession,
) -> tuple[list[tuple[int, datetime]], list[tuple[int, datetime]]]:
    """Every planned occurrence and every delivery waiting for a retry, with its time."""
    occurrences = await session.execute(
        select(ReminderOccurrence.id, ReminderOccurrence.due_at).where(
            ReminderOccurrence.status == OccurrenceStatus.PLANNED
        )
    )
    retries = await session.execute(
        select(ReminderDelivery.id, ReminderDelivery.next_attempt_at).where(
            ReminderDelivery.status == DeliveryStatus.PENDING
        )
    )
    return [(i, d) for i, d in occurrences], [(i, d) for i, d in retries]


@dataclass(frozen=True)
class EngineCounts:
    planned: int
    pending: int
    sent: int
    failed: int
    missed: int
    failures: int
    """Failed attempts, including ones that later succeeded."""
    next_due: datetime | None


async def counts(session: AsyncSession, since: datetime) -> EngineCounts:
    """Health figures for coordinators: what is planned, and how delivery went since ``since``."""
    planned = await session.scalar(
        select(func.count()).where(ReminderOccurrence.status == OccurrenceStatus.PLANNED)
    )
    next_due = await session.scalar(
        select(func.min(ReminderOccurrence.due_at)).where(
            ReminderOccurrence.status == OccurrenceStatus.PLANNED
        )
    )
    by_status: dict[DeliveryStatus, int] = defaultdict(int)
    rows = await session.execute(
        select(ReminderDelivery.status, func.count())
        .join(ReminderOccurrence, ReminderOccurrence.id == ReminderDelivery.occurrence_id)
        .where(ReminderOccurrence.due_at >= since)
        .group_by(ReminderDelivery.status)
    )
    for status, n in rows.all():
        by_status[status] = n
    failures = await session.scalar(
        select(func.coalesce(func.sum(ReminderDelivery.failures), 0))
        .join(ReminderOccurrence, ReminderOccurrence.id == ReminderDelivery.occurrence_id)
        .where(ReminderOccurrence.due_at >= since)
    )
    missed_occurrences = await session.scalar(
        select(func.count()).where(
            ReminderOccurrence.status == OccurrenceStatus.MISSED,
            ReminderOccurrence.due_at >= since,
        )
    )
    return EngineCounts(
        planned=planned or 0,
        pending=by_status[DeliveryStatus.PENDING] + by_status[DeliveryStatus.SENDING],
        sent=by_status[DeliveryStatus.SENT],
        failed=by_status[DeliveryStatus.FAILED],
        missed=by_status[DeliveryStatus.MISSED] + (missed_occurrences or 0),
        failures=int(failures or 0),
        next_due=_aware(next_due) if next_due is not None else None,
    )
