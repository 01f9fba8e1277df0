"""Meetings: the recurring series, one-off meetings, cancellations and the calendar.

Meetings of the active series are materialised as rows up to a horizon (config
``rotation.horizon_days``) so that the roster, reminders and cancellations all have a
row to point at. Times are aware UTC; the community's zone is used only to read what
people type and to write the calendar.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InvalidInput, NotFound
from bot.models import Meeting, MeetingSeries, MeetingStatus, Member
from bot.services.recurrence import _TIME_RE, Recurrence, _parse_time, parse_recurrence

DEFAULT_TITLE = "Community of Practice meeting"
MAX_PLACE = 500
MAX_TITLE = 200
MAX_REASON = 500

_MONTHS = {
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
_MONTH_RE = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


# --- reading dates people type ---------------------------------------------------------


def example_day(now: datetime, zone: ZoneInfo) -> str:
    """A date a week from today, to use in messages as an example that works."""
    return (now.astimezone(zone).date() + timedelta(days=7)).isoformat()


def _not_a_date(text: str, now: datetime, zone: ZoneInfo) -> InvalidInput:
    return InvalidInput(f"`{text}` isn't a date. Use YYYY-MM-DD, like `{example_day(now, zone)}`.")


def _local_iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat()


def _year_for(month: int, day: int, today: date) -> int:
    """The year of a date typed without one: this year, or next if it has passed."""
    try:
        candidate = date(today.year, month, day)
    except ValueError:
        return today.year + 1
    return today.year if candidate >= today else today.year + 1


def parse_day(text: str, zone: ZoneInfo, now: datetime) -> date:
    """A calendar day as people write it: ``2026-03-17``, ``17/03/2026``, ``17 March``,
    ``March 17 2026``, ``today``, ``tomorrow`` or a weekday (``tuesday``: the next one).

    Slashes are read day first, as in Australia. Raises ``InvalidInput`` otherwise.
    """
    cleaned = " ".join(text.strip().split())
    lowered = cleaned.lower().rstrip(".").replace(",", " ")
    lowered = " ".join(lowered.split())
    today = now.astimezone(zone).date()
    try:
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}.*)?", lowered):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := re.fullmatch(r"(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?", lowered):
            day, month = int(match[1]), int(match[2])
            if match[3] is None:
                return date(_year_for(month, day, today), month, day)
            year = int(match[3])
            return date(year + 2000 if year < 100 else year, month, day)
        if match := re.fullmatch(
            rf"(?:\w+day\s+)?(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE})(?:\s+(\d{{4}}))?",
            lowered,
        ):
            day, month = int(match[1]), _MONTHS[match[2].rstrip(".")]
            year = int(match[3]) if match[3] else _year_for(month, day, today)
            return date(year, month, day)
        if match := re.fullmatch(
            rf"(?:\w+day\s+)?({_MONTH_RE})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+(\d{{4}}))?",
            lowered,
        ):
            month, day = _MONTHS[match[1].rstrip(".")], int(match[2])
            year = int(match[3]) if match[3] else _year_for(month, day, today)
            return date(year, month, day)
    except ValueError:
        raise _not_a_date(cleaned, now, zone) from None
    if lowered == "today":
        return today
    if lowered == "tomorrow":
        return today + timedelta(days=1)
    weekday = lowered.removeprefix("next ").removeprefix("this ")
    if weekday in _WEEKDAYS:
        ahead = (_WEEKDAYS.index(weekday) - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    raise _not_a_date(cleaned, now, zone)


def parse_future_day(text: str, zone: ZoneInfo, now: datetime) -> date:
    """Like :func:`parse_day`, refusing days before today."""
    day = parse_day(text, zone, now)
    if day < now.astimezone(zone).date():
        raise InvalidInput(
            f"`{day.isoformat()}` is in the past. Pick today or a later date, like "
            f"`{example_day(now, zone)}`."
        )
    return day


_RANGE_SPLIT = re.compile(r"\s+(?:to|until|till|through|-|–|—)\s+|\s*\.\.\s*|\s*–\s*")


def parse_day_range(text: str, zone: ZoneInfo, now: datetime) -> tuple[date, date]:
    """One day or a range (``2026-03-10 to 2026-03-24``), not ending in the past."""
    cleaned = " ".join(text.strip().split())
    parts = [p for p in _RANGE_SPLIT.split(cleaned, maxsplit=1) if p.strip()]
    if len(parts) == 1:
        day = parse_future_day(parts[0], zone, now)
        return day, day
    example = example_day(now, zone)
    first = parse_day(parts[0], zone, now)
    last = parse_day(parts[1], zone, now)
    if last < first:
        raise InvalidInput(
            f"`{cleaned}` ends before it starts. Put the earlier date first, like "
            f"`{example} to {(date.fromisoformat(example) + timedelta(days=14)).isoformat()}`."
        )
    today = now.astimezone(zone).date()
    if last < today:
        raise InvalidInput(
            f"`{cleaned}` is in the past. Pick dates from today on, like `{example}`."
        )
    return max(first, today), last


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A future date and wall-clock time in ``zone`` (``2026-03-17 10:00``,
    ``17/03/2026 at 2pm``, ``17 March at 14:30``), returned as aware UTC."""
    cleaned = " ".join(text.strip().split())
    example = f"{example_day(now, zone)} 10:00"
    lowered = cleaned.lower()
    iso = re.fullmatch(r"(\d{4}-\d{1,2}-\d{1,2})t(\d{1,2}:\d{2})", lowered)
    if iso:
        lowered = f"{iso[1]} {iso[2]}"
    match = _TIME_RE.search(lowered)
    if match is None:
        if re.search(r"\d{1,2}:\d{2}|\b\d{1,2}\s*(?:am|pm)\b", lowered):
            raise InvalidInput(f"`{cleaned}` isn't a time I can read. Use `{example}`.")
        # A date that parses but lacks a time gets a specific hint.
        try:
            parse_day(cleaned, zone, now)
        except InvalidInput:
            raise InvalidInput(
                f"`{cleaned}` isn't a date and time. Use YYYY-MM-DD HH:MM, like `{example}`."
            ) from None
        raise InvalidInput(f"Add a time to `{cleaned}`, like `{example}`.")
    at = _parse_time(match, cleaned)
    rest = (lowered[: match.start()] + " " + lowered[match.end() :]).strip(" ,")
    rest = re.sub(r"\s+(?:at|@)$", "", rest)
    try:
        day = parse_day(rest, zone, now)
    except InvalidInput:
        raise InvalidInput(
            f"`{cleaned}` isn't a date and time. Use YYYY-MM-DD HH:MM, like `{example}`."
        ) from None
    moment = datetime.combine(day, at).replace(tzinfo=zone).astimezone(UTC)
    if moment <= now:
        raise InvalidInput(
            f"`{cleaned}` is in the past. Pick a later date and time, like `{example}`."
        )
    return moment


