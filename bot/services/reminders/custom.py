"""Custom reminders: a coordinator's channel reminders and members' personal ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.db import fits_integer
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound, quote
from bot.models import (
    OccurrenceStatus,
    Reminder,
    ReminderKind,
    ReminderOccurrence,
    ReminderStatus,
    ReminderStep,
)
from bot.services.reminders.plan import (
    SNOOZE_SUFFIX,
    PlanResult,
    custom_key,
    new_occurrence,
    plan_custom,
    schedule_of,
)
from bot.services.reminders.schedule import Schedule
from bot.services.reminders.settings import EngineSettings
from bot.services.reminders.text import readable_text, seal_text
from bot.services.unique import rows_changed


def clean_text(text: str, limit: int) -> str:
    """The reminder's text, trimmed; refused when empty or over ``limit`` characters."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("Write what the reminder should say, then try again.")
    if len(cleaned) > limit:
        raise InvalidInput(
            f"Your reminder text is {len(cleaned)} characters long; the limit is {limit}. "
            "Shorten it and try again."
        )
    return cleaned


@dataclass(frozen=True)
class ReminderInfo:
    reminder: Reminder
    next_due: datetime | None
    schedule: str
    text: str
    """What it says, decrypted (the row holds it encrypted)."""

    @property
    def id(self) -> int:
        return self.reminder.id


async def add_reminder(
    session: AsyncSession,
    *,
    keyring: Keyring,
    kind: ReminderKind,
    owner_user_id: int,
    schedule: Schedule,
    text: str,
    now: datetime,
    settings: EngineSettings,
    text_limit: int,
    channel_id: int | None = None,
    personal_limit: int | None = None,
) -> tuple[ReminderInfo, PlanResult]:
    """Store a reminder (its text encrypted with ``keyring``) and plan its first occurrence
    (in the same transaction, so the engine never sees one without the other)."""
    body = clean_text(text, text_limit)
    if kind is ReminderKind.CHANNEL and channel_id is None:
        raise InvalidInput("Pick the channel the reminder should be posted in.")
    if kind is ReminderKind.PERSONAL and personal_limit is not None:
        active = await session.scalar(
            select(func.count()).where(
                Reminder.kind == ReminderKind.PERSONAL,
                Reminder.owner_user_id == owner_user_id,
                Reminder.status == ReminderStatus.ACTIVE,
            )
        )
        if (active or 0) >= personal_limit:
            raise Conflict(
                f"You already have {active} active reminders, the most one member can hold. "
                "Cancel one with `/reminder cancel` first."
            )
    reminder = Reminder(
        kind=kind,
        owner_user_id=owner_user_id,
        channel_id=channel_id if kind is ReminderKind.CHANNEL else None,
        first_at=schedule.first_at,
        rule=schedule.rule,
        timezone=schedule.timezone,
        status=ReminderStatus.ACTIVE,
        created_at=now,
    )
    session.add(reminder)
    await session.flush()  # the text is bound to the reminder's id
    seal_text(keyring, reminder, body)
    planned = await plan_custom(session, now, settings, [reminder.id])
    next_due = planned.planned[0][1] if planned.planned else None
    return ReminderInfo(reminder, next_due, schedule.describe(), body), planned


