"""What a claimed delivery needs to be written, and the facilitator's confirmation answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.errors import Conflict, NotAllowed, NotFound
from bot.models import (
    FacilitatorConfirmation,
    Reminder,
    ReminderDelivery,
    ReminderOccurrence,
    ReminderStep,
)
from bot.services.reminders.claims import Claim
from bot.services.reminders.dispatch import confirmation_of, declined_key
from bot.services.reminders.meetings import MeetingFacts, meeting_facts, meetings_by_id
from bot.services.reminders.plan import PlanResult, StepPlan
from bot.services.reminders.settings import EngineSettings
from bot.services.reminders.text import readable_text
from bot.services.unique import insert_once, rows_changed


@dataclass(frozen=True)
class ReportLine:
    """One thing a coordinators' report lists."""

    what: str
    """``missed`` (not sent: too late) or ``failed`` (could not be delivered)."""
    step: ReminderStep
    due_at: datetime
    meeting: MeetingFacts | None
    reminder_id: int | None
    reminder_channel_id: int | None
    personal_owner_id: int | None
    target: str | None
    error: str
    count: int = 1


@dataclass(frozen=True)
class DeliveryContext:
    claim: Claim
    occurrence: ReminderOccurrence
    reminder: Reminder | None
    meeting: MeetingFacts | None
    report: tuple[ReportLine, ...] = ()
    text: str = ""
    """A custom reminder's text, decrypted ("" for other steps)."""

    @property
    def standby_user_id(self) -> int | None:
        value = self.occurrence.payload.get("standby_user_id")
        return int(value) if isinstance(value, int | str) else None

    @property
    def declined(self) -> bool:
        return bool(self.occurrence.payload.get("declined"))

    def lateness(self, now: datetime) -> timedelta:
        return now - self.occurrence.due_at


async def delivery_contexts(
    session: AsyncSession, claims: list[Claim], keyring: Keyring
) -> dict[int, DeliveryContext]:
    """Everything needed to write each claimed delivery, keyed by delivery id (a custom
    reminder's text decrypted with ``keyring``)."""
    if not claims:
        return {}
    occurrences = {
        o.id: o
        for o in await session.scalars(
            select(ReminderOccurrence).where(
                ReminderOccurrence.id.in_({c.occurrence_id for c in claims})
            )
        )
    }
    reminder_ids = {o.reminder_id for o in occurrences.values() if o.reminder_id is not None}
    reminders = {
        r.id: r
        for r in await session.scalars(select(Reminder).where(Reminder.id.in_(reminder_ids)))
    }
    meetings = await meetings_by_id(
        session, {o.meeting_id for o in occurrences.values() if o.meeting_id is not None}
    )
    contexts: dict[int, DeliveryContext] = {}
    for claim in claims:
        occurrence = occurrences[claim.occurrence_id]
        report: tuple[ReportLine, ...] = ()
        if occurrence.step is ReminderStep.REPORT:
            report = tuple(await report_lines(session, occurrence))
        reminder = reminders.get(occurrence.reminder_id or 0)
        contexts[claim.delivery_id] = DeliveryContext(
            claim=claim,
            occurrence=occurrence,
            reminder=reminder,
            meeting=meetings.get(occurrence.meeting_id or 0),
            report=report,
            text=readable_text(keyring, reminder) if reminder is not None else "",
        )
    return contexts


def _int_list(value: object) -> list[int]:
    if not isinstance(value, list):
        return []
    return [int(v) for v in value if isinstance(v, int | str)]


