"""ORM models only. Times are aware UTC (``UtcDateTime``); Discord ids are ``BigInteger``.

Each capability owns one marked section below; the shared ``Member`` comes first.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy import JSON, BigInteger, Date, Enum, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, UtcDateTime


def _enum(cls: type[StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR + CHECK, storing the values, not the names."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


class MemberStatus(StrEnum):
    APPLICANT = "applicant"
    ACTIVE = "active"
    DECLINED = "declined"
    ALUMNI = "alumni"
    LEFT = "left"
    ERASED = "erased"


class Member(Base):
    """A person known to the bot in the community's guild, from first contact on.

    Only ``status == ACTIVE`` people are members of the Community of Practice.
    """

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    job_role: Mapped[str] = mapped_column(String(200), default="")
    locality: Mapped[str] = mapped_column(String(100), default="")
    locality_note: Mapped[str] = mapped_column(Text, default="")
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[MemberStatus] = mapped_column(
        _enum(MemberStatus, "member_status"), default=MemberStatus.APPLICANT
    )
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    joined_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    """When they became a member (approval)."""
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    in_guild: Mapped[bool] = mapped_column(default=True)

    @property
    def is_active(self) -> bool:
        return self.status is MemberStatus.ACTIVE


# >>> onboarding models (issue 3)


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class RenewalReason(StrEnum):
    PERIODIC = "periodic"
    """renewal_days have passed since they last confirmed."""
    PLEDGE = "pledge"
    """The confidentiality pledge has a new version."""


class RenewalOutcome(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    LAPSED = "lapsed"
    STEPPED_BACK = "stepped_back"
    CLOSED = "closed"
    """Ended without an answer for another reason (they left, or were erased)."""


class JoinDraft(Base):
    """A /join form in progress: what the person has typed and chosen so far, so a
    mistake never means retyping everything. Deleted when the application is sent."""

    __tablename__ = "onboarding_drafts"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Application(Base):
    """One application to join, its automatic check results and its decision."""

    __tablename__ = "onboarding_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    open_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, default=None)
    """Equals ``user_id`` while pending, NULL once decided: at most one open application
    per person, enforced by the database."""
    status: Mapped[ApplicationStatus] = mapped_column(
        _enum(ApplicationStatus, "onboarding_application_status"),
        default=ApplicationStatus.PENDING,
    )
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    job_role: Mapped[str] = mapped_column(String(200), default="")
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    locality: Mapped[str] = mapped_column(String(100), default="")
    locality_note: Mapped[str] = mapped_column(Text, default="")
    course: Mapped[str] = mapped_column(String(100), default="")
    course_note: Mapped[str] = mapped_column(Text, default="")
    training_year: Mapped[int | None] = mapped_column(default=None)
    agreed_facilitation: Mapped[bool] = mapped_column(default=False)
    agreed_pledge: Mapped[bool] = mapped_column(default=False)
    pledge_version: Mapped[str] = mapped_column(String(50), default="")
    rules_version: Mapped[str] = mapped_column(String(50), default="")
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """The automatic check results: ``[{"rule": 1, "outcome": "met", "detail": "..."}]``."""
    all_met: Mapped[bool] = mapped_column(default=False)
    review_channel_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    review_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    decided_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """The coordinator's user id; NULL with ``auto_approved``."""
    auto_approved: Mapped[bool] = mapped_column(default=False)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    welcomed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    """When the approval's Discord side (role, introduction, DM) was done."""
    intro_message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    meet_first: Mapped[list[int]] = mapped_column(JSON, default=list)
    """Member ids named as people to meet first in the introduction."""


class Attestation(Base):
    """A member's recorded agreement to the rules and the pledge: at approval and at
    each renewal. Kept as history; never edited."""

    __tablename__ = "onboarding_attestations"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("onboarding_applications.id"), default=None
    )
    kind: Mapped[str] = mapped_column(String(20))
    """``application`` or ``renewal``."""
    rules_version: Mapped[str] = mapped_column(String(50))
    pledge_version: Mapped[str] = mapped_column(String(50))
    locality: Mapped[str] = mapped_column(String(100), default="")
    agreed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    """When the person agreed (submitted the form, or pressed confirm)."""
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    approved_by: Mapped[int | None] = mapped_column(BigInteger, default=None)


