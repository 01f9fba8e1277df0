"""Outcomes of the community's work, and who agreed to be named in them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UtcDateTime
from bot.models._columns import enum_column as _enum


class OutcomeKind(StrEnum):
    GRANT_APPLICATION = "grant_application"
    PRESENTATION = "presentation"
    PARTNERSHIP_FORMED = "partnership_formed"
    RESOURCE_PUBLISHED = "resource_published"
    NEW_MEMBER_ORGANISATION = "new_member_organisation"
    OTHER = "other"


class ConsentStatus(StrEnum):
    PENDING = "pending"
    AGREED = "agreed"
    DECLINED = "declined"


class Outcome(Base):
    """One outcome of the CoP's work. Its text (title, description, link) is encrypted
    under the data key, bound to the outcome's author."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OutcomeKind] = mapped_column(_enum(OutcomeKind, "outcome_kind"))
    happened_on: Mapped[date] = mapped_column(Date, index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    """Encrypted JSON: title, description, link."""
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    shareable: Mapped[bool] = mapped_column(default=True)
    """Whether its title may appear in the community's report."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutcomePerson(Base):
    """A member named as involved in an outcome; named anywhere only once they agree."""

    __tablename__ = "outcome_people"
    __table_args__ = (UniqueConstraint("outcome_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(
        ForeignKey("outcomes.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: Mapped[ConsentStatus] = mapped_column(
        _enum(ConsentStatus, "outcome_consent"), default=ConsentStatus.PENDING
    )
    asked_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
