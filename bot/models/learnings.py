"""Learnings (encrypted at rest) and digest exports."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UtcDateTime
from bot.models._columns import enum_column as _enum


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


class KnowledgePost(Base):
    """A learning its author published to the forum (the knowledge base), as a forum post
    (a thread) the bot made. ``learning_id`` None means the learning was deleted, its
    sharing lowered, or its author's data erased: the post is to be removed from Discord,
    and the row goes once it is (a restart retries)."""

    __tablename__ = "knowledge_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    learning_id: Mapped[int | None] = mapped_column(
        ForeignKey("learnings.id", ondelete="SET NULL"), unique=True, default=None
    )
    thread_id: Mapped[int | None] = mapped_column(BigInteger, unique=True, default=None)
    """The forum post (a thread) on Discord; None until it is made."""
    channel_id: Mapped[int] = mapped_column(BigInteger)
    """The forum channel it was posted in."""
    anonymous: Mapped[bool] = mapped_column(default=False)
    """Posted with no name (a ``digest-anonymous`` learning)."""
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
