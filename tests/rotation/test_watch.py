"""Reading the roster does not check who is in the rotation against the server's people
once it was found current, yet every change to members this process commits is seen:
ORM changes, set-based UPDATEs (the onboarding sweep's), and plans that rolled back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.db import Database
from bot.models import Member, MemberStatus, RotationEntry
from bot.services import rotation
from tests.rotation.helpers import NOW, RULES, add_member, meeting_series, statements


async def _community(db: Database, size: int = 4) -> list[int]:
    async with db.transaction() as session:
        ids = [
            (await add_member(session, f"m{i}", NOW - timedelta(days=400 - i))).id
            for i in range(size)
        ]
        await meeting_series(session, NOW, RULES.horizon_days)
        await rotation.plan(session, NOW, RULES)
    return ids


async def _show(db: Database) -> tuple[list[int | None], int]:
    """What /roster show reads: each shown meeting's facilitator, and the rotation's size."""
    async with db.transaction() as session:
        meetings = await rotation.roster(session, NOW, 4, RULES)
        size = await rotation.rotation_size(session)
        return [m.facilitator.id if m.facilitator else None for m in meetings], size


def _reads_members(statements: list[str]) -> bool:
    """Whether the rotation's members were checked or counted."""
    return any("rotation_entries" in s or "count(" in s.lower() for s in statements)


async def test_roster_found_current_is_read_without_checking_the_members(db: Database) -> None:
    await _community(db)
    with statements(db) as first:
        await _show(db)
    with statements(db) as again:
        shown, size = await _show(db)
    assert _reads_members(first)  # a fresh look: who entered or left, and the count
    assert not _reads_members(again)
    assert len(again) < len(first)
    assert size == 4
    assert None not in shown


async def test_roster_sees_a_member_who_left_by_a_set_based_update(db: Database) -> None:
    ids = await _community(db)
    shown, _ = await _show(db)
    leaver = shown[0]
    assert leaver is not None
    async with db.transaction() as session:
        await session.execute(
            update(Member).where(Member.id == leaver).values(status=MemberStatus.LEFT)
        )
    shown, size = await _show(db)
    assert leaver not in shown
    assert None not in shown
    assert size == len(ids) - 1


async def test_roster_sees_a_member_who_joined(db: Database) -> None:
    ids = await _community(db)
    await _show(db)
    async with db.transaction() as session:
        newcomer = await add_member(session, "new", NOW - timedelta(days=1))
    _, size = await _show(db)
    assert size == len(ids) + 1
    async with db.transaction() as session:
        entry = await session.get(RotationEntry, newcomer.id)
    assert entry is not None
    assert entry.active


async def test_roster_sees_a_member_who_left_the_server_by_orm(db: Database) -> None:
    await _community(db)
    shown, _ = await _show(db)
    async with db.transaction() as session:
        member = await session.scalar(select(Member).where(Member.id == shown[0]))
        assert member is not None
        member.in_guild = False
    after, _ = await _show(db)
    assert shown[0] not in after


class _Abandoned(Exception):
    pass


async def _plan_then_abandon(db: Database) -> None:
    async with db.transaction() as session:
        await rotation.roster(session, NOW, 4, RULES)  # plans without them...
        raise _Abandoned  # ...and is rolled back


async def test_a_plan_that_rolled_back_is_not_taken_as_current(db: Database) -> None:
    await _community(db)
    shown, _ = await _show(db)
    async with db.transaction() as session:
        await session.execute(
            update(Member).where(Member.id == shown[0]).values(status=MemberStatus.ALUMNI)
        )
    with pytest.raises(_Abandoned):
        await _plan_then_abandon(db)
    after, _ = await _show(db)
    assert shown[0] not in after


async def test_rotation_size_counts_again_after_a_change(db: Database) -> None:
    ids = await _community(db)
    _, before = await _show(db)
    async with db.transaction() as session:
        await session.execute(
            update(Member).where(Member.id.in_(ids[:2])).values(status=MemberStatus.ALUMNI)
        )
        # In the same unit of work, the count already sees the change.
        assert await rotation.rotation_size(session) == len(ids) - 2
    _, after = await _show(db)
    assert (before, after) == (len(ids), len(ids) - 2)


async def test_roster_is_not_checked_again_for_a_new_applicant_or_a_profile_edit(
    db: Database,
) -> None:
    await _community(db)
    shown, _ = await _show(db)
    async with db.transaction() as session:
        await add_member(session, "applicant", NOW, status=MemberStatus.APPLICANT)
        member = await session.get(Member, shown[0])
        assert member is not None
        member.organisation = "Elsewhere"
    with statements(db) as seen:
        await _show(db)
    assert not _reads_members(seen)


async def test_roster_sees_an_applicant_approved(db: Database) -> None:
    ids = await _community(db)
    async with db.transaction() as session:
        applicant = await add_member(session, "applicant", NOW, status=MemberStatus.APPLICANT)
    _, before = await _show(db)
    async with db.transaction() as session:
        found = await session.get(Member, applicant.id)
        assert found is not None
        found.status = MemberStatus.ACTIVE
    _, after = await _show(db)
    assert (before, after) == (len(ids), len(ids) + 1)
