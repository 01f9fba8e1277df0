"""Meetings where Discord shows them: the scheduled event mirroring each meeting, its
thread, RSVPs (Discord's "Interested"), and who came."""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.models._columns import DiscordId, IntPk, Timestamp, owned_by
from bot.models._columns import enum_column as _enum

__all__ = [
    "EventsLease",
    "EventsNotice",
    "MeetingAttendance",
    "MeetingMirror",
    "MeetingRsvp",
    "MirrorState",
]


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

    id: Mapped[IntPk]
    meeting_id: Mapped[int] = owned_by("meetings", unique=True)
    state: Mapped[MirrorState] = mapped_column(
        _enum(MirrorState, "mirror_state"), default=MirrorState.CLAIMED
    )
    guild_event_id: Mapped[DiscordId | None] = mapped_column(default=None, index=True)
    claimed_at: Mapped[Timestamp]
    synced_at: Mapped[Timestamp | None] = mapped_column(default=None)
    rsvp_synced_at: Mapped[Timestamp | None] = mapped_column(default=None)
    """When the REST list of interested users was last read in full."""
    thread_channel_id: Mapped[DiscordId | None] = mapped_column(default=None)
    thread_id: Mapped[DiscordId | None] = mapped_column(default=None)
    thread_claimed_at: Mapped[Timestamp | None] = mapped_column(default=None)
    prompt_claimed_at: Mapped[Timestamp | None] = mapped_column(default=None)
    """The learning prompt was posted in the thread after the meeting."""
    attendance_claimed_at: Mapped[Timestamp | None] = mapped_column(default=None)
    """The facilitator and coordinators were offered the attendance button."""


class MeetingRsvp(Base):
    """A person marked Interested on a meeting's event."""

    __tablename__ = "meeting_rsvps"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[IntPk]
    meeting_id: Mapped[int] = owned_by("meetings", index=True)
    user_id: Mapped[DiscordId]
    created_at: Mapped[Timestamp]


class MeetingAttendance(Base):
    """A member recorded as having come to a meeting."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "member_id"),)

    id: Mapped[IntPk]
    meeting_id: Mapped[int] = owned_by("meetings", index=True)
    member_id: Mapped[int] = owned_by("members", index=True)
    recorded_by: Mapped[DiscordId | None] = mapped_column(default=None)
    recorded_at: Mapped[Timestamp]


class EventsNotice(Base):
    """A problem with mirroring meetings on Discord (a missing permission, a refused
    change), kept for the coordinators' status line and so it is logged once."""

    __tablename__ = "events_notices"

    id: Mapped[IntPk]
    kind: Mapped[str] = mapped_column(String(50), unique=True)
    message: Mapped[str] = mapped_column(Text, default="")
    first_at: Mapped[Timestamp]
    last_at: Mapped[Timestamp]


class EventsLease(Base):
    """Who is sweeping the events now: one sweep at a time, so two sweeps at once never
    create two events. A lease runs out by itself, so a crashed sweep blocks nothing."""

    __tablename__ = "events_leases"

    id: Mapped[IntPk]
    name: Mapped[str] = mapped_column(String(50), unique=True)
    holder: Mapped[str] = mapped_column(String(64), default="")
    until: Mapped[Timestamp]
