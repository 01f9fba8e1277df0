"""Contested rotation actions are decided in the database: of 50 callers at once,
exactly one wins and the other 49 are told who has the turn.

Each caller has its own session (its own connection) on a real database file, as
concurrent interactions do in the bot.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.errors import Conflict, DomainError, NotAllowed
from bot.models import (
    AssignmentRole,
    AssignmentSource,
    FacilitationAssignment,
    Meeting,
    Member,
    SwapStatus,
)
from bot.services import rotation
from tests.rotation.helpers import NOW, RULES, add_member, meeting_series

CALLERS = 50


@pytest.fixture
async def wide(db: Database) -> AsyncIterator[Database]:
    """The test's database with a connection for every caller, as a busy bot has."""
    url = db.engine.url.render_as_string(hide_password=False)
    database = Database.from_url(url, pool_size=CALLERS + 5, max_overflow=0)
    try:
        yield database
    finally:
        await database.dispose()


async def _community(db: Database, size: int) -> tuple[list[int], list[int]]:
    """``size`` active members and a weekly series, planned; returns member and meeting ids."""
    async with db.transaction() as session:
        people = [
            await add_member(session, f"m{i}", NOW - timedelta(days=400 - i)) for i in range(size)
        ]
        await meeting_series(session, NOW, RULES.horizon_days)
        meetings = await rotation.plan(session, NOW, RULES)
        return [p.id for p in people], [m.id for m in meetings]


async def _all_at_once(
    attempts: list[Callable[[], Awaitable[None]]],
) -> tuple[int, list[DomainError]]:
    """Run every attempt concurrently; returns (winners, refusals). Anything that is not
    a DomainError (a lock timeout, an integrity error) fails the test."""
    start = asyncio.Event()

    async def one(attempt: Callable[[], Awaitable[None]]) -> DomainError | None:
        await start.wait()
        try:
            await attempt()
        except DomainError as exc:
            return exc
        return None

    tasks = [asyncio.create_task(one(a)) for a in attempts]
    await asyncio.sleep(0)
    start.set()
    results = await asyncio.gather(*tasks)
    refusals = [r for r in results if r is not None]
    return len(results) - len(refusals), refusals


async def _facilitator(db: Database, meeting_id: int) -> FacilitationAssignment:
    async with db.transaction() as session:
        row = (
            await session.scalars(
                select(FacilitationAssignment).where(
                    FacilitationAssignment.meeting_id == meeting_id,
                    FacilitationAssignment.role == AssignmentRole.FACILITATOR,
                )
            )
        ).one()
        return row


async def _meeting_and_member(
    session: AsyncSession, meeting_id: int, member_id: int
) -> tuple[Meeting, Member]:
    meeting = await session.get(Meeting, meeting_id)
    member = await session.get(Member, member_id)
    assert meeting is not None
    assert member is not None
    return meeting, member


async def _one_won(
    db: Database, meeting_id: int, winners: int, refusals: list[DomainError], says: str
) -> FacilitationAssignment:
    """Exactly one caller won the meeting, and every other was refused with ``says``
    naming the winner (``{winner}`` is their mention); returns the winning assignment."""
    after = await _facilitator(db, meeting_id)
    assert winners == 1
    assert len(refusals) == CALLERS - 1
    async with db.transaction() as session:
        winner = await session.get(Member, after.member_id)
        assert winner is not None
        for refusal in refusals:
            assert isinstance(refusal, Conflict)
            assert says.format(winner=f"<@{winner.user_id}>") in refusal.message
    return after


async def test_volunteer_fifty_at_once_one_winner_others_told_who(db: Database) -> None:
    people, meetings = await _community(db, CALLERS + 1)
    target = meetings[3]  # an automatic turn, beyond the settle window
    before = await _facilitator(db, target)
    assert before.source is AssignmentSource.AUTO
    volunteers = [p for p in people if p != before.member_id][:CALLERS]

    def attempt(member_id: int) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            async with db.transaction() as session:
                meeting, member = await _meeting_and_member(session, target, member_id)
                await rotation.volunteer(session, meeting, member, NOW, RULES)

        return run

    winners, refusals = await _all_at_once([attempt(p) for p in volunteers])

    after = await _one_won(db, target, winners, refusals, "{winner} has already taken that meeting")
    assert after.source is AssignmentSource.VOLUNTEER
    assert after.member_id in volunteers


