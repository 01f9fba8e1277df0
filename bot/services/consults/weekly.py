"""The weekly post: open consults that no one has offered to help with yet.

Each week is claimed once in the database (a unique week), so a restart or a second
wake-up never posts twice; a post that fails releases its claim to be tried again.
Nothing is posted in a week with nothing to list.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.models import (
    Consult,
    ConsultInvitation,
    ConsultInvitationStatus,
    ConsultStatus,
    ConsultWeeklyPost,
)
from bot.services.consults.store import ConsultView, views_of


def week_slot(now: datetime, zone: ZoneInfo, weekday: int, hour: int, minute: int) -> datetime:
    """This week's posting moment (aware UTC): the local ``weekday`` at ``hour:minute``
    of the week (Monday to Sunday) that holds ``now``."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    day = monday + timedelta(days=weekday)
    return datetime.combine(day, time(hour, minute), tzinfo=zone).astimezone(now.tzinfo)


def week_of(now: datetime, zone: ZoneInfo) -> date:
    local = now.astimezone(zone)
    return local.date() - timedelta(days=local.weekday())


async def claim_week(
    session: AsyncSession, now: datetime, zone: ZoneInfo, weekday: int, hour: int, minute: int
) -> ConsultWeeklyPost | None:
    """This week's post to make, if it is due and nobody has claimed it; else None."""
    if now < week_slot(now, zone, weekday, hour, minute):
        return None
    start = week_of(now, zone)
    if await session.scalar(
        select(ConsultWeeklyPost.id).where(ConsultWeeklyPost.week_start == start)
    ):
        return None
    row = ConsultWeeklyPost(week_start=start, claimed_at=now)
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        return None
    return row


async def finish_week(session: AsyncSession, post_id: int, message_id: int | None) -> None:
    row = await session.get(ConsultWeeklyPost, post_id)
    if row is not None:
        row.message_id = message_id
        await session.flush()


async def release_week(session: AsyncSession, post_id: int) -> None:
    """The post failed: let the next wake-up try again."""
    await session.execute(delete(ConsultWeeklyPost).where(ConsultWeeklyPost.id == post_id))


async def unhelped_open(session: AsyncSession, keyring: Keyring) -> list[ConsultView]:
    """Open consults with a post and nobody who said I'll help, oldest first."""
    helping = exists().where(
        ConsultInvitation.consult_id == Consult.id,
        ConsultInvitation.status == ConsultInvitationStatus.HELPING,
    )
    rows = list(
        await session.scalars(
            select(Consult)
            .where(Consult.status == ConsultStatus.OPEN, Consult.thread_id.is_not(None), ~helping)
            .order_by(Consult.created_at, Consult.id)
            .limit(50)
        )
    )
    return await views_of(session, keyring, rows, None, full_text=False)
