"""The events sweep lease, taken through bot.services.unique (insert once, claim by
changed-row count)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.db import Database
from bot.services.events import mirror

NOW = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)


async def test_events_lease_is_held_by_one_sweep_until_it_expires(db: Database) -> None:
    async with db.transaction() as session:
        assert await mirror.take_lease(session, "a", NOW)
        assert not await mirror.take_lease(session, "b", NOW)
        assert await mirror.take_lease(session, "a", NOW + timedelta(minutes=1))
    later = NOW + mirror.LEASE_TIME + timedelta(minutes=2)
    async with db.transaction() as session:
        assert await mirror.take_lease(session, "b", later)
        assert not await mirror.take_lease(session, "a", later)


async def test_events_lease_released_is_free_for_another(db: Database) -> None:
    async with db.transaction() as session:
        assert await mirror.take_lease(session, "a", NOW)
    async with db.transaction() as session:
        assert not await mirror.take_lease(session, "b", NOW + timedelta(seconds=5))
        await mirror.release_lease(session, "a", NOW + timedelta(seconds=6))
        assert await mirror.take_lease(session, "b", NOW + timedelta(seconds=7))
