"""The capability's background work, decided here and sent through the one outbound path:
rounds when they are due, their check-ins, partnership check-ins, buddies.

``tick`` is safe to run as often as wanted and from several places at once: rounds are
unique by time, the check-ins are cleared as they are taken, and every DM is queued under
a key that the outbound path never sends twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Application, Buddy, Member, Partnership
from bot.services import outbound
from bot.services.outbound import Kind
from bot.services.partnerships import buddy, log, roles, rounds
from bot.services.when import parse_recurrence

PAIRING_TEMPLATE = "partnerships.pairing"
ROUND_CHECKIN_TEMPLATE = "partnerships.round_checkin"
CHECKIN_TEMPLATE = "partnerships.checkin"
PROPOSAL_TEMPLATE = "partnerships.proposal"
BUDDY_ASK_TEMPLATE = "partnerships.buddy_ask"
BUDDY_CHECKIN_TEMPLATE = "partnerships.buddy_checkin"
FIRST_ROLE_TEMPLATE = "partnerships.first_role"

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)
"""Schedules are read from a fixed moment, so "every 4 weeks" keeps its phase."""
ROUND_GRACE = timedelta(days=2)
"""A round missed while the bot was down still starts within this; older ones are skipped."""
CHECKIN_WINDOW = timedelta(days=3)
BUDDY_LOOKBACK = timedelta(days=7)


@dataclass
class TickResult:
    rounds: list[int] = field(default_factory=list)
    queued: int = 0


async def _user_ids(session: AsyncSession, member_ids: list[int]) -> list[int]:
    if not member_ids:
        return []
    rows = await session.scalars(select(Member.user_id).where(Member.id.in_(member_ids)))
    return list(rows)


async def _rounds(
    session: AsyncSession, now: datetime, schedule: str, zone: ZoneInfo, cross_town: bool
) -> TickResult:
    result = TickResult()
    if not schedule:
        return result
    recurrence = parse_recurrence(schedule, zone, ANCHOR)
    due = recurrence.occurrences(now - ROUND_GRACE, now + timedelta(seconds=1))
    for starts_at in due[-1:]:  # never more than the latest
        following = recurrence.occurrences(
            starts_at + timedelta(seconds=1), starts_at + timedelta(days=400)
        )
        length = (following[0] - starts_at) if following else timedelta(days=28)
        made = await rounds.make_round(
            session, starts_at, now, checkin_after=length / 2, cross_town=cross_town
        )
        if made is None:
            continue
        batch = await outbound.enqueue_many(
            session,
            now,
            kind=Kind.NOTICE,
            key=f"round-{made.round_id}",
            user_ids=await _user_ids(session, made.people),
            template=PAIRING_TEMPLATE,
            params={"round_id": made.round_id},
            label="Connection round pairings",
        )
        result.rounds.append(made.round_id)
        result.queued += batch.added
    for round_id in await rounds.rounds_due_checkin(session, now, CHECKIN_WINDOW):
        batch = await outbound.enqueue_many(
            session,
            now,
            kind=Kind.NOTICE,
            key=f"round-checkin-{round_id}",
            user_ids=await rounds.members_of(session, round_id),
            template=ROUND_CHECKIN_TEMPLATE,
            params={"round_id": round_id},
            label="Connection round check-in",
        )
        result.queued += batch.added
    return result


async def _partnership_checkins(session: AsyncSession, now: datetime) -> int:
    queued = 0
    for row in await log.checkins_due(session, now):
        ids = [i for i in (row.proposer_id, row.partner_id) if i is not None]
        batch = await outbound.enqueue_many(
            session,
            now,
            kind=Kind.NOTICE,
            key=f"partnership-checkin-{row.id}-{now.date().isoformat()}",
            user_ids=await _user_ids(session, ids),
            template=CHECKIN_TEMPLATE,
            params={"partnership_id": row.id},
            label="Partnership check-in",
        )
        queued += batch.added
    return queued


async def _queue_one(
    session: AsyncSession,
    now: datetime,
    member_id: int,
    *,
    kind: Kind,
    key: str,
    template: str,
    params: dict[str, object],
) -> int:
    """Queue one DM to one member (1 if queued, 0 if gone or queued before)."""
    user_ids = await _user_ids(session, [member_id])
    if not user_ids:
        return 0
    item = await outbound.enqueue(
        session, now, kind=kind, key=key, user_id=user_ids[0], template=template, params=params
    )
    return int(item is not None)


async def ask_buddy(session: AsyncSession, now: datetime, newcomer_id: int, member_id: int) -> int:
    """Queue the "will you be their buddy?" DM to one member."""
    return await _queue_one(
        session,
        now,
        member_id,
        kind=Kind.NOTICE,
        key=f"buddy-{newcomer_id}-{member_id}",
        template=BUDDY_ASK_TEMPLATE,
        params={"newcomer_id": newcomer_id},
    )


async def _buddies(session: AsyncSession, now: datetime) -> int:
    """Newcomers approved lately who have no buddy record yet: start with their "meet
    first" people (approval happens in onboarding; this picks it up from the record)."""
    queued = 0
    approved = await session.execute(
        select(Application.member_id, Application.meet_first)
        .outerjoin(Buddy, Buddy.newcomer_id == Application.member_id)
        .where(buddy.welcomed_since(now - BUDDY_LOOKBACK), Buddy.newcomer_id.is_(None))
    )
    for member_id, meet_first in approved.all():
        newcomer = await session.get(Member, member_id)
        if newcomer is None or not newcomer.is_active:
            continue
        first = await buddy.start(session, newcomer, list(meet_first or []), now)
        if first is not None:
            queued += await ask_buddy(session, now, newcomer.id, first)
    for newcomer_id, buddy_id in await buddy.checkins_due(session, now):
        batch = await outbound.enqueue_many(
            session,
            now,
            kind=Kind.NOTICE,
            key=f"buddy-checkin-{newcomer_id}",
            user_ids=await _user_ids(session, [newcomer_id, buddy_id]),
            template=BUDDY_CHECKIN_TEMPLATE,
            params={"newcomer_id": newcomer_id},
            label="Buddy check-in",
        )
        queued += batch.added
    return queued


