"""Offers and needs, connection rounds, buddies and the partnership log."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.models._columns import IntPk, KeyId, Sealed, Timestamp, owned_by, refers_to
from bot.models._columns import enum_column as _enum

__all__ = [
    "Buddy",
    "BuddyStatus",
    "CheckinAnswer",
    "ConnectionOptIn",
    "ConnectionPair",
    "ConnectionRound",
    "OfferNeed",
    "Partnership",
    "PartnershipStatus",
]


class OfferNeed(Base):
    """What a member can offer and what they are looking for: tags, and one sentence each
    (the sentences encrypted, bound to the member)."""

    __tablename__ = "member_offers"

    member_id: Mapped[int] = owned_by("members", primary_key=True)
    offer_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    need_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    sentences: Mapped[Sealed | None] = mapped_column(default=None)
    """Encrypted JSON: {"offer": ..., "need": ...}."""
    key_id: Mapped[KeyId | None] = mapped_column(default=None)
    updated_at: Mapped[Timestamp]


class ConnectionOptIn(Base):
    """A member who takes part in connection rounds."""

    __tablename__ = "connection_optins"

    member_id: Mapped[int] = owned_by("members", primary_key=True)
    joined_at: Mapped[Timestamp]


class ConnectionRound(Base):
    """One scheduled round; its time is unique, so a round is made once however often the
    job runs."""

    __tablename__ = "connection_rounds"

    id: Mapped[IntPk]
    starts_at: Mapped[Timestamp] = mapped_column(unique=True)
    checkin_at: Mapped[Timestamp]
    created_at: Mapped[Timestamp]


class CheckinAnswer(StrEnum):
    MET = "met"
    NOT_YET = "not_yet"
    SKIP = "skip"


class ConnectionPair(Base):
    """One member's place in a round: ``pair_no`` numbers the pair (or trio) in the round."""

    __tablename__ = "connection_pairs"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)

    id: Mapped[IntPk]
    round_id: Mapped[int] = owned_by("connection_rounds", index=True)
    pair_no: Mapped[int] = mapped_column()
    member_id: Mapped[int | None] = refers_to("members", index=True)
    reason: Mapped[str] = mapped_column(String(300), default="")
    """Bot-written: why they were paired (themes and tags, never member sentences)."""
    answer: Mapped[CheckinAnswer | None] = mapped_column(
        _enum(CheckinAnswer, "connection_checkin"), default=None
    )
    answered_at: Mapped[Timestamp | None] = mapped_column(default=None)


class PartnershipStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETE = "complete"
    DECLINED = "declined"


class Partnership(Base):
    """Two members partnering around a shared interest, each bringing something.

    ``open_pair`` is ``"<low id>:<high id>"`` while the partnership is proposed, active or
    paused, and NULL after: a unique column, so two open partnerships between the same two
    people cannot exist, whoever presses first."""

    __tablename__ = "partnerships"

    id: Mapped[IntPk]
    proposer_id: Mapped[int | None] = refers_to("members", index=True)
    partner_id: Mapped[int | None] = refers_to("members", index=True)
    open_pair: Mapped[str | None] = mapped_column(String(50), unique=True, default=None)
    status: Mapped[PartnershipStatus] = mapped_column(
        _enum(PartnershipStatus, "partnership_status"), default=PartnershipStatus.PROPOSED
    )
    content: Mapped[Sealed]
    """Encrypted JSON: interest, what each brings, notes."""
    key_id: Mapped[KeyId]
    started_on: Mapped[date | None] = mapped_column(default=None)
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    checkin_due_at: Mapped[Timestamp | None] = mapped_column(default=None, index=True)
    outcome_id: Mapped[int | None] = refers_to("outcomes", default=None)


class BuddyStatus(StrEnum):
    ASKING = "asking"
    ACCEPTED = "accepted"
    NONE = "none"
    """Nobody accepted: the newcomer goes without a buddy (coordinators are told)."""


class Buddy(Base):
    """A newcomer's day-one buddy: the first of their "meet first" people who accepts."""

    __tablename__ = "buddies"

    newcomer_id: Mapped[int] = owned_by("members", primary_key=True)
    candidates: Mapped[list[int]] = mapped_column(JSON, default=list)
    asked: Mapped[int] = mapped_column(default=0)
    """How many candidates have been asked, in order; the last of them is being asked."""
    buddy_id: Mapped[int | None] = refers_to("members", default=None)
    status: Mapped[BuddyStatus] = mapped_column(
        _enum(BuddyStatus, "buddy_status"), default=BuddyStatus.ASKING
    )
    created_at: Mapped[Timestamp]
    accepted_at: Mapped[Timestamp | None] = mapped_column(default=None)
    checkin_at: Mapped[Timestamp | None] = mapped_column(default=None, index=True)
    checkin_sent: Mapped[bool] = mapped_column(default=False)
    role_offer: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """The light role offered at the first meeting: {"role": "scribe", "answer": "yes"}."""
