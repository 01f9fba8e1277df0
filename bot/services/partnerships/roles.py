"""A light role at a newcomer's first meeting: once that meeting is near, the newcomer is
offered the configured roles (scribe, timekeeper...) or "No thanks"; the answer is kept in
their row of ``buddies`` (``role_offer``) and the facilitator's hand-over pack names them.

``role_offer`` holds ``{"meeting_id", "roles", "offered_at", "answer", "role"}``: ``answer``
is "" until they answer, then "yes" (with ``role``) or "no"; "missed" when the first meeting
had already passed before an offer could be made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import Conflict, NotAllowed, NotFound
from bot.models import (
    Application,
    Buddy,
    BuddyStatus,
    Meeting,
    MeetingStatus,
    Member,
)
from bot.services.partnerships.buddy import welcomed_since
from bot.services.unique import get_or_insert

OFFER_LEAD = timedelta(days=2)
"""The offer goes this long before the hand-over pack, so the answer is usually in when the
pack is written."""
MIN_NOTICE = timedelta(hours=2)
"""A first meeting closer than this is not offered for (too late to prepare)."""
LOOKBACK = timedelta(days=90)
"""Approvals this recent are looked at; a first meeting is rarely further off."""
NO_THANKS = "no"


@dataclass(frozen=True)
class RoleOffer:
    newcomer_id: int
    meeting: Meeting
    roles: tuple[str, ...]
    answer: str
    role: str

    @property
    def open(self) -> bool:
        return not self.answer


async def first_meeting(session: AsyncSession, approved_at: datetime) -> Meeting | None:
    """The first meeting that is still on after the newcomer was approved."""
    found: Meeting | None = (
        await session.scalars(
            select(Meeting)
            .where(
                Meeting.starts_at > approved_at,
                Meeting.status == MeetingStatus.SCHEDULED,
                Meeting.superseded.is_(False),
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(1)
        )
    ).first()
    return found


async def _row_for(session: AsyncSession, newcomer: Member, now: datetime) -> Buddy:
    # No buddy search (buddies are off, or it began before this): a row for the offer only.
    return await get_or_insert(
        session, Buddy, newcomer.id, lambda: offer_only(newcomer.id, now, {})
    )


def offer_only(newcomer_id: int, now: datetime, role_offer: dict[str, Any]) -> Buddy:
    """A ``buddies`` row that carries a role offer and no buddy search."""
    return Buddy(
        newcomer_id=newcomer_id,
        candidates=[],
        asked=0,
        status=BuddyStatus.NONE,
        created_at=now,
        role_offer=role_offer,
    )


async def offers_due(
    session: AsyncSession, now: datetime, roles: Sequence[str], pack_before: timedelta
) -> list[tuple[int, int]]:
    """Record an offer for every approved newcomer whose first meeting starts within the
    hand-over pack's horizon (plus OFFER_LEAD) and who has none yet; returns their member
    ids with the meeting's (each to be sent one DM). An offer not answered (or taken) whose
    meeting was then cancelled is made again for the next meeting. Nothing when ``roles``
    is empty."""
    if not roles:
        return []
    approved = (
        await session.execute(
            select(Member, Application.decided_at)
            .join(Application, Application.member_id == Member.id)
            .outerjoin(Buddy, Buddy.newcomer_id == Member.id)
            .where(welcomed_since(now - LOOKBACK), Member.in_guild.is_(True))
            .order_by(Application.decided_at)
        )
    ).all()
    offered: list[tuple[int, int]] = []
    seen: set[int] = set()
    for newcomer, approved_at in approved:
        if not newcomer.is_active or newcomer.id in seen or approved_at is None:
            continue
        seen.add(newcomer.id)
        existing = await session.get(Buddy, newcomer.id)
        if existing is not None and existing.role_offer:
            if not await _lapsed(session, existing.role_offer):
                continue
            existing.role_offer = {}
        meeting = await first_meeting(session, approved_at)
        if meeting is None or meeting.starts_at - now > pack_before + OFFER_LEAD:
            continue  # not near yet: looked at again on a later tick
        row = await _row_for(session, newcomer, now)
        if row.role_offer:
            continue
        if meeting.starts_at - now < MIN_NOTICE:
            row.role_offer = {"meeting_id": meeting.id, "answer": "missed"}
            continue
        row.role_offer = {
            "meeting_id": meeting.id,
            "roles": list(roles),
            "offered_at": now.isoformat(),
            "answer": "",
            "role": "",
        }
        offered.append((newcomer.id, meeting.id))
    await session.flush()
    return offered


async def _lapsed(session: AsyncSession, offer: dict[str, object]) -> bool:
    """An offer not answered, or taken, whose meeting was cancelled (or replaced) since."""
    if offer.get("answer") not in ("", "yes") or not isinstance(offer.get("meeting_id"), int):
        return False
    meeting = await session.get(Meeting, offer["meeting_id"])
    return meeting is None or meeting.status is not MeetingStatus.SCHEDULED or meeting.superseded


async def offer_of(session: AsyncSession, newcomer_id: int) -> RoleOffer | None:
    """The newcomer's offer with its meeting, or None (no offer, or its meeting is gone)."""
    row = await session.get(Buddy, newcomer_id)
    if row is None or not row.role_offer or "roles" not in row.role_offer:
        return None
    meeting = await session.get(Meeting, int(row.role_offer["meeting_id"]))
    if meeting is None:
        return None
    return RoleOffer(
        newcomer_id=newcomer_id,
        meeting=meeting,
        roles=tuple(str(r) for r in row.role_offer.get("roles", [])),
        answer=str(row.role_offer.get("answer", "")),
        role=str(row.role_offer.get("role", "")),
    )


