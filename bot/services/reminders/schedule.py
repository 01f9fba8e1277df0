"""When a reminder fires, as people type it: one-off times ("2026-12-01 09:00", "in 2 hours",
"tomorrow at 9:00", "friday at 14:30") and recurring ones ("every 2 weeks on Monday at
09:00"), read in the community's zone and returned as aware UTC.

Recurring phrases are read by :mod:`bot.services.recurrence` (dateutil's rrule over wall-clock
times in an IANA zone), so a 09:00 reminder stays at 09:00 across daylight saving.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from bot.errors import InvalidInput
from bot.services.recurrence import Recurrence, parse_recurrence

ONE_OFF_EXAMPLES = "`2026-12-01 09:00`, `in 2 hours`, `tomorrow at 9:00` or `friday at 14:30`"
RECURRING_EXAMPLES = "`every 2 weeks on Monday at 09:00` or `every weekday at 08:30`"
RULE_MAX = 500
"""The longest rule a reminder keeps (the ``reminders.rule`` column's length)."""

_UNITS: dict[str, timedelta] = {
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "mins": timedelta(minutes=1),
    "minute": timedelta(minutes=1),
    "minutes": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "hr": timedelta(hours=1),
    "hrs": timedelta(hours=1),
    "hour": timedelta(hours=1),
    "hours": timedelta(hours=1),
    "d": timedelta(days=1),
    "day": timedelta(days=1),
    "days": timedelta(days=1),
    "w": timedelta(weeks=1),
    "week": timedelta(weeks=1),
    "weeks": timedelta(weeks=1),
    "fortnight": timedelta(weeks=2),
    "fortnights": timedelta(weeks=2),
}
_CALENDAR_UNITS: dict[str, str] = {
    "month": "months",
    "months": "months",
    "year": "years",
    "years": "years",
}
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "half an": 0.5, "half a": 0.5}
_WEEKDAYS = {
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
_RECURRING_START = re.compile(
    r"^(?:rrule:|freq=|every\b|each\b|daily\b|weekly\b|fortnightly\b|monthly\b|the\s+"
    r"(?:first|second|third|fourth|fifth|last|\d{1,2}(?:st|nd|rd|th)))",
    re.IGNORECASE,
)
_IN_RE = re.compile(
    r"^in\s+(?P<parts>(?:(?:\d+(?:\.\d+)?|an?|one|two|three|half\s+an?)\s*[a-z]+"
    r"(?:\s*(?:,|and)?\s*)?)+)$"
)
_IN_PART = re.compile(r"(?P<n>\d+(?:\.\d+)?|half\s+an?|an?|one|two|three)\s*(?P<unit>[a-z]+)")
_TIME = (
    r"(?:(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ap>am|pm|a\.m\.|p\.m\.)?|(?P<word>noon|midday))"
)
_DAY_TIME_RE = re.compile(
    rf"^(?:(?:on|next|this)\s+)?(?P<day>today|tonight|tomorrow|"
    rf"{'|'.join(sorted(_WEEKDAYS, key=len, reverse=True))})\s*(?:at\s+)?{_TIME}$"
)
_TIME_ONLY_RE = re.compile(rf"^(?:at\s+)?{_TIME}$")
_DATE_TIME_RE = re.compile(rf"^(?P<date>\d{{4}}-\d{{1,2}}-\d{{1,2}})(?:t|\s+(?:at\s+)?){_TIME}$")
_DATE_ONLY_RE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")


@dataclass(frozen=True)
class Schedule:
    """A one-off time (``rule`` is None) or a recurring rule anchored at ``first_at``."""

    first_at: datetime
    rule: str | None
    timezone: str

    @property
    def recurring(self) -> bool:
        return self.rule is not None

    @property
    def recurrence(self) -> Recurrence | None:
        if self.rule is None:
            return None
        return Recurrence(rule=self.rule, start=self.first_at, timezone=self.timezone)

    def describe(self) -> str:
        """ "every 2 weeks on Monday at 09:00 (Australia/Brisbane)", or "once"."""
        recurrence = self.recurrence
        return recurrence.describe() if recurrence is not None else "once"

    def next_after(self, moment: datetime) -> datetime | None:
        """The first time strictly after ``moment``, or None when there is none."""
        recurrence = self.recurrence
        if recurrence is None:
            return self.first_at if self.first_at > moment else None
        if self.first_at > moment:
            return self.first_at
        return recurrence.next_after(moment)


def _examples(allow_recurring: bool) -> str:
    if allow_recurring:
        return f"{ONE_OFF_EXAMPLES}, or a repeating time like {RECURRING_EXAMPLES}"
    return ONE_OFF_EXAMPLES


def _bad(original: str, allow_recurring: bool) -> InvalidInput:
    return InvalidInput(
        f"`{original}` isn't a time I understand. Try {_examples(allow_recurring)}."
    )


def _clock_time(match: re.Match[str], original: str, allow_recurring: bool) -> time:
    if match.group("word"):
        return time(12, 0)
    hour = int(match.group("h"))
    minute = int(match.group("m") or "0")
    suffix = (match.group("ap") or "").replace(".", "")
    if not suffix and match.group("m") is None:
        # A bare number ("tomorrow 9") is too ambiguous to guess.
        raise _bad(original, allow_recurring)
    if suffix:
        if not 1 <= hour <= 12:
            raise _bad(original, allow_recurring)
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise _bad(original, allow_recurring)
    return time(hour, minute)


def _at(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _parse_one_off(
    phrase: str, original: str, zone: ZoneInfo, now: datetime, rec: bool
) -> datetime:
    local_now = now.astimezone(zone)
    if match := _IN_RE.match(phrase):
        total = timedelta()
        calendar = relativedelta()
        for part in _IN_PART.finditer(match.group("parts")):
            name = part.group("unit")
            number_text = " ".join(part.group("n").split())
            number = _WORD_NUMBERS.get(number_text)
            amount = float(number_text) if number is None else number
            if name in _CALENDAR_UNITS:
                if amount != int(amount):
                    raise _bad(original, rec)
                if _CALENDAR_UNITS[name] == "months":
                    calendar += relativedelta(months=int(amount))
                else:
                    calendar += relativedelta(years=int(amount))
                continue
            unit = _UNITS.get(name)
            if unit is None:
                raise _bad(original, rec)
            total += unit * amount
        # Months and years are calendar ones, counted on the wall clock in the zone.
        moment = (local_now + calendar).astimezone(UTC) + total
        if moment <= now:
            raise _bad(original, rec)
        if moment - now > timedelta(days=3660):
            raise InvalidInput(
                f"`{original}` is more than ten years away. Pick a time within ten years, "
                "like `in 2 weeks`."
            )
        return moment.replace(microsecond=0)
    if match := _DATE_TIME_RE.match(phrase):
        try:
            year, month, day_ = (int(p) for p in match.group("date").split("-"))
            day = date(year, month, day_)
        except ValueError:
            raise InvalidInput(
                f"`{match.group('date')}` isn't a date. Use YYYY-MM-DD HH:MM, like "
                "`2026-12-01 09:00`."
            ) from None
        return _at(day, _clock_time(match, original, rec), zone)
    if _DATE_ONLY_RE.match(phrase):
        raise InvalidInput(f"Add a time of day to `{original}`, like `{original} 09:00`.")
    if match := _DAY_TIME_RE.match(phrase):
        at = _clock_time(match, original, rec)
        word = match.group("day")
        today = local_now.date()
        if word in {"today", "tonight"}:
            return _at(today, at, zone)
        if word == "tomorrow":
            return _at(today + timedelta(days=1), at, zone)
        ahead = (_WEEKDAYS[word] - today.weekday()) % 7
        moment = _at(today + timedelta(days=ahead), at, zone)
        if moment <= now or (phrase.startswith("next ") and ahead == 0):
            moment = _at(today + timedelta(days=ahead + 7), at, zone)
        return moment
    if match := _TIME_ONLY_RE.match(phrase):
        at = _clock_time(match, original, rec)
        moment = _at(local_now.date(), at, zone)
        if moment <= now:
            moment = _at(local_now.date() + timedelta(days=1), at, zone)
        return moment
    raise _bad(original, rec)


def parse_when(
    text: str, zone: ZoneInfo, now: datetime, *, allow_recurring: bool = True
) -> Schedule:
    """Read when a reminder should fire. Raises ``InvalidInput`` with examples that work.

    One-off: "2026-12-01 09:00", "2026-12-01 at 9am", "in 2 hours", "in 1 hour 30 minutes",
    "tomorrow at 9:00", "today 17:30", "friday at 14:30", "next monday 9am", "at 15:00" (the
    next 15:00). Recurring (when allowed): any phrase :func:`parse_recurrence` reads, such as
    "every 2 weeks on Monday at 09:00". A one-off time must be in the future.
    """
    original = " ".join(text.strip().split())
    if not original:
        raise InvalidInput(f"Say when, for example {_examples(allow_recurring)}.")
    phrase = original.lower().replace("’", "'")
    if _RECURRING_START.match(phrase):
        if not allow_recurring:
            raise InvalidInput(
                f"`{original}` repeats, but this reminder fires once. Use a single time like "
                f"{ONE_OFF_EXAMPLES}."
            )
        try:
            recurrence = parse_recurrence(original, zone, now)
        except InvalidInput as exc:
            raise InvalidInput(
                f"`{original}` isn't a repeating time I understand. Try {RECURRING_EXAMPLES}."
            ) from exc
        if len(recurrence.rule) > RULE_MAX:
            raise InvalidInput(
                f"That rule is {len(recurrence.rule)} characters long; the limit is {RULE_MAX}. "
                f"List fewer values, or use a phrase such as {RECURRING_EXAMPLES}."
            )
        return Schedule(recurrence.start, recurrence.rule, recurrence.timezone)
    moment = _parse_one_off(phrase, original, zone, now, allow_recurring)
    if moment <= now:
        shown = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput(
            f"`{original}` ({shown}) is in the past. Pick a later time, like {ONE_OFF_EXAMPLES}."
        )
    return Schedule(moment, None, zone.key)
