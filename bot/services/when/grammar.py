"""Dates and times as members type them, read in the community's IANA zone.

One grammar for every command: Discord timestamps (``<t:1773705600:F>``), ISO dates and
times (``2026-03-17 14:00``, ``2026-03-17T14:00+10:00``), day-first dates
(``17/03/2026``), ``17 March``, ``March 17 2026``, ``today``, ``tomorrow``, weekdays
(``Thursday``, ``next Thursday``), a time of day in front of or behind the date
(``17 March at 2pm``, ``2pm on 17 March``, ``tomorrow at 9``, ``Thursday 10am``), a time
alone (``at 15:00``: the next one), and relative times (``in 2 hours``,
``in 1 hour 30 minutes``, ``in 3 weeks``, ``in 2 months``).

Everything is kept inside a sane window (1970 to 2100, and within 50 years of now), so
an edge date gets a sentence rather than an overflow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.errors import InvalidInput, quote

EXAMPLES = (
    "`2026-03-17 14:00`, `17/03/2026 at 2pm`, `17 March at 2pm`, `tomorrow at 9`, "
    "`Thursday 10am`, `in 2 hours` or a Discord timestamp like `<t:1773705600:F>`"
)
"""The examples every error about a date or time shows."""

FIRST_YEAR = 1970
LAST_YEAR = 2100
WINDOW_YEARS = 50
"""Dates are accepted from ``FIRST_YEAR`` to ``LAST_YEAR`` and within this many years of now."""
INPUT_MAX = 200
"""Longer input is refused before any parsing (no real date or rule is this long... except
a raw RRULE, which has its own limit)."""

MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS: dict[str, int] = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
_MONTH_RE = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY_RE = r"(?:" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")"

_AMPM = r"(?P<ap>am|pm|a\.m\.|p\.m\.)"
TIME_RE = re.compile(
    r"(?:\b(?:at|@)\s*)?(?:"
    r"(?<![\w./-])(?P<h>\d{1,2})[:.](?P<m>\d{2})(?::(?P<s>\d{2}))?\s*" + _AMPM + r"?"
    r"|(?<![\w./-])(?P<h2>\d{1,2})\s*(?P<ap2>am|pm|a\.m\.|p\.m\.)"
    r"|(?<=\bat )(?P<h3>\d{1,2})"
    r"|\b(?P<word>noon|midday|midnight)"
    r")(?![\w./:-])"
)
"""A time of day: ``14:30``, ``2:30pm``, ``2pm``, ``noon``, or a bare hour after "at"."""

_DISCORD_TS = re.compile(r"^<t:(?P<n>-?\d{1,20})(?::[tTdDfFsSRr])?>$")
_ISO_MOMENT = re.compile(
    r"^\d{4}-\d{2}-\d{2}t\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:z|[+-]\d{2}:?\d{2})?$"
)
_ISO_DAY = re.compile(r"^(?P<y>\d{4})[-/](?P<m>\d{1,2})[-/](?P<d>\d{1,2})$")
_DAY_FIRST = re.compile(r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})(?:[/.-](?P<y>\d{4}|\d{2}))?$")
_DAY_MONTH = re.compile(
    rf"^(?:{_WEEKDAY_RE}\s+)?(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?"
    rf"(?P<mon>{_MONTH_RE})(?:\s+(?P<y>\d{{4}}))?$"
)
_MONTH_DAY = re.compile(
    rf"^(?:{_WEEKDAY_RE}\s+)?(?P<mon>{_MONTH_RE})\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:\s+(?P<y>\d{{4}}))?$"
)
WEEKDAY_DAY = re.compile(rf"^(?:(?P<rel>next|this|coming)\s+)?(?P<wd>{_WEEKDAY_RE})$")
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "yesterday": -1}

_UNITS: dict[str, tuple[str, int]] = {}
for _names, _unit in (
    (("s", "sec", "secs", "second", "seconds"), ("seconds", 1)),
    (("m", "min", "mins", "minute", "minutes"), ("minutes", 1)),
    (("h", "hr", "hrs", "hour", "hours"), ("hours", 1)),
    (("d", "day", "days"), ("days", 1)),
    (("w", "wk", "wks", "week", "weeks"), ("weeks", 1)),
    (("fortnight", "fortnights"), ("weeks", 2)),
    (("month", "months"), ("months", 1)),
    (("y", "yr", "yrs", "year", "years"), ("years", 1)),
):
    for _name in _names:
        _UNITS[_name] = _unit
_WORD_NUMBERS = {
    "a": 1.0,
    "an": 1.0,
    "one": 1.0,
    "two": 2.0,
    "three": 3.0,
    "four": 4.0,
    "five": 5.0,
    "six": 6.0,
    "ten": 10.0,
    "half a": 0.5,
    "half an": 0.5,
    "a couple of": 2.0,
    "a few": 3.0,
}
_NUMBER_WORDS = r"(?:half\s+an?|a\s+couple\s+of|a\s+few|an?|one|two|three|four|five|six|ten)"
_PART = rf"(?:\d{{1,12}}(?:\.\d{{1,3}})?\s*[a-z]+|{_NUMBER_WORDS}\s+[a-z]+)\b"
_PARTS = rf"{_PART}(?:(?:\s*,\s*|\s+and\s+|\s+){_PART})*"
_IN_RE = re.compile(rf"^in\s+(?P<parts>{_PARTS})$")
_FROM_NOW_RE = re.compile(rf"^(?P<parts>{_PARTS})\s+from\s+now$")
_IN_PART = re.compile(rf"(?P<n>\d{{1,12}}(?:\.\d{{1,3}})?|{_NUMBER_WORDS})\s*(?P<unit>[a-z]+)\b")

RANGE_SPLIT = re.compile(r"\s*(?:\.\.+|–|—|…)\s*|\s+(?:to|until|till|through|thru|-)\s+")


@dataclass(frozen=True)
class Window:
    """The dates a member may name: inside 1970–2100 and within 50 years of now."""

    first: date
    last: date

    @classmethod
    def around(cls, now: datetime, zone: ZoneInfo) -> Window:
        today = now.astimezone(zone).date()
        first = max(date(FIRST_YEAR, 1, 1), _shift_years(today, -WINDOW_YEARS))
        last = min(date(LAST_YEAR, 12, 31), _shift_years(today, WINDOW_YEARS))
        return cls(first, last)

    def check(self, day: date, original: str) -> date:
        if not self.first <= day <= self.last:
            raise InvalidInput(
                f"{quote(original)} is too far from today. Pick a date between "
                f"`{self.first.isoformat()}` and `{self.last.isoformat()}`; try {EXAMPLES}."
            )
        return day


def _shift_years(day: date, years: int) -> date:
    return day + relativedelta(years=years)


def clean(text: str) -> str:
    """Whitespace collapsed; refused when far longer than any date."""
    original = " ".join(text.strip().split())
    if len(original) > INPUT_MAX:
        raise InvalidInput(
            f"That is {len(original)} characters long; a date or time is much shorter. "
            f"Try {EXAMPLES}."
        )
    return original


def lowered(original: str) -> str:
    return original.lower().replace("’", "'").rstrip(".").strip(" ,")


def unknown(original: str, extra: str = "") -> InvalidInput:
    return InvalidInput(
        f"{quote(original)} isn't a date and time I understand. Try {EXAMPLES}{extra}."
    )


def not_a_date(original: str) -> InvalidInput:
    return InvalidInput(f"{quote(original)} isn't a date on the calendar. Try {EXAMPLES}.")


def bad_time(original: str) -> InvalidInput:
    return InvalidInput(
        f"{quote(original)} isn't a time of day. Use 24-hour `14:00`, or `2pm`; try {EXAMPLES}."
    )


def read_time(match: re.Match[str], original: str) -> time:
    """The time of day a ``TIME_RE`` match names."""
    word = match.group("word")
    if word:
        return time(0, 0) if word == "midnight" else time(12, 0)
    hour_text = match.group("h") or match.group("h2") or match.group("h3")
    minute = int(match.group("m") or "0")
    second = int(match.group("s") or "0")
    suffix = (match.group("ap") or match.group("ap2") or "").replace(".", "")
    hour = int(hour_text)
    if suffix:
        if not 1 <= hour <= 12:
            raise bad_time(original)
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise bad_time(original)
    return time(hour, minute, second)


def _year_for(month: int, day: int, today: date) -> int:
    """The year of a date typed without one: this year, or next if it has passed."""
    try:
        candidate = date(today.year, month, day)
    except ValueError:
        return today.year + 1
    return today.year if candidate >= today else today.year + 1


def _calendar(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise not_a_date(original) from None


def read_day(phrase: str, original: str, today: date) -> date | None:
    """The calendar day a date-only phrase names, or None if it is not one."""
    phrase = phrase.strip(" ,")
    phrase = re.sub(r"^on\s+", "", phrase)
    if match := _ISO_DAY.match(phrase):
        return _calendar(int(match["y"]), int(match["m"]), int(match["d"]), original)
    if match := _DAY_FIRST.match(phrase):
        day, month = int(match["d"]), int(match["m"])
        if match["y"] is None:
            return _calendar(_year_for(month, day, today), month, day, original)
        year = int(match["y"])
        return _calendar(year + 2000 if year < 100 else year, month, day, original)
    if match := _DAY_MONTH.match(phrase) or _MONTH_DAY.match(phrase):
        day, month = int(match["d"]), MONTHS[match["mon"].rstrip(".")]
        year = int(match["y"]) if match["y"] else _year_for(month, day, today)
        return _calendar(year, month, day, original)
    if phrase in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[phrase])
    if phrase == "day after tomorrow" or phrase == "the day after tomorrow":
        return today + timedelta(days=2)
    if match := WEEKDAY_DAY.match(phrase):
        ahead = (WEEKDAYS[match["wd"]] - today.weekday()) % 7
        if match["rel"] == "next" and ahead == 0:
            ahead = 7
        return today + timedelta(days=ahead)
    return None


def discord_timestamp(phrase: str, original: str, window: Window) -> datetime | None:
    """The instant of a Discord timestamp ``<t:1773705600>`` / ``<t:1773705600:F>``."""
    match = _DISCORD_TS.match(phrase)
    if match is None:
        return None
    seconds = int(match["n"])
    first = datetime.combine(window.first, time(0, 0), tzinfo=UTC) - timedelta(days=1)
    last = datetime.combine(window.last, time(0, 0), tzinfo=UTC) + timedelta(days=1)
    if not first.timestamp() <= seconds <= last.timestamp():
        window.check(date.max if seconds > 0 else date.min, original)
    return datetime.fromtimestamp(seconds, UTC)


def iso_moment(phrase: str, original: str, zone: ZoneInfo, window: Window) -> datetime | None:
    """``2026-03-17T14:00``, with an optional offset or ``Z``; wall time in ``zone`` when
    it has none."""
    if not _ISO_MOMENT.match(phrase):
        return None
    try:
        parsed = datetime.fromisoformat(phrase.upper())
    except ValueError:
        raise not_a_date(original) from None
    window.check(parsed.date(), original)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def relative(
    phrase: str, original: str, zone: ZoneInfo, now: datetime, window: Window
) -> datetime | None:
    """``in 2 hours``, ``in 1 hour 30 minutes``, ``2 days from now``: None if not one."""
    match = _IN_RE.match(phrase) or _FROM_NOW_RE.match(phrase)
    if match is None:
        return None
    exact = timedelta()
    calendar = relativedelta()
    limit = float(WINDOW_YEARS * 366 * 24 * 3600)
    for part in _IN_PART.finditer(match["parts"]):
        number_text = " ".join(part["n"].split())
        amount = _WORD_NUMBERS.get(number_text)
        number = float(number_text) if amount is None else amount
        unit = _UNITS.get(part["unit"])
        if unit is None:
            raise unknown(original)
        name, factor = unit
        number *= factor
        seconds_per = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}
        if name in seconds_per:
            if number * seconds_per[name] > limit:
                window.check(date.max, original)
            if name in {"days", "weeks"} and number == int(number):
                # Whole days and weeks keep the wall-clock time across daylight saving.
                days = int(number) * (7 if name == "weeks" else 1)
                calendar += relativedelta(days=days)
            else:
                exact += timedelta(**{name: number})
        else:
            if number > WINDOW_YEARS * (12 if name == "months" else 1) + 1:
                window.check(date.max, original)
            if number != int(number):
                raise InvalidInput(
                    f"{quote(original)}: say whole months or years, or use weeks or days; "
                    f"try {EXAMPLES}."
                )
            whole = int(number)
            calendar += (
                relativedelta(months=whole) if name == "months" else relativedelta(years=whole)
            )
    if exact.total_seconds() > limit:
        window.check(date.max, original)
    local = now.astimezone(zone)
    moment = (local + calendar).astimezone(UTC) + exact
    window.check(moment.astimezone(zone).date(), original)
    return moment.replace(microsecond=0)


def at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on ``day`` in ``zone`` (a time skipped by a
    DST jump lands just after it; an ambiguous one takes its first meaning)."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def split_time(phrase: str, original: str) -> tuple[time | None, str]:
    """The time of day in a phrase, and the phrase without it."""
    match = TIME_RE.search(phrase)
    if match is None:
        return None, phrase
    clock = read_time(match, original)
    rest = (phrase[: match.start()] + " " + phrase[match.end() :]).strip(" ,")
    rest = re.sub(r"\s+(?:at|@|on)$", "", rest)
    rest = re.sub(r"^(?:on|at)\s+", "", rest)
    return clock, " ".join(rest.split()).strip(" ,")
