"""/roster show and /roster ledger read a bounded amount, whatever the size of the
rotation: the roster is read as stored (planned again only when something changed), the
ledger shows at most LEDGER_ROWS members."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from bot.db import Database
from bot.models import Member
from bot.services import rotation
from bot.services.rotation import LEDGER_ROWS
from bot.services.rotation import series as meeting_service
from tests.rotation.helpers import NOW, RULES, add_member, meeting_series, statements


async def _rotation(db: Database, size: int) -> None:
    async with db.transaction() as session:
        for i in range(size):
            await add_member(session, f"m{i}", NOW - timedelta(days=1000 - i))
        await meeting_series(session, NOW, RULES.horizon_days)
        await rotation.plan(session, NOW, RULES)


async def _roster_statements(db: Database) -> tuple[list[str], int]:
    """The statements one /roster show runs, and how many members it loaded."""
    members: list[object] = []

    def loaded(target: object, context: object) -> None:
        members.append(target)

    event.listen(Member, "load", loaded)
    try:
        with statements(db) as seen:
            async with db.transaction() as session:
                shown = await rotation.roster(session, NOW, 4, RULES)
                assert len(shown) == 4
                await rotation.rotation_size(session)
    finally:
        event.remove(Member, "load", loaded)
    return seen, len(members)


async def test_roster_reads_the_same_few_statements_for_5_or_300_members(db: Database) -> None:
    await _rotation(db, 5)
    small, small_loaded = await _roster_statements(db)
    async with db.transaction() as session:
        for i in range(295):
            await add_member(session, f"x{i}", NOW - timedelta(days=10))
    first_after_join, _ = await _roster_statements(db)  # newcomers: planned once
    large, large_loaded = await _roster_statements(db)
    assert len(first_after_join) > len(small)
    assert len(large) == len(small)
    # The facilitators of four meetings, not the 300 members.
    assert large_loaded == small_loaded
    assert large_loaded <= 8


async def test_ledger_shows_at_most_its_rows_soonest_turn_first(db: Database) -> None:
    await _rotation(db, LEDGER_ROWS + 20)
    async with db.transaction() as session:
        rows = await rotation.ledger(session, NOW, RULES)
        total = await rotation.rotation_size(session)
        upcoming = await meeting_service.upcoming_meetings(session, NOW)
    assert total == LEDGER_ROWS + 20
    assert len(rows) == LEDGER_ROWS
    with_turns = [r for r in rows if r.next_turn is not None]
    assert [r.next_turn.starts_at for r in with_turns if r.next_turn] == sorted(
        r.next_turn.starts_at for r in with_turns if r.next_turn
    )
    assert rows[0].next_turn is not None
    assert rows[0].next_turn.id == upcoming[0].id
    assert all(r.next_turn is not None for r in rows[: len(with_turns)])
    assert all(r.next_turn is None for r in rows[len(with_turns) :])


async def test_ledger_lists_the_earliest_joined_first_and_no_join_date_last(db: Database) -> None:
    async with db.transaction() as session:
        undated = await add_member(
            session, "undated", None, first_seen_at=NOW - timedelta(days=900)
        )
        later = await add_member(session, "later", NOW - timedelta(days=10))
        earlier = await add_member(session, "earlier", NOW - timedelta(days=300))
        await rotation.plan(session, NOW, RULES)  # no meetings: nobody has a turn
    async with db.transaction() as session:
        rows = await rotation.ledger(session, NOW, RULES, limit=2)
        every = await rotation.ledger(session, NOW, RULES)
    assert [r.member.id for r in rows] == [earlier.id, later.id]
    assert [r.member.id for r in every] == [earlier.id, later.id, undated.id]
