"""Time at the edges: aware UTC inside, the community's IANA zone for input and display.

What members type is read by the one time language, ``bot.services.when``. This module
knows nothing of Discord (services import it): ``show`` writes Discord's timestamp
markup itself.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
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


class LocalDays:
    """``local_date`` for many instants between ``since`` and ``until``, fast: the UTC
    instant at which each local day starts is worked out once, and an instant's day is
    found by bisection. Days on which the zone's offset changes, and instants outside
    the span, are worked out exactly each time (so a zone whose clocks go back across
    midnight is still right)."""

    def __init__(self, zone: ZoneInfo, since: datetime, until: datetime) -> None:
        self._zone = zone
        first = local_date(since, zone) - timedelta(days=1)
        count = (local_date(until, zone) - first).days + 2
        days = [first + timedelta(days=n) for n in range(count)]
        starts = [local_midnight_utc(day, zone) for day in days]
        self._starts = starts
        self._days: list[date | None] = [None] * count
        """The day starting at ``starts[i]``; None where it must be worked out exactly
        (and last, for instants after the span)."""
        if all(a < b for a, b in itertools.pairwise(starts)):
            for i in range(count - 1):
                first_moment = starts[i].astimezone(zone)
                last_moment = (starts[i + 1] - timedelta(microseconds=1)).astimezone(zone)
                if (
                    first_moment.utcoffset() == last_moment.utcoffset()
                    and first_moment.date() == days[i] == last_moment.date()
                ):
                    self._days[i] = days[i]

    def __call__(self, moment: datetime) -> date:
        return self.many([moment])[0]

    def many(self, moments: list[datetime]) -> list[date]:
        """The day of each of ``moments``."""
        starts, days, find, zone = self._starts, self._days, bisect.bisect_right, self._zone
        return [
            day if (day := days[find(starts, at) - 1]) is not None else at.astimezone(zone).date()
            for at in moments
        ]


def show(moment: datetime, style: TimestampStyle = "F") -> str:
    """A Discord timestamp, so every reader sees their own local time."""
    return f"<t:{int(ensure_aware(moment).timestamp())}:{style}>"
