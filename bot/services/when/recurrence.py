"""Recurrence phrases people type, turned into ``dateutil.rrule`` rules in an IANA zone.

The arithmetic is dateutil's: this module only reads a phrase such as
"every 4 weeks on Tuesday at 10:00" or "the last Friday of every month at 3pm" into
rrule parameters. Rules expand over *naive local* datetimes in the community's zone and
each occurrence is then given the zone, so a 10:00 meeting stays at 10:00 on the wall
clock across daylight-saving changes (the UTC instant moves instead).

Public API: :class:`Recurrence` and :func:`parse_recurrence` (re-exported by
``bot.services.when``).

A rule is refused when it repeats more often than the caller allows (daily for meetings,
hourly for reminders), and checking it is bounded in count, so no rule can stall the loop.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from bot.errors import InvalidInput, quote
from bot.services.when.grammar import TIME_RE, Window, read_day, read_time

EXAMPLES = (
    "`every second Thursday at 10am`, `fortnightly on Thursday at 10:00`, "
    "`every week on Monday at 09:00`, `every day at 08:30` or "
    "`the first Wednesday of each month at 14:00`"
)
"""The examples every error about a repeating time shows."""

RULE_MAX = 500
"""The longest rule kept (the length of the rule columns)."""
PROBE_LIMIT = 20_000
"""At most this many steps are taken to find a rule's first occurrence."""
DAILY = timedelta(days=1)
HOURLY = timedelta(hours=1)
_FREQ_SPACING = {
    "SECONDLY": timedelta(seconds=1),
    "MINUTELY": timedelta(minutes=1),
    "HOURLY": HOURLY,
    "DAILY": DAILY,
    "WEEKLY": timedelta(weeks=1),
    "MONTHLY": timedelta(days=28),
    "YEARLY": timedelta(days=365),
}
_ALLOWED_KEYS = {
    "FREQ",
    "INTERVAL",
    "BYDAY",
    "BYHOUR",
    "BYMINUTE",
    "BYSECOND",
    "BYMONTHDAY",
    "BYMONTH",
    "COUNT",
    "UNTIL",
    "WKST",
}
_INTERVAL_MAX = {"HOURLY": 24 * 366, "DAILY": 366, "WEEKLY": 53, "MONTHLY": 12, "YEARLY": 1}
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_DAYS: dict[str, str] = {
    "monday": "MO",
    "mon": "MO",
    "tuesday": "TU",
    "tue": "TU",
    "tues": "TU",
    "wednesday": "WE",
    "wed": "WE",
    "thursday": "TH",
    "thu": "TH",
    "thur": "TH",
    "thurs": "TH",
    "friday": "FR",
    "fri": "FR",
    "saturday": "SA",
    "sat": "SA",
    "sunday": "SU",
    "sun": "SU",
}
_DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_DAY_ORDER = list(_DAY_NAMES)
_ORDINAL_WORDS: dict[str, int] = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
}
_ORDINALS: dict[str, int] = {
    **_ORDINAL_WORDS,
    "last": -1,
    "second last": -2,
    "second-last": -2,
}
_ORDINAL_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_NUMBERS: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "other": 2,
    # "every second week", "every 3rd month"
    **{word: n for word, n in _ORDINAL_WORDS.items() if 2 <= n <= 4},
}
_FREQ_UNITS = {
    "HOURLY": "hour",
    "DAILY": "day",
    "WEEKLY": "week",
    "MONTHLY": "month",
    "YEARLY": "year",
}

