"""Reminders, their occurrences, deliveries and facilitator confirmations."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.models._columns import DiscordId, IntPk, KeyId, Sealed, Timestamp, owned_by, refers_to
from bot.models._columns import enum_column as _enum

__all__ = [
    "DeliveryStatus",
    "FacilitatorConfirmation",
    "OccurrenceStatus",
    "Reminder",
    "ReminderDelivery",
    "ReminderKind",
    "ReminderOccurrence",
    "ReminderStatus",
    "ReminderStep",
]


class ReminderKind(StrEnum):
    CHANNEL = "channel"
    """Posted in a channel; set by a coordinator with /reminder add."""
    PERSONAL = "personal"
    """DMed to the member who set it with /remindme."""


class ReminderStatus(StrEnum):
    ACTIVE = "active"
    DONE = "done"
    CANCELLED = "cancelled"


class Reminder(Base):
    """A custom reminder: one-off (``rule`` is None) or recurring (an RRULE in ``timezone``
    anchored at ``first_at``). Its occurrences are planned one at a time."""

    __tablename__ = "reminders"

    id: Mapped[IntPk]
    kind: Mapped[ReminderKind] = mapped_column(_enum(ReminderKind, "reminder_kind"))
    owner_user_id: Mapped[DiscordId] = mapped_column(index=True)
    """Who set it (for a personal reminder, who receives it)."""
    channel_id: Mapped[DiscordId | None] = mapped_column(default=None)
    text_sealed: Mapped[Sealed | None] = mapped_column(default=None)
    """What it says, encrypted with the data key and bound to the reminder's id
    (``bot.services.reminders.text``). None only for a row from before migration 0014
    (until the bot's next start seals it) or in the moment before its id exists."""
    key_id: Mapped[KeyId | None] = mapped_column(default=None)
    """The data key ``text_sealed`` is encrypted under."""
    legacy_text: Mapped[str] = mapped_column("text", Text, default="")
    """Plain text written before migration 0014. Never written now: the bot seals what it
    finds here when it starts (``bot.services.reminders.text.seal_plain``) and empties it."""
    first_at: Mapped[Timestamp]
    rule: Mapped[str | None] = mapped_column(String(500), default=None)
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[ReminderStatus] = mapped_column(
        _enum(ReminderStatus, "reminder_status"), default=ReminderStatus.ACTIVE, index=True
    )
    created_at: Mapped[Timestamp]
    ended_at: Mapped[Timestamp | None] = mapped_column(default=None)


class ReminderStep(StrEnum):
    CUSTOM = "custom"
    GROUP = "group"
    FACILITATOR_PACK = "facilitator_pack"
    CONFIRM_REQUEST = "confirm_request"
    ESCALATION = "escalation"
    LEARNING_PROMPT = "learning_prompt"
    REPORT = "report"
    """Tells coordinators about reminders that were missed or could not be delivered."""


class OccurrenceStatus(StrEnum):
    PLANNED = "planned"
    DISPATCHED = "dispatched"
    """Its deliveries exist; each one records its own outcome."""
    MISSED = "missed"
    """Its time passed beyond the grace window while the bot was down: reported, not sent."""
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"
    """The meeting moved or its facilitator changed; a new occurrence replaces it."""
    SKIPPED = "skipped"
    """Nothing to send when it came due (a confirmed facilitator needs no escalation)."""


class ReminderOccurrence(Base):
    """One time something is due: a custom reminder's occurrence, one step of a meeting's
    chain, or a report to coordinators. ``key`` makes planning idempotent."""

    __tablename__ = "reminder_occurrences"

    id: Mapped[IntPk]
    key: Mapped[str] = mapped_column(String(160), unique=True)
    step: Mapped[ReminderStep] = mapped_column(_enum(ReminderStep, "reminder_step"))
    reminder_id: Mapped[int | None] = owned_by("reminders", default=None, index=True)
    meeting_id: Mapped[int | None] = mapped_column(default=None, index=True)
    """The meeting of a chain step (no foreign key: meetings belong to the rotation)."""
    meeting_starts_at: Mapped[Timestamp | None] = mapped_column(default=None)
    target_user_id: Mapped[DiscordId | None] = mapped_column(default=None)
    """For steps addressed to one person (the facilitator): who, when planned."""
    due_at: Mapped[Timestamp] = mapped_column(index=True)
    status: Mapped[OccurrenceStatus] = mapped_column(
        _enum(OccurrenceStatus, "occurrence_status"), default=OccurrenceStatus.PLANNED, index=True
    )
    created_at: Mapped[Timestamp]
    settled_at: Mapped[Timestamp | None] = mapped_column(default=None)
    note: Mapped[str] = mapped_column(String(300), default="")
    report_id: Mapped[int | None] = refers_to("reminder_occurrences", default=None)
    """For a missed occurrence: the report that told coordinators about it."""
    payload: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    """Claimed (committed) before the send; after a crash it is checked, not blindly resent."""
    SENT = "sent"
    FAILED = "failed"
    """Given up after permanent errors or too many attempts; reported to coordinators."""
    MISSED = "missed"
    CANCELLED = "cancelled"


class ReminderDelivery(Base):
    """One message for one target of an occurrence; ``(occurrence_id, target)`` is unique,
    so nothing is ever sent twice."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (sa.UniqueConstraint("occurrence_id", "target"),)

    id: Mapped[IntPk]
    occurrence_id: Mapped[int] = owned_by("reminder_occurrences")
    target: Mapped[str] = mapped_column(String(40))
    """``channel:<id>`` or ``user:<id>``."""
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[Timestamp] = mapped_column(index=True)
    claimed_at: Mapped[Timestamp | None] = mapped_column(default=None)
    claim_token: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    sent_at: Mapped[Timestamp | None] = mapped_column(default=None)
    channel_id: Mapped[DiscordId | None] = mapped_column(default=None)
    message_id: Mapped[DiscordId | None] = mapped_column(default=None)
    fallback: Mapped[bool] = mapped_column(default=False)
    """Sent as a mention in a channel because the person's DMs are closed."""
    late: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    reported: Mapped[bool] = mapped_column(default=False)


class FacilitatorConfirmation(Base):
    """A facilitator's answer to "can you confirm you're facilitating?" for one meeting."""

    __tablename__ = "facilitator_confirmations"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[IntPk]
    meeting_id: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[DiscordId]
    confirmed: Mapped[bool] = mapped_column()
    """True: confirmed; False: said they can't make it."""
    answered_at: Mapped[Timestamp]