def clean_text(value: str | None, limit: int, what: str) -> str:
    """Trim typed text and refuse it when it is too long."""
    text = (value or "").strip()
    if len(text) > limit:
        raise InvalidInput(
            f"The {what} is {len(text)} characters long; keep it to {limit} or fewer."
        )
    return text


# --- queries ---------------------------------------------------------------------------


async def next_meeting(session: AsyncSession, now: datetime) -> Meeting | None:
    """The next scheduled (not cancelled) meeting starting after ``now``, or None."""
    result = await session.scalars(
        select(Meeting)
        .where(Meeting.status == MeetingStatus.SCHEDULED, Meeting.starts_at > now)
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    )
    return result.first()


async def upcoming_meetings(
    session: AsyncSession,
    now: datetime,
    *,
    limit: int | None = None,
    include_cancelled: bool = False,
    until: datetime | None = None,
) -> list[Meeting]:
    """Meetings starting after ``now`` in time order (cancelled ones only if asked;
    meetings quietly dropped by a schedule change never)."""
    query = select(Meeting).where(Meeting.starts_at > now, Meeting.superseded.is_(False))
    if not include_cancelled:
        query = query.where(Meeting.status == MeetingStatus.SCHEDULED)
    if until is not None:
        query = query.where(Meeting.starts_at < until)
    query = query.order_by(Meeting.starts_at, Meeting.id)
    if limit is not None:
        query = query.limit(limit)
    return list((await session.scalars(query)).all())


