"""A light role at a newcomer's first meeting: who is offered one and when, the answer, and
what the facilitator's hand-over pack is told. Real database built by the migrations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db import Database
from bot.errors import Conflict, NotAllowed
from bot.models import (
    Application,
    ApplicationStatus,
    Buddy,
    BuddyStatus,
    Meeting,
    MeetingStatus,
    Member,
    OutboundItem,
)
from bot.services import partnerships
from bot.services.partnerships import jobs, roles
from tests.builders import add_member

NOW = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
PACK = timedelta(days=7)
ROLES = ("scribe", "timekeeper")


async def newcomer(
    db: Database, name: str = "Nina Newcomer", *, approved: datetime = NOW, in_guild: bool = True
) -> Member:
    async with db.transaction() as session:
        member = await add_member(session, name, approved, in_guild=in_guild)
        session.add(
            Application(
                member_id=member.id,
                user_id=member.user_id,
                status=ApplicationStatus.APPROVED,
                submitted_at=approved - timedelta(days=1),
                decided_at=approved,
                welcomed_at=approved,
            )
        )
    return member


async def meeting(
    db: Database, starts_at: datetime, status: MeetingStatus = MeetingStatus.SCHEDULED
) -> int:
    async with db.transaction() as session:
        row = Meeting(
            starts_at=starts_at,
            duration_minutes=90,
            place="Room 4",
            status=status,
            created_at=NOW - timedelta(days=30),
        )
        session.add(row)
        await session.flush()
        return row.id


async def due(db: Database, now: datetime, offered: tuple[str, ...] = ROLES) -> list[int]:
    """The newcomers offered a role now."""
    async with db.transaction() as session:
        return [n for n, _ in await roles.offers_due(session, now, offered, PACK)]


async def offer(db: Database, member_id: int) -> dict[str, object]:
    async with db.transaction() as session:
        row = await session.get(Buddy, member_id)
        return dict(row.role_offer) if row else {}


async def test_offer_waits_until_the_first_meeting_is_near_then_is_made_once(
    db: Database,
) -> None:
    nina = await newcomer(db)
    starts = NOW + timedelta(days=20)
    meeting_id = await meeting(db, starts)
    assert await due(db, NOW) == []  # 20 days off: not yet
    near = starts - PACK - roles.OFFER_LEAD
    assert await due(db, near - timedelta(hours=1)) == []
    assert await due(db, near) == [nina.id]
    assert await due(db, near + timedelta(hours=1)) == []  # once only
    recorded = await offer(db, nina.id)
    assert recorded["meeting_id"] == meeting_id
    assert recorded["roles"] == list(ROLES)
    assert recorded["answer"] == ""


async def test_tick_queues_one_dm_through_the_outbound_path(db: Database) -> None:
    nina = await newcomer(db)
    await meeting(db, NOW + timedelta(days=5))
    for _ in range(2):  # a second tick (or a restart) queues nothing more
        async with db.transaction() as session:
            await jobs.tick(
                session,
                NOW,
                schedule="",
                zone=ZoneInfo("Australia/Brisbane"),
                cross_town=False,
                buddies=False,
                first_meeting_roles=ROLES,
                pack_before=PACK,
            )
    async with db.transaction() as session:
        items = list(await session.scalars(select(OutboundItem)))
    assert [(i.user_id, i.template, i.params) for i in items] == [
        (nina.user_id, jobs.FIRST_ROLE_TEMPLATE, {"newcomer_id": nina.id})
    ]


async def test_no_roles_configured_offers_nothing(db: Database) -> None:
    nina = await newcomer(db)
    await meeting(db, NOW + timedelta(days=3))
    assert await due(db, NOW, offered=()) == []
    assert await offer(db, nina.id) == {}


async def test_first_meeting_is_the_first_still_on_after_approval(db: Database) -> None:
    nina = await newcomer(db)
    await meeting(db, NOW - timedelta(days=3))  # before approval: not theirs
    await meeting(db, NOW + timedelta(days=2), status=MeetingStatus.CANCELLED)
    second = await meeting(db, NOW + timedelta(days=4))
    assert await due(db, NOW) == [nina.id]
    assert (await offer(db, nina.id))["meeting_id"] == second


async def test_members_who_left_are_not_offered(db: Database) -> None:
    gone = await newcomer(db, "Gone Member", in_guild=False)
    await meeting(db, NOW + timedelta(days=3))
    assert await due(db, NOW) == []
    assert await offer(db, gone.id) == {}


async def test_meeting_too_soon_is_recorded_as_missed_not_offered(db: Database) -> None:
    nina = await newcomer(db)
    await meeting(db, NOW + timedelta(minutes=30))
    assert await due(db, NOW) == []
    assert (await offer(db, nina.id))["answer"] == "missed"


async def test_buddy_search_row_keeps_its_status_and_gains_the_offer(db: Database) -> None:
    nina = await newcomer(db)
    async with db.transaction() as session:
        ana = await add_member(session, "Ana")
        first = await partnerships.buddy.start(session, nina, [ana.id], NOW)
    assert first == ana.id
    await meeting(db, NOW + timedelta(days=3))
    assert await due(db, NOW) == [nina.id]
    async with db.transaction() as session:
        row = await session.get(Buddy, nina.id)
        assert row is not None
        assert row.status is BuddyStatus.ASKING
        assert row.candidates == [ana.id]


async def test_only_the_newcomer_answers_and_the_pack_hears_the_role(db: Database) -> None:
    nina = await newcomer(db)
    starts = NOW + timedelta(days=3)
    meeting_id = await meeting(db, starts)
    assert await due(db, NOW) == [nina.id]
    async with db.transaction() as session:
        other = await add_member(session, "Ben")
        with pytest.raises(NotAllowed):
            await roles.answer(session, nina.id, other, "0", NOW)
        me = await session.get(Member, nina.id)
        assert me is not None
        taken = await roles.answer(session, nina.id, me, "0", NOW)
        assert taken.role == "scribe"
        assert await partnerships.first_meeting_roles_at(session, meeting_id) == [
            ("Nina Newcomer", "scribe")
        ]
        await roles.answer(session, nina.id, me, roles.NO_THANKS, NOW + timedelta(hours=1))
        assert await partnerships.first_meeting_roles_at(session, meeting_id) == []
        with pytest.raises(Conflict):
            await roles.answer(session, nina.id, me, "1", starts + timedelta(minutes=1))


async def test_unanswered_offer_for_a_cancelled_meeting_moves_to_the_next(db: Database) -> None:
    nina = await newcomer(db)
    first = await meeting(db, NOW + timedelta(days=3))
    later = await meeting(db, NOW + timedelta(days=6))
    assert await due(db, NOW) == [nina.id]
    assert (await offer(db, nina.id))["meeting_id"] == first
    assert await due(db, NOW + timedelta(hours=1)) == []  # still open: nothing new
    async with db.transaction() as session:
        cancelled = await session.get(Meeting, first)
        assert cancelled is not None
        cancelled.status = MeetingStatus.CANCELLED
    assert await due(db, NOW + timedelta(hours=2)) == [nina.id]
    assert (await offer(db, nina.id))["meeting_id"] == later
