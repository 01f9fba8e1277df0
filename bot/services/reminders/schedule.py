"""When a reminder fires, read by the one time language (:mod:`bot.services.when`):
one-off times ("2026-12-01 09:00", "in 2 hours", "tomorrow at 9", "friday at 14:30",
"<t:1773705600:F>") and recurring ones ("every 2 weeks on Monday at 09:00"), no more often
than hourly, in the community's zone and returned as aware UTC."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput, quote
from bot.services.when import EXAMPLES, HOURLY, RULE_MAX, Schedule, parse_schedule

__all__ = ["RULE_MAX", "Schedule", "parse_when"]

FURTHEST = timedelta(days=3660)
"""A one-off reminder fires within ten years."""


def parse_when(
    text: str, zone: ZoneInfo, now: datetime, *, allow_recurring: bool = True
) -> Schedule:
    """Read when a reminder should fire. Raises ``InvalidInput`` with examples that work.
    A one-off time must be in the future and within ten years."""
    schedule = parse_schedule(text, zone, now, allow_recurring=allow_recurring, min_gap=HOURLY)
    if not schedule.recurring and schedule.first_at - now > FURTHEST:
        raise InvalidInput(
            f"{quote(' '.join(text.split()))} is more than ten years away. Pick a time within "
            f"ten years; try {EXAMPLES}."
        )
    return schedule
