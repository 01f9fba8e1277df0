"""What the reminder engine needs to know about meetings, read from the rotation's tables.

The chain of a meeting is derived from the meeting's *current* state every time it is
planned and again when each step comes due, so meetings that are moved, cancelled or change
facilitator after their reminders were planned never send stale reminders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Meeting, MeetingStatus, Member


@dataclass(frozen=True)
class MeetingFacts:
    id: int
    starts_at: datetime
    ends_at: datetime
    title: str
    place: str
    cancelled: bool
    facilitator_user_id: int | None
    facilitator_name: str
    co_facilitator_user_id: int | None
    co_facilitator_name: str
    first_turn: bool


def _name(member: Member | None) -> str:
    if member is None:
        return ""
    return member.display_name or f"<@{member.user_id}>"


def facts_of(meeting: Meeting) -> MeetingFacts:
    facilitator = meeting.facilitator
    co = meeting.co_facilitator
    first_turn = any(a.first_turn for a in meeting.assignments)
    return MeetingFacts(
        id=meeting.id,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        title=meeting.title,
        place=meeting.place,
        cancelled=meeting.status is MeetingStatus.CANCELLED or meeting.superseded,
        facilitator_user_id=facilitator.user_id if facilitator else None,
        facilitator_name=_name(facilitator),
        co_facilitator_user_id=co.user_id if co else None,
        co_facilitator_name=_name(co),
        first_turn=first_turn,
    )


async def meetings_between(
    session: AsyncSession, since: datetime, until: datetime
) -> list[MeetingFacts]:
    """Every meeting (cancelled ones too) starting in ``[since, until)``."""
    rows = await session.scalars(
        select(Meeting)
        .where(Meeting.starts_at >= since, Meeting.starts_at < until)
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [facts_of(m) for m in rows]


async def meetings_by_id(session: AsyncSession, ids: set[int]) -> dict[int, MeetingFacts]:
    if not ids:
        return {}
    rows = await session.scalars(select(Meeting).where(Meeting.id.in_(ids)))
    return {m.id: facts_of(m) for m in rows}


async def meeting_facts(session: AsyncSession, meeting_id: int) -> MeetingFacts | None:
    meeting = await session.get(Meeting, meeting_id)
    return facts_of(meeting) if meeting is not None else None
