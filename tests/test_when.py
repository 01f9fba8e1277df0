"""The one time language, against a table of phrases a member might type.

The zone is Australia/Sydney, which has daylight saving (it ends on Sunday 5 April 2026
at 03:00, when clocks go back to 02:00; it starts on Sunday 4 October 2026 at 02:00).
"Now" is Monday 30 March 2026, 09:00 in Sydney. Expected values were worked out by hand
from a calendar, not read back from the parser.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import InvalidInput
from bot.services.when import (
    DAILY,
    EXAMPLES,
    HOURLY,
    REPEAT_EXAMPLES,
    parse_day,
    parse_day_range,
    parse_moment,
    parse_recurrence,
    parse_time_of_day,
)

SYDNEY = ZoneInfo("Australia/Sydney")
NOW = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # Monday 30 March 2026, 09:00 AEDT


@dataclass(frozen=True)
class Err:
    """The phrase is refused with a sentence containing ``says``."""

    says: str


def sydney(text: str) -> datetime:
    """A wall-clock time in Sydney ("2026-04-02 10:00"), first meaning if ambiguous."""
    return datetime.fromisoformat(text).replace(tzinfo=SYDNEY).astimezone(UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


MOMENTS: list[tuple[str, datetime | Err]] = [
    ("2026-04-02 10:00", sydney("2026-04-02 10:00")),
    ("2026-04-02T10:00", sydney("2026-04-02 10:00")),
    ("2026-04-02 at 10am", sydney("2026-04-02 10:00")),
    ("2026-04-02T10:00+10:00", utc("2026-04-02 00:00")),
    ("2026-04-02T00:00Z", utc("2026-04-02 00:00")),
    ("02/04/2026 10:00", sydney("2026-04-02 10:00")),
    ("2/4/2026 at 2pm", sydney("2026-04-02 14:00")),
    ("02/04/26 14:30", sydney("2026-04-02 14:30")),
    ("02.04.2026 14:30", sydney("2026-04-02 14:30")),
    ("17 April at 2pm", sydney("2026-04-17 14:00")),
    ("17th of April at 2pm", sydney("2026-04-17 14:00")),
    ("April 17 at 2pm", sydney("2026-04-17 14:00")),
    ("April 17 2026 14:00", sydney("2026-04-17 14:00")),
    ("Friday 17 April 2026 at 2pm", sydney("2026-04-17 14:00")),
    ("2pm on 17 April", sydney("2026-04-17 14:00")),
    ("17 March at 2pm", sydney("2027-03-17 14:00")),  # this year's has passed
    ("17/03/2027 at 2pm", sydney("2027-03-17 14:00")),
    ("tomorrow at 9", sydney("2026-03-31 09:00")),
    ("tomorrow at 9am", sydney("2026-03-31 09:00")),
    ("Tomorrow at 09:00", sydney("2026-03-31 09:00")),
    ("today at 17:30", sydney("2026-03-30 17:30")),
    ("tonight at 8pm", sydney("2026-03-30 20:00")),
    ("Thursday 10am", sydney("2026-04-02 10:00")),
    ("thursday at 10:00", sydney("2026-04-02 10:00")),
    ("on Thursday at 10am", sydney("2026-04-02 10:00")),
    ("Monday 10am", sydney("2026-03-30 10:00")),  # later today
    ("Monday 8am", sydney("2026-04-06 08:00")),  # today's has passed: next week
    ("next Monday 10am", sydney("2026-04-06 10:00")),
    ("Sunday 2:30am", utc("2026-04-04 15:30")),  # ambiguous: the first 02:30 (AEDT)
    ("4 October at 2:30am", utc("2026-10-03 16:30")),  # skipped: lands an hour later
    ("at 15:00", sydney("2026-03-30 15:00")),
    ("15:00", sydney("2026-03-30 15:00")),
    ("8:00", sydney("2026-03-31 08:00")),  # the next 08:00
    ("at 9", sydney("2026-03-31 09:00")),  # 09:00 today is now, not later
    ("noon", sydney("2026-03-30 12:00")),
    ("midnight", sydney("2026-03-31 00:00")),
    ("in 2 hours", sydney("2026-03-30 11:00")),
    ("in 90 minutes", sydney("2026-03-30 10:30")),
    ("in 1 hour 30 minutes", sydney("2026-03-30 10:30")),
    ("in 1h 30m", sydney("2026-03-30 10:30")),
    ("in half an hour", sydney("2026-03-30 09:30")),
    ("2 hours from now", sydney("2026-03-30 11:00")),
    ("in 3 days", sydney("2026-04-02 09:00")),
    ("in 7 days", sydney("2026-04-06 09:00")),  # whole days keep the wall time over DST
    ("in 168 hours", sydney("2026-04-06 08:00")),  # hours are elapsed time
    ("in 2 weeks", sydney("2026-04-13 09:00")),
    ("in a fortnight", sydney("2026-04-13 09:00")),
    ("in 2 months", sydney("2026-05-30 09:00")),
    ("in 1 year", sydney("2027-03-30 09:00")),
    ("<t:1775000000>", utc("2026-03-31 23:33:20")),
    ("<t:1775000000:F>", utc("2026-03-31 23:33:20")),
    ("<t:1775000000:R>", utc("2026-03-31 23:33:20")),
    ("", Err("Say when")),
    ("2026-03-01 10:00", Err("is in the past")),
    ("<t:1773705600:F>", Err("is in the past")),
    ("yesterday at 9", Err("is in the past")),
    ("2026-02-30 10:00", Err("isn't a date on the calendar")),
    ("31/02/2026 10:00", Err("isn't a date on the calendar")),
    ("25:00", Err("isn't a time of day")),
    ("13pm", Err("isn't a time of day")),
    ("2026-04-02", Err("Add a time of day")),
    ("Thursday", Err("Add a time of day")),
    ("soonish", Err("isn't a date and time I understand")),
    ("tomorrow 9", Err("isn't a date and time I understand")),
    ("0001-01-01 10:00", Err("too far from today")),
    ("9999-12-31 23:59", Err("too far from today")),
    ("in 99999999999 years", Err("too far from today")),
    ("in 60 years", Err("too far from today")),
    ("<t:99999999999999>", Err("too far from today")),
    ("every day at 9", Err("repeats")),
    ("x" * 4000, Err("characters long")),
]

DAYS: list[tuple[str, date | Err]] = [
    ("2026-04-02", date(2026, 4, 2)),
    ("02/04/2026", date(2026, 4, 2)),
    ("2/4", date(2026, 4, 2)),
    ("17 March", date(2027, 3, 17)),
    ("March 17 2026", date(2026, 3, 17)),
    ("today", date(2026, 3, 30)),
    ("tomorrow", date(2026, 3, 31)),
    ("Thursday", date(2026, 4, 2)),
    ("Monday", date(2026, 3, 30)),
    ("next Monday", date(2026, 4, 6)),
    ("<t:1775000000>", date(2026, 4, 1)),  # 10:33 on 1 April in Sydney
    ("in 2 weeks", date(2026, 4, 13)),
    ("17 April at 2pm", date(2026, 4, 17)),
    ("0001-01-01", Err("too far from today")),
    ("9999-12-31", Err("too far from today")),
    ("31/02/2026", Err("isn't a date on the calendar")),
    ("whenever", Err("isn't a date I understand")),
    ("every Thursday at 10am", Err("repeats")),
]

RANGES: list[tuple[str, tuple[date, date] | Err]] = [
    ("2026-04-01..2026-04-10", (date(2026, 4, 1), date(2026, 4, 10))),
    ("2026-04-01 – 2026-04-10", (date(2026, 4, 1), date(2026, 4, 10))),
    ("2026-04-01–2026-04-10", (date(2026, 4, 1), date(2026, 4, 10))),
    ("1/4/2026 to 10/4/2026", (date(2026, 4, 1), date(2026, 4, 10))),
    ("1 April - 10 April", (date(2026, 4, 1), date(2026, 4, 10))),
    ("2026-03-01..2026-04-10", (date(2026, 3, 30), date(2026, 4, 10))),  # from today
    ("tomorrow", (date(2026, 3, 31), date(2026, 3, 31))),
    ("–", Err("needs a first and a last day")),
    ("..", Err("needs a first and a last day")),
    ("2026-04-10..2026-04-01", Err("ends before it starts")),
    ("2026-03-01..2026-03-10", Err("is in the past")),
]

TIMES: list[tuple[str, time | Err]] = [
    ("22:00", time(22, 0)),
    ("10pm", time(22, 0)),
    ("7:30am", time(7, 30)),
    ("noon", time(12, 0)),
    ("midnight", time(0, 0)),
    ("at 9", time(9, 0)),
    ("25:00", Err("isn't a time of day")),
    ("soon", Err("isn't a time of day")),
]

# First three occurrences, as Sydney wall time with the offset: a meeting at 10:00 stays
# at 10:00 when daylight saving ends on 5 April (+1100 becomes +1000).
RECURRENCES: list[tuple[str, timedelta, list[str] | Err]] = [
    (
        "every second Thursday at 10am",
        DAILY,
        ["2026-04-02 10:00+1100", "2026-04-16 10:00+1000", "2026-04-30 10:00+1000"],
    ),
    (
        "fortnightly on Thursday at 10:00",
        DAILY,
        ["2026-04-02 10:00+1100", "2026-04-16 10:00+1000", "2026-04-30 10:00+1000"],
    ),
    (
        "every fortnight on Thursday at 10am",
        DAILY,
        ["2026-04-02 10:00+1100", "2026-04-16 10:00+1000", "2026-04-30 10:00+1000"],
    ),
    (
        "every other Thursday at 10am",
        DAILY,
        ["2026-04-02 10:00+1100", "2026-04-16 10:00+1000", "2026-04-30 10:00+1000"],
    ),
    (
        "Thursdays fortnightly at 10am",
        DAILY,
        ["2026-04-02 10:00+1100", "2026-04-16 10:00+1000", "2026-04-30 10:00+1000"],
    ),
    (
        "every Thursday at 10am",
        DAILY,
        ["2026-04-02 10:00+1100", "2026-04-09 10:00+1000", "2026-04-16 10:00+1000"],
    ),
    (
        "every week on Monday at 09:00",  # today's 09:00 is now, so it starts next week
        DAILY,
        ["2026-04-06 09:00+1000", "2026-04-13 09:00+1000", "2026-04-20 09:00+1000"],
    ),
    (
        "every day at 08:30",
        DAILY,
        ["2026-03-31 08:30+1100", "2026-04-01 08:30+1100", "2026-04-02 08:30+1100"],
    ),
    (
        "every weekday at 9am",
        DAILY,
        ["2026-03-31 09:00+1100", "2026-04-01 09:00+1100", "2026-04-02 09:00+1100"],
    ),
    (
        "every week on Sunday at 2:30am",  # 5 April 02:30 happens twice: the first
        DAILY,
        ["2026-04-05 02:30+1100", "2026-04-12 02:30+1000", "2026-04-19 02:30+1000"],
    ),
    (
        "the first Wednesday of each month at 14:00",
        DAILY,
        ["2026-04-01 14:00+1100", "2026-05-06 14:00+1000", "2026-06-03 14:00+1000"],
    ),
    (
        "the last Friday of every month at 3pm",
        DAILY,
        ["2026-04-24 15:00+1000", "2026-05-29 15:00+1000", "2026-06-26 15:00+1000"],
    ),
    (
        "every second Thursday of the month at 10am",
        DAILY,
        ["2026-04-09 10:00+1000", "2026-05-14 10:00+1000", "2026-06-11 10:00+1000"],
    ),
    (
        "the 15th of each month at 10:00",
        DAILY,
        ["2026-04-15 10:00+1000", "2026-05-15 10:00+1000", "2026-06-15 10:00+1000"],
    ),
    (
        "every 4 weeks on Tuesday at 10:00",
        DAILY,
        ["2026-03-31 10:00+1100", "2026-04-28 10:00+1000", "2026-05-26 10:00+1000"],
    ),
    (
        "every day at 08:30 starting 10/04/2026",
        DAILY,
        ["2026-04-10 08:30+1000", "2026-04-11 08:30+1000", "2026-04-12 08:30+1000"],
    ),
    (
        "every day at 08:30 starting 2026-04-10 until 2026-04-11",
        DAILY,
        ["2026-04-10 08:30+1000", "2026-04-11 08:30+1000"],
    ),
    (
        "RRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=17;BYMINUTE=30",
        DAILY,
        ["2026-04-02 17:30+1100", "2026-04-09 17:30+1000", "2026-04-16 17:30+1000"],
    ),
    (
        "FREQ=HOURLY;BYHOUR=9,12,15;BYMINUTE=0",
        HOURLY,
        ["2026-03-30 12:00+1100", "2026-03-30 15:00+1100", "2026-03-31 09:00+1100"],
    ),
    ("RRULE:FREQ=SECONDLY;BYHOUR=9;BYMINUTE=0", DAILY, Err("more often than once a day")),
    ("RRULE:FREQ=SECONDLY;BYHOUR=9;BYMINUTE=0", HOURLY, Err("more often than once an hour")),
    ("FREQ=HOURLY;BYHOUR=9", DAILY, Err("more often than once a day")),
    ("FREQ=DAILY;BYHOUR=9,10", DAILY, Err("more often than once a day")),
    ("FREQ=MINUTELY;BYHOUR=9", HOURLY, Err("more often than once an hour")),
    ("FREQ=DAILY;BYHOUR=9;BYMINUTE=0,30", HOURLY, Err("more often than once an hour")),
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30;BYHOUR=9", DAILY, Err("no month has that day")),
    ("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYSETPOS=1", DAILY, Err("leave out BYSETPOS")),
    ("FREQ=DAILY;BYMONTHDAY=29;BYDAY=MO;BYMONTH=2;BYHOUR=9", DAILY, Err("not both")),
    ("FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;DTSTART=20260101T000000", DAILY, Err("Leave DTSTART")),
    ("every day at 08:30 starting 0001-01-01", DAILY, Err("too far from today")),
    ("every day at 08:30 until 9999-12-31", DAILY, Err("too far from today")),
    ("every Monday", DAILY, Err("Add a time of day")),
    ("every blue moon", DAILY, Err("isn't a repeating time I understand")),
    ("every 0 weeks on Monday at 9am", DAILY, Err("use a number from 1 to 52")),
    ("whenever suits", DAILY, Err("isn't a repeating time I understand")),
    ("every week on Monday at 25:00", DAILY, Err("isn't a time of day")),
    ("", DAILY, Err("Say when it repeats")),
    ("FREQ=WEEKLY;BYDAY=MO", DAILY, Err("Add the time of day to the rule with BYHOUR")),
    ("every week on Monday at 9:00 until 2020-01-01", DAILY, Err("has no dates after today")),
]


def _refusal(call: Callable[[], object], says: str, examples: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        call()
    message = caught.value.message
    assert says in message
    assert examples in message  # every refusal shows the same examples
    assert len(message) < 2000


ONE_OFF: dict[str, tuple[Callable[[str], object], Sequence[tuple[str, object]]]] = {
    "moment": (lambda phrase: parse_moment(phrase, SYDNEY, NOW), MOMENTS),
    "day": (lambda phrase: parse_day(phrase, SYDNEY, NOW), DAYS),
    "time_of_day": (parse_time_of_day, TIMES),
    "range": (lambda phrase: parse_day_range(phrase, SYDNEY, NOW), RANGES),
}
"""Each one-off parser and its table."""


@pytest.mark.parametrize(
    ("kind", "phrase", "expected"),
    [
        (kind, phrase, expected)
        for kind, (_, table) in ONE_OFF.items()
        for phrase, expected in table
    ],
    ids=lambda v: str(v)[:40],
)
def test_when_one_off_table(kind: str, phrase: str, expected: object) -> None:
    parse = ONE_OFF[kind][0]
    if isinstance(expected, Err):
        _refusal(lambda: parse(phrase), expected.says, EXAMPLES)
    else:
        assert parse(phrase) == expected


@pytest.mark.parametrize(("phrase", "min_gap", "expected"), RECURRENCES, ids=lambda v: str(v)[:40])
def test_when_recurrence_table(phrase: str, min_gap: timedelta, expected: list[str] | Err) -> None:
    if isinstance(expected, Err):
        # a date or a time of day that is wrong in itself is answered with the date examples
        date_error = "too far" in expected.says or "isn't a time of day" in expected.says
        examples = EXAMPLES if date_error else REPEAT_EXAMPLES
        _refusal(
            lambda: parse_recurrence(phrase, SYDNEY, NOW, min_gap=min_gap),
            expected.says,
            examples,
        )
        return
    rule = parse_recurrence(phrase, SYDNEY, NOW, min_gap=min_gap)
    found = rule.occurrences(NOW, NOW + timedelta(days=120))[:3]
    assert [m.astimezone(SYDNEY).strftime("%Y-%m-%d %H:%M%z") for m in found] == expected


def test_when_table_has_about_eighty_phrases() -> None:
    assert len(MOMENTS) + len(DAYS) + len(RANGES) + len(TIMES) + len(RECURRENCES) >= 80


def test_when_the_same_phrases_work_in_each_zone_without_daylight_saving() -> None:
    brisbane = ZoneInfo("Australia/Brisbane")
    moment = parse_moment("17/04/2026 at 2pm", brisbane, NOW)
    assert moment == datetime(2026, 4, 17, 4, 0, tzinfo=UTC)
    assert parse_moment("<t:1775000000:F>", brisbane, NOW) == utc("2026-03-31 23:33:20")


def test_when_an_echoed_value_is_cut_and_cannot_break_its_quote() -> None:
    hostile = "`@everyone` " + "a" * 150
    with pytest.raises(InvalidInput) as caught:
        parse_moment(hostile, SYDNEY, NOW)
    quoted = caught.value.message.split("`")[1]
    assert len(quoted) <= 101
    assert "ˋ@everyoneˋ" in quoted
