"""The meetings: the recurring series, one-off meetings, cancellations and the calendar.

Meetings of the active series are materialised as rows up to a horizon (config
``rotation.horizon_days``) so that the roster, reminders and cancellations all have a
row to point at. Times are aware UTC; the community's zone is used only to read what
people type and to write the calendar.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InvalidInput, NotFound
from bot.models import FacilitationAssignment, Meeting, MeetingSeries, MeetingStatus, Member
from bot.services.unique import insert_once
from bot.services.when import (
    Recurrence,
    example_day,
    parse_day,
    parse_day_range,
    parse_future_day,
    parse_moment,
    parse_recurrence,
)

DEFAULT_TITLE = "Community of Practice meeting"
MAX_PLACE = 500
MAX_TITLE = 200
MAX_REASON = 500

__all__ = [
    "DEFAULT_TITLE",
    "SeriesChange",
    "active_series",
    "add_meeting",
    "build_calendar",
    "cancel_meeting",
    "clean_text",
    "example_day",
    "extend_series",
    "find_meeting",
    "meeting_title",
    "meetings_on",
    "next_meeting",
    "parse_day",
    "parse_day_range",
    "parse_future_day",
    "parse_when",
    "series_recurrence",
    "set_series",
    "upcoming_meetings",
]


# --- reading what people type: the one time language (``bot.services.when``) ---------


def parse_when(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A future date and time typed in ``zone`` (the one time language), as aware UTC."""
    return parse_moment(text, zone, now)


def _local_iso(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat()


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
    found = await upcoming_meetings(session, now, limit=1)
    return found[0] if found else None


async def next_turn_of(session: AsyncSession, member: Member, now: datetime) -> Meeting | None:
    """The member's next upcoming meeting as facilitator or co-facilitator."""
    return await session.scalar(
        select(Meeting)
        .join(FacilitationAssignment, FacilitationAssignment.meeting_id == Meeting.id)
        .where(
            FacilitationAssignment.member_id == member.id,
            Meeting.starts_at > now,
            Meeting.status == MeetingStatus.SCHEDULED,
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )


async def upcoming_meetings(
    session: AsyncSession,
    now: datetime,
    *,
    limit: int | None = None,
    include_cancelled: bool = False,
    until: datetime | None = None,
    fresh: bool = False,
) -> list[Meeting]:
    """Meetings starting after ``now`` in time order (cancelled ones only if asked;
    meetings quietly dropped by a schedule change never). ``fresh`` reloads meetings
    (and their assignments) the session already holds, after a change made by UPDATE."""
    query = select(Meeting).where(Meeting.starts_at > now, Meeting.superseded.is_(False))
    if not include_cancelled:
        query = query.where(Meeting.status == MeetingStatus.SCHEDULED)
    if until is not None:
        query = query.where(Meeting.starts_at < until)
    query = query.order_by(Meeting.starts_at, Meeting.id)
    if limit is not None:
        query = query.limit(limit)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return list((await session.scalars(query)).all())


async def active_series(session: AsyncSession) -> MeetingSeries | None:
    return await session.scalar(
        select(MeetingSeries).where(MeetingSeries.active.is_(True)).order_by(MeetingSeries.id)
    )


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


async def started_meeting(
    session: AsyncSession, text: str, zone: ZoneInfo, now: datetime
) -> tuple[date, Meeting]:
    """The day typed, and the latest meeting on it that has started by ``now`` (for
    recording what happened at it). Raises ``InvalidInput`` for an unreadable date and
    ``NotFound`` when no meeting on that day has started."""
    day = parse_day(text, zone, now)
    started = [m for m in await meetings_on(session, day, zone) if m.starts_at <= now]
    if not started:
        raise NotFound(
            f"There's no meeting on `{day.isoformat()}` that has started. Check the date "
            "with `/roster ledger` or `/meeting list`; what happened is recorded afterwards."
        )
    return day, started[-1]


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
        typed: datetime | None = None
        with contextlib.suppress(InvalidInput):
            typed = parse_moment(text, zone, now, future=False)
        for meeting in meetings:
            if typed is not None and meeting.starts_at == typed:
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


def _scheduled(
    starts_at: datetime,
    now: datetime,
    series_id: int | None,
    *,
    place: str,
    duration_minutes: int,
    title: str = "",
) -> Meeting:
    """A new meeting on the calendar (of a series, or a one-off when ``series_id`` is
    None), for the caller to add."""
    return Meeting(
        series_id=series_id,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        place=place,
        title=title,
        status=MeetingStatus.SCHEDULED,
        created_at=now,
    )


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
    missing = [
        _scheduled(
            moment, now, series.id, place=series.place, duration_minutes=series.duration_minutes
        )
        for moment in wanted
        if moment > now and moment not in have
    ]
    if not missing:
        return 0
    if not await insert_once(session, *missing):
        return 0  # another unit of work materialised them at the same moment: theirs stand
    return len(missing)


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
    clash = await session.scalar(
        select(Meeting).where(
            Meeting.starts_at == starts_at, Meeting.status == MeetingStatus.SCHEDULED
        )
    )
    if clash is not None:
        raise InvalidInput(
            f"There's already a meeting at `{starts_at.astimezone(zone):%Y-%m-%d %H:%M}`. "
            "Pick another time, or see `/meeting list`."
        )
    meeting = _scheduled(
        starts_at,
        now,
        None,
        place=place_clean,
        duration_minutes=duration_minutes,
        title=title_clean,
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
    if meeting.is_cancelled:
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
    import icalendar  # when a calendar is first asked for: the bot carries 5 MB less

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
        if meeting.is_cancelled and meeting.cancel_reason:
            lines.append(f"Cancelled: {meeting.cancel_reason}")
        event.add("description", "\n".join(lines))
        if meeting.place:
            event.add("location", meeting.place)
            link = re.search(r"https?://\S+", meeting.place)
            if link:
                event.add("url", link.group(0))
        event.add(
            "status",
            "CANCELLED" if meeting.is_cancelled else "CONFIRMED",
        )
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
