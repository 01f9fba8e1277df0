"""Whatever a member types, the time language answers with a value or one sentence.

Phrases are built from the grammar's own words (numbers of every size, months, weekdays,
units, separators, dates at the calendar's edges) as well as from arbitrary text, and
every parser must either return or raise ``InvalidInput`` whose sentence fits in a
Discord message. No other exception (an OverflowError from a far date, an IndexError
from a lone separator) may escape.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from bot.errors import InvalidInput
from bot.services import when

ZONES = [ZoneInfo("Australia/Brisbane"), ZoneInfo("Europe/London"), ZoneInfo("Pacific/Kiritimati")]
NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # the night the UK's clocks go forward

WORDS = [
    "in", "at", "on", "every", "each", "other", "second", "the", "of", "month", "week",
    "weeks", "fortnightly", "fortnight", "day", "days", "hours", "hour", "minutes", "years",
    "year", "months", "from", "now", "starting", "until", "to", "and", ",", "..", "–", "-",
    "today", "tomorrow", "yesterday", "next", "this", "noon", "midnight", "am", "pm",
    "monday", "Thursday", "sun", "March", "feb", "dec", "weekday", "last", "first", "15th",
    "a", "an", "half", "few", "couple",
    "0", "1", "2", "9", "12", "13", "24", "25", "29", "30", "31", "59", "60", "99",
    "2026", "0001", "9999", "1969", "2101", "99999999999", "1e9", "-1", "1.5",
    "10:00", "25:61", "2:30am", "14.30", "9am", "13pm",
    "2026-03-17", "0001-01-01", "9999-12-31", "2026-02-29", "2028-02-29", "17/03/2026",
    "31/02/2026", "29/02", "1/1/1", "2026-03-17T10:00", "2026-03-17T10:00+14:00",
    "2026-03-17T10:00Z", "<t:1773705600>", "<t:1773705600:F>", "<t:99999999999999999999:R>",
    "<t:-99999999999>", "RRULE:FREQ=DAILY;BYHOUR=9", "FREQ=SECONDLY", "BYMONTHDAY=31",
    ";", "=", "\u200b", "\u202e", "\x00", "`", "@everyone",
]  # fmt: skip
phrases = st.one_of(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map("".join),
    st.text(max_size=300),
)


def _answers(call: object) -> None:
    assert callable(call)
    sentence = None
    try:
        call()
    except InvalidInput as refusal:
        sentence = refusal.message
    assert sentence is None or 0 < len(sentence) < 2000


@seed(20261128)
@settings(max_examples=600, deadline=None, database=None)
@given(text=phrases, zone=st.sampled_from(ZONES), days=st.integers(-400, 400))
def test_when_every_phrase_gets_a_value_or_a_sentence(text: str, zone: ZoneInfo, days: int) -> None:
    now = NOW + timedelta(days=days)
    _answers(lambda: when.parse_moment(text, zone, now))
    _answers(lambda: when.parse_day(text, zone, now))
    _answers(lambda: when.parse_day_range(text, zone, now))
    _answers(lambda: when.parse_time_of_day(text))
    _answers(lambda: when.parse_schedule(text, zone, now))
    _answers(lambda: when.parse_recurrence(text, zone, now))


@seed(20261128)
@settings(max_examples=300, deadline=None, database=None)
@given(
    freq=st.sampled_from(
        ["SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
    ),
    interval=st.integers(0, 2000),
    byday=st.sampled_from(["", "MO", "2TH", "-1FR", "5MO", "9SU", "MO,TU,WE"]),
    bymonthday=st.sampled_from(["", "1", "29", "30", "31", "-1", "0", "32"]),
    bymonth=st.sampled_from(["", "2", "4,6", "13"]),
    byhour=st.sampled_from(["9", "0,12", "23", "24", ",".join(str(h) for h in range(24))]),
    byminute=st.sampled_from(["", "0", "0,30", "59", "60"]),
    extra=st.sampled_from(["", ";COUNT=3", ";UNTIL=20200101", ";UNTIL=99991231", ";BYSETPOS=1"]),
)
def test_when_raw_rules_are_decided_quickly_and_clearly(
    freq: str,
    interval: int,
    byday: str,
    bymonthday: str,
    bymonth: str,
    byhour: str,
    byminute: str,
    extra: str,
) -> None:
    parts = [f"FREQ={freq}", f"INTERVAL={interval}", f"BYHOUR={byhour}"]
    named = [("BYDAY", byday), ("BYMONTHDAY", bymonthday), ("BYMONTH", bymonth)]
    parts += [f"{k}={v}" for k, v in [*named, ("BYMINUTE", byminute)] if v]
    rule = "RRULE:" + ";".join(parts) + extra
    for gap in (when.DAILY, when.HOURLY):
        sentence: str | None = None
        try:
            found = when.parse_recurrence(rule, ZONES[1], NOW, min_gap=gap)
        except InvalidInput as refusal:
            sentence = refusal.message
        if sentence is not None:
            assert len(sentence) < 2000
            continue
        nxt = found.next_after(found.start)
        if nxt is not None:
            assert nxt - found.start >= gap - timedelta(hours=1)  # a DST night may be short


@pytest.mark.parametrize("separator", ["–", "..", "—", "to", " - ", "...", "…"])
def test_when_a_range_separator_alone_gets_a_sentence(separator: str) -> None:
    with pytest.raises(InvalidInput, match=r"needs a first and a last day|isn't a date"):
        when.parse_day_range(separator, ZONES[0], NOW)
