"""Holders of the member role from before the bot are members from the start."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.db import Database
from bot.models import Member, MemberStatus, RotationEntry
from bot.services.onboarding.lifecycle import (
    ExistingMember,
    adopt_existing_members,
    record_presence,
)
from tests.conftest import FakeClock


async def test_adopt_existing_members_records_them_active_in_rotation(
    db: Database, clock: FakeClock
) -> None:
    joined = datetime(2024, 5, 1, tzinfo=UTC)
    people = [ExistingMember(700 + n, f"Person {n}", joined) for n in range(3)]
    async with db.transaction() as s:
        adopted = await adopt_existing_members(s, people, clock())
    assert len(adopted) == 3
    async with db.transaction() as s:
        members = (await s.scalars(select(Member).order_by(Member.user_id))).all()
        assert [m.status for m in members] == [MemberStatus.ACTIVE] * 3
        assert all(m.joined_at == joined for m in members)
        entries = (await s.scalars(select(RotationEntry))).all()
        assert {e.member_id for e in entries if e.active} == {m.id for m in members}


async def test_adopt_existing_members_leaves_known_records_alone(
    db: Database, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        await record_presence(s, 701, "Applicant", clock())
    async with db.transaction() as s:
        adopted = await adopt_existing_members(
            s, [ExistingMember(701, "Applicant", None), ExistingMember(702, "New", None)], clock()
        )
        assert [m.user_id for m in adopted] == [702]
    async with db.transaction() as s:
        applicant = await s.scalar(select(Member).where(Member.user_id == 701))
        assert applicant is not None
        assert applicant.status is MemberStatus.APPLICANT
    async with db.transaction() as s:
        again = await adopt_existing_members(s, [ExistingMember(702, "New", None)], clock())
        assert again == []