async def active_series(session: AsyncSession) -> MeetingSeries | None:
    result = await session.scalars(
        select(MeetingSeries).where(MeetingSeries.active.is_(True)).order_by(MeetingSeries.id)
    )
    return result.first()


def series_recurrence(series: MeetingSeries) -> Recurrence:
    return Recurrence(rule=series.rule, start=series.starts_at, timezone=series.timezone)


async def meetings_on(
    session: AsyncSession, day: date, zone: ZoneInfo, *, include_cancelled: bool = False
) -> list[Meeting]:
    """Meetings on one local calendar day, in time order."""
    start = datetime.combine(day, time(0, 0)).replace(tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0, 0)).replace(tzinfo=zone)
    query = select(Meeting).where(
        Meeting.starts_at >= start,
        Meeting.starts_at < end.astimezone(UTC),
        Meeting.superseded.is_(False),
    )
    if not include_cancelled:
        query = query.where(Meeting.status == MeetingStatus.SCHEDULED)
    return list((await session.scalars(query.order_by(Meeting.starts_at, Meeting.id))).all())


async def find_meeting(session: AsyncSession, text: str, zone: ZoneInfo, now: datetime) -> Meeting:
    """The scheduled future meeting on the day (or at the date and time) typed.

    Raises ``InvalidInput`` for an unreadable or past date and ``NotFound`` when no
    meeting falls on it.
    """
    day = parse_day(text, zone, now)
    today = now.astimezone(zone).date()
    if day < today:
        raise InvalidInput(
            f"`{day.isoformat()}` is in the past, and past meetings can't be changed. "
            f"Pick an upcoming meeting from `/meeting list`, like `{example_day(now, zone)}`."
        )
    meetings = [m for m in await meetings_on(session, day, zone) if m.starts_at > now]
    if not meetings:
        day_start = datetime.combine(day, time(0, 0)).replace(tzinfo=zone).astimezone(UTC)
        after = await upcoming_meetings(session, max(now, day_start), limit=1)
        before = (
            await session.scalars(
                select(Meeting)
                .where(
                    Meeting.status == MeetingStatus.SCHEDULED,
                    Meeting.starts_at > now,
                    Meeting.starts_at < day_start,
                )
                .order_by(Meeting.starts_at.desc())
                .limit(1)
            )
        ).all()
        upcoming = sorted(
            [*after, *before], key=lambda m: abs((m.starts_at - day_start).total_seconds())
        )
        hint = (
            f" The nearest one is on `{_local_iso(upcoming[0].starts_at, zone)}`."
            if upcoming
            else " No meetings are scheduled yet; a coordinator can set them up with "
            "`/meeting series`."
        )
        raise NotFound(f"There's no upcoming meeting on `{day.isoformat()}`.{hint}")
    if len(meetings) > 1:
        typed = _TIME_RE.search(text.lower())
        if typed is not None:
            at = _parse_time(typed, text)
            for meeting in meetings:
                local = meeting.starts_at.astimezone(zone)
                if (local.hour, local.minute) == (at.hour, at.minute):
                    return meeting
        times = ", ".join(f"`{m.starts_at.astimezone(zone):%H:%M}`" for m in meetings)
        raise InvalidInput(
            f"There are {len(meetings)} meetings on `{day.isoformat()}` (at {times}); add the "
            f"time, like `{day.isoformat()} {meetings[0].starts_at.astimezone(zone):%H:%M}`."
        )
    return meetings[0]


