"""The events capability's part of /mydata: meetings attended and events marked Interested."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from bot.models import Meeting, MeetingAttendance, MeetingRsvp
from bot.services.events.attendance import member_attendance
from bot.services.mydata import Contributor, Erased, Person
from bot.services.unique import rows_changed


async def export(person: Person) -> dict[str, Any]:
    session, member = person.session, person.member
    interested = (
        await session.scalars(
            select(Meeting.starts_at)
            .join(MeetingRsvp, MeetingRsvp.meeting_id == Meeting.id)
            .where(MeetingRsvp.user_id == member.user_id)
            .order_by(Meeting.starts_at)
        )
    ).all()
    return {
        "attendance": await member_attendance(session, member),
        "interested_in_meetings": [starts.isoformat() for starts in interested],
    }


async def erase(person: Person) -> Erased:
    session, member = person.session, person.member
    came = await rows_changed(
        session, delete(MeetingAttendance).where(MeetingAttendance.member_id == member.id)
    )
    rsvps = await rows_changed(
        session, delete(MeetingRsvp).where(MeetingRsvp.user_id == member.user_id)
    )
    return Erased(counts={"attendance records": came, "meeting RSVPs": rsvps})


CONTRIBUTOR = Contributor("events", export=export, erase=erase)
