"""Meetings where Discord shows them: the scheduled event mirroring each meeting, its
thread, RSVPs (Discord's "Interested"), and who came."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UtcDateTime
from bot.models._columns import enum_column as _enum


class MirrorState(StrEnum):
    CLAIMED = "claimed"
    """A sweep is creating the event (the claim stops a second sweep creating another)."""
    ACTIVE = "active"
    """The event exists; ``guild_event_id`` names it."""
    CANCELLED = "cancelled"
    """The meeting was cancelled and so was its event."""
    GONE = "gone"
    """The meeting fell out of scope (passed, or past the horizon); nothing to keep."""


class MeetingMirror(Base):
    """One meeting's presence on Discord: its scheduled event and its thread.

    One row per meeting (unique), created by the first sweep that claims it, so two
    sweeps at once never create two events.
    """

    __tablename__ = "meeting_mirrors"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[MirrorState] = mapped_column(
        _enum(MirrorState, "mirror_state"), default=MirrorState.CLAIMED
    )
    guild_event_id: Mapped[int | None] = mapped_column(BigInteger, default=None, index=True)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    rsvp_synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    """When the REST list of interested users was last read in full."""
    thread_channel_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    thread_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    thread_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    prompt_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    """The learning prompt was posted in the thread after the meeting."""
    attendance_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    """The facilitator and coordinators were offered the attendance button."""


class MeetingRsvp(Base):
    """A person marked Interested on a meeting's event."""

    __tablename__ = "meeting_rsvps"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MeetingAttendance(Base):
    """A member recorded as having come to a meeting."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    recorded_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EventsNotice(Base):
    """A problem with mirroring meetings on Discord (a missing permission, a refused
    change), kept for the coordinators' status line and so it is logged once."""

    __tablename__ = "events_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50), unique=True)
    message: Mapped[str] = mapped_column(Text, default="")
    first_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EventsLease(Base):
    """Who is sweeping the events now: one sweep at a time, so two sweeps at once never
    create two events. A lease runs out by itself, so a crashed sweep blocks nothing."""

    __tablename__ = "events_leases"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    holder: Mapped[str] = mapped_column(String(64), default="")
    until: Mapped[datetime] = mapped_column(UtcDateTime)