_DAY_RE = r"(?:" + "|".join(sorted(_DAYS, key=len, reverse=True)) + r")s?"
_DAYS_RE = rf"{_DAY_RE}(?:\s*(?:,|and|&)\s*{_DAY_RE})*"
_ORD_RE = r"(?:" + "|".join(sorted(_ORDINALS, key=len, reverse=True)) + r")"
_ORDS_RE = rf"{_ORD_RE}(?:\s*(?:,|and|&)\s*{_ORD_RE})*"
_NUM_RE = r"(?:\d{1,4}|" + "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r")"
_DATE_RE = r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4}"
_START_RE = re.compile(rf"\b(?:starting|from|beginning|start)\s+(?:on\s+)?(?P<d>{_DATE_RE})\b")
_UNTIL_RE = re.compile(rf"\b(?:until|till|to|ending)\s+(?:on\s+)?(?P<d>{_DATE_RE})\b")

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "monthly_nth",
        re.compile(
            rf"^(?:on\s+|every\s+|each\s+)?(?:the\s+)?(?P<ords>{_ORDS_RE})\s+(?P<days>{_DAYS_RE})\s+"
            rf"(?:of|in)\s+(?:each|every|the)\s+(?:(?P<n>{_NUM_RE})(?:nd|rd|th)?\s+)?months?$"
        ),
    ),
    (
        "monthly_nth",
        re.compile(
            rf"^(?:every|each)\s+(?:(?P<n>{_NUM_RE})\s+)?months?\s+on\s+(?:the\s+)?"
            rf"(?P<ords>{_ORDS_RE})\s+(?P<days>{_DAYS_RE})$"
        ),
    ),
    (
        "monthly_nth",
        re.compile(rf"^monthly\s+on\s+(?:the\s+)?(?P<ords>{_ORDS_RE})\s+(?P<days>{_DAYS_RE})$"),
    ),
    (
        "monthly_day",
        re.compile(
            r"^(?:on\s+)?(?:the\s+)?(?P<md>\d{1,2})(?:st|nd|rd|th)?\s+(?:day\s+)?"
            rf"(?:of|in)\s+(?:each|every|the)\s+(?:(?P<n>{_NUM_RE})\s+)?months?$"
        ),
    ),
    (
        "monthly_day",
        re.compile(
            rf"^(?:(?:every|each)\s+(?:(?P<n>{_NUM_RE})\s+)?months?|monthly)\s+on\s+(?:the\s+)?"
            r"(?P<md>\d{1,2})(?:st|nd|rd|th)?$"
        ),
    ),
    (
        "daily",
        re.compile(rf"^(?:daily|(?:every|each)\s+(?:(?P<n>{_NUM_RE})\s+)?days?)$"),
    ),
    ("weekdays", re.compile(r"^(?:every|each|on)\s+weekdays?$")),
    (
        "weekly",
        re.compile(
            rf"^(?:(?:every|each)\s+(?:(?P<n>{_NUM_RE})\s+)?(?:weeks?|fortnights?)|weekly|fortnightly)"
            rf"\s+on\s+(?P<days>{_DAYS_RE})$"
        ),
    ),
    (
        "weekly",
        re.compile(
            r"^(?:every|each|on)\s+(?:(?P<n>other|second|third|fourth|2nd|3rd|4th|\d{1,2})\s+)?"
            rf"(?P<days>{_DAYS_RE})$"
        ),
    ),
    (
        "weekly",
        re.compile(
            rf"^(?:on\s+)?(?P<days>{_DAYS_RE})\s+(?:(?:every|each)\s+(?:(?P<n>{_NUM_RE})\s+)?"
            r"(?:weeks?|fortnights?)|weekly|fortnightly)$"
        ),
    ),
]


