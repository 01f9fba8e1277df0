"""Builders for rotation tests (members straight into the database: ``tests.builders``)
and the community's usual meeting series."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.rotation import series as meeting_service
from tests.builders import add_member

__all__ = ["WEEKLY", "ZONE", "add_member", "meeting_series"]

ZONE = ZoneInfo("Australia/Brisbane")
WEEKLY = "every week on Tuesday at 10:00"


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