async def report_lines(session: AsyncSession, report: ReminderOccurrence) -> list[ReportLine]:
    missed_ids = _int_list(report.payload.get("missed"))
    delivery_ids = _int_list(report.payload.get("deliveries"))
    missed = list(
        await session.scalars(
            select(ReminderOccurrence)
            .where(ReminderOccurrence.id.in_(missed_ids))
            .order_by(ReminderOccurrence.due_at)
        )
    )
    failed = list(
        (
            await session.execute(
                select(ReminderDelivery, ReminderOccurrence)
                .join(ReminderOccurrence, ReminderOccurrence.id == ReminderDelivery.occurrence_id)
                .where(ReminderDelivery.id.in_(delivery_ids))
                .order_by(ReminderOccurrence.due_at, ReminderDelivery.id)
            )
        ).all()
    )
    all_occurrences = missed + [o for _, o in failed]
    meetings = await meetings_by_id(
        session, {o.meeting_id for o in all_occurrences if o.meeting_id is not None}
    )
    reminder_ids = {o.reminder_id for o in all_occurrences if o.reminder_id is not None}
    reminders = {
        r.id: r
        for r in await session.scalars(select(Reminder).where(Reminder.id.in_(reminder_ids)))
    }

    def line(
        what: str, o: ReminderOccurrence, target: str | None, error: str, count: int = 1
    ) -> ReportLine:
        reminder = reminders.get(o.reminder_id or 0)
        personal = reminder is not None and reminder.channel_id is None
        return ReportLine(
            what=what,
            step=o.step,
            due_at=o.due_at,
            meeting=meetings.get(o.meeting_id or 0),
            reminder_id=o.reminder_id,
            reminder_channel_id=reminder.channel_id if reminder is not None else None,
            personal_owner_id=reminder.owner_user_id if reminder and personal else None,
            target=target,
            error=error,
            count=count,
        )

    lines = []
    for o in missed:
        count = o.payload.get("count", 1)
        lines.append(line("missed", o, None, o.note, int(count) if isinstance(count, int) else 1))
    for delivery, o in failed:
        what = "missed" if delivery.failures == 0 else "failed"
        lines.append(line(what, o, delivery.target, delivery.last_error))
    return lines


# --- the facilitator's answer -----------------------------------------------------------


@dataclass(frozen=True)
class ConfirmOutcome:
    meeting: MeetingFacts
    confirmed: bool
    changed: bool
    """False when this was already the recorded answer (a second press)."""
    planned: PlanResult


async def answer_confirmation(
    session: AsyncSession,
    meeting_id: int,
    user_id: int,
    *,
    confirmed: bool,
    now: datetime,
    settings: EngineSettings,
) -> ConfirmOutcome:
    """Record that the facilitator confirms (or can't make) a meeting. Saying they can't
    make it alerts coordinators and asks a stand-by at once (an escalation due now)."""
    meeting = await meeting_facts(session, meeting_id)
    if meeting is None:
        raise NotFound("That meeting no longer exists, so there's nothing to confirm.")
    if meeting.cancelled:
        raise Conflict("That meeting was cancelled, so there's nothing to confirm.")
    if meeting.starts_at <= now:
        raise Conflict("That meeting has already started, so it's too late to answer.")
    if meeting.facilitator_user_id != user_id:
        raise NotAllowed(
            "You're not the facilitator of that meeting any more, so there's nothing to "
            "confirm. `/roster show` has the current roster."
        )
    changed = await _record_answer(session, meeting_id, user_id, confirmed, now)
    planned = PlanResult()
    if changed and not confirmed:
        key = declined_key(meeting, user_id)
        exists = await session.scalar(
            select(ReminderOccurrence.id).where(ReminderOccurrence.key == key)
        )
        if exists is None:
            escalation = StepPlan(
                key, ReminderStep.ESCALATION, meeting.id, meeting.starts_at, now, user_id
            )
            occurrence = escalation.occurrence(now, payload={"declined": True})
            session.add(occurrence)
            await session.flush()
            planned.planned.append((occurrence.id, occurrence.due_at))
    return ConfirmOutcome(meeting, confirmed, changed, planned)


async def _record_answer(
    session: AsyncSession, meeting_id: int, user_id: int, confirmed: bool, now: datetime
) -> bool:
    """Atomically record the answer; True if it changed anything."""
    changed = await rows_changed(
        session,
        update(FacilitatorConfirmation)
        .where(
            FacilitatorConfirmation.meeting_id == meeting_id,
            FacilitatorConfirmation.user_id == user_id,
            FacilitatorConfirmation.confirmed.is_not(confirmed),
        )
        .values(confirmed=confirmed, answered_at=now)
        .execution_options(synchronize_session=False),
    )
    if changed == 1:
        return True
    if await confirmation_of(session, meeting_id, user_id) is not None:
        return False
    # False when a concurrent press recorded it first.
    return await insert_once(
        session,
        FacilitatorConfirmation(
            meeting_id=meeting_id, user_id=user_id, confirmed=confirmed, answered_at=now
        ),
    )


async def is_confirmed(session: AsyncSession, meeting: MeetingFacts) -> bool:
    if meeting.facilitator_user_id is None:
        return False
    answer = await confirmation_of(session, meeting.id, meeting.facilitator_user_id)
    return answer is not None and answer.confirmed
