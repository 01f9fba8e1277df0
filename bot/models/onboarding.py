"""Joining, review, attestations, standing and renewals."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.models._columns import DiscordId, IntPk, Timestamp, owned_by
from bot.models._columns import enum_column as _enum

__all__ = [
    "Application",
    "ApplicationStatus",
    "Attestation",
    "ConnectSuggestion",
    "Installation",
    "InterestTerm",
    "JoinDraft",
    "Renewal",
    "RenewalOutcome",
    "RenewalReason",
    "Standing",
]


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

    user_id: Mapped[DiscordId] = mapped_column(primary_key=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[Timestamp]


class Application(Base):
    """One application to join, its automatic check results and its decision."""

    __tablename__ = "onboarding_applications"

    id: Mapped[IntPk]
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    user_id: Mapped[DiscordId] = mapped_column(index=True)
    open_user_id: Mapped[DiscordId | None] = mapped_column(unique=True, default=None)
    """Equals ``user_id`` while pending, NULL once decided: at most one open application
    per person, enforced by the database."""
    status: Mapped[ApplicationStatus] = mapped_column(
        _enum(ApplicationStatus, "onboarding_application_status"),
        default=ApplicationStatus.PENDING,
    )
    submitted_at: Mapped[Timestamp]
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
    review_channel_id: Mapped[DiscordId | None] = mapped_column(default=None)
    review_message_id: Mapped[DiscordId | None] = mapped_column(default=None)
    decided_at: Mapped[Timestamp | None] = mapped_column(default=None)
    decided_by: Mapped[DiscordId | None] = mapped_column(default=None)
    """The coordinator's user id; NULL with ``auto_approved``."""
    auto_approved: Mapped[bool] = mapped_column(default=False)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    welcomed_at: Mapped[Timestamp | None] = mapped_column(default=None)
    """When the approval's Discord side (role, introduction, DM) was done."""
    intro_message_id: Mapped[DiscordId | None] = mapped_column(default=None)
    meet_first: Mapped[list[int]] = mapped_column(JSON, default=list)
    """Member ids named as people to meet first in the introduction."""


class Attestation(Base):
    """A member's recorded agreement to the rules and the pledge: at approval and at
    each renewal. Kept as history; never edited."""

    __tablename__ = "onboarding_attestations"

    id: Mapped[IntPk]
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("onboarding_applications.id"), default=None
    )
    kind: Mapped[str] = mapped_column(String(20))
    """``application`` or ``renewal``."""
    rules_version: Mapped[str] = mapped_column(String(50))
    pledge_version: Mapped[str] = mapped_column(String(50))
    locality: Mapped[str] = mapped_column(String(100), default="")
    agreed_at: Mapped[Timestamp]
    """When the person agreed (submitted the form, or pressed confirm)."""
    recorded_at: Mapped[Timestamp]
    approved_by: Mapped[DiscordId | None] = mapped_column(default=None)


class Standing(Base):
    """Onboarding's running summary for one person: arrival welcome and renewal clock."""

    __tablename__ = "onboarding_standing"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    welcomed_at: Mapped[Timestamp | None] = mapped_column(default=None)
    welcomed_via: Mapped[str] = mapped_column(String(20), default="")
    """``dm`` or ``channel`` (DMs closed)."""
    renewal_anchor_at: Mapped[Timestamp | None] = mapped_column(default=None)
    """Renewal is due ``renewal_days`` after this: their last confirmation, or when the
    bot first found them active with no record of one."""
    pledge_version: Mapped[str | None] = mapped_column(String(50), default=None)
    """The pledge version they last agreed to; NULL if unknown."""


class Renewal(Base):
    """One request to a member to reconfirm their region and the pledge."""

    __tablename__ = "onboarding_renewals"

    id: Mapped[IntPk]
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    open_member_id: Mapped[int | None] = mapped_column(unique=True, default=None)
    """Equals ``member_id`` while open: at most one open renewal per member."""
    reason: Mapped[RenewalReason] = mapped_column(_enum(RenewalReason, "onboarding_renewal_reason"))
    pledge_version: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[Timestamp]
    notified_at: Mapped[Timestamp | None] = mapped_column(default=None)
    notified_via: Mapped[str] = mapped_column(String(20), default="")
    deadline_at: Mapped[Timestamp | None] = mapped_column(default=None)
    """No answer by then: the membership lapses. Set when the prompt is delivered."""
    outcome: Mapped[RenewalOutcome] = mapped_column(
        _enum(RenewalOutcome, "onboarding_renewal_outcome"), default=RenewalOutcome.OPEN
    )
    closed_at: Mapped[Timestamp | None] = mapped_column(default=None)
    coordinators_told_at: Mapped[Timestamp | None] = mapped_column(default=None)


class ConnectSuggestion(Base):
    """Who /connect suggested to whom, so it moves on to someone else next time."""

    __tablename__ = "onboarding_connect_suggestions"

    id: Mapped[IntPk]
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    suggested_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    interest: Mapped[str] = mapped_column(String(100), default="")
    suggested_at: Mapped[Timestamp]


class Installation(Base):
    """When the bot first settled into the community's server, and its pinned **How to
    join** post there. Only people who join after ``installed_at`` get the welcome DM."""

    __tablename__ = "onboarding_installation"

    guild_id: Mapped[DiscordId] = mapped_column(primary_key=True, autoincrement=False)
    installed_at: Mapped[Timestamp]
    join_post_channel_id: Mapped[DiscordId | None] = mapped_column(default=None)
    join_post_message_id: Mapped[DiscordId | None] = mapped_column(default=None)


class InterestTerm(Base):
    """One searchable term of a person's interests: each whole tag (``=co-design``) and
    each meaningful word in it (``health``). ``/connect`` and the people to meet first look
    up only the people who share a term, whatever the size of the server. Kept in line
    with ``Member.interests`` on every flush (``bot.services.onboarding.matching``)."""

    __tablename__ = "onboarding_interest_terms"

    member_id: Mapped[int] = owned_by("members", primary_key=True)
    term: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)
