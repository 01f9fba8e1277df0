"""Inserting a row a unique constraint guards: the loser of a clash gets False or the
winner's row, and the rest of its unit of work stands. Real database built by the
migrations."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.db import Database
from bot.models import NotificationPreference
from bot.services.unique import get_or_insert, insert_once, insert_or_winner, rows_changed

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def preference(user_id: int, *, reminders: bool = True) -> NotificationPreference:
    return NotificationPreference(
        user_id=user_id,
        meeting_reminders=reminders,
        learning_prompts=True,
        consult_invitations=True,
        updated_at=NOW,
    )


async def stored(db: Database) -> dict[int, bool]:
    async with db.transaction() as session:
        rows = await session.execute(
            sa.select(NotificationPreference.user_id, NotificationPreference.meeting_reminders)
        )
        return dict(rows.all())


async def test_insert_once_loser_keeps_the_rest_of_its_unit_of_work(db: Database) -> None:
    async with db.transaction() as session:
        assert await insert_once(session, preference(1))
    async with db.transaction() as session:
        session.add(preference(2))
        assert not await insert_once(session, preference(3), preference(1, reminders=False))
        assert await insert_once(session, preference(4))
    # The clash left out both rows it was given (all or none), and nothing else.
    assert await stored(db) == {1: True, 2: True, 4: True}


async def test_insert_or_winner_returns_the_row_that_got_there_first(db: Database) -> None:
    async with db.transaction() as session:
        await insert_once(session, preference(1, reminders=False))
    async with db.transaction() as session:
        mine = preference(1)
        got = await insert_or_winner(session, mine, lambda: session.get(NotificationPreference, 1))
        assert got is not mine
        assert got.meeting_reminders is False
        fresh = preference(2)
        assert (
            await insert_or_winner(session, fresh, lambda: session.get(NotificationPreference, 2))
            is fresh
        )


async def test_insert_or_winner_raises_when_the_winner_is_not_found(db: Database) -> None:
    async with db.transaction() as session:
        await insert_once(session, preference(1))
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            await insert_or_winner(
                session, preference(1), lambda: session.get(NotificationPreference, 99)
            )


async def test_get_or_insert_makes_the_row_only_once(db: Database) -> None:
    made: list[int] = []

    def make() -> NotificationPreference:
        made.append(1)
        return preference(5, reminders=False)

    async with db.transaction() as session:
        first = await get_or_insert(session, NotificationPreference, 5, make)
    async with db.transaction() as session:
        again = await get_or_insert(session, NotificationPreference, 5, make)
    assert made == [1]
    assert (first.user_id, again.user_id, again.meeting_reminders) == (5, 5, False)


async def test_rows_changed_lets_one_conditional_update_claim_a_row(db: Database) -> None:
    async with db.transaction() as session:
        await insert_once(session, preference(1), preference(2))
    claim = (
        sa.update(NotificationPreference)
        .where(NotificationPreference.user_id == 1, NotificationPreference.meeting_reminders)
        .values(meeting_reminders=False)
    )
    async with db.transaction() as session:
        assert await rows_changed(session, claim) == 1
        assert await rows_changed(session, claim) == 0
        everyone = sa.delete(NotificationPreference)
        assert await rows_changed(session, everyone) == 2
