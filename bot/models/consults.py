"""Consults (/ask): a member's challenge brought to the community, its invitations, the
mutes, the bot's posts that carried it, and the weekly post.

What the asker typed is encrypted (``content``), and so is the identity of an anonymous
asker (``asker``): for an anonymous consult ``asker_id`` is NULL and nothing in the clear
points at the person. Themes are chosen from the community's list and are shown as the
forum post's tags, so they are stored in the clear.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.models._columns import DiscordId, IntPk, KeyId, Sealed, Timestamp, owned_by, refers_to
from bot.models._columns import enum_column as _enum

__all__ = [
    "Consult",
    "ConsultInvitation",
    "ConsultInvitationStatus",
    "ConsultMute",
    "ConsultPost",
    "ConsultPostKind",
    "ConsultStatus",
    "ConsultTheme",
    "ConsultWeeklyPost",
]


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

    id: Mapped[IntPk]
    anonymous: Mapped[bool] = mapped_column(default=False)
    asker_id: Mapped[int | None] = owned_by("members", default=None, index=True)
    """The asker of a named consult; always NULL for an anonymous one."""
    asker: Mapped[Sealed | None] = mapped_column(default=None)
    """Encrypted: who asked an anonymous consult (NULL for a named one)."""
    content: Mapped[Sealed]
    """Encrypted JSON: title, what is happening, what I have tried, what would help."""
    key_id: Mapped[KeyId]
    status: Mapped[ConsultStatus] = mapped_column(
        _enum(ConsultStatus, "consult_status"), default=ConsultStatus.OPEN, index=True
    )
    forum_id: Mapped[DiscordId | None] = mapped_column(default=None)
    thread_id: Mapped[DiscordId | None] = mapped_column(default=None, unique=True)
    """The forum post (a thread); NULL until it is made."""
    created_at: Mapped[Timestamp] = mapped_column(index=True)
    resolved_at: Mapped[Timestamp | None] = mapped_column(default=None)
    closed_at: Mapped[Timestamp | None] = mapped_column(default=None)


class ConsultTheme(Base):
    __tablename__ = "consult_themes"

    consult_id: Mapped[int] = owned_by("consults", primary_key=True)
    theme: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ConsultInvitation(Base):
    """One member invited to help with one consult: the ledger's row. It outlives an
    erased consult (``consult_id`` NULL) so the spread of invitations stays fair."""

    __tablename__ = "consult_invitations"
    __table_args__ = (UniqueConstraint("consult_id", "member_id"),)

    id: Mapped[IntPk]
    consult_id: Mapped[int | None] = refers_to("consults", index=True)
    member_id: Mapped[int] = owned_by("members", index=True)
    status: Mapped[ConsultInvitationStatus] = mapped_column(
        _enum(ConsultInvitationStatus, "consult_invitation_status"),
        default=ConsultInvitationStatus.INVITED,
    )
    score: Mapped[int] = mapped_column(default=0)
    """How well their interests matched the themes."""
    invited_at: Mapped[Timestamp]
    answered_at: Mapped[Timestamp | None] = mapped_column(default=None)
    thanked: Mapped[bool] = mapped_column(default=False)
    """The asker thanked them on resolving."""


class ConsultMute(Base):
    """A member who asked not to be invited to consults."""

    __tablename__ = "consult_mutes"

    member_id: Mapped[int] = owned_by("members", primary_key=True)
    muted_at: Mapped[Timestamp]


class ConsultPost(Base):
    """A message the bot posted that carries a consult's text (or a reply to it), so that
    erasure can replace it with a short note."""

    __tablename__ = "consult_posts"

    id: Mapped[IntPk]
    consult_id: Mapped[int] = owned_by("consults", index=True)
    kind: Mapped[ConsultPostKind] = mapped_column(_enum(ConsultPostKind, "consult_post_kind"))
    channel_id: Mapped[DiscordId]
    message_id: Mapped[DiscordId] = mapped_column(unique=True)
    author_id: Mapped[int | None] = refers_to("members", default=None, index=True)
    """Who wrote a relayed reply (never set for the asker's own posts)."""
    invitation_id: Mapped[int | None] = refers_to("consult_invitations", default=None)
    posted_at: Mapped[Timestamp]


class ConsultWeeklyPost(Base):
    """The weekly list of open consults nobody has offered to help with: one per week."""

    __tablename__ = "consult_weekly_posts"

    id: Mapped[IntPk]
    week_start: Mapped[date] = mapped_column(unique=True)
    claimed_at: Mapped[Timestamp]
    message_id: Mapped[DiscordId | None] = mapped_column(default=None)
