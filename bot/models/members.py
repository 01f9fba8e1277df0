"""The shared ``Member``: a person known to the bot in the community's guild."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base
from bot.models._columns import DiscordId, IntPk, Timestamp
from bot.models._columns import enum_column as _enum

__all__ = [
    "Member",
    "MemberStatus",
]


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
    __table_args__ = (
        # Who is an active member in the server, without reading everyone else in it, in
        # the order they joined (the rotation's ledger lists the earliest first).
        Index("ix_members_status_in_guild_joined_at", "status", "in_guild", "joined_at"),
    )

    id: Mapped[IntPk]
    user_id: Mapped[DiscordId] = mapped_column(unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    job_role: Mapped[str] = mapped_column(String(200), default="")
    locality: Mapped[str] = mapped_column(String(100), default="")
    locality_note: Mapped[str] = mapped_column(Text, default="")
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[MemberStatus] = mapped_column(
        _enum(MemberStatus, "member_status"), default=MemberStatus.APPLICANT
    )
    first_seen_at: Mapped[Timestamp]
    joined_at: Mapped[Timestamp | None] = mapped_column(default=None)
    """When they became a member (approval)."""
    left_at: Mapped[Timestamp | None] = mapped_column(default=None)
    in_guild: Mapped[bool] = mapped_column(default=True)

    @property
    def is_active(self) -> bool:
        return self.status is MemberStatus.ACTIVE