async def _first_meeting_roles(
    session: AsyncSession, now: datetime, offered: Sequence[str], pack_before: timedelta
) -> int:
    """Offer newcomers a light role at their first meeting: one DM each, once."""
    queued = 0
    for newcomer_id, meeting_id in await roles.offers_due(session, now, offered, pack_before):
        queued += await _queue_one(
            session,
            now,
            newcomer_id,
            kind=Kind.MEETING_REMINDER,
            key=f"first-role-{newcomer_id}-m{meeting_id}",
            template=FIRST_ROLE_TEMPLATE,
            params={"newcomer_id": newcomer_id},
        )
    return queued


async def tick(
    session: AsyncSession,
    now: datetime,
    *,
    schedule: str,
    zone: ZoneInfo,
    cross_town: bool,
    buddies: bool,
    first_meeting_roles: Sequence[str] = (),
    pack_before: timedelta = timedelta(days=7),
) -> TickResult:
    """``first_meeting_roles``: the light roles newcomers are offered once their first
    meeting is within ``pack_before`` (the hand-over pack's lead, reminders'
    ``facilitator_pack_days_before``) plus ``roles.OFFER_LEAD``; empty turns it off."""
    result = await _rounds(session, now, schedule, zone, cross_town)
    result.queued += await _partnership_checkins(session, now)
    if buddies:
        result.queued += await _buddies(session, now)
    result.queued += await _first_meeting_roles(session, now, first_meeting_roles, pack_before)
    return result


async def queue_proposal(session: AsyncSession, now: datetime, row: Partnership) -> int:
    """Queue the invitation to the other person: Accept / Not now."""
    if row.partner_id is None:
        return 0
    user_ids = await _user_ids(session, [row.partner_id])
    if not user_ids:
        return 0
    item = await outbound.enqueue(
        session,
        now,
        kind=Kind.NOTICE,
        key=f"proposal-{row.id}",
        user_id=user_ids[0],
        template=PROPOSAL_TEMPLATE,
        params={"partnership_id": row.id},
    )
    return int(item is not None)
