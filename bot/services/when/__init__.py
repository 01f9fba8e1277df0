"""The one time language: every date, time and recurrence a member types.

- ``parse_moment``: an instant (``17 March at 2pm``, ``in 2 hours``, ``<t:1773705600:F>``).
- ``parse_day`` / ``parse_future_day``: a calendar day, from the same phrases.
- ``parse_day_range``: one day or two joined by ``..``, an en dash or "to".
- ``parse_recurrence``: a repeating time (``every second Thursday at 10am``), as a
  ``dateutil.rrule`` in the community's IANA zone; no more often than the caller allows.
- ``parse_schedule``: a one-off instant or a recurrence, for reminders.
- ``parse_time_of_day``: a wall-clock time alone (``22:00``, ``10pm``, ``noon``).

Every refusal is an ``InvalidInput`` whose sentence quotes the input (cut, escaped) and
shows ``EXAMPLES`` (and ``REPEAT_EXAMPLES`` where a repeating time is allowed). Dates
outside 1970–2100 or further than 50 years from now are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import InvalidInput, quote
from bot.services.when.grammar import (
    EXAMPLES,
    RANGE_SPLIT,
    TIME_RE,
    WEEKDAY_DAY,
    Window,
    at,
    bad_time,
    clean,
    discord_timestamp,
    iso_moment,
    lowered,
    read_day,
    read_time,
    relative,
    split_time,
    unknown,
)
from bot.services.when.recurrence import DAILY, HOURLY, RULE_MAX, Recurrence, parse_recurrence
from bot.services.when.recurrence import EXAMPLES as REPEAT_EXAMPLES

__all__ = [
    "DAILY",
    "EXAMPLES",
    "HOURLY",
    "REPEAT_EXAMPLES",
    "RULE_MAX",
    "Recurrence",
    "Schedule",
    "Window",
    "example_day",
    "is_recurring",
    "parse_day",
    "parse_day_range",
    "parse_future_day",
    "parse_moment",
    "parse_recurrence",
    "parse_schedule",
    "parse_time_of_day",
]

_RECURRING_START = re.compile(
    r"^(?:rrule:|freq\s*=|every\b|each\b|daily\b|weekly\b|fortnightly\b|monthly\b|the\s+"
    r"(?:first|second|third|fourth|fifth|last|\d{1,2}(?:st|nd|rd|th)))",
    re.IGNORECASE,
)


def example_day(now: datetime, zone: ZoneInfo) -> str:
    """A date a week from today, for messages that show a date that works."""
    return (now.astimezone(zone).date() + timedelta(days=7)).isoformat()


def is_recurring(text: str) -> bool:
    """Whether a phrase asks for a repeating time ("every ...", "fortnightly ...", a rule)."""
    return bool(_RECURRING_START.match(" ".join(text.strip().split())))


def _say_when(extra: str = "") -> InvalidInput:
    return InvalidInput(f"Say when, for example {EXAMPLES}{extra}.")


def parse_moment(text: str, zone: ZoneInfo, now: datetime, *, future: bool = True) -> datetime:
    """An instant typed in ``zone``, as aware UTC; in the future unless ``future`` is False."""
    original = clean(text)
    if not original:
        raise _say_when()
    if is_recurring(original):
        raise InvalidInput(
            f"{quote(original)} repeats, but this takes a single time. Try {EXAMPLES}."
        )
    window = Window.around(now, zone)
    phrase = lowered(original)
    moment = (
        discord_timestamp(phrase, original, window)
        or iso_moment(phrase, original, zone, window)
        or relative(phrase, original, zone, now, window)
    )
    if moment is None:
        moment = _day_and_time(phrase, original, zone, now, window)
    window.check(moment.astimezone(zone).date(), original)
    if future and moment <= now:
        shown = moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        raise InvalidInput(
            f"{quote(original)} ({shown}) is in the past. Pick a later time; try {EXAMPLES}."
        )
    return moment


def _day_and_time(
    phrase: str, original: str, zone: ZoneInfo, now: datetime, window: Window
) -> datetime:
    today = now.astimezone(zone).date()
    clock, rest = split_time(phrase, original)
    if clock is None:
        if read_day(rest, original, today) is not None:
            raise InvalidInput(
                f"Add a time of day to {quote(original)}, like `{original[:40]} at 10:00`. "
                f"Try {EXAMPLES}."
            )
        raise unknown(original)
    if not rest:
        moment = at(today, clock, zone)
        return moment if moment > now else at(today + timedelta(days=1), clock, zone)
    day = read_day(rest, original, today)
    if day is None:
        raise unknown(original)
    window.check(day, original)
    moment = at(day, clock, zone)
    if moment <= now and WEEKDAY_DAY.match(rest):
        moment = at(day + timedelta(days=7), clock, zone)
    return moment


def parse_time_of_day(text: str) -> time:
    """A time of day with no date: ``22:00``, ``10pm``, ``7:30am``, ``noon``, ``midnight``."""
    original = clean(text)
    phrase = lowered(original)
    match = TIME_RE.fullmatch(phrase) or TIME_RE.fullmatch(f"at {phrase}")
    if match is None:
        raise bad_time(original)
    return read_time(match, original)


def parse_day(text: str, zone: ZoneInfo, now: datetime) -> date:
    """A calendar day: any date phrase (``17/03/2026``, ``17 March``, ``Thursday``), or the
    local day of any instant ``parse_moment`` reads."""
    original = clean(text)
    if not original:
        raise InvalidInput(f"Say which day, for example {EXAMPLES}.")
    window = Window.around(now, zone)
    phrase = lowered(original)
    day = read_day(phrase, original, now.astimezone(zone).date())
    if day is None:
        if is_recurring(original):
            raise InvalidInput(
                f"{quote(original)} repeats, but this takes a single day. Try {EXAMPLES}."
            )
        try:
            moment = parse_moment(original, zone, now, future=False)
        except InvalidInput as exc:
            if "isn't a date and time" in exc.message:
                raise InvalidInput(
                    f"{quote(original)} isn't a date I understand. Try {EXAMPLES}."
                ) from None
            raise
        day = moment.astimezone(zone).date()
    return window.check(day, original)


def parse_future_day(text: str, zone: ZoneInfo, now: datetime) -> date:
    """Like :func:`parse_day`, refusing days before today."""
    day = parse_day(text, zone, now)
    if day < now.astimezone(zone).date():
        raise InvalidInput(
            f"{quote(day.isoformat())} is in the past. Pick today or a later date; try {EXAMPLES}."
        )
    return day


def parse_day_range(text: str, zone: ZoneInfo, now: datetime) -> tuple[date, date]:
    """One day, or a range (``2026-03-10..2026-03-24``, ``10/03/2026 – 24/03/2026``,
    ``10 March to 24 March``) that does not end in the past; the first day is never
    before today."""
    original = clean(text)
    if not original:
        raise InvalidInput(f"Say which days, for example `2026-03-10..2026-03-24`, or {EXAMPLES}.")
    pieces = RANGE_SPLIT.split(original, maxsplit=1)
    if len(pieces) == 1:
        day = parse_future_day(original, zone, now)
        return day, day
    first_text, last_text = (p.strip() for p in pieces)
    if not first_text or not last_text:
        raise InvalidInput(
            f"{quote(original)} needs a first and a last day, like `2026-03-10..2026-03-24`. "
            f"Each day can be written as in {EXAMPLES}."
        )
    first = parse_day(first_text, zone, now)
    last = parse_day(last_text, zone, now)
    if last < first:
        raise InvalidInput(
            f"{quote(original)} ends before it starts. Put the earlier date first, like "
            f"`2026-03-10..2026-03-24`; each day as in {EXAMPLES}."
        )
    today = now.astimezone(zone).date()
    if last < today:
        raise InvalidInput(
            f"{quote(original)} is in the past. Pick dates from today on; try {EXAMPLES}."
        )
    return max(first, today), last


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


def parse_schedule(
    text: str,
    zone: ZoneInfo,
    now: datetime,
    *,
    allow_recurring: bool = True,
    min_gap: timedelta = HOURLY,
) -> Schedule:
    """A one-off time or (when allowed) a repeating one, no more often than ``min_gap``."""
    original = clean(text) if not is_recurring(text) else " ".join(text.strip().split())
    extra = f", or to repeat, {REPEAT_EXAMPLES}" if allow_recurring else ""
    if not original:
        raise _say_when(extra)
    if is_recurring(original):
        if not allow_recurring:
            raise InvalidInput(
                f"{quote(original)} repeats, but this fires once. Use a single time; "
                f"try {EXAMPLES}."
            )
        recurrence = parse_recurrence(original, zone, now, min_gap=min_gap)
        if len(recurrence.rule) > RULE_MAX:
            raise InvalidInput(
                f"That rule is {len(recurrence.rule)} characters long; the limit is "
                f"{RULE_MAX}. List fewer values, or use a phrase such as {REPEAT_EXAMPLES}."
            )
        return Schedule(recurrence.start, recurrence.rule, recurrence.timezone)
    return Schedule(parse_moment(original, zone, now), None, zone.key)