def still_on(meeting: Meeting, now: datetime) -> bool:
    return (
        meeting.status is MeetingStatus.SCHEDULED
        and not meeting.superseded
        and meeting.starts_at > now
    )


async def answer(
    session: AsyncSession, newcomer_id: int, member: Member, choice: str, now: datetime
) -> RoleOffer:
    """The newcomer takes a role (its index in the offer, as text) or says "no"; they may
    change their mind until the meeting starts. Only the newcomer can answer."""
    if member.id != newcomer_id:
        raise NotAllowed("This offer is for the newcomer it was sent to.")
    offer = await offer_of(session, newcomer_id)
    if offer is None:
        raise NotFound("That offer is no longer open: its meeting was removed.")
    if not still_on(offer.meeting, now):
        raise Conflict("That meeting has started or was cancelled, so the offer has closed.")
    if choice == NO_THANKS:
        values = {"answer": NO_THANKS, "role": ""}
    else:
        index = int(choice) if choice.isdigit() else -1
        if not 0 <= index < len(offer.roles):
            raise NotFound("That role is no longer offered.")
        values = {"answer": "yes", "role": offer.roles[index]}
    row = await session.get(Buddy, newcomer_id)
    assert row is not None
    row.role_offer = {**row.role_offer, **values, "answered_at": now.isoformat()}
    await session.flush()
    return RoleOffer(newcomer_id, offer.meeting, offer.roles, values["answer"], values["role"])


async def taken_at(session: AsyncSession, meeting_id: int) -> list[tuple[str, str]]:
    """(newcomer's name, role) for each newcomer who took a role at this meeting."""
    rows = (
        await session.execute(
            select(Member.display_name, Buddy.role_offer)
            .join(Member, Member.id == Buddy.newcomer_id)
            .where(Buddy.role_offer["meeting_id"].as_integer() == meeting_id)
            .order_by(Member.id)
        )
    ).all()
    return [
        (name or "A newcomer", str(offer.get("role", "")))
        for name, offer in rows
        if offer.get("answer") == "yes" and offer.get("role")
    ]
