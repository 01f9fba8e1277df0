"""Helpers for rotation (and events) tests: members straight into the database
(``tests.builders``), the community's usual meeting series, a slash command's reply, a
started bot with a fortnightly series, and the SQL statements a piece of work runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.services.rotation import RotationRules
from bot.services.rotation import series as meeting_service
from emulator import EmuUser
from emulator.models import RecordedMessage
from tests.builders import add_member
from tests.conftest import FakeClock
from tests.e2e.harness import World

__all__ = [
    "FORTNIGHTLY",
    "NOW",
    "RULES",
    "WEEKLY",
    "ZONE",
    "add_member",
    "meeting_series",
    "reply_to",
    "start_with_series",
    "statements",
]

ZONE = ZoneInfo("Australia/Brisbane")
RULES = RotationRules(zone=ZONE, settle_days=7, experienced_after=1, horizon_days=120)
"""The rotation's usual settings in these tests."""
NOW = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
"""Monday 2 March 2026, 08:00 in Brisbane."""
WEEKLY = "every week on Tuesday at 10:00"
FORTNIGHTLY = "every 2 weeks on Tuesday at 10:00"


async def meeting_series(
    session: AsyncSession,
    now: datetime,
    horizon_days: int,
    *,
    phrase: str = WEEKLY,
    place: str = "Room 4",
) -> meeting_service.SeriesChange:
    """The meeting series (by default every Tuesday at 10:00), 90 minutes in Brisbane."""
    return await meeting_service.set_series(
        session,
        phrase=phrase,
        place=place,
        duration_minutes=90,
        zone=ZONE,
        now=now,
        horizon_days=horizon_days,
    )


async def reply_to(
    world: World, user_id: int, command: str, options: dict[str, Any] | None = None
) -> RecordedMessage:
    """Run a slash command in the world's server as ``user_id``; the bot's visible answer."""
    it = await world.emu.invoke_command(world.guild.id, user_id, command, options)
    return await it.wait_reply()


async def start_with_series(
    world: World,
    clock: FakeClock,
    extensions: list[str],
    *,
    members: list[EmuUser] | None = None,
    **series: Any,
) -> RecordedMessage:
    """Start the bot with ``extensions``, record ``members`` (default: the sample members)
    as active, and have Cora set the series (fortnightly on Tuesday at 10:00 in Room 4;
    ``series`` overrides the options). Her reply."""
    await world.start_bot(clock=clock, extensions=extensions)
    await world.add_active_members(members)
    options = {"when": FORTNIGHTLY, "place": "Room 4, CQUniversity", **series}
    return await reply_to(world, world.cora.id, "meeting series", options)


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Every SQL statement sent to ``db`` inside the block, in order."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
