"""Recurrence phrases to dateutil rules, in IANA zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.services.when import Recurrence, parse_recurrence

BRISBANE = ZoneInfo("Australia/Brisbane")
SYDNEY = ZoneInfo("Australia/Sydney")
NOW = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)  # Wednesday 10:00 in Brisbane


def _local(rec: Recurrence, count: int, zone: ZoneInfo = BRISBANE) -> list[str]:
    found = rec.occurrences(NOW, NOW + timedelta(days=400))[:count]
    return [o.astimezone(zone).strftime("%a %Y-%m-%d %H:%M") for o in found]


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        (
            "every 4 weeks on Tuesday at 10:00",
            ["Tue 2026-03-10 10:00", "Tue 2026-04-07 10:00", "Tue 2026-05-05 10:00"],
        ),
        (
            "every week on Monday at 9:00",
            ["Mon 2026-03-09 09:00", "Mon 2026-03-16 09:00", "Mon 2026-03-23 09:00"],
        ),
        (
            "every 2 weeks on Monday at 09:00",
            ["Mon 2026-03-09 09:00", "Mon 2026-03-23 09:00", "Mon 2026-04-06 09:00"],
        ),
        (
            "every day at 08:30",
            ["Thu 2026-03-05 08:30", "Fri 2026-03-06 08:30", "Sat 2026-03-07 08:30"],
        ),
        (
            "the first Wednesday of each month at 14:00",
            ["Wed 2026-03-04 14:00", "Wed 2026-04-01 14:00", "Wed 2026-05-06 14:00"],
        ),
        (
            "the last Friday of every month at 3pm",
            ["Fri 2026-03-27 15:00", "Fri 2026-04-24 15:00", "Fri 2026-05-29 15:00"],
        ),
        (
            "RRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=17;BYMINUTE=30",
            ["Thu 2026-03-05 17:30", "Thu 2026-03-12 17:30", "Thu 2026-03-19 17:30"],
        ),
        (
            "fortnightly on Friday at 1:30pm starting 2026-03-20",
            ["Fri 2026-03-20 13:30", "Fri 2026-04-03 13:30", "Fri 2026-04-17 13:30"],
        ),
        (
            "the 15th of each month at 10:00",
            ["Sun 2026-03-15 10:00", "Wed 2026-04-15 10:00", "Fri 2026-05-15 10:00"],
        ),
    ],
)
def test_parse_recurrence_phrases_expand_in_the_zone(phrase: str, expected: list[str]) -> None:
    rec = parse_recurrence(phrase, BRISBANE, NOW)
    assert _local(rec, 3) == expected
    assert rec.start == rec.occurrences(NOW, NOW + timedelta(days=400))[0]
    assert "DTSTART" not in rec.rule
    assert rec.describe().endswith("(Australia/Brisbane)")


def test_parse_recurrence_describe_reads_back() -> None:
    rec = parse_recurrence("every 4 weeks on Tuesday at 10:00", BRISBANE, NOW)
    assert rec.describe() == "every 4 weeks on Tuesday at 10:00 (Australia/Brisbane)"
    rec = parse_recurrence("the first Wednesday of each month at 14:00", BRISBANE, NOW)
    assert rec.describe() == "the first Wednesday of each month at 14:00 (Australia/Brisbane)"


def test_series_in_sydney_keeps_wall_time_across_dst() -> None:
    # Sydney leaves DST on 5 April 2026 and starts it again on 4 October 2026.
    rec = parse_recurrence("every week on Monday at 10:00", SYDNEY, NOW)
    found = rec.occurrences(NOW, datetime(2026, 11, 1, tzinfo=UTC))
    assert {o.astimezone(SYDNEY).strftime("%H:%M") for o in found} == {"10:00"}
    offsets = {o.astimezone(SYDNEY).utcoffset() for o in found}
    assert offsets == {timedelta(hours=11), timedelta(hours=10)}
    utc_hours = {o.hour for o in found}
    assert utc_hours == {23, 0}  # the UTC instant moves, the wall time does not


def test_occurrences_are_half_open_and_utc() -> None:
    rec = parse_recurrence("every day at 08:30", BRISBANE, NOW)
    first = rec.start
    assert first.tzinfo is UTC or first.utcoffset() == timedelta(0)
    assert rec.occurrences(first, first + timedelta(days=1)) == [first]
    assert rec.occurrences(first + timedelta(seconds=1), first + timedelta(days=1)) == []
    assert rec.next_after(first) == first + timedelta(days=1)


def test_recurrence_time_with_seconds_keeps_them() -> None:
    now = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # 10:00 Monday in Brisbane
    rec = parse_recurrence("every week on Monday at 10:05:30", BRISBANE, now)
    assert rec.start.astimezone(BRISBANE).time().isoformat() == "10:05:30"
    assert "at 10:05:30" in rec.describe()
    plain = parse_recurrence("every week on Monday at 10:05", BRISBANE, now)
    assert "at 10:05 " in plain.describe()
