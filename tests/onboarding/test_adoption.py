"""Holders of the member role from before the bot are members from the start."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.db import Database
from bot.models import Member, MemberStatus, RotationEntry
from bot.services.onboarding.lifecycle import record_presence
from bot.services.onboarding.sweep import Census, Present, sync_members
from tests.conftest import FakeClock

MEMBER_ROLE = 5
COORDINATOR_ROLE = 6


async def sync(db: Database, clock: FakeClock, people: list[Present], *, first: bool) -> int:
    async with db.transaction() as s:
        result = await sync_members(
            s,
            Census(people, complete=True),
            member_role=MEMBER_ROLE,
            coordinator_role=COORDINATOR_ROLE,
            installed_at=clock(),
            first_connect=first,
            now=clock(),
        )
    return result.adopted


async def test_sync_members_records_role_holders_active_in_the_rotation(
    db: Database, clock: FakeClock
) -> None:
    joined = datetime(2024, 5, 1, tzinfo=UTC)
    people = [Present(700 + n, f"Person {n}", joined, (MEMBER_ROLE,)) for n in range(3)]
    assert await sync(db, clock, people, first=True) == 3
    async with db.transaction() as s:
        members = (await s.scalars(select(Member).order_by(Member.user_id))).all()
        assert [m.status for m in members] == [MemberStatus.ACTIVE] * 3
        assert all(m.joined_at == joined for m in members)
        assert [m.display_name for m in members] == ["Person 0", "Person 1", "Person 2"]
        entries = (await s.scalars(select(RotationEntry))).all()
        assert {e.member_id for e in entries if e.active} == {m.id for m in members}


async def test_sync_members_leaves_known_records_alone(db: Database, clock: FakeClock) -> None:
    async with db.transaction() as s:
        await record_presence(s, 701, "Applicant", clock())
    people = [
        Present(701, "Applicant", None, (MEMBER_ROLE,)),
        Present(702, "New", None, (MEMBER_ROLE,)),
    ]
    assert await sync(db, clock, people, first=False) == 1
    async with db.transaction() as s:
        applicant = await s.scalar(select(Member).where(Member.user_id == 701))
        assert applicant is not None
        assert applicant.status is MemberStatus.APPLICANT  # a coordinator decides that one
    assert await sync(db, clock, people, first=False) == 0
