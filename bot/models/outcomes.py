"""Outcomes of the community's work, and who agreed to be named in them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.models._columns import IntPk, KeyId, Sealed, Timestamp, owned_by
from bot.models._columns import enum_column as _enum

__all__ = [
    "ConsentStatus",
    "Outcome",
    "OutcomeKind",
    "OutcomePerson",
]


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

    id: Mapped[IntPk]
    author_id: Mapped[int] = owned_by("members", index=True)
    kind: Mapped[OutcomeKind] = mapped_column(_enum(OutcomeKind, "outcome_kind"))
    happened_on: Mapped[date] = mapped_column(index=True)
    content: Mapped[Sealed]
    """Encrypted JSON: title, description, link."""
    key_id: Mapped[KeyId]
    shareable: Mapped[bool] = mapped_column(default=True)
    """Whether its title may appear in the community's report."""
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]


class OutcomePerson(Base):
    """A member named as involved in an outcome; named anywhere only once they agree."""

    __tablename__ = "outcome_people"
    __table_args__ = (UniqueConstraint("outcome_id", "member_id"),)

    id: Mapped[IntPk]
    outcome_id: Mapped[int] = owned_by("outcomes", index=True)
    member_id: Mapped[int] = owned_by("members", index=True)
    status: Mapped[ConsentStatus] = mapped_column(
        _enum(ConsentStatus, "outcome_consent"), default=ConsentStatus.PENDING
    )
    asked_at: Mapped[Timestamp]
    answered_at: Mapped[Timestamp | None] = mapped_column(default=None)
