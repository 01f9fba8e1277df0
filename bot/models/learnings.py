"""Learnings (encrypted at rest) and digest exports."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.models._columns import DiscordId, IntPk, KeyId, Sealed, Timestamp, owned_by, refers_to
from bot.models._columns import enum_column as _enum

__all__ = [
    "DigestExport",
    "KnowledgePost",
    "Learning",
    "SharingLevel",
]


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

    id: Mapped[IntPk]
    author_id: Mapped[int] = owned_by("members", index=True)
    sharing: Mapped[SharingLevel] = mapped_column(
        _enum(SharingLevel, "learning_sharing"), default=SharingLevel.PRIVATE
    )
    content: Mapped[Sealed]
    """Encrypted JSON: title, what happened, what I learned, next time, and the tags."""
    tags: Mapped[Sealed]
    """Encrypted JSON list of normalised tags (the first is the learning's theme), on its
    own so that tag filters and themes need not decrypt the text."""
    key_id: Mapped[KeyId]
    """The data key both tokens are encrypted with (see ``bot.datakeys``)."""
    meeting_id: Mapped[int | None] = mapped_column(default=None, index=True)
    """The meeting it came from (no foreign key: meetings belong to the rotation)."""
    meeting_starts_at: Mapped[Timestamp | None] = mapped_column(default=None)
    """When that meeting started, kept so exports need not join the meetings."""
    created_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
    sharing_changed_at: Mapped[Timestamp]
    """When the author last chose its sharing level (their consent, for the record)."""


class DigestExport(Base):
    """One digest export, recorded when the file is made: who, when, the range, the
    filters, how many entries and the file's SHA-256."""

    __tablename__ = "digest_exports"

    id: Mapped[IntPk]
    exported_by_id: Mapped[int | None] = refers_to("members", default=None, index=True)
    """The coordinator (None for the command line)."""
    via: Mapped[str] = mapped_column(String(200))
    """``discord``, or ``command line (user NAME)``."""
    exported_at: Mapped[Timestamp] = mapped_column(index=True)
    range_start: Mapped[date]
    range_end: Mapped[date]
    """Inclusive, in the community's zone."""
    format: Mapped[str] = mapped_column(String(16))
    filters: Mapped[Sealed]
    """Encrypted JSON: the tags asked for (what a coordinator typed is encrypted too)."""
    key_id: Mapped[KeyId]
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

    id: Mapped[IntPk]
    learning_id: Mapped[int | None] = refers_to("learnings", unique=True, default=None)
    thread_id: Mapped[DiscordId | None] = mapped_column(unique=True, default=None)
    """The forum post (a thread) on Discord; None until it is made."""
    channel_id: Mapped[DiscordId]
    """The forum channel it was posted in."""
    anonymous: Mapped[bool] = mapped_column(default=False)
    """Posted with no name (a ``digest-anonymous`` learning)."""
    published_at: Mapped[Timestamp]
    updated_at: Mapped[Timestamp]
