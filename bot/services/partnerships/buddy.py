"""A buddy on day one: when a newcomer is approved, their "meet first" people are asked
in turn; the first who says yes is the buddy. At two weeks both are asked how it goes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import Conflict, NotAllowed
from bot.models import Application, ApplicationStatus, Buddy, BuddyStatus, Member, MemberStatus
from bot.services.unique import insert_once, rows_changed

CHECKIN_AFTER = timedelta(days=14)
_ANSWERED = "That question has been answered already; thank you all the same."


def welcomed_since(since: datetime) -> ColumnElement[bool]:
    """Applications approved since ``since`` whose newcomer has been welcomed: the
    newcomers that buddies and first-meeting roles are for."""
    return and_(
        Application.status == ApplicationStatus.APPROVED,
        Application.decided_at >= since,
        Application.welcomed_at.is_not(None),
    )


async def _askable(session: AsyncSession, ids: list[int]) -> list[int]:
    """Candidates still members and in the server, in the order given."""
    if not ids:
        return []
    rows = await session.scalars(
        select(Member.id).where(
            Member.id.in_(ids), Member.status == MemberStatus.ACTIVE, Member.in_guild.is_(True)
        )
    )
    present = set(rows)
    return [i for i in ids if i in present]


async def start(
    session: AsyncSession, newcomer: Member, candidates: list[int], now: datetime
) -> int | None:
    """Begin finding a buddy; returns the member id to ask first, or None (nobody to ask,
    or it had already begun: approval runs once, but a retry must not ask twice)."""
    people = [i for i in await _askable(session, candidates) if i != newcomer.id]
    row = Buddy(
        newcomer_id=newcomer.id,
        candidates=people,
        asked=1 if people else 0,
        status=BuddyStatus.ASKING if people else BuddyStatus.NONE,
        created_at=now,
    )
    if not await insert_once(session, row):
        return None
    return people[0] if people else None


@dataclass(frozen=True)
class BuddyAnswer:
    accepted: bool
    next_to_ask: int | None
    """Who to ask now, after a "Not now"; None when nobody is left."""


async def _move_on(
    session: AsyncSession, newcomer_id: int, *also: ColumnElement[bool], **values: object
) -> None:
    """Set ``values`` on the newcomer's buddy record while it is still asking (and ``also``
    holds): of two answers at once exactly one moves it on; the other is told it was
    answered."""
    changed = await rows_changed(
        session,
        update(Buddy)
        .where(Buddy.newcomer_id == newcomer_id, Buddy.status == BuddyStatus.ASKING, *also)
        .values(**values)
        .execution_options(synchronize_session=False),
    )
    if not changed:
        raise Conflict(_ANSWERED)


async def answer(
    session: AsyncSession, newcomer_id: int, member: Member, *, yes: bool, now: datetime
) -> BuddyAnswer:
    """The person being asked answers. Only the one asked now can, and only once."""
    row = await session.get(Buddy, newcomer_id)
    if row is None:
        raise NotAllowed("That newcomer isn't looking for a buddy.")
    current = row.candidates[row.asked - 1] if 0 < row.asked <= len(row.candidates) else None
    if row.status is not BuddyStatus.ASKING or current != member.id:
        if row.buddy_id == member.id:
            raise Conflict("You are already their buddy. Thank you!")
        raise Conflict(_ANSWERED)
    if yes:
        await _move_on(
            session,
            newcomer_id,
            status=BuddyStatus.ACCEPTED,
            buddy_id=member.id,
            accepted_at=now,
            checkin_at=now + CHECKIN_AFTER,
        )
        return BuddyAnswer(True, None)
    remaining = await _askable(session, row.candidates[row.asked :])
    next_id = remaining[0] if remaining else None
    asked = row.candidates.index(next_id) + 1 if next_id is not None else len(row.candidates)
    await _move_on(
        session,
        newcomer_id,
        Buddy.asked == row.asked,
        asked=asked,
        status=BuddyStatus.ASKING if next_id else BuddyStatus.NONE,
    )
    return BuddyAnswer(False, next_id)


async def buddy_of(session: AsyncSession, newcomer_id: int) -> Member | None:
    row = await session.get(Buddy, newcomer_id)
    if row is None or row.buddy_id is None:
        return None
    return await session.get(Member, row.buddy_id)


async def checkins_due(session: AsyncSession, now: datetime) -> list[tuple[int, int]]:
    """(newcomer id, buddy id) pairs due their two-week check-in; each asked once."""
    rows = list(
        (
            await session.scalars(
                select(Buddy).where(
                    Buddy.status == BuddyStatus.ACCEPTED,
                    Buddy.checkin_sent.is_(False),
                    Buddy.checkin_at.is_not(None),
                    Buddy.checkin_at <= now,
                )
            )
        ).all()
    )
    out = []
    for row in rows:
        row.checkin_sent = True
        if row.buddy_id is not None:
            out.append((row.newcomer_id, row.buddy_id))
    await session.flush()
    return out
