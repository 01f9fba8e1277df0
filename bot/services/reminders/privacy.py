"""A member's reminder data for /mydata: what the bot holds about them, and erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.models import (
    FacilitatorConfirmation,
    Member,
    Reminder,
    ReminderDelivery,
    ReminderKind,
    ReminderOccurrence,
    ReminderStep,
)
from bot.services.mydata import Contributor, Erased, Person
from bot.services.reminders.plan import schedule_of
from bot.services.reminders.settings import user_target
from bot.services.reminders.text import open_text


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def personal_data(session: AsyncSession, member: Member, keyring: Keyring) -> dict[str, Any]:
    """Everything the reminders hold about ``member``, JSON-ready (texts decrypted)."""
    user_id = member.user_id
    reminders = list(
        await session.scalars(
            select(Reminder).where(Reminder.owner_user_id == user_id).order_by(Reminder.id)
        )
    )
    deliveries = list(
        (
            await session.execute(
                select(ReminderDelivery, ReminderOccurrence)
                .join(ReminderOccurrence, ReminderOccurrence.id == ReminderDelivery.occurrence_id)
                .where(ReminderDelivery.target == user_target(user_id))
                .order_by(ReminderDelivery.id)
            )
        ).all()
    )
    confirmations = list(
        await session.scalars(
            select(FacilitatorConfirmation)
            .where(FacilitatorConfirmation.user_id == user_id)
            .order_by(FacilitatorConfirmation.id)
        )
    )
    return {
        "reminders": [
            {
                "id": r.id,
                "kind": r.kind.value,
                "text": open_text(keyring, r),
                "channel_id": str(r.channel_id) if r.channel_id is not None else None,
                "schedule": schedule_of(r).describe(),
                "first_at": _iso(r.first_at),
                "status": r.status.value,
                "created_at": _iso(r.created_at),
                "ended_at": _iso(r.ended_at),
            }
            for r in reminders
        ],
        "messages_sent_to_you": [
            {
                "kind": o.step.value,
                "meeting_id": o.meeting_id,
                "reminder_id": o.reminder_id,
                "due_at": _iso(o.due_at),
                "status": d.status.value,
                "sent_at": _iso(d.sent_at),
                "sent_to_a_channel_because_dms_were_closed": d.fallback,
            }
            for d, o in deliveries
        ],
        "facilitation_confirmations": [
            {
                "meeting_id": c.meeting_id,
                "answer": "confirmed" if c.confirmed else "can't make it",
                "answered_at": _iso(c.answered_at),
            }
            for c in confirmations
        ],
    }


async def erase_personal_data(session: AsyncSession, member: Member, now: datetime) -> None:
    """Delete ``member``'s personal reminders and answers, and de-identify what must stay
    (channel reminders they set for the group, and the record of what was sent to them)."""
    user_id = member.user_id
    await session.execute(
        delete(Reminder)
        .where(Reminder.kind == ReminderKind.PERSONAL, Reminder.owner_user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Reminder)
        .where(Reminder.owner_user_id == user_id)
        .values(owner_user_id=0)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(FacilitatorConfirmation)
        .where(FacilitatorConfirmation.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    for delivery in await session.scalars(
        select(ReminderDelivery).where(ReminderDelivery.target == user_target(user_id))
    ):
        delivery.target = f"erased:{delivery.id}"
        delivery.channel_id = None
        delivery.message_id = None
    marker = f":u{user_id}"  # keys end with the person they are for: "...:pack:u123"
    for occurrence in await session.scalars(
        select(ReminderOccurrence).where(
            (ReminderOccurrence.target_user_id == user_id) | ReminderOccurrence.key.endswith(marker)
        )
    ):
        occurrence.target_user_id = None
        if occurrence.key.endswith(marker):
            occurrence.key = occurrence.key.removesuffix(marker) + f":erased{occurrence.id}"
    for occurrence in await session.scalars(
        select(ReminderOccurrence).where(ReminderOccurrence.step == ReminderStep.ESCALATION)
    ):
        if occurrence.payload.get("standby_user_id") == user_id:
            occurrence.payload = {
                k: v for k, v in occurrence.payload.items() if k != "standby_user_id"
            }
    await session.flush()


# --- /mydata ------------------------------------------------------------------------------


async def _export(person: Person) -> dict[str, Any]:
    return await personal_data(person.session, person.member, person.keyring)


async def _erase(person: Person) -> Erased:
    await erase_personal_data(person.session, person.member, person.now)
    return Erased()


MYDATA = Contributor("reminders", export=_export, erase=_erase)
"""The reminders' part of ``/mydata`` (``bot.services.mydata``)."""
