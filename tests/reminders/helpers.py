"""Builders for reminder tests: meetings straight into the database (members come from
``tests.builders``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import AssignmentRole, AssignmentSource, Meeting, MeetingStatus, Member
from bot.services.rotation.assignments import set_assignment
from tests.builders import JOINED, add_member

__all__ = ["JOINED", "add_meeting", "add_member", "days", "set_facilitator"]


async def add_meeting(
    session: AsyncSession,
    starts_at: datetime,
    *,
    facilitator: Member | None = None,
    co_facilitator: Member | None = None,
    place: str = "Rockhampton library, room 2",
    title: str = "",
    now: datetime = JOINED,
) -> Meeting:
    meeting = Meeting(
        starts_at=starts_at,
        duration_minutes=90,
        place=place,
        title=title,
        status=MeetingStatus.SCHEDULED,
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    await session.refresh(meeting, ["assignments"])
    for member, role in (
        (facilitator, AssignmentRole.FACILITATOR),
        (co_facilitator, AssignmentRole.CO_FACILITATOR),
    ):
        first_turn = role is AssignmentRole.CO_FACILITATOR
        set_assignment(meeting, role, member, AssignmentSource.ASSIGNED, now, first_turn=first_turn)
    await session.flush()
    await session.refresh(meeting, ["assignments"])
    return meeting


async def set_facilitator(session: AsyncSession, meeting: Meeting, member: Member) -> None:
    await session.refresh(meeting, ["assignments"])
    for assignment in meeting.assignments:
        if assignment.role is AssignmentRole.FACILITATOR:
            assignment.member_id = member.id
    await session.flush()
    session.expire(meeting)


def days(n: float) -> timedelta:
    return timedelta(days=n)
