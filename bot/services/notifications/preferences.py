"""What each member chose with /notifications: kinds of DM on or off, and quiet hours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InvalidInput, NotAllowed, quote
from bot.models import NotificationPreference, OutboundKind
from bot.services.unique import get_or_insert, rows_changed
from bot.services.when import parse_time_of_day

OPTIONAL_KINDS: dict[OutboundKind, str] = {
    OutboundKind.MEETING_REMINDER: "Meeting reminders",
    OutboundKind.LEARNING_PROMPT: "Learning prompts",
    OutboundKind.CONSULT_INVITATION: "Consult invitations",
}
"""The kinds of DM a member may turn off, with their names as members read them."""

REQUIRED_KINDS: dict[OutboundKind, str] = {
    OutboundKind.RENEWAL_PROMPT: "Renewal prompts",
    OutboundKind.INVITE: "Invitations a coordinator sends you",
    OutboundKind.NOTICE: "Notices about your membership",
}
"""Always sent (quiet hours still apply): membership depends on them."""

_COLUMN = {
    OutboundKind.MEETING_REMINDER: "meeting_reminders",
    OutboundKind.LEARNING_PROMPT: "learning_prompts",
    OutboundKind.CONSULT_INVITATION: "consult_invitations",
}

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Preferences:
    user_id: int
    meeting_reminders: bool = True
    learning_prompts: bool = True
    consult_invitations: bool = True
    quiet_start: int | None = None
    """Minutes after local midnight; None: no quiet hours."""
    quiet_end: int | None = None

    def wants(self, kind: OutboundKind) -> bool:
        column = _COLUMN.get(kind)
        return True if column is None else bool(getattr(self, column))

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start is not None and self.quiet_end is not None

    def quiet_until(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """When the quiet hours around ``now`` end (aware UTC), or None if ``now`` is not
        inside them."""
        if self.quiet_start is None or self.quiet_end is None:
            return None
        return quiet_until(now, self.quiet_start, self.quiet_end, zone)


def _of(row: NotificationPreference | None, user_id: int) -> Preferences:
    if row is None:
        return Preferences(user_id)
    return Preferences(
        user_id=row.user_id,
        meeting_reminders=row.meeting_reminders,
        learning_prompts=row.learning_prompts,
        consult_invitations=row.consult_invitations,
        quiet_start=row.quiet_start_minute,
        quiet_end=row.quiet_end_minute,
    )


def quiet_until(now: datetime, start: int, end: int, zone: ZoneInfo) -> datetime | None:
    """The end of the quiet window ``start``-``end`` (minutes after local midnight in
    ``zone``; a window may run past midnight) that contains ``now``, or None.

    Computed on the local calendar and converted with zoneinfo, so "until 07:00" is 07:00
    local on either side of a daylight-saving change. A window end that falls in a
    spring-forward gap resolves to the first valid instant after it."""
    local = now.astimezone(zone)
    minute = local.hour * 60 + local.minute
    if start == end:
        return None
    if start < end:
        inside = start <= minute < end
        end_day = local.date()
    else:  # runs past midnight
        inside = minute >= start or minute < end
        end_day = local.date() + timedelta(days=1) if minute >= start else local.date()
    if not inside:
        return None
    return local_instant(datetime.combine(end_day, time(end // 60, end % 60)), zone)


def local_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a naive local wall time in ``zone``. An ambiguous time (the hour
    repeated when clocks go back) is its first occurrence; a time that does not exist (the
    hour skipped when clocks go forward) becomes the first instant after the gap."""
    moment = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) == wall:
        return moment
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)  # before the gap
    high = moment  # after the gap
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


async def preferences(session: AsyncSession, user_id: int) -> Preferences:
    return _of(await session.get(NotificationPreference, user_id), user_id)


async def preferences_for(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, Preferences]:
    """Everyone's choices in one query; members without a row get the defaults."""
    ids = sorted(set(user_ids))
    found: dict[int, Preferences] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = await session.scalars(
            sa.select(NotificationPreference).where(NotificationPreference.user_id.in_(chunk))
        )
        for row in rows:
            found[row.user_id] = _of(row, row.user_id)
    return {i: found.get(i, Preferences(i)) for i in ids}


async def _row(session: AsyncSession, now: datetime, user_id: int) -> NotificationPreference:
    row = await get_or_insert(
        session,
        NotificationPreference,
        user_id,
        lambda: NotificationPreference(
            user_id=user_id,
            meeting_reminders=True,
            learning_prompts=True,
            consult_invitations=True,
            updated_at=now,
        ),
    )
    row.updated_at = now
    return row


async def set_kind(
    session: AsyncSession, now: datetime, user_id: int, kind: OutboundKind, wanted: bool
) -> Preferences:
    """Turn one kind of DM on or off. Required kinds cannot be turned off."""
    if kind not in _COLUMN:
        if wanted:
            return await preferences(session, user_id)
        name = REQUIRED_KINDS.get(kind, kind.value)
        raise NotAllowed(
            f"{name} are required: your membership depends on them, so they can't be turned "
            "off. Quiet hours still apply to them."
        )
    row = await _row(session, now, user_id)
    setattr(row, _COLUMN[kind], wanted)
    await session.flush()
    return _of(row, user_id)


CLOCK_EXAMPLES = "Use a time like `22:00`, `10pm` or `7:30am`."


def parse_clock(text: str) -> int:
    """A time of day typed by a member (the one time language), as minutes after midnight."""
    at = parse_time_of_day(text)
    return at.hour * 60 + at.minute


def show_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


async def set_quiet_hours(
    session: AsyncSession, now: datetime, user_id: int, start: str, end: str
) -> Preferences:
    """Quiet hours from ``start`` to ``end`` (times of day in the community's zone)."""
    begin, finish = parse_clock(start), parse_clock(end)
    if begin == finish:
        raise InvalidInput(
            f"Quiet hours from {quote(start)} to {quote(end)} would be empty. Give two "
            "different times, like from `22:00` to `07:00`."
        )
    row = await _row(session, now, user_id)
    row.quiet_start_minute, row.quiet_end_minute = begin, finish
    await session.flush()
    return _of(row, user_id)


async def clear_quiet_hours(session: AsyncSession, now: datetime, user_id: int) -> Preferences:
    row = await _row(session, now, user_id)
    row.quiet_start_minute = row.quiet_end_minute = None
    await session.flush()
    return _of(row, user_id)


async def erase(session: AsyncSession, user_id: int) -> int:
    """Forget a member's choices (for /mydata delete). Returns the rows removed."""
    return await rows_changed(
        session, sa.delete(NotificationPreference).where(NotificationPreference.user_id == user_id)
    )
