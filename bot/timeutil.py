"""Time at the edges: aware UTC inside, the community's IANA zone for input and display."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import discord

from bot.errors import InvalidInput

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


def parse_date(text: str) -> date:
    """A calendar date typed as YYYY-MM-DD."""
    cleaned = text.strip()
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(
            f"`{cleaned}` isn't a date. Use YYYY-MM-DD, like `2026-03-17`."
        ) from None


def parse_local_datetime(text: str, zone: ZoneInfo) -> datetime:
    """A wall-clock time typed as ``YYYY-MM-DD HH:MM`` in ``zone``, returned as aware UTC."""
    cleaned = " ".join(text.strip().replace("T", " ").split())
    try:
        naive = datetime.strptime(cleaned, "%Y-%m-%d %H:%M")  # noqa: DTZ007 (zone added below)
    except ValueError:
        raise InvalidInput(
            f"`{cleaned}` isn't a date and time. Use YYYY-MM-DD HH:MM, like `2026-03-17 10:00`."
        ) from None
    return naive.replace(tzinfo=zone).astimezone(UTC)


def show(moment: datetime, style: discord.utils.TimestampStyle = "F") -> str:
    """A Discord timestamp, so every reader sees their own local time."""
    return discord.utils.format_dt(ensure_aware(moment), style)
