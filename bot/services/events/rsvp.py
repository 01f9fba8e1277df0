"""Who is coming: Discord's "Interested" on each meeting's event, kept in the database
from the gateway's user add and remove events and the REST list read at start."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import MeetingMirror, MeetingRsvp
from bot.services.events.mirror import meeting_for_event
from bot.services.unique import insert_once, rows_changed


async def add(session: AsyncSession, event_id: int, user_id: int, now: datetime) -> bool:
    """Someone marked a meeting's event Interested. False when the event mirrors no
    meeting or they were already counted."""
    meeting_id = await meeting_for_event(session, event_id)
    if meeting_id is None:
        return False
    return await insert_once(
        session, MeetingRsvp(meeting_id=meeting_id, user_id=user_id, created_at=now)
    )


async def remove(session: AsyncSession, event_id: int, user_id: int) -> bool:
    meeting_id = await meeting_for_event(session, event_id)
    if meeting_id is None:
        return False
    removed = await rows_changed(
        session,
        delete(MeetingRsvp).where(
            MeetingRsvp.meeting_id == meeting_id, MeetingRsvp.user_id == user_id
        ),
    )
    return removed > 0


async def replace(
    session: AsyncSession, meeting_id: int, user_ids: Iterable[int], now: datetime
) -> None:
    """Set a meeting's RSVPs to exactly ``user_ids`` (from the REST list)."""
    wanted = set(user_ids)
    have = set(
        (
            await session.scalars(
                select(MeetingRsvp.user_id).where(MeetingRsvp.meeting_id == meeting_id)
            )
        ).all()
    )
    gone = have - wanted
    if gone:
        await session.execute(
            delete(MeetingRsvp).where(
                MeetingRsvp.meeting_id == meeting_id, MeetingRsvp.user_id.in_(gone)
            )
        )
    for user_id in sorted(wanted - have):
        session.add(MeetingRsvp(meeting_id=meeting_id, user_id=user_id, created_at=now))
    mirror = (
        await session.scalars(select(MeetingMirror).where(MeetingMirror.meeting_id == meeting_id))
    ).first()
    if mirror is not None:
        mirror.rsvp_synced_at = now
    await session.flush()


async def rsvp_count(session: AsyncSession, meeting_id: int) -> int:
    """How many people marked the meeting's event Interested."""
    found = await session.scalar(
        select(func.count()).select_from(MeetingRsvp).where(MeetingRsvp.meeting_id == meeting_id)
    )
    return int(found or 0)


async def rsvp_counts(session: AsyncSession, meeting_ids: Iterable[int]) -> dict[int, int]:
    """:func:`rsvp_count` for several meetings in one query (0 for none)."""
    ids = list(meeting_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(MeetingRsvp.meeting_id, func.count())
        .where(MeetingRsvp.meeting_id.in_(ids))
        .group_by(MeetingRsvp.meeting_id)
    )
    counts = {meeting_id: int(n) for meeting_id, n in rows.all()}
    return {meeting_id: counts.get(meeting_id, 0) for meeting_id in ids}


async def coming(session: AsyncSession, meeting_id: int) -> list[int]:
    """The user ids of everyone who marked the meeting's event Interested, earliest first."""
    return list(
        (
            await session.scalars(
                select(MeetingRsvp.user_id)
                .where(MeetingRsvp.meeting_id == meeting_id)
                .order_by(MeetingRsvp.created_at, MeetingRsvp.id)
            )
        ).all()
    )
