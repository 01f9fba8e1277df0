"""The interest term index that keeps /connect and the people to meet first independent
of the size of the server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot.db import Database
from bot.models import InterestTerm, Member
from bot.services.onboarding.matching import index_unindexed, suggest_connection
from tests.conftest import FakeClock
from tests.onboarding.helpers import add_member


async def terms_of(db: Database, member_id: int) -> set[str]:
    async with db.transaction() as s:
        return set(
            await s.scalars(select(InterestTerm.term).where(InterestTerm.member_id == member_id))
        )


async def test_interest_terms_follow_every_change_of_interests(
    db: Database, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        ana = await add_member(s, 1, "Ana", ["Rural Health", "AI"], joined_at=clock())
    assert await terms_of(db, ana.id) == {"=rural health", "rural", "health", "=ai"}
    async with db.transaction() as s:
        row = await s.get(Member, ana.id)
        assert row is not None
        row.interests = ["co-design"]
    assert await terms_of(db, ana.id) == {"=co-design", "design"}


async def test_connect_finds_only_people_sharing_a_term(db: Database, clock: FakeClock) -> None:
    joined = clock() - timedelta(days=30)
    async with db.transaction() as s:
        asker = await add_member(s, 1, "Asker", ["water"], joined_at=joined)
        await add_member(s, 2, "Wanda", ["water security"], joined_at=joined)
        await add_member(s, 3, "Otto", ["youth"], joined_at=joined)
    async with db.transaction() as s:
        match = await suggest_connection(s, asker, None, clock())
    assert match.member.user_id == 2
    assert match.shared == ("water security",)


async def test_index_unindexed_fills_in_records_written_around_the_orm(
    db: Database, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        ana = await add_member(s, 1, "Ana", [], joined_at=clock())
        await s.execute(update(Member).where(Member.id == ana.id).values(interests=["health"]))
    assert await terms_of(db, ana.id) == set()
    async with db.transaction() as s:
        assert await index_unindexed(s) == 1
        assert await index_unindexed(s) == 0
    assert await terms_of(db, ana.id) == {"=health", "health"}