class Standing(Base):
    """Onboarding's running summary for one person: arrival welcome and renewal clock."""

    __tablename__ = "onboarding_standing"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    welcomed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    welcomed_via: Mapped[str] = mapped_column(String(20), default="")
    """``dm`` or ``channel`` (DMs closed)."""
    renewal_anchor_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    """Renewal is due ``renewal_days`` after this: their last confirmation, or when the
    bot first found them active with no record of one."""
    pledge_version: Mapped[str | None] = mapped_column(String(50), default=None)
    """The pledge version they last agreed to; NULL if unknown."""


class Renewal(Base):
    """One request to a member to reconfirm their region and the pledge."""

    __tablename__ = "onboarding_renewals"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    open_member_id: Mapped[int | None] = mapped_column(unique=True, default=None)
    """Equals ``member_id`` while open: at most one open renewal per member."""
    reason: Mapped[RenewalReason] = mapped_column(_enum(RenewalReason, "onboarding_renewal_reason"))
    pledge_version: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    notified_via: Mapped[str] = mapped_column(String(20), default="")
    deadline_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    """No answer by then: the membership lapses. Set when the prompt is delivered."""
    outcome: Mapped[RenewalOutcome] = mapped_column(
        _enum(RenewalOutcome, "onboarding_renewal_outcome"), default=RenewalOutcome.OPEN
    )
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    coordinators_told_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class ConnectSuggestion(Base):
    """Who /connect suggested to whom, so it moves on to someone else next time."""

    __tablename__ = "onboarding_connect_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    suggested_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    interest: Mapped[str] = mapped_column(String(100), default="")
    suggested_at: Mapped[datetime] = mapped_column(UtcDateTime)


# <<< onboarding models