# --- changes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesChange:
    series: MeetingSeries
    recurrence: Recurrence
    created: int
    kept: int
    """Upcoming meetings of the old schedule at the same times, kept with their roster."""
    dropped: int
    """Upcoming meetings of the old schedule that the new one no longer has."""


async def set_series(
    session: AsyncSession,
    *,
    phrase: str,
    place: str,
    duration_minutes: int,
    zone: ZoneInfo,
    now: datetime,
    horizon_days: int,
    created_by: int | None = None,
) -> SeriesChange:
    """Replace the recurring schedule.

    Upcoming meetings of the old schedule that fall at a time the new one also has are
    kept (with their roster and any changes made to them); the others are dropped
    quietly (marked cancelled and ``superseded``). One-off meetings are untouched.
    """
    phrase_clean = clean_text(phrase, 300, "schedule")
    place_clean = clean_text(place, MAX_PLACE, "place")
    recurrence = parse_recurrence(phrase_clean, zone, now)
    horizon = now + timedelta(days=horizon_days)
    wanted = set(recurrence.occurrences(now, horizon))

    old = list(
        (await session.scalars(select(MeetingSeries).where(MeetingSeries.active.is_(True)))).all()
    )
    for series in old:
        series.active = False
        series.ended_at = now
    series = MeetingSeries(
        rule=recurrence.rule,
        phrase=phrase_clean,
        starts_at=recurrence.start,
        timezone=recurrence.timezone,
        place=place_clean,
        duration_minutes=duration_minutes,
        active=True,
        created_at=now,
        created_by=created_by,
    )
    session.add(series)
    await session.flush()

    kept = dropped = 0
    if old:
        old_ids = [s.id for s in old]
        upcoming = (
            await session.scalars(
                select(Meeting).where(
                    Meeting.series_id.in_(old_ids),
                    Meeting.starts_at > now,
                    Meeting.superseded.is_(False),
                )
            )
        ).all()
        for meeting in upcoming:
            if meeting.starts_at in wanted:
                meeting.series_id = series.id
                meeting.place = place_clean
                meeting.duration_minutes = duration_minutes
                kept += 1
                wanted.discard(meeting.starts_at)
            elif meeting.status is MeetingStatus.SCHEDULED:
                meeting.status = MeetingStatus.CANCELLED
                meeting.cancelled_at = now
                meeting.cancel_reason = "The schedule changed."
                meeting.superseded = True
                dropped += 1
        await session.flush()
    created = await _materialise(session, series, now, horizon, skip_existing=True)
    return SeriesChange(series, recurrence, created, kept, dropped)


async def _materialise(
    session: AsyncSession,
    series: MeetingSeries,
    now: datetime,
    horizon: datetime,
    *,
    skip_existing: bool,
) -> int:
    recurrence = series_recurrence(series)
    wanted = recurrence.occurrences(max(now, series.starts_at - timedelta(seconds=1)), horizon)
    if not wanted:
        return 0
    have = set(
        (
            await session.scalars(
                select(Meeting.starts_at).where(
                    Meeting.series_id == series.id, Meeting.starts_at > now
                )
            )
        ).all()
    )
    created = 0
    for moment in wanted:
        if moment <= now or moment in have:
            continue
        session.add(
            Meeting(
                series_id=series.id,
                starts_at=moment,
                duration_minutes=series.duration_minutes,
                place=series.place,
                title="",
                status=MeetingStatus.SCHEDULED,
                created_at=now,
            )
        )
        created += 1
    if created:
        await session.flush()
    return created


async def extend_series(session: AsyncSession, now: datetime, horizon_days: int) -> int:
    """Create the active series' meetings up to the horizon; returns how many were new.

    Idempotent: a meeting that exists (even cancelled) is never created again.
    """
    series = await active_series(session)
    if series is None:
        return 0
    return await _materialise(
        session, series, now, now + timedelta(days=horizon_days), skip_existing=True
    )


