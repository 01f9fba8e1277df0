"""The outbound queue (every bulk DM goes through it) and members' notification choices."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.models._columns import DiscordId, IntPk, Timestamp, owned_by
from bot.models._columns import enum_column as _enum

__all__ = [
    "NotificationPreference",
    "OutboundBatch",
    "OutboundItem",
    "OutboundKind",
    "OutboundStatus",
]


class OutboundKind(StrEnum):
    """What a queued DM is; members may turn the first three off with /notifications."""

    MEETING_REMINDER = "meeting_reminder"
    LEARNING_PROMPT = "learning_prompt"
    CONSULT_INVITATION = "consult_invitation"
    RENEWAL_PROMPT = "renewal_prompt"
    """Required: membership depends on it."""
    INVITE = "invite"
    """An invitation a coordinator sent on purpose with /onboarding invite."""
    NOTICE = "notice"
    """Any other message a member needs (not optional)."""


class OutboundStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    """Claimed (committed) before the send; after a crash it is looked up, not resent blindly."""
    SENT = "sent"
    SKIPPED = "skipped"
    """Not sent on purpose: the member left, opted out, or it was no longer needed."""
    FAILED = "failed"
    """Given up: DMs closed, a permanent error, or too many attempts."""
    CANCELLED = "cancelled"


class OutboundBatch(Base):
    """One bulk send, for its progress: counters move with its items' outcomes."""

    __tablename__ = "outbound_batches"

    id: Mapped[IntPk]
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[OutboundKind] = mapped_column(_enum(OutboundKind, "outbound_kind"))
    label: Mapped[str] = mapped_column(String(200), default="")
    """Bot-written, for coordinators (never member text)."""
    created_by: Mapped[DiscordId | None] = mapped_column(default=None)
    created_at: Mapped[Timestamp]
    total: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)


class OutboundItem(Base):
    """One DM to one person. ``key`` is unique, so enqueueing twice adds nothing, and the
    claim is committed before the send, so a restart neither loses nor doubles it."""

    __tablename__ = "outbound_items"
    __table_args__ = (sa.Index("ix_outbound_items_status_next", "status", "next_attempt_at"),)

    id: Mapped[IntPk]
    key: Mapped[str] = mapped_column(String(200), unique=True)
    batch_id: Mapped[int | None] = owned_by("outbound_batches", default=None, index=True)
    kind: Mapped[OutboundKind] = mapped_column(_enum(OutboundKind, "outbound_kind"))
    user_id: Mapped[DiscordId] = mapped_column(index=True)
    template: Mapped[str] = mapped_column(String(80))
    """The registered renderer that writes the message at send time."""
    params: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    """Ids and settings for the renderer; never member text."""
    status: Mapped[OutboundStatus] = mapped_column(
        _enum(OutboundStatus, "outbound_status"), default=OutboundStatus.PENDING
    )
    due_at: Mapped[Timestamp]
    """When it was meant to go (moved to the end of the member's quiet hours)."""
    next_attempt_at: Mapped[Timestamp]
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[Timestamp | None] = mapped_column(default=None)
    claim_token: Mapped[str | None] = mapped_column(String(40), default=None)
    sent_at: Mapped[Timestamp | None] = mapped_column(default=None)
    channel_id: Mapped[DiscordId | None] = mapped_column(default=None)
    message_id: Mapped[DiscordId | None] = mapped_column(default=None)
    reason: Mapped[str] = mapped_column(String(300), default="")
    """Why it was skipped or failed, or the last error (safe to show: no member text)."""
    quiet_delayed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[Timestamp]


class NotificationPreference(Base):
    """A member's choices from /notifications. No row: every kind on, no quiet hours."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[DiscordId] = mapped_column(primary_key=True, autoincrement=False)
    meeting_reminders: Mapped[bool] = mapped_column(default=True)
    learning_prompts: Mapped[bool] = mapped_column(default=True)
    consult_invitations: Mapped[bool] = mapped_column(default=True)
    quiet_start_minute: Mapped[int | None] = mapped_column(default=None)
    """Minutes after local midnight in the community's zone; None: no quiet hours."""
    quiet_end_minute: Mapped[int | None] = mapped_column(default=None)
    updated_at: Mapped[Timestamp]
