"""Who holds which role at a meeting: reading and setting assignments, and claiming a
turn so that, of many people asking at once, exactly one gets it.

A claim is decided by the database (a conditional UPDATE, or an INSERT against the
``(meeting_id, role)`` unique constraint), never by what a session read earlier, so it
holds on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InvalidInput
from bot.models import (
    AssignmentRole,
    AssignmentSource,
    FacilitationAssignment,
    Meeting,
    Member,
)
from bot.services.unique import insert_once

PINNED = frozenset({AssignmentSource.ASSIGNED, AssignmentSource.VOLUNTEER, AssignmentSource.SWAP})
"""Turns set by a person, which planning keeps while the member can take them."""


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def assignment_of(meeting: Meeting, role: AssignmentRole) -> FacilitationAssignment | None:
    return next((a for a in meeting.assignments if a.role is role), None)


def new_assignment(
    meeting: Meeting,
    member: Member,
    role: AssignmentRole,
    source: AssignmentSource,
    now: datetime,
    *,
    first_turn: bool = False,
) -> FacilitationAssignment:
    """A turn not yet taken or missed, for the caller to add (to the session or the
    meeting's assignments)."""
    return FacilitationAssignment(
        meeting_id=meeting.id,
        member_id=member.id,
        role=role,
        source=source,
        first_turn=first_turn,
        missed=False,
        created_at=now,
    )


def set_assignment(
    meeting: Meeting,
    role: AssignmentRole,
    member: Member | None,
    source: AssignmentSource,
    now: datetime,
    *,
    first_turn: bool = False,
) -> None:
    """Point one role of a future meeting at ``member`` (or clear it), in place."""
    current = assignment_of(meeting, role)
    if member is None:
        if current is not None:
            meeting.assignments.remove(current)
        return
    if current is None:
        added = new_assignment(meeting, member, role, source, now, first_turn=first_turn)
        added.member = member
        meeting.assignments.append(added)
        return
    if current.member_id != member.id:
        current.member = member
        current.member_id = member.id
        current.source = source
        current.created_at = now
    elif current.source is not source and source is not AssignmentSource.AUTO:
        current.source = source
    current.first_turn = first_turn


def require_future_scheduled(meeting: Meeting, now: datetime) -> None:
    if meeting.starts_at <= now:
        raise InvalidInput("That meeting has already started; past turns can't be changed.")
    if meeting.is_cancelled:
        raise InvalidInput("That meeting is cancelled, so it has no facilitator to change.")


async def holder_of(session: AsyncSession, meeting_id: int, role: AssignmentRole) -> Member | None:
    """Who holds ``role`` at the meeting now, read fresh from the database."""
    return await session.scalar(
        select(Member)
        .join(FacilitationAssignment, FacilitationAssignment.member_id == Member.id)
        .where(
            FacilitationAssignment.meeting_id == meeting_id,
            FacilitationAssignment.role == role,
        )
        .execution_options(populate_existing=True)
    )


async def claim(
    session: AsyncSession,
    meeting: Meeting,
    role: AssignmentRole,
    member: Member,
    source: AssignmentSource,
    now: datetime,
    *,
    from_sources: Collection[AssignmentSource] | None = None,
    from_member_id: int | None = None,
    only_if_empty: bool = False,
) -> bool:
    """Give ``role`` at ``meeting`` to ``member`` if the database still allows it.

    The row changes only where it still matches what the caller decided on: its
    source is one of ``from_sources`` and/or its holder is ``from_member_id``. With no
    row yet, an INSERT races on the unique constraint. Returns whether this caller won.
    Objects the session loaded earlier may be stale afterwards: planning reloads the
    meetings it changes (``fresh=True``).
    """
    existing = await session.scalar(
        select(FacilitationAssignment.id).where(
            FacilitationAssignment.meeting_id == meeting.id,
            FacilitationAssignment.role == role,
        )
    )
    if existing is None:
        return await insert_once(session, new_assignment(meeting, member, role, source, now))
    if only_if_empty:
        return False
    statement = (
        update(FacilitationAssignment)
        .where(FacilitationAssignment.id == existing)
        .values(member_id=member.id, source=source, created_at=now, first_turn=False)
        .execution_options(synchronize_session=False)
    )
    if from_sources is not None:
        statement = statement.where(FacilitationAssignment.source.in_(list(from_sources)))
    if from_member_id is not None:
        statement = statement.where(FacilitationAssignment.member_id == from_member_id)
    result = await session.execute(statement)
    return getattr(result, "rowcount", 0) == 1


async def drop_co_role_of(session: AsyncSession, meeting: Meeting, member: Member) -> None:
    """A member who now facilitates a meeting no longer co-facilitates it."""
    co = await session.scalar(
        select(FacilitationAssignment).where(
            FacilitationAssignment.meeting_id == meeting.id,
            FacilitationAssignment.role == AssignmentRole.CO_FACILITATOR,
            FacilitationAssignment.member_id == member.id,
        )
    )
    if co is not None:
        await session.delete(co)
        await session.flush()
