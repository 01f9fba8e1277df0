"""Small builders for rotation tests: members straight into the database."""

from __future__ import annotations

from datetime import datetime
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Member, MemberStatus

_ids = count(1)


async def add_member(
    session: AsyncSession,
    name: str,
    joined_at: datetime,
    *,
    user_id: int | None = None,
    status: MemberStatus = MemberStatus.ACTIVE,
) -> Member:
    member = Member(
        user_id=user_id or 700000000000000000 + next(_ids),
        display_name=name,
        status=status,
        first_seen_at=joined_at,
        joined_at=joined_at,
        interests=[],
    )
    session.add(member)
    await session.flush()
    return member
