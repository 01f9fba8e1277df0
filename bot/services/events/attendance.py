"""Who came to a meeting: recorded by its facilitator or a coordinator after it, and used
by the ledger, the learning prompt and /mydata."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InvalidInput, NotAllowed
from bot.models import (
    AssignmentRole,
    FacilitationAssignment,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    Member,
)


@dataclass(frozen=True)
class Recorded:
    meeting: Meeting
    attended: list[int]
    """User ids recorded as having come."""
    unknown: list[int]
    """Chosen user ids the bot has no member record of (not recorded)."""


def may_record(meeting: Meeting, user_id: int, *, coordinator: bool) -> bool:
    """Coordinators, and the meeting's facilitator or co-facilitator, may record who came."""
    if coordinator:
        return True
    return any(a.member.user_id == user_id for a in meeting.assignments)


def _require_past(meeting: Meeting, now: datetime) -> None:
    if meeting.starts_at > now:
        raise InvalidInput("That meeting hasn't happened yet. Record who came once it has started.")
    if meeting.status is not MeetingStatus.SCHEDULED:
        raise InvalidInput("That meeting was cancelled, so nobody came to it.")


async def record(
    session: AsyncSession,
    meeting: Meeting,
    user_ids: Iterable[int],
    *,
    by_user: int,
    coordinator: bool,
    now: datetime,
) -> Recorded:
    """Set who came to ``meeting`` (replacing what was recorded before)."""
    if not may_record(meeting, by_user, coordinator=coordinator):
        raise NotAllowed(
            "Only the meeting's facilitators and the coordinators can record who came."
        )
    _require_past(meeting, now)
    wanted = list(dict.fromkeys(user_ids))
    found = (
        await session.execute(select(Member.user_id, Member.id).where(Member.user_id.in_(wanted)))
    ).all()
    member_of = dict(found)
    await session.execute(
        delete(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting.id)
    )
    for user_id in wanted:
        if user_id in member_of:
            session.add(
                MeetingAttendance(
                    meeting_id=meeting.id,
                    member_id=member_of[user_id],
                    recorded_by=by_user,
                    recorded_at=now,
                )
            )
    await session.flush()
    return Recorded(
        meeting,
        [u for u in wanted if u in member_of],
        [u for u in wanted if u not in member_of],
    )


async def _user_ids(
    session: AsyncSession,
    rows: type[MeetingAttendance] | type[FacilitationAssignment],
    meeting_id: int,
    order: ColumnElement[Any],
) -> list[int]:
    """The user ids of the members ``rows`` (attendance or assignments) name for a meeting."""
    found = await session.scalars(
        select(Member.user_id)
        .join(rows, rows.member_id == Member.id)
        .where(rows.meeting_id == meeting_id)
        .order_by(order)
    )
    return list(found.all())


async def attended(session: AsyncSession, meeting_id: int) -> list[int]:
    """The user ids recorded as having come to a meeting."""
    return await _user_ids(session, MeetingAttendance, meeting_id, MeetingAttendance.id.asc())


@dataclass(frozen=True)
class Recipients:
    """Who the post-meeting learning prompt goes to."""

    everyone: bool
    """Nobody recorded attendance: the prompt goes to everyone, as before."""
    user_ids: list[int]
    """When not ``everyone``: those recorded as having come."""


async def prompt_recipients(session: AsyncSession, meeting_id: int) -> Recipients:
    """Those who came to the meeting, or everyone if nobody recorded attendance."""
    came = await attended(session, meeting_id)
    return Recipients(everyone=not came, user_ids=came)


async def member_attendance(session: AsyncSession, member: Member) -> list[dict[str, str]]:
    """A member's attendance, for /mydata."""
    rows = (
        await session.execute(
            select(Meeting.starts_at, MeetingAttendance.recorded_at)
            .join(MeetingAttendance, MeetingAttendance.meeting_id == Meeting.id)
            .where(MeetingAttendance.member_id == member.id)
            .order_by(Meeting.starts_at)
        )
    ).all()
    return [
        {"meeting_starts_at": starts.isoformat(), "recorded_at": at.isoformat()}
        for starts, at in rows
    ]


async def facilitators_of(session: AsyncSession, meeting_id: int) -> list[int]:
    """The user ids of a meeting's facilitator and co-facilitator."""
    facilitator_first = FacilitationAssignment.role != AssignmentRole.FACILITATOR
    return await _user_ids(session, FacilitationAssignment, meeting_id, facilitator_first)
