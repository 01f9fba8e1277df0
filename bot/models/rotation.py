"""Meetings, series, the facilitation rotation, unavailability, swaps and roster posts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base
from bot.models._columns import DiscordId, IntPk, KeyId, Sealed, Timestamp, owned_by, refers_to
from bot.models._columns import enum_column as _enum
from bot.models.members import Member

__all__ = [
    "AssignmentRole",
    "AssignmentSource",
    "FacilitationAssignment",
    "Meeting",
    "MeetingSeries",
    "MeetingStatus",
    "RosterPost",
    "RosterPostStatus",
    "RotationEntry",
    "StandingAvailability",
    "SwapRequest",
    "SwapStatus",
    "Unavailability",
]


class MeetingStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class AssignmentRole(StrEnum):
    FACILITATOR = "facilitator"
    CO_FACILITATOR = "co_facilitator"
    """An experienced member paired with someone on their first turn."""


class AssignmentSource(StrEnum):
    AUTO = "auto"
    """Chosen by the fairness rules; re-planned while the meeting is in the future."""
    ASSIGNED = "assigned"
    """Set by a coordinator with /roster assign."""
    VOLUNTEER = "volunteer"
    SWAP = "swap"


class SwapStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    """No longer possible: the meeting passed, was cancelled, or a member left."""


class RosterPostStatus(StrEnum):
    CLAIMED = "claimed"
    """The slot was taken; the post was being sent (never sent twice)."""
    SENT = "sent"
    EDITED = "edited"
    """The previous post was edited in place for this slot."""
    SKIPPED = "skipped"
    """Nothing to post (no upcoming meetings) when the slot came due."""


class MeetingSeries(Base):
    """The group's recurring schedule; at most one is active at a time."""

    __tablename__ = "meeting_series"

    id: Mapped[IntPk]
    rule: Mapped[str] = mapped_column(Text)
    """RRULE text without DTSTART (see ``bot.services.recurrence``)."""
    phrase: Mapped[str] = mapped_column(String(300), default="")
    """What the coordinator typed, for display."""
    starts_at: Mapped[Timestamp]
    """The first occurrence: the rule's anchor."""
    timezone: Mapped[str] = mapped_column(String(64))
    place: Mapped[str] = mapped_column(String(500), default="")
    duration_minutes: Mapped[int] = mapped_column(default=90)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[Timestamp]
    created_by: Mapped[DiscordId | None] = mapped_column(default=None)
    ended_at: Mapped[Timestamp | None] = mapped_column(default=None)


class Meeting(Base):
    """One meeting, from a series or added as a one-off.

    ``assignments`` (and their members) load with the meeting, so ``facilitator`` and
    ``co_facilitator`` can be read without further queries.
    """

    __tablename__ = "meetings"
    __table_args__ = (sa.UniqueConstraint("series_id", "starts_at"),)

    id: Mapped[IntPk]
    series_id: Mapped[int | None] = refers_to("meeting_series", default=None, index=True)
    starts_at: Mapped[Timestamp] = mapped_column(index=True)
    duration_minutes: Mapped[int] = mapped_column(default=90)
    place: Mapped[str] = mapped_column(String(500), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[MeetingStatus] = mapped_column(
        _enum(MeetingStatus, "meeting_status"), default=MeetingStatus.SCHEDULED
    )
    cancelled_at: Mapped[Timestamp | None] = mapped_column(default=None)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    superseded: Mapped[bool] = mapped_column(default=False)
    """Cancelled quietly because the series was replaced (not shown as a cancellation)."""
    created_at: Mapped[Timestamp]

    assignments: Mapped[list[FacilitationAssignment]] = relationship(
        back_populates="meeting",
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by="FacilitationAssignment.role",
    )

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self) -> bool:
        return self.status is MeetingStatus.CANCELLED

    def _assignment(self, role: AssignmentRole) -> FacilitationAssignment | None:
        return next((a for a in self.assignments if a.role is role), None)

    @property
    def facilitator(self) -> Member | None:
        found = self._assignment(AssignmentRole.FACILITATOR)
        return found.member if found else None

    @property
    def co_facilitator(self) -> Member | None:
        found = self._assignment(AssignmentRole.CO_FACILITATOR)
        return found.member if found else None


