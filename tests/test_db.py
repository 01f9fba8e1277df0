"""The database layer's transactions: all or nothing, and writers that wait their turn."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.db import Database
from bot.models import Member

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Boom(Exception):
    pass


async def member_count(db: Database) -> int:
    async with db.transaction() as session:
        return await session.scalar(select(func.count()).select_from(Member)) or 0


async def test_a_savepoint_released_inside_a_failed_transaction_keeps_nothing(
    db: Database,
) -> None:
    # "Insert in a savepoint" as the transaction's first write: the savepoint must not be
    # the outermost one (releasing that would commit), so the failure undoes it too.
    async def insert_then_fail() -> None:
        async with db.transaction() as session:
            async with session.begin_nested():
                session.add(Member(user_id=1, first_seen_at=NOW))
            raise Boom

    with pytest.raises(Boom):
        await insert_then_fail()
    assert await member_count(db) == 0


async def test_two_transactions_that_read_then_write_at_once_both_commit(db: Database) -> None:
    # Each reads, lets the other run, then writes: neither may be refused as "locked".
    async def read_then_write(user_id: int) -> None:
        async with db.transaction() as session:
            await session.scalar(select(func.count()).select_from(Member))
            await asyncio.sleep(0.05)
            session.add(Member(user_id=user_id, first_seen_at=NOW))
            await session.flush()

    await asyncio.gather(read_then_write(1), read_then_write(2))
    assert await member_count(db) == 2
