"""What the rotation holds about one member (/mydata), and erasing it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.models import (
    FacilitationAssignment,
    Meeting,
    Member,
    RotationEntry,
    StandingAvailability,
    SwapRequest,
    Unavailability,
)
from bot.services.mydata import Contributor
from bot.services.rotation.availability import standing_rule
from bot.services.rotation.reasons import open_reason
from bot.services.rotation.series import upcoming_meetings
from bot.services.rotation.swaps import withdraw_swaps_of


async def personal_data(session: AsyncSession, member: Member, keyring: Keyring) -> dict[str, Any]:
    """Everything the rotation holds about one member (reasons decrypted with ``keyring``)."""
    rows = (
        await session.execute(
            select(FacilitationAssignment, Meeting.starts_at, Meeting.status)
            .join(Meeting, Meeting.id == FacilitationAssignment.meeting_id)
            .where(
                or_(
                    FacilitationAssignment.member_id == member.id,
                    FacilitationAssignment.stand_in_id == member.id,
                )
            )
            .order_by(Meeting.starts_at)
        )
    ).all()
    assignments = [
        {
            "meeting_starts_at": starts_at.isoformat(),
            "meeting_status": status.value,
            "role": a.role.value if a.member_id == member.id else "stand_in",
            "source": a.source.value,
            "first_turn": a.first_turn,
            "missed": a.missed if a.member_id == member.id else False,
        }
        for a, starts_at, status in rows
    ]
    unavailable = [
        {
            "first_day": u.first_day.isoformat(),
            "last_day": u.last_day.isoformat(),
            "reason": open_reason(keyring, u),
            "recorded_at": u.created_at.isoformat(),
        }
        for u in (
            await session.scalars(
                select(Unavailability)
                .where(Unavailability.member_id == member.id)
                .order_by(Unavailability.first_day)
            )
        ).all()
    ]
    swaps = [
        {
            "role": "asked" if s.requester_id == member.id else "was asked",
            "status": s.status.value,
            "requested_at": s.created_at.isoformat(),
            "decided_at": s.decided_at.isoformat() if s.decided_at else None,
        }
        for s in (
            await session.scalars(
                select(SwapRequest)
                .where(
                    or_(SwapRequest.requester_id == member.id, SwapRequest.target_id == member.id)
                )
                .order_by(SwapRequest.id)
            )
        ).all()
    ]
    entry = await session.get(RotationEntry, member.id)
    rule = await standing_rule(session, member.id)
    return {
        "rotation": (
            {
                "in_rotation": entry.active,
                "entered_at": entry.entered_at.isoformat(),
                "starting_count": entry.baseline,
            }
            if entry
            else None
        ),
        "assignments": assignments,
        "unavailability": unavailable,
        "standing_availability": None if rule.is_empty else rule.describe(),
        "swaps": swaps,
    }


async def erase_personal_data(session: AsyncSession, member: Member, now: datetime) -> None:
    """Delete what is personal (unavailability and its reasons, standing availability,
    pending swaps) and take the member out of the rotation. Roster history is kept: it
    is de-identified when the member row itself is scrubbed."""
    await session.execute(delete(Unavailability).where(Unavailability.member_id == member.id))
    await session.execute(
        delete(StandingAvailability).where(StandingAvailability.member_id == member.id)
    )
    await withdraw_swaps_of(session, member, now)
    for meeting in await upcoming_meetings(session, now):
        for assignment in [a for a in meeting.assignments if a.member_id == member.id]:
            meeting.assignments.remove(assignment)
    entry = await session.get(RotationEntry, member.id)
    if entry is not None:
        entry.active = False
    await session.flush()


# --- /mydata ------------------------------------------------------------------------------


MYDATA = Contributor(
    "rotation",
    export=lambda person: personal_data(person.session, person.member, person.keyring),
    erase=lambda person: erase_personal_data(person.session, person.member, person.now),
)
"""The rotation's part of ``/mydata`` (``bot.services.mydata``)."""