@dataclass(frozen=True)
class Recurrence:
    """A recurring schedule: an RRULE (no DTSTART) anchored at ``start`` in ``timezone``.

    ``start`` is the first occurrence (aware UTC); its wall time in ``timezone`` is the
    rule's phase (which week of "every 4 weeks", for example).
    """

    rule: str
    start: datetime
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _rrule(self) -> rrule:
        local_start = self.start.astimezone(self.zone).replace(tzinfo=None)
        return rrulestr(self.rule, dtstart=local_start)  # type: ignore[return-value]

    def occurrences(self, after: datetime, before: datetime) -> list[datetime]:
        """Occurrences at or after ``after`` and strictly before ``before``, as aware UTC.

        The rule runs over naive wall-clock times in the zone; each result then gets the
        zone (a time skipped by a DST jump lands just after it, an ambiguous one takes
        its first meaning).
        """
        if before <= after:
            return []
        zone = self.zone
        # A day of slack each side covers any UTC offset; exact filtering is in UTC below.
        lo = after.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
        hi = before.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
        found: list[datetime] = []
        for naive in self._rrule.between(lo, hi, inc=True):
            moment = naive.replace(tzinfo=zone).astimezone(UTC)
            if after <= moment < before and (not found or found[-1] != moment):
                found.append(moment)
        return found

    def next_after(self, moment: datetime) -> datetime | None:
        """The first occurrence strictly after ``moment``, or None if the rule has ended."""
        zone = self.zone
        local = moment.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
        for naive in self._rrule.xafter(local, inc=True):
            found = naive.replace(tzinfo=zone).astimezone(UTC)
            if found > moment:
                return found
        return None

    def describe(self) -> str:
        """A phrase a person reads, e.g. "every 4 weeks on Tuesday at 10:00"."""
        parts = _rule_parts(self.rule)
        freq = parts.get("FREQ", "")
        interval = int(parts.get("INTERVAL", "1") or "1")
        local_start = self.start.astimezone(self.zone)
        hour = int(parts.get("BYHOUR", str(local_start.hour)).split(",")[0])
        minute = int(parts.get("BYMINUTE", str(local_start.minute)).split(",")[0])
        second = int(parts.get("BYSECOND", "0").split(",")[0] or "0")
        at = f"at {hour:02d}:{minute:02d}" + (f":{second:02d}" if second else "")
        unit = _FREQ_UNITS.get(freq, freq.lower())
        every = f"every {unit}" if interval == 1 else f"every {interval} {unit}s"
        byday = [d for d in parts.get("BYDAY", "").split(",") if d]
        text: str
        if freq == "MONTHLY" and byday and any(len(d) > 2 for d in byday):
            ords: list[str] = []
            names: list[str] = []
            for item in byday:
                match = re.fullmatch(r"([+-]?\d+)?([A-Z]{2})", item)
                if not match:
                    continue
                n = int(match.group(1) or "0")
                name = _DAY_NAMES.get(match.group(2), match.group(2))
                ordinal = _ORDINAL_NAMES.get(n, f"{n}th")
                if ordinal not in ords:
                    ords.append(ordinal)
                if name not in names:
                    names.append(name)
            months = "each month" if interval == 1 else f"every {interval} months"
            text = f"the {_join(ords)} {_join(names)} of {months} {at}"
        elif freq == "MONTHLY" and "BYMONTHDAY" in parts:
            day = int(parts["BYMONTHDAY"].split(",")[0])
            months = "each month" if interval == 1 else f"every {interval} months"
            text = f"the {_nth(day)} of {months} {at}"
        elif interval == 1 and sorted(byday) == sorted(_DAY_ORDER[:5]):
            text = f"every weekday {at}"
        elif byday:
            names = [_DAY_NAMES.get(d[-2:], d) for d in byday]
            text = f"{every} on {_join(names)} {at}"
        elif freq == "WEEKLY":
            text = f"{every} on {local_start.strftime('%A')} {at}"
        else:
            text = f"{every} {at}"
        if "COUNT" in parts:
            text += f", {parts['COUNT']} times"
        if "UNTIL" in parts:
            until = parts["UNTIL"][:8]
            text += f", until {until[:4]}-{until[4:6]}-{until[6:8]}"
        return f"{text} ({self.timezone})"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _nth(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _rule_parts(rule: str) -> dict[str, str]:
    body = rule.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts: dict[str, str] = {}
    for item in body.split(";"):
        if "=" in item:
            key, value = item.split("=", 1)
            parts[key.strip().upper()] = value.strip().upper()
    return parts


def _number(text: str | None) -> int:
    if not text:
        return 1
    return _NUMBERS[text] if text in _NUMBERS else int(text)


def _day_codes(text: str) -> list[str]:
    codes: list[str] = []
    for token in re.split(r"\s*(?:,|\band\b|&)\s*", text):
        token = token.strip()
        if not token:
            continue
        key = token if token in _DAYS else token.removesuffix("s")
        code = _DAYS[key]
        if code not in codes:
            codes.append(code)
    return sorted(codes, key=_DAY_ORDER.index)


def _ordinals(text: str) -> list[int]:
    found: list[int] = []
    for token in re.split(r"\s*(?:,|\band\b|&)\s*", text):
        token = token.strip()
        if token and _ORDINALS[token] not in found:
            found.append(_ORDINALS[token])
    return found


def _parse_day(text: str, original: str, window: Window, today: date) -> date:
    day = read_day(text, original, today)
    if day is None:  # the pattern only lets dates through; kept for safety
        raise _unknown(original)
    return window.check(day, original)


def _unknown(original: str) -> InvalidInput:
    return InvalidInput(f"{quote(original)} isn't a repeating time I understand. Try {EXAMPLES}.")


def _too_often(original: str, min_gap: timedelta) -> InvalidInput:
    every = "a day" if min_gap >= DAILY else "an hour"
    return InvalidInput(
        f"{quote(original)} repeats more often than once {every}, which is more than this "
        f"allows. Try {EXAMPLES}."
    )


def _not_usable(original: str, why: str) -> InvalidInput:
    return InvalidInput(
        f"{quote(original)} isn't a rule I can use: {why}. Try "
        f"`FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0` or {EXAMPLES}."
    )


def _ints(parts: dict[str, str], key: str, original: str, lo: int, hi: int) -> list[int]:
    if key not in parts:
        return []
    values: list[int] = []
    for item in parts[key].split(","):
        if not re.fullmatch(r"[+-]?\d{1,3}", item.strip()):
            raise _not_usable(original, f"{key} takes numbers")
        value = int(item)
        if not (lo <= abs(value) <= hi) or (lo > 0 and value == 0):
            raise _not_usable(original, f"{key} values run from {lo} to {hi}")
        values.append(value)
    if len(values) > 31:
        raise _not_usable(original, f"{key} lists too many values")
    return values


def _closest(freq: str, hours: list[int], minutes: list[int], seconds: list[int]) -> timedelta:
    """The shortest spacing between two times the rule can produce, worked out from its
    parts (no expansion): the times of one hour for an hourly rule, of one day otherwise."""
    minute_marks = sorted(m * 60 + s for m in minutes or [0] for s in seconds or [0])
    if freq in {"SECONDLY", "MINUTELY"}:
        return _FREQ_SPACING[freq]
    if freq == "HOURLY":
        if len(minute_marks) > 1:
            return timedelta(seconds=min(b - a for a, b in itertools.pairwise(minute_marks)))
        return HOURLY
    marks = sorted(h * 3600 + m for h in hours or [0] for m in minute_marks)
    gaps = [b - a for a, b in itertools.pairwise(marks)]
    if gaps:
        gaps.append(marks[0] + 86400 - marks[-1])
        return timedelta(seconds=min(gaps))
    return DAILY


def _check_raw(parts: dict[str, str], original: str, min_gap: timedelta) -> None:
    """Refuse, with a sentence, what could make expanding the rule slow or endless."""
    unknown_keys = sorted(set(parts) - _ALLOWED_KEYS)
    if unknown_keys:
        raise _not_usable(original, f"leave out {', '.join(unknown_keys)}")
    freq = parts["FREQ"]
    if freq not in _FREQ_SPACING:
        raise _not_usable(original, "FREQ is one of DAILY, WEEKLY, MONTHLY or YEARLY")
    if _FREQ_SPACING[freq] < min_gap:
        raise _too_often(original, min_gap)
    interval_text = parts.get("INTERVAL", "1")
    if not re.fullmatch(r"\d{1,4}", interval_text) or int(interval_text) < 1:
        raise _not_usable(original, "INTERVAL is a whole number from 1")
    if int(interval_text) > _INTERVAL_MAX[freq]:
        raise _not_usable(original, f"INTERVAL is at most {_INTERVAL_MAX[freq]} for {freq}")
    if "COUNT" in parts and not re.fullmatch(r"\d{1,4}", parts["COUNT"]):
        raise _not_usable(original, "COUNT is a whole number up to 9999")
    hours = _ints(parts, "BYHOUR", original, 0, 23)
    minutes = _ints(parts, "BYMINUTE", original, 0, 59)
    seconds = _ints(parts, "BYSECOND", original, 0, 59)
    if any(v < 0 for v in hours + minutes + seconds):
        raise _not_usable(original, "times of day are not negative")
    if _closest(freq, hours, minutes, seconds) < min_gap:
        raise _too_often(original, min_gap)
    months = _ints(parts, "BYMONTH", original, 1, 12)
    monthdays = _ints(parts, "BYMONTHDAY", original, 1, 31)
    for item in (d for d in parts.get("BYDAY", "").split(",") if d):
        match = re.fullmatch(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)", item.strip())
        if match is None:
            raise _not_usable(original, "BYDAY takes days such as MO,TH or 2TH")
        if match.group(1):
            n = int(match.group(1))
            if freq not in {"MONTHLY", "YEARLY"} or not 1 <= abs(n) <= 5:
                raise _not_usable(original, "an nth weekday (2TH) needs FREQ=MONTHLY, 1 to 5")
    if parts.get("BYDAY") and monthdays:
        raise _not_usable(original, "use either BYMONTHDAY or BYDAY, not both")
    if monthdays:
        visited = months or list(range(1, 13))
        if freq == "YEARLY" and not months:
            visited = list(range(1, 13))
        if not any(abs(d) <= _MONTH_DAYS[m - 1] for d in monthdays for m in visited):
            raise _not_usable(original, "no month has that day")


def _raw_rrule(
    original: str, zone: ZoneInfo, now: datetime, window: Window, min_gap: timedelta
) -> Recurrence:
    if len(original) > RULE_MAX:
        raise InvalidInput(
            f"That rule is {len(original)} characters long; the limit is {RULE_MAX}. "
            f"List fewer values, or use a phrase such as {EXAMPLES}."
        )
    parts = _rule_parts(original)
    if "DTSTART" in original.upper():
        raise InvalidInput(
            "Leave DTSTART out of the rule; the schedule starts from the next matching time. "
            f"Try `FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;BYHOUR=9;BYMINUTE=0` or {EXAMPLES}."
        )
    if "FREQ" not in parts:
        raise _unknown(original)
    if "BYHOUR" not in parts:
        raise InvalidInput(
            "Add the time of day to the rule with BYHOUR and BYMINUTE, like "
            f"`FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0`, or use {EXAMPLES}."
        )
    parts.setdefault("BYMINUTE", "0")
    parts.setdefault("BYSECOND", "0")
    _check_raw(parts, original, min_gap)
    if "UNTIL" in parts:
        until = parts["UNTIL"].rstrip("Z")
        if not re.fullmatch(r"\d{8}(T\d{6})?", until):
            raise _not_usable(original, "UNTIL is a date such as 20261231")
        try:
            until_day = date(int(until[:4]), int(until[4:6]), int(until[6:8]))
        except ValueError:
            raise _not_usable(original, "UNTIL is a date such as 20261231") from None
        window.check(until_day, original)
        parts["UNTIL"] = until
    rule = ";".join(f"{k}={v}" for k, v in parts.items())
    local_now = now.astimezone(zone)
    anchor = datetime.combine(local_now.date(), time(0, 0))
    try:
        probe = rrulestr(rule, dtstart=anchor)
        next(iter(probe), None)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        raise _not_usable(original, "dateutil cannot read it") from None
    return _anchored(rule, anchor, zone, now, original, min_gap)


def _anchored(
    rule: str,
    anchor: datetime,
    zone: ZoneInfo,
    now: datetime,
    original: str,
    min_gap: timedelta,
) -> Recurrence:
    """Anchor ``rule`` at its first occurrence on or after ``anchor`` and after ``now``,
    then check that it repeats no more often than ``min_gap``. Both steps are bounded.

    For a phrase with an interval ("every 4 weeks on Tuesday") the first occurrence is
    found with the interval set aside, so the series starts on the first matching day
    rather than skipping a cycle because the anchor fell mid-week.
    """
    parts = _rule_parts(rule)
    search = rule
    if "INTERVAL" in parts and "COUNT" not in parts:
        search = ";".join(f"{k}={v}" for k, v in parts.items() if k != "INTERVAL")
    expanded: rrule = rrulestr(search, dtstart=anchor)  # type: ignore[assignment]
    start: datetime | None = None
    for steps, naive in enumerate(expanded):
        if steps >= PROBE_LIMIT:
            raise _not_usable(original, "its first date is too far off")
        moment = naive.replace(tzinfo=zone).astimezone(UTC)
        if moment > now:
            start = moment
            break
    if start is None:
        raise InvalidInput(
            f"{quote(original)} has no dates after today. Pick a schedule that continues, "
            f"like {EXAMPLES}."
        )
    return Recurrence(rule=rule, start=start, timezone=zone.key)


def parse_recurrence(
    text: str, zone: ZoneInfo, now: datetime, *, min_gap: timedelta = DAILY
) -> Recurrence:
    """Read a recurrence phrase typed in ``zone``; the series starts at its first
    occurrence after ``now``. ``min_gap`` is the shortest spacing allowed: a day for
    meetings (the default), an hour for reminders.

    Understands, for example: "every 4 weeks on Tuesday at 10:00", "every week on Monday
    at 9:00", "every 2 weeks on Monday and Thursday at 09:00", "every other Tuesday at
    10am", "every second Thursday at 10am" (fortnightly), "fortnightly on Friday at
    13:30", "every fortnight on Friday at 9", "every day at 08:30", "every weekday at
    9:00", "the first Wednesday of each month at 14:00", "the last Friday of every month
    at 3pm", "the 15th of each month at 10:00", optionally followed by "starting
    2026-03-03" (or 03/03/2026) and/or "until 2026-12-31"; and a raw rule such as
    "RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0".
    Raises ``InvalidInput`` (with examples that work) for anything else.
    """
    original = " ".join(text.strip().split())
    if not original:
        raise InvalidInput(f"Say when it repeats, for example {EXAMPLES}.")
    window = Window.around(now, zone)
    if re.match(r"^(?:rrule:)?\s*freq\s*=", original, re.IGNORECASE):
        return _raw_rrule(original, zone, now, window, min_gap)
    if len(original) > RULE_MAX:
        raise _unknown(original)

    phrase = original.lower().replace("’", "'")
    local_today = now.astimezone(zone).date()
    start_day: date | None = None
    until_day: date | None = None
    if match := _START_RE.search(phrase):
        start_day = _parse_day(match.group("d"), original, window, local_today)
        phrase = phrase[: match.start()] + " " + phrase[match.end() :]
    if match := _UNTIL_RE.search(phrase):
        until_day = _parse_day(match.group("d"), original, window, local_today)
        phrase = phrase[: match.start()] + " " + phrase[match.end() :]

    at: time | None = None
    if match := TIME_RE.search(phrase):
        at = read_time(match, original)
        phrase = phrase[: match.start()] + " " + phrase[match.end() :]
    phrase = " ".join(phrase.replace(",", " , ").split()).replace(" ,", ",").strip(" ,")
    phrase = re.sub(r"\s*,\s*$", "", phrase)

    params: dict[str, str] = {}
    for kind, pattern in _PATTERNS:
        match = pattern.match(phrase)
        if not match:
            continue
        groups = match.groupdict()
        n = groups.get("n")
        interval = 2 if "fortnight" in phrase else _number(n)
        if not 1 <= interval <= 52:
            raise InvalidInput(
                f"{quote(original)} repeats every {interval}; use a number from 1 to 52. "
                f"Try {EXAMPLES}."
            )
        if kind == "monthly_nth":
            days = _day_codes(groups["days"])
            ords = _ordinals(groups["ords"])
            params = {
                "FREQ": "MONTHLY",
                "BYDAY": ",".join(f"{o}{d}" for o in ords for d in days),
            }
        elif kind == "monthly_day":
            day = int(groups["md"])
            if not 1 <= day <= 31:
                raise InvalidInput(
                    f"{quote(groups['md'])} isn't a day of the month. Use 1 to 31; try {EXAMPLES}."
                )
            params = {"FREQ": "MONTHLY", "BYMONTHDAY": str(day)}
        elif kind == "daily":
            params = {"FREQ": "DAILY"}
        elif kind == "weekdays":
            params = {"FREQ": "WEEKLY", "BYDAY": "MO,TU,WE,TH,FR"}
        else:
            params = {"FREQ": "WEEKLY", "BYDAY": ",".join(_day_codes(groups["days"]))}
        if interval != 1:
            params["INTERVAL"] = str(interval)
        break
    if not params:
        raise _unknown(original)
    if at is None:
        raise InvalidInput(
            f"Add a time of day to {quote(original)}, for example `every week on Monday at "
            f"09:00`. Try {EXAMPLES}."
        )
    params.update(BYHOUR=str(at.hour), BYMINUTE=str(at.minute), BYSECOND=str(at.second))
    if params["FREQ"] == "WEEKLY":
        params["WKST"] = "MO"
    if until_day is not None:
        params["UNTIL"] = until_day.strftime("%Y%m%d") + "T235959"
    rule = ";".join(f"{k}={v}" for k, v in params.items())

    first_day = start_day or local_today
    if start_day is not None and until_day is not None and until_day < start_day:
        raise InvalidInput(
            f"The end date `{until_day.isoformat()}` is before the start date "
            f"`{start_day.isoformat()}`; put the end after the start. Try {EXAMPLES}."
        )
    anchor = datetime.combine(first_day, time(0, 0))
    return _anchored(rule, anchor, zone, now, original, min_gap)
