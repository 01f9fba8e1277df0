"""The shared person record: finding a ``Member`` by Discord id and creating one.

Every capability looks people up the same way; onboarding owns their lifecycle.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotAllowed
from bot.models import Member, MemberStatus


async def member_by_user(session: AsyncSession, user_id: int) -> Member | None:
    """The record of the person with this Discord id, if the bot has one."""
    return await session.scalar(select(Member).where(Member.user_id == user_id))


async def active_member(session: AsyncSession, user_id: int, refusal: str) -> Member:
    """The record of an active member with this Discord id; anyone else is refused with
    ``refusal`` (each capability says what it is for and what to do instead)."""
    member = await member_by_user(session, user_id)
    if member is None or member.status is not MemberStatus.ACTIVE:
        raise NotAllowed(refusal)
    return member


async def add_member(
    session: AsyncSession,
    user_id: int,
    display_name: str,
    now: datetime,
    *,
    status: MemberStatus,
    joined_at: datetime | None = None,
) -> Member:
    """A new record for someone in the server (profile fields empty), flushed so it has an id."""
    member = Member(
        user_id=user_id,
        display_name=display_name[:100],
        status=status,
        first_seen_at=now,
        joined_at=joined_at,
        in_guild=True,
    )
    session.add(member)
    await session.flush()
    return member


def clear_profile(member: Member) -> None:
    """Empty everything the person told us about themselves and mark the record ERASED.
    The Discord id stays until the whole erasure is done (``bot.services.mydata``)."""
    member.display_name = ""
    member.organisation = ""
    member.job_role = ""
    member.locality = ""
    member.locality_note = ""
    member.interests = []
    member.status = MemberStatus.ERASED