async def test_assign_fifty_coordinators_at_once_one_decision(wide: Database) -> None:
    db = wide
    if db.engine.dialect.name == "sqlite":
        pytest.skip(
            "SQLite runs write transactions one at a time (BEGIN IMMEDIATE), so no coordinator "
            "can act on a roster another has changed: see the next test"
        )
    people, meetings = await _community(db, CALLERS + 1)
    target = meetings[5]
    before = await _facilitator(db, target)
    candidates = [p for p in people if p != before.member_id][:CALLERS]
    everyone_has_looked = asyncio.Barrier(CALLERS)

    def attempt(member_id: int) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            async with db.transaction() as session:
                meeting, member = await _meeting_and_member(session, target, member_id)
                assert meeting.facilitator is not None
                assert meeting.facilitator.id == before.member_id
                # Every coordinator has seen the roster before anyone changes it.
                await everyone_has_looked.wait()
                await rotation.assign(session, meeting, member, NOW, RULES)

        return run

    winners, refusals = await _all_at_once([attempt(p) for p in candidates])

    after = await _one_won(db, target, winners, refusals, "{winner} facilitates it now")
    assert after.source is AssignmentSource.ASSIGNED


async def test_assign_fifty_coordinators_at_once_on_sqlite_each_sees_the_last(
    wide: Database,
) -> None:
    db = wide
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the previous test covers databases that run transactions side by side")
    people, meetings = await _community(db, CALLERS + 1)
    target = meetings[5]
    before = await _facilitator(db, target)
    candidates = [p for p in people if p != before.member_id][:CALLERS]
    seen: list[int] = []

    def attempt(member_id: int) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            async with db.transaction() as session:
                meeting, member = await _meeting_and_member(session, target, member_id)
                assert meeting.facilitator is not None
                seen.append(meeting.facilitator.id)
                await asyncio.sleep(0)  # let the others try to get in
                await rotation.assign(session, meeting, member, NOW, RULES)

        return run

    winners, refusals = await _all_at_once([attempt(p) for p in candidates])

    assert (winners, refusals) == (CALLERS, [])
    after = await _facilitator(db, target)  # still exactly one facilitator
    assert after.source is AssignmentSource.ASSIGNED
    # Each coordinator saw the previous one's decision, never a roster already changed.
    assert seen[0] == before.member_id
    assert len(set(seen)) == CALLERS


async def _swap_asked(db: Database, size: int) -> tuple[int, int, tuple[int, int]]:
    """A community of ``size`` where the first meeting's facilitator has asked another
    member to swap: the meeting's id, the swap's id, and the asked member's id and user id."""
    people, meetings = await _community(db, size)
    first = await _facilitator(db, meetings[0])
    target_id = next(p for p in people if p != first.member_id)
    async with db.transaction() as session:
        meeting, requester = await _meeting_and_member(session, meetings[0], first.member_id)
        target = await session.get(Member, target_id)
        assert target is not None
        swap = await rotation.request_swap(
            session, requester=requester, target=target, meeting=meeting, now=NOW, rules=RULES
        )
        return meeting.id, swap.id, (target.id, target.user_id)


async def test_swap_accept_pressed_fifty_times_counts_once(db: Database) -> None:
    meeting_id, swap_id, target = await _swap_asked(db, 6)
    target_id, target_user = target

    async def press() -> None:
        async with db.transaction() as session:
            await rotation.decide_swap(
                session, swap_id, user_id=target_user, accept=True, now=NOW, rules=RULES
            )

    winners, refusals = await _all_at_once([press for _ in range(CALLERS)])

    assert winners == 1
    assert len(refusals) == CALLERS - 1
    assert all(isinstance(r, Conflict) and "already been answered" in r.message for r in refusals)
    after = await _facilitator(db, meeting_id)
    assert after.member_id == target_id
    assert after.source is AssignmentSource.SWAP


async def test_swap_accept_by_anyone_else_is_refused(db: Database) -> None:
    _, swap_id, (_, target_user) = await _swap_asked(db, 4)
    async with db.transaction() as session:
        with pytest.raises(NotAllowed) as refused:
            await rotation.decide_swap(
                session, swap_id, user_id=123, accept=True, now=NOW, rules=RULES
            )
    assert f"<@{target_user}>" in refused.value.message
    async with db.transaction() as session:
        view = await rotation.swap_view(session, swap_id)
        assert view.swap.status is SwapStatus.PENDING


async def test_plans_at_once_enter_newcomers_and_meetings_once(wide: Database) -> None:
    db = wide
    async with db.transaction() as session:
        for i in range(5):
            await add_member(session, f"m{i}", NOW - timedelta(days=50 - i))
        await meeting_series(session, NOW, 30)
    # Nobody has planned yet: every caller finds the same newcomers and missing meetings.

    async def look() -> None:
        async with db.transaction() as session:
            await rotation.plan(session, NOW, RULES)

    winners, refusals = await _all_at_once([look for _ in range(20)])
    assert (winners, refusals) == (20, [])
    async with db.transaction() as session:
        meetings = await rotation.plan(session, NOW, RULES)
        pool = await rotation.sync_pool(session, NOW)
    assert len(pool) == 5
    starts = [m.starts_at for m in meetings]
    assert len(starts) == len(set(starts))
    assert all(m.facilitator is not None for m in meetings)