# >>> rotation models (issue 4)


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

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(Text)
    """RRULE text without DTSTART (see ``bot.services.recurrence``)."""
    phrase: Mapped[str] = mapped_column(String(300), default="")
    """What the coordinator typed, for display."""
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    """The first occurrence: the rule's anchor."""
    timezone: Mapped[str] = mapped_column(String(64))
    place: Mapped[str] = mapped_column(String(500), default="")
    duration_minutes: Mapped[int] = mapped_column(default=90)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[int | None] = mapped_column(BigInteger, default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class Meeting(Base):
    """One meeting, from a series or added as a one-off.

    ``assignments`` (and their members) load with the meeting, so ``facilitator`` and
    ``co_facilitator`` can be read without further queries.
    """

    __tablename__ = "meetings"
    __table_args__ = (sa.UniqueConstraint("series_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_series.id", ondelete="SET NULL"), default=None, index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column(default=90)
    place: Mapped[str] = mapped_column(String(500), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[MeetingStatus] = mapped_column(
        _enum(MeetingStatus, "meeting_status"), default=MeetingStatus.SCHEDULED
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    superseded: Mapped[bool] = mapped_column(default=False)
    """Cancelled quietly because the series was replaced (not shown as a cancellation)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

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

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
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
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="assignments", lazy="raise")
    member: Mapped[Member] = relationship(foreign_keys=[member_id], lazy="joined")


class RotationEntry(Base):
    """A member's place in the facilitation rotation.

    ``baseline`` is where they started counting from: the group's median when they
    joined (or rejoined), so newcomers get no burst of catch-up turns.
    """

    __tablename__ = "rotation_entries"

    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    baseline: Mapped[int] = mapped_column(default=0)
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    active: Mapped[bool] = mapped_column(default=True)


class Unavailability(Base):
    """Local calendar days (inclusive) on which a member cannot facilitate."""

    __tablename__ = "unavailabilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    first_day: Mapped[date] = mapped_column(sa.Date)
    last_day: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SwapRequest(Base):
    """One member asking another to take their turn (and, if they have one, to trade)."""

    __tablename__ = "swap_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    return_meeting_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="SET NULL"), default=None
    )
    """The asked member's own next turn, which the requester takes in exchange."""
    status: Mapped[SwapStatus] = mapped_column(
        _enum(SwapStatus, "swap_status"), default=SwapStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    channel_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)


class RosterPost(Base):
    """One roster post (or its slot). ``slot_key`` is unique, so a slot posts once."""

    __tablename__ = "roster_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_key: Mapped[str] = mapped_column(String(100), unique=True)
    scheduled_for: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[RosterPostStatus] = mapped_column(
        _enum(RosterPostStatus, "roster_post_status"), default=RosterPostStatus.CLAIMED
    )
    channel_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


# <<< rotation models

# >>> learnings models (issue 5)


class SharingLevel(StrEnum):
    """Who may see a learning. Only the two ``digest-*`` levels ever reach an export."""

    PRIVATE = "private"
    """Only its author."""
    GROUP = "group"
    """Members can read it in the bot; never exported."""
    DIGEST_ANONYMOUS = "digest-anonymous"
    """May appear in an exported digest with no name and no organisation."""
    DIGEST_NAMED = "digest-named"
    """May appear in an exported digest with its author's name."""


class Learning(Base):
    """A learning a member recorded. Everything they typed (title, the three texts and the
    tags) is encrypted (``bot.crypto``); only who wrote it, when, its sharing level and its
    meeting are stored in the clear, because those decide who may read it.

    ``content`` and ``tags`` are tokens bound to the author and the sharing level: a
    sharing level changed outside the bot leaves the text unreadable, never exported.
    """

    __tablename__ = "learnings"
    __table_args__ = (Index("ix_learnings_sharing_created_at", "sharing", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    sharing: Mapped[SharingLevel] = mapped_column(
        _enum(SharingLevel, "learning_sharing"), default=SharingLevel.PRIVATE
    )
    content: Mapped[bytes] = mapped_column(LargeBinary)
    """Encrypted JSON: title, what happened, what I learned, next time, and the tags."""
    tags: Mapped[bytes] = mapped_column(LargeBinary)
    """Encrypted JSON list of normalised tags (the first is the learning's theme), on its
    own so that tag filters and themes need not decrypt the text."""
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    """The data key both tokens are encrypted with (see ``bot.datakeys``)."""
    meeting_id: Mapped[int | None] = mapped_column(default=None, index=True)
    """The meeting it came from (no foreign key: meetings belong to the rotation)."""
    meeting_starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    """When that meeting started, kept so exports need not join the meetings."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sharing_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    """When the author last chose its sharing level (their consent, for the record)."""


class DigestExport(Base):
    """One digest export, recorded when the file is made: who, when, the range, the
    filters, how many entries and the file's SHA-256."""

    __tablename__ = "digest_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    exported_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None, index=True
    )
    """The coordinator (None for the command line)."""
    via: Mapped[str] = mapped_column(String(200))
    """``discord``, or ``command line (user NAME)``."""
    exported_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    range_start: Mapped[date] = mapped_column(Date)
    range_end: Mapped[date] = mapped_column(Date)
    """Inclusive, in the community's zone."""
    format: Mapped[str] = mapped_column(String(16))
    filters: Mapped[bytes] = mapped_column(LargeBinary)
    """Encrypted JSON: the tags asked for (what a coordinator typed is encrypted too)."""
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    entry_count: Mapped[int] = mapped_column()
    flagged_count: Mapped[int] = mapped_column(default=0)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))


# <<< learnings models

# >>> reminders models (issue 6)


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

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(_enum(ReminderKind, "reminder_kind"))
    owner_user_id: Mapped[int] = mapped_column(BigInteger, index=True)
    """Who set it (for a personal reminder, who receives it)."""
    channel_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    text: Mapped[str] = mapped_column(Text)
    first_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rule: Mapped[str | None] = mapped_column(String(500), default=None)
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[ReminderStatus] = mapped_column(
        _enum(ReminderStatus, "reminder_status"), default=ReminderStatus.ACTIVE, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


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

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    step: Mapped[ReminderStep] = mapped_column(_enum(ReminderStep, "reminder_step"))
    reminder_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reminders.id", ondelete="CASCADE"), default=None, index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(default=None, index=True)
    """The meeting of a chain step (no foreign key: meetings belong to the rotation)."""
    meeting_starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    target_user_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    """For steps addressed to one person (the facilitator): who, when planned."""
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[OccurrenceStatus] = mapped_column(
        _enum(OccurrenceStatus, "occurrence_status"), default=OccurrenceStatus.PLANNED, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    note: Mapped[str] = mapped_column(String(300), default="")
    report_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reminder_occurrences.id", ondelete="SET NULL"), default=None
    )
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

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        sa.ForeignKey("reminder_occurrences.id", ondelete="CASCADE")
    )
    target: Mapped[str] = mapped_column(String(40))
    """``channel:<id>`` or ``user:<id>``."""
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    claim_token: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    channel_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    fallback: Mapped[bool] = mapped_column(default=False)
    """Sent as a mention in a channel because the person's DMs are closed."""
    late: Mapped[bool] = mapped_column(default=False)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    reported: Mapped[bool] = mapped_column(default=False)


class FacilitatorConfirmation(Base):
    """A facilitator's answer to "can you confirm you're facilitating?" for one meeting."""

    __tablename__ = "facilitator_confirmations"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    confirmed: Mapped[bool] = mapped_column()
    """True: confirmed; False: said they can't make it."""
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)


# <<< reminders models