async def add_meeting(
    session: AsyncSession,
    *,
    starts_at: datetime,
    place: str,
    title: str,
    duration_minutes: int,
    now: datetime,
    zone: ZoneInfo,
) -> Meeting:
    """Add a one-off meeting (``starts_at`` already parsed and in the future)."""
    if starts_at <= now:
        raise InvalidInput(
            f"That time is in the past. Pick a later one, like `{example_day(now, zone)} 10:00`."
        )
    place_clean = clean_text(place, MAX_PLACE, "place")
    title_clean = clean_text(title, MAX_TITLE, "title")
    clash = (
        await session.scalars(
            select(Meeting).where(
                Meeting.starts_at == starts_at, Meeting.status == MeetingStatus.SCHEDULED
            )
        )
    ).first()
    if clash is not None:
        raise InvalidInput(
            f"There's already a meeting at `{starts_at.astimezone(zone):%Y-%m-%d %H:%M}`. "
            "Pick another time, or see `/meeting list`."
        )
    meeting = Meeting(
        series_id=None,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=place_clean,
        title=title_clean,
        status=MeetingStatus.SCHEDULED,
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    await session.refresh(meeting, ["assignments"])
    return meeting


async def cancel_meeting(
    session: AsyncSession, meeting: Meeting, *, reason: str, now: datetime
) -> Meeting:
    """Cancel one upcoming meeting. Its roster row stays as a record but counts for
    nobody, so nobody's standing in the rotation changes."""
    reason_clean = clean_text(reason, MAX_REASON, "reason")
    if meeting.starts_at <= now:
        raise InvalidInput("That meeting has already started, so it can't be cancelled.")
    if meeting.status is MeetingStatus.CANCELLED:
        raise InvalidInput("That meeting is already cancelled.")
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    meeting.cancel_reason = reason_clean
    await session.flush()
    return meeting


# --- the calendar ----------------------------------------------------------------------


def meeting_title(meeting: Meeting, community: str) -> str:
    return meeting.title or f"{community} meeting"


def build_calendar(
    meetings: Sequence[Meeting],
    *,
    zone: ZoneInfo,
    community: str,
    name_of: Callable[[Member], str],
    now: datetime,
) -> bytes:
    """An iCalendar file of these meetings, with a VTIMEZONE for the community's zone,
    times in that zone (TZID), and the facilitators in each description.

    Cancelled meetings are included with ``STATUS:CANCELLED`` so calendars that
    imported them earlier drop them.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//cop-bot//Community of Practice meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", community)
    calendar.add("x-wr-timezone", zone.key)
    for meeting in meetings:
        event = icalendar.Event()
        event.add("uid", f"meeting-{meeting.id}@cop-bot")
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", meeting.starts_at.astimezone(zone))
        event.add("dtend", meeting.ends_at.astimezone(zone))
        event.add("summary", meeting_title(meeting, community))
        lines = []
        facilitator = meeting.facilitator
        co = meeting.co_facilitator
        lines.append(
            f"Facilitator: {name_of(facilitator)}" if facilitator else "Facilitator: to be decided"
        )
        if co is not None:
            lines.append(f"Co-facilitator: {name_of(co)}")
        if meeting.place:
            lines.append(f"Where: {meeting.place}")
        if meeting.status is MeetingStatus.CANCELLED and meeting.cancel_reason:
            lines.append(f"Cancelled: {meeting.cancel_reason}")
        event.add("description", "\n".join(lines))
        if meeting.place:
            event.add("location", meeting.place)
            link = re.search(r"https?://\S+", meeting.place)
            if link:
                event.add("url", link.group(0))
        event.add(
            "status",
            "CANCELLED" if meeting.status is MeetingStatus.CANCELLED else "CONFIRMED",
        )
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
