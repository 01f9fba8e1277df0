"""Builders for rotation tests (members straight into the database: ``tests.builders``)
and the community's usual meeting series."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.rotation import series as meeting_service
from tests.builders import add_member

__all__ = ["ZONE", "add_member", "weekly_series"]

ZONE = ZoneInfo("Australia/Brisbane")


async def weekly_series(
    session: AsyncSession, now: datetime, horizon_days: int, *, place: str = "Room 4"
) -> meeting_service.SeriesChange:
    """Every Tuesday at 10:00 in Brisbane for 90 minutes, at ``place``."""
    return await meeting_service.set_series(
        session,
        phrase="every week on Tuesday at 10:00",
        place=place,
        duration_minutes=90,
        zone=ZONE,
        now=now,
        horizon_days=horizon_days,
    )
