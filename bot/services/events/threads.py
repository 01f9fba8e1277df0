"""A thread for each meeting, opened some days before it, and the follow-up after it
(the learning prompt in the thread, and the button to record who came).

Each step is claimed in the database (a conditional UPDATE on the meeting's mirror row)
before anything is posted, so a step happens once however many runs race for it; a
failed post gives the claim back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot import port
from bot.models import Meeting, MeetingMirror, MeetingStatus, MirrorState
from bot.services.unique import insert_once, rows_changed

FOLLOW_UP_WINDOW = timedelta(days=7)
"""A meeting that ended longer ago than this gets no follow-up (after a long outage)."""


async def _ensure_row(session: AsyncSession, meeting_id: int, now: datetime) -> None:
    exists = (
        await session.scalars(
            select(MeetingMirror.id).where(MeetingMirror.meeting_id == meeting_id)
        )
    ).first()
    if exists is not None:
        return
    await insert_once(
        session, MeetingMirror(meeting_id=meeting_id, state=MirrorState.GONE, claimed_at=now)
    )


async def _claim(
    session: AsyncSession,
    meeting_id: int,
    column: InstrumentedAttribute[datetime | None],
    now: datetime,
) -> bool:
    await _ensure_row(session, meeting_id, now)
    claimed = await rows_changed(
        session,
        update(MeetingMirror)
        .where(MeetingMirror.meeting_id == meeting_id, column.is_(None))
        .values({column.key: now})
        .execution_options(synchronize_session=False),
    )
    return claimed == 1


async def _release(
    session: AsyncSession, meeting_id: int, column: InstrumentedAttribute[datetime | None]
) -> None:
    await session.execute(
        update(MeetingMirror)
        .where(MeetingMirror.meeting_id == meeting_id)
        .values({column.key: None})
        .execution_options(synchronize_session=False)
    )


async def _mirror(session: AsyncSession, meeting_id: int) -> MeetingMirror | None:
    return (
        await session.scalars(
            select(MeetingMirror)
            .where(MeetingMirror.meeting_id == meeting_id)
            .execution_options(populate_existing=True)
        )
    ).first()


# --- the thread before the meeting -------------------------------------------------------


async def threads_due(session: AsyncSession, now: datetime, days_before: int) -> list[int]:
    """Upcoming meetings whose thread should be open by now and has not been started."""
    started = select(MeetingMirror.meeting_id).where(MeetingMirror.thread_claimed_at.is_not(None))
    return list(
        (
            await session.scalars(
                select(Meeting.id)
                .where(
                    Meeting.status == MeetingStatus.SCHEDULED,
                    Meeting.superseded.is_(False),
                    Meeting.starts_at > now,
                    Meeting.starts_at <= now + timedelta(days=days_before),
                    Meeting.id.not_in(started),
                )
                .order_by(Meeting.starts_at)
            )
        ).all()
    )


async def claim_thread(session: AsyncSession, meeting_id: int, now: datetime) -> Meeting | None:
    """Take the job of opening the meeting's thread; None if it is taken or gone."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.status is not MeetingStatus.SCHEDULED:
        return None
    if not await _claim(session, meeting_id, MeetingMirror.thread_claimed_at, now):
        return None
    return meeting


async def open_thread(
    out: port.DiscordPort, channel_id: int, name: str, message: port.Message
) -> port.Sent | None:
    """Start the public thread with its first message; None when Discord refused."""
    try:
        return await out.start_thread(channel_id, name[:100], message, private=False)
    except port.PortError:
        return None


async def record_thread(
    session: AsyncSession, meeting_id: int, sent: port.Sent | None, channel_id: int
) -> None:
    """Store where the thread is, or give the claim back when it failed."""
    if sent is None:
        await _release(session, meeting_id, MeetingMirror.thread_claimed_at)
        return
    mirror = await _mirror(session, meeting_id)
    if mirror is not None:
        mirror.thread_id = sent.channel_id
        mirror.thread_channel_id = channel_id
        await session.flush()


async def thread_of(session: AsyncSession, meeting_id: int) -> int | None:
    return (
        await session.scalars(
            select(MeetingMirror.thread_id).where(MeetingMirror.meeting_id == meeting_id)
        )
    ).first()


# --- after the meeting ------------------------------------------------------------------


async def follow_ups_due(session: AsyncSession, now: datetime) -> list[int]:
    """Meetings that have ended (within the follow-up window) and had no follow-up yet."""
    done = select(MeetingMirror.meeting_id).where(MeetingMirror.attendance_claimed_at.is_not(None))
    candidates = (
        await session.scalars(
            select(Meeting)
            .where(
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.superseded.is_(False),
                Meeting.starts_at <= now,
                Meeting.starts_at > now - FOLLOW_UP_WINDOW - timedelta(days=1),
                Meeting.id.not_in(done),
            )
            .order_by(Meeting.starts_at)
        )
    ).all()
    return [m.id for m in candidates if now - FOLLOW_UP_WINDOW < m.ends_at <= now]


async def claim_follow_up(
    session: AsyncSession, meeting_id: int, now: datetime
) -> tuple[Meeting, int | None] | None:
    """Take the meeting's follow-up; returns the meeting and its thread (if any)."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        return None
    if not await _claim(session, meeting_id, MeetingMirror.attendance_claimed_at, now):
        return None
    mirror = await _mirror(session, meeting_id)
    return meeting, mirror.thread_id if mirror is not None else None


async def release_follow_up(session: AsyncSession, meeting_id: int) -> None:
    await _release(session, meeting_id, MeetingMirror.attendance_claimed_at)
