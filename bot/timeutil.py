"""Time at the edges: aware UTC inside, the community's IANA zone for input and display.

What members type is read by the one time language, ``bot.services.when``. This module
knows nothing of Discord (services import it): ``show`` writes Discord's timestamp
markup itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

TimestampStyle = Literal["f", "F", "d", "D", "t", "T", "R", "s", "S"]
"""Discord's timestamp styles (``<t:…:F>``)."""

Clock = Callable[[], datetime]
"""Returns the current aware UTC time; tests pass a controllable one."""


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: use an aware datetime")
    return value.astimezone(UTC)


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant at which ``day`` starts in ``zone``."""
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def show(moment: datetime, style: TimestampStyle = "F") -> str:
    """A Discord timestamp, so every reader sees their own local time."""
    return f"<t:{int(ensure_aware(moment).timestamp())}:{style}>"
