"""Claiming and recording deliveries, and what the scheduler needs at start.

A delivery is claimed (committed) before anything is sent and recorded after; a claim
left by a crash is looked up, not blindly resent."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    DeliveryStatus,
    OccurrenceStatus,
    Reminder,
    ReminderDelivery,
    ReminderOccurrence,
    ReminderStatus,
    ReminderStep,
)
from bot.services.reminders.meetings import meetings_by_id
from bot.services.reminders.plan import aware
from bot.services.reminders.settings import STALE_CLAIM, EngineSettings
from bot.services.unique import rows_changed

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
        claimed = await rows_changed(
            session,
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
            .execution_options(synchronize_session=False),
        )
        if claimed != 1:
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
        next_due=aware(next_due) if next_due is not None else None,
    )


async def record_declined(session: AsyncSession, claim: Claim, now: datetime, why: str) -> None:
    """Not sent because the person chose not to get this kind of DM (/notifications)."""
    delivery = await _owned(session, claim)
    if delivery is not None:
        delivery.status = DeliveryStatus.CANCELLED
        delivery.claim_token = None
        delivery.last_error = why[:300]


async def defer(session: AsyncSession, claim: Claim, until: datetime) -> datetime | None:
    """Send later without counting an attempt (the person's quiet hours). Returns when."""
    delivery = await _owned(session, claim)
    if delivery is None:
        return None
    delivery.status = DeliveryStatus.PENDING
    delivery.claim_token = None
    delivery.attempts = max(0, delivery.attempts - 1)
    delivery.next_attempt_at = until
    return until
