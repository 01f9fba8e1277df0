"""Consults (/ask): a member's challenge brought to the community, its invitations, the
mutes, the bot's posts that carried it, and the weekly post.

What the asker typed is encrypted (``content``), and so is the identity of an anonymous
asker (``asker``): for an anonymous consult ``asker_id`` is NULL and nothing in the clear
points at the person. Themes are chosen from the community's list and are shown as the
forum post's tags, so they are stored in the clear.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UtcDateTime
from bot.models._columns import enum_column as _enum


class ConsultStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"
    """Its forum post was deleted by hand."""


class ConsultInvitationStatus(StrEnum):
    INVITED = "invited"
    HELPING = "helping"
    """They pressed I'll help."""
    DECLINED = "declined"
    """They pressed Not this time."""
    LAPSED = "lapsed"
    """The consult was resolved or closed before they answered."""


class ConsultPostKind(StrEnum):
    POST = "post"
    """The forum post's first message: the challenge."""
    INVITATION = "invitation"
    """A message in the post mentioning an invitee, with their buttons."""
    REPLY = "reply"
    """A member's reply to an anonymous asker, relayed by the bot."""
    ASKER = "asker"
    """The asker's answer, posted by the bot as "the asker"."""


class Consult(Base):
    __tablename__ = "consults"

    id: Mapped[int] = mapped_column(primary_key=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    asker_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None, index=True
    )
    """The asker of a named consult; always NULL for an anonymous one."""
    asker: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    """Encrypted: who asked an anonymous consult (NULL for a named one)."""
    content: Mapped[bytes] = mapped_column(LargeBinary)
    """Encrypted JSON: title, what is happening, what I have tried, what would help."""
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[ConsultStatus] = mapped_column(
        _enum(ConsultStatus, "consult_status"), default=ConsultStatus.OPEN, index=True
    )
    forum_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    thread_id: Mapped[int | None] = mapped_column(BigInteger, default=None, unique=True)
    """The forum post (a thread); NULL until it is made."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class ConsultTheme(Base):
    __tablename__ = "consult_themes"

    consult_id: Mapped[int] = mapped_column(
        ForeignKey("consults.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ConsultInvitation(Base):
    """One member invited to help with one consult: the ledger's row. It outlives an
    erased consult (``consult_id`` NULL) so the spread of invitations stays fair."""

    __tablename__ = "consult_invitations"
    __table_args__ = (UniqueConstraint("consult_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consult_id: Mapped[int | None] = mapped_column(
        ForeignKey("consults.id", ondelete="SET NULL"), index=True
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: Mapped[ConsultInvitationStatus] = mapped_column(
        _enum(ConsultInvitationStatus, "consult_invitation_status"),
        default=ConsultInvitationStatus.INVITED,
    )
    score: Mapped[int] = mapped_column(default=0)
    """How well their interests matched the themes."""
    invited_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    thanked: Mapped[bool] = mapped_column(default=False)
    """The asker thanked them on resolving."""


class ConsultMute(Base):
    """A member who asked not to be invited to consults."""

    __tablename__ = "consult_mutes"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    muted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConsultPost(Base):
    """A message the bot posted that carries a consult's text (or a reply to it), so that
    erasure can replace it with a short note."""

    __tablename__ = "consult_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    consult_id: Mapped[int] = mapped_column(
        ForeignKey("consults.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[ConsultPostKind] = mapped_column(_enum(ConsultPostKind, "consult_post_kind"))
    channel_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None, index=True
    )
    """Who wrote a relayed reply (never set for the asker's own posts)."""
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consult_invitations.id", ondelete="SET NULL"), default=None
    )
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ConsultWeeklyPost(Base):
    """The weekly list of open consults nobody has offered to help with: one per week."""

    __tablename__ = "consult_weekly_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    week_start: Mapped[date] = mapped_column(sa.Date, unique=True)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
