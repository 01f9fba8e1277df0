"""Dispatching: an occurrence that comes due becomes one delivery row per target,
resolved from the current state; missed and failed ones are reported to coordinators."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

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
from bot.services import events
from bot.services.reminders.meetings import MeetingFacts, meetings_by_id
from bot.services.reminders.plan import (
    PlanResult,
    meeting_base_key,
    new_occurrence,
    plan_custom,
    schedule_of,
    settle,
    still_wanted,
)
from bot.services.reminders.settings import (
    FAILURE_STEPS,
    EngineSettings,
    StandbyFinder,
    channel_target,
    user_target,
)

# --- dispatching -------------------------------------------------------------------------


@dataclass
class DispatchResult(PlanResult):
    dispatched: int = 0
    missed: int = 0
    more: bool = False
    """The batch limit was reached: call again."""


async def _learning_prompt_users(session: AsyncSession, meeting: MeetingFacts) -> list[int]:
    """Those recorded as having come, when attendance was recorded; otherwise every active
    member who had joined by the meeting (``events.prompt_recipients``). Either way, only
    members still active and in the server."""
    recipients = await events.prompt_recipients(session, meeting.id)
    query = select(Member.user_id).where(
        Member.status == MemberStatus.ACTIVE, Member.in_guild.is_(True)
    )
    if recipients.everyone:
        query = query.where(or_(Member.joined_at.is_(None), Member.joined_at <= meeting.starts_at))
    else:
        query = query.where(Member.user_id.in_(recipients.user_ids))
    return list(await session.scalars(query.order_by(Member.id)))


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
            wanted, status, why = still_wanted(occurrence, meeting, settings)
            if not wanted:
                settle(occurrence, status, now, why)
                continue
        if occurrence.step is ReminderStep.CUSTOM:
            if reminder is None or reminder.status is ReminderStatus.CANCELLED:
                settle(occurrence, OccurrenceStatus.CANCELLED, now, "the reminder was cancelled")
                continue
            if schedule_of(reminder).recurring:
                follow_up.append(reminder.id)
            else:
                reminder.status = ReminderStatus.DONE
                reminder.ended_at = now
        if now - occurrence.due_at > settings.grace:
            settle(occurrence, OccurrenceStatus.MISSED, now, "missed while the bot was offline")
            result.missed += 1
            continue
        targets = await _targets(session, occurrence, meeting, reminder, settings, standby, now)
        if not targets:
            settle(occurrence, OccurrenceStatus.SKIPPED, now, occurrence.note or "no one to tell")
            continue
        session.add_all(_pending(occurrence.id, target, now) for target in dict.fromkeys(targets))
        settle(occurrence, OccurrenceStatus.DISPATCHED, now)
        result.dispatched += 1
    await session.flush()
    if follow_up:
        planned = await plan_custom(session, now, settings, follow_up)
        result.extend(planned)
        # A recurring reminder's next time may itself be due already (after downtime).
        result.more = result.more or any(due <= now for _, due in planned.planned)
    return result


def _pending(occurrence_id: int, target: str, now: datetime) -> ReminderDelivery:
    """A delivery of an occurrence to one target, to be attempted now."""
    return ReminderDelivery(
        occurrence_id=occurrence_id,
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
    given_up = await session.execute(
        select(ReminderDelivery, ReminderOccurrence.step)
        .join(ReminderOccurrence, ReminderOccurrence.id == ReminderDelivery.occurrence_id)
        .where(
            ReminderDelivery.status.in_([DeliveryStatus.FAILED, DeliveryStatus.MISSED]),
            ReminderDelivery.reported.is_(False),
        )
        .order_by(ReminderDelivery.id)
    )
    failed: list[ReminderDelivery] = []
    for delivery, step in given_up:
        if step in FAILURE_STEPS:
            delivery.reported = True  # logged when it failed; never reported about itself
        else:
            failed.append(delivery)
    if not missed and not failed:
        return None
    report = new_occurrence(
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
    session.add(_pending(report.id, channel_target(settings.coordinators_channel), now))
    await session.flush()
    return report