async def _next_dues(session: AsyncSession, ids: list[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    rows = await session.execute(
        select(ReminderOccurrence.reminder_id, ReminderOccurrence.due_at).where(
            ReminderOccurrence.reminder_id.in_(ids),
            ReminderOccurrence.status == OccurrenceStatus.PLANNED,
        )
    )
    return {rid: due for rid, due in rows.all() if rid is not None}


async def list_reminders(
    session: AsyncSession, keyring: Keyring, *, user_id: int, coordinator: bool
) -> list[ReminderInfo]:
    """Active reminders this person may manage: their personal ones, and every channel
    reminder for coordinators. Soonest first; texts decrypted with ``keyring``."""
    visible = (Reminder.kind == ReminderKind.PERSONAL) & (Reminder.owner_user_id == user_id)
    if coordinator:
        visible = visible | (Reminder.kind == ReminderKind.CHANNEL)
    reminders = list(
        await session.scalars(
            select(Reminder)
            .where(Reminder.status == ReminderStatus.ACTIVE, visible)
            .order_by(Reminder.id)
        )
    )
    dues = await _next_dues(session, [r.id for r in reminders])
    infos = [
        ReminderInfo(r, dues.get(r.id), schedule_of(r).describe(), readable_text(keyring, r))
        for r in reminders
    ]
    infos.sort(key=lambda i: (i.next_due is None, i.next_due or i.reminder.first_at, i.id))
    return infos


async def cancel_reminder(
    session: AsyncSession, reminder_id: int, *, user_id: int, coordinator: bool, now: datetime
) -> tuple[Reminder, list[int]]:
    """Cancel a reminder and every occurrence not sent yet. Returns the reminder and the
    occurrence ids whose wake-up jobs can go."""
    reminder = await session.get(Reminder, reminder_id) if fits_integer(reminder_id) else None
    mine = reminder is not None and (
        reminder.kind is ReminderKind.CHANNEL or reminder.owner_user_id == user_id
    )
    if reminder is None or not mine:
        raise NotFound(
            f"There's no reminder `#{reminder_id}` you can manage. "
            "Use `/reminder list` to see their numbers."
        )
    if reminder.kind is ReminderKind.CHANNEL and not coordinator:
        raise NotAllowed(
            f"Reminder `#{reminder_id}` is a channel reminder; only coordinators can cancel it."
        )
    if reminder.status is not ReminderStatus.ACTIVE:
        state = "cancelled" if reminder.status is ReminderStatus.CANCELLED else "finished"
        raise Conflict(f"Reminder `#{reminder_id}` is already {state}, so there's nothing to do.")
    cancelled = await rows_changed(
        session,
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.status == ReminderStatus.ACTIVE)
        .values(status=ReminderStatus.CANCELLED, ended_at=now)
        .execution_options(synchronize_session=False),
    )
    if cancelled != 1:
        raise Conflict(f"Reminder `#{reminder_id}` was just finished or cancelled.")
    ids = list(
        await session.scalars(
            select(ReminderOccurrence.id).where(
                ReminderOccurrence.reminder_id == reminder_id,
                ReminderOccurrence.status == OccurrenceStatus.PLANNED,
            )
        )
    )
    await session.execute(
        update(ReminderOccurrence)
        .where(
            ReminderOccurrence.reminder_id == reminder_id,
            ReminderOccurrence.status == OccurrenceStatus.PLANNED,
        )
        .values(status=OccurrenceStatus.CANCELLED, settled_at=now, note="cancelled")
        .execution_options(synchronize_session=False)
    )
    await session.refresh(reminder)
    return reminder, ids


SNOOZES: dict[str, str] = {"10m": "10 minutes", "1h": "1 hour", "tomorrow": "tomorrow"}
"""The snooze choices on a personal reminder's DM, with how they read."""


def snooze_until(now: datetime, choice: str, zone: ZoneInfo) -> datetime:
    """When a reminder snoozed at ``now`` comes back: in 10 minutes, in an hour, or at the
    same local time tomorrow (right across a daylight-saving change)."""
    if choice == "10m":
        return now + timedelta(minutes=10)
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "tomorrow":
        local = now.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
        return local.replace(tzinfo=zone).astimezone(UTC)
    raise InvalidInput(
        f"{quote(choice)} isn't a snooze choice. Pick 10 minutes, 1 hour or tomorrow."
    )


async def snooze(
    session: AsyncSession,
    now: datetime,
    reminder_id: int,
    *,
    user_id: int,
    choice: str,
    zone: ZoneInfo,
) -> tuple[datetime, PlanResult]:
    """Send a personal reminder again later. Only its owner may snooze it; a cancelled one
    can't be. Snoozing twice for the same time plans it once."""
    reminder = await session.get(Reminder, reminder_id)
    if reminder is None or reminder.kind is not ReminderKind.PERSONAL:
        raise NotFound(f"There is no personal reminder `#{reminder_id}` to snooze.")
    if reminder.owner_user_id != user_id:
        raise NotAllowed("Only the member who set this reminder can snooze it.")
    if reminder.status is ReminderStatus.CANCELLED:
        raise Conflict(
            f"Reminder `#{reminder_id}` was cancelled, so it can't be snoozed. Set a new one "
            "with `/remindme`."
        )
    due = snooze_until(now, choice, zone).replace(second=0, microsecond=0)
    key = f"{custom_key(reminder.id, due)}{SNOOZE_SUFFIX}"
    result = PlanResult()
    existing = await session.scalar(
        select(ReminderOccurrence.id).where(ReminderOccurrence.key == key)
    )
    if existing is None:
        occurrence = new_occurrence(
            key=key, step=ReminderStep.CUSTOM, due_at=due, now=now, reminder_id=reminder.id
        )
        session.add(occurrence)
        await session.flush()
        result.planned.append((occurrence.id, due))
    return due, result
