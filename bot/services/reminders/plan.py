"""Planning: the meeting chain's steps and custom reminders' occurrences, each with a
unique key so planning the same thing twice is impossible."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    OccurrenceStatus,
    Reminder,
    ReminderOccurrence,
    ReminderStatus,
    ReminderStep,
)
from bot.services.reminders.meetings import MeetingFacts, meetings_between, meetings_by_id
from bot.services.reminders.schedule import Schedule
from bot.services.reminders.settings import PLANNING_HORIZON, EngineSettings

# --- the meeting chain ----------------------------------------------------------------


@dataclass(frozen=True)
class StepPlan:
    key: str
    step: ReminderStep
    meeting_id: int
    meeting_starts_at: datetime
    due_at: datetime
    target_user_id: int | None = None

    def occurrence(
        self,
        now: datetime,
        *,
        due_at: datetime | None = None,
        payload: dict[str, object] | None = None,
    ) -> ReminderOccurrence:
        """This step, planned: due at ``due_at`` (by default its own time)."""
        return new_occurrence(
            key=self.key,
            step=self.step,
            due_at=self.due_at if due_at is None else due_at,
            now=now,
            meeting_id=self.meeting_id,
            meeting_starts_at=self.meeting_starts_at,
            target_user_id=self.target_user_id,
            payload=payload,
        )


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


def new_occurrence(
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
        wanted, status, why = still_wanted(
            occurrence, meetings.get(occurrence.meeting_id or 0), settings
        )
        if not wanted:
            settle(occurrence, status, now, why)
            result.settled.append(occurrence.id)

    existing = await _existing_keys(session, desired)
    added: list[ReminderOccurrence] = []
    for key, (plan, meeting) in desired.items():
        if key in existing:
            continue
        due = _catch_up_due(plan, meeting, settings, now)
        if due is None:
            continue
        occurrence = plan.occurrence(now, due_at=due)
        session.add(occurrence)
        added.append(occurrence)
    if added:
        await session.flush()
        result.planned.extend((o.id, o.due_at) for o in added)
    return result


def settle(
    occurrence: ReminderOccurrence, status: OccurrenceStatus, now: datetime, note: str = ""
) -> None:
    occurrence.status = status
    occurrence.settled_at = now
    if note:
        occurrence.note = note[:300]


# --- custom reminders --------------------------------------------------------------------


SNOOZE_SUFFIX = ":snooze"
"""Ends the key of a snoozed copy of a custom reminder's occurrence; the reminder's own
schedule ignores these."""


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
            ~ReminderOccurrence.key.endswith(SNOOZE_SUFFIX),
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
            .where(
                ReminderOccurrence.reminder_id.in_(ids[start : start + 500]),
                ~ReminderOccurrence.key.endswith(SNOOZE_SUFFIX),
            )
            .group_by(ReminderOccurrence.reminder_id)
        )
        for reminder_id, latest in rows.all():
            if reminder_id is not None and latest is not None:
                last_due[reminder_id] = aware(latest)

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
                    new_occurrence(
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
        occurrence = new_occurrence(
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


def aware(value: datetime) -> datetime:
    # func.max() bypasses the column type on SQLite; the value is naive UTC there.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def plan_all(session: AsyncSession, now: datetime, settings: EngineSettings) -> PlanResult:
    result = await plan_meetings(session, now, settings)
    result.extend(await plan_custom(session, now, settings))
    return result


def still_wanted(
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
