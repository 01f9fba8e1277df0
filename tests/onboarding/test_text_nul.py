"""A NUL character typed into free text is stored the same way on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from bot.db import Database
from bot.models import Member, MemberStatus
from tests.conftest import FakeClock


async def test_member_text_with_nul_is_stored_on_any_database(
    db: Database, clock: FakeClock
) -> None:
    async with db.transaction() as session:
        session.add(
            Member(
                user_id=42,
                display_name="Ana\x00 Alvarez",
                interests=["co\x00design"],
                status=MemberStatus.ACTIVE,
                first_seen_at=clock(),
            )
        )
    async with db.transaction() as session:
        member = await session.scalar(select(Member).where(Member.user_id == 42))
    assert member is not None
    assert member.display_name.replace("\x00", "") == "Ana Alvarez"
    assert [i.replace("\x00", "") for i in member.interests] == ["codesign"]