class FacilitationAssignment(Base):
    """Who facilitates (or co-facilitates) a meeting. Rows of past meetings are history."""

    __tablename__ = "facilitation_assignments"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "role"),)

    id: Mapped[IntPk]
    meeting_id: Mapped[int] = owned_by("meetings", index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    role: Mapped[AssignmentRole] = mapped_column(_enum(AssignmentRole, "assignment_role"))
    source: Mapped[AssignmentSource] = mapped_column(
        _enum(AssignmentSource, "assignment_source"), default=AssignmentSource.AUTO
    )
    first_turn: Mapped[bool] = mapped_column(default=False)
    """The facilitator's first turn (so it is paired with a co-facilitator)."""
    missed: Mapped[bool] = mapped_column(default=False)
    """Recorded by a coordinator after the meeting: the turn was not taken."""
    stand_in_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"), default=None)
    """Who stood in for a missed turn (credited with the facilitation)."""
    created_at: Mapped[Timestamp]

    meeting: Mapped[Meeting] = relationship(back_populates="assignments", lazy="raise")
    member: Mapped[Member] = relationship(foreign_keys=[member_id], lazy="joined")


class RotationEntry(Base):
    """A member's place in the facilitation rotation.

    ``baseline`` is where they started counting from: the group's median when they
    joined (or rejoined), so newcomers get no burst of catch-up turns.
    """

    __tablename__ = "rotation_entries"

    member_id: Mapped[int] = owned_by("members", primary_key=True)
    baseline: Mapped[int] = mapped_column(default=0)
    entered_at: Mapped[Timestamp]
    active: Mapped[bool] = mapped_column(default=True)


class Unavailability(Base):
    """Local calendar days (inclusive) on which a member cannot facilitate."""

    __tablename__ = "unavailabilities"

    id: Mapped[IntPk]
    member_id: Mapped[int] = owned_by("members", index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    reason_sealed: Mapped[Sealed | None] = mapped_column(default=None)
    """Why, as the member typed it, encrypted with the data key and bound to the member
    (``bot.services.rotation.reasons``); None when they gave no reason."""
    key_id: Mapped[KeyId | None] = mapped_column(default=None)
    """The data key ``reason_sealed`` is encrypted under (None with no reason)."""
    legacy_reason: Mapped[str] = mapped_column("reason", Text, default="")
    """Plain text written before migration 0014. Never written now: the bot seals what it
    finds here when it starts (``bot.services.rotation.reasons.seal_plain``) and empties it."""
    created_at: Mapped[Timestamp]


class SwapRequest(Base):
    """One member asking another to take their turn (and, if they have one, to trade)."""

    __tablename__ = "swap_requests"

    id: Mapped[IntPk]
    meeting_id: Mapped[int] = owned_by("meetings", index=True)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    return_meeting_id: Mapped[int | None] = refers_to("meetings", default=None)
    """The asked member's own next turn, which the requester takes in exchange."""
    status: Mapped[SwapStatus] = mapped_column(
        _enum(SwapStatus, "swap_status"), default=SwapStatus.PENDING
    )
    created_at: Mapped[Timestamp]
    decided_at: Mapped[Timestamp | None] = mapped_column(default=None)
    channel_id: Mapped[DiscordId | None] = mapped_column(default=None)
    message_id: Mapped[DiscordId | None] = mapped_column(default=None)


class RosterPost(Base):
    """One roster post (or its slot). ``slot_key`` is unique, so a slot posts once."""

    __tablename__ = "roster_posts"

    id: Mapped[IntPk]
    slot_key: Mapped[str] = mapped_column(String(100), unique=True)
    scheduled_for: Mapped[Timestamp]
    status: Mapped[RosterPostStatus] = mapped_column(
        _enum(RosterPostStatus, "roster_post_status"), default=RosterPostStatus.CLAIMED
    )
    channel_id: Mapped[DiscordId | None] = mapped_column(default=None)
    message_id: Mapped[DiscordId | None] = mapped_column(default=None)
    created_at: Mapped[Timestamp]
    posted_at: Mapped[Timestamp | None] = mapped_column(default=None)


class StandingAvailability(Base):
    """A member's standing availability ("I can't do Mondays", "not before 10:00").

    Only the parsed rule is kept, never the words typed.
    """

    __tablename__ = "standing_availability"

    member_id: Mapped[int] = owned_by("members", primary_key=True)
    weekdays_off: Mapped[str] = mapped_column(String(7), default="")
    """Weekday numbers (Monday 0) the member can't do, as digits: ``"04"``."""
    not_before: Mapped[time | None] = mapped_column(default=None)
    not_after: Mapped[time | None] = mapped_column(default=None)
    """The meeting must have finished by then."""
    updated_at: Mapped[Timestamp]
