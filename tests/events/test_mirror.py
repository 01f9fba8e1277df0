"""Meetings mirrored as scheduled events, with a fake events port and a real database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.models import Meeting, MeetingMirror, MirrorState
from bot.services import events, rotation
from bot.services.events import EventsSettings, Place
from bot.services.rotation import RotationRules
from bot.services.rotation import series as meeting_service
from tests.events.fake_events import FakeEvents
from tests.rotation.helpers import add_member, meeting_series

ZONE = ZoneInfo("Australia/Brisbane")
RULES = RotationRules(zone=ZONE, settle_days=7, experienced_after=1, horizon_days=120)
SETTINGS = EventsSettings(horizon_days=60, community="CQ Brokers CoP")
NOW = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)  # Monday 2 March, 08:00 in Brisbane


async def _community(db: Database, place: str = "Room 4, CQUniversity") -> None:
    async with db.transaction() as session:
        for name in ("ana", "ben", "cora"):
            await add_member(session, name, NOW - timedelta(days=100))
        await meeting_series(session, NOW, RULES.horizon_days, place=place)
        await rotation.plan(session, NOW, RULES)


async def _sweep(db: Database, out: FakeEvents, now: datetime = NOW) -> events.SweepReport:
    return await events.sweep(db.transaction, out, now, SETTINGS, holder="test")


async def _first_meeting(db: Database) -> Meeting:
    async with db.transaction() as session:
        found = await meeting_service.upcoming_meetings(session, NOW, limit=1)
        return found[0]


async def _mirrored(db: Database) -> FakeEvents:
    """The community's series, swept once: every meeting in the horizon has its event."""
    await _community(db)
    out = FakeEvents()
    await _sweep(db, out)
    return out


async def _sweep_after_first_changes(
    db: Database, change: Callable[[AsyncSession, Meeting], Awaitable[object]]
) -> tuple[FakeEvents, int, events.SweepReport]:
    """The series mirrored, ``change`` made to its first meeting, and a sweep after it:
    the events, the first meeting's id and what the sweep did."""
    out = await _mirrored(db)
    first = await _first_meeting(db)
    async with db.transaction() as session:
        meeting = await session.get(Meeting, first.id)
        assert meeting is not None
        await change(session, meeting)
    return out, first.id, await _sweep(db, out)


async def test_series_creates_one_event_per_meeting_within_the_horizon(db: Database) -> None:
    await _community(db)
    out = FakeEvents()
    report = await _sweep(db, out)
    # Weekly on Tuesdays from 3 March: 9 meetings fall within 60 days.
    assert report.count("created") == 9
    listed = sorted(out.open_events(), key=lambda e: e.start)
    assert len(listed) == 9
    first = listed[0]
    assert first.kind == "external"
    assert first.location == "Room 4, CQUniversity"
    assert first.start == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert first.end == first.start + timedelta(minutes=90)
    assert "Facilitator: ana" in first.description
    assert "CQ Brokers CoP" in first.description
    assert all(e.start <= NOW + timedelta(days=60) for e in listed)


async def test_sweeping_again_or_after_a_restart_makes_no_duplicate(db: Database) -> None:
    out = await _mirrored(db)
    again = await _sweep(db, out)
    later = await _sweep(db, out, NOW + timedelta(hours=1))
    assert out.created == 9
    assert again.count("created") == 0
    assert later.count("created") == 0
    assert out.edited == 0


async def test_event_created_before_a_crash_is_adopted_not_doubled(db: Database) -> None:
    async def forget_the_event(session: AsyncSession, meeting: Meeting) -> None:
        # as if the bot crashed before recording the event it had made
        where = MeetingMirror.meeting_id == meeting.id
        await session.delete((await session.scalars(select(MeetingMirror).where(where))).one())

    out, _, report = await _sweep_after_first_changes(db, forget_the_event)
    assert report.count("adopted") == 1
    assert out.created == 9


async def test_facilitator_change_updates_the_description(db: Database) -> None:
    async def hand_to_cora(session: AsyncSession, meeting: Meeting) -> None:
        pool = (await rotation.sync_pool(session, NOW)).values()
        cora = next(m for m in pool if m.member.display_name == "cora")
        await rotation.assign(session, meeting, cora.member, NOW, RULES)

    out, first_id, report = await _sweep_after_first_changes(db, hand_to_cora)
    assert report.count("updated") >= 1
    (event,) = out.by_description(events.marker(first_id))
    assert "Facilitator: cora" in event.description
    assert out.created == 9


async def test_cancel_cancels_the_event(db: Database) -> None:
    out, first_id, report = await _sweep_after_first_changes(
        db,
        lambda session, meeting: meeting_service.cancel_meeting(
            session, meeting, reason="", now=NOW
        ),
    )
    assert report.count("cancelled") == 1
    (event,) = out.by_description(events.marker(first_id))
    assert event.status == "cancelled"
    assert len(out.open_events()) == 8
    assert (await _sweep(db, out)).count("created") == 0


async def test_deleted_by_hand_is_recreated_and_edited_by_hand_is_put_right(db: Database) -> None:
    out = await _mirrored(db)
    events_now = sorted(out.open_events(), key=lambda e: e.start)
    gone, edited = events_now[0], events_now[1]
    del out.events[gone.id]
    out.events[edited.id] = replace(edited, name="Pizza night", description="changed")
    report = await _sweep(db, out)
    assert report.count("recreated") == 1
    assert report.count("updated") == 1
    assert len(out.open_events()) == 9
    put_right = out.events[edited.id]
    assert put_right.name == "CQ Brokers CoP meeting"
    assert put_right.description == edited.description
    (again,) = out.by_description(gone.description)
    assert again.id != gone.id


async def test_two_sweeps_at_once_create_each_event_once(db: Database) -> None:
    await _community(db)
    out = FakeEvents()
    first, second = await asyncio.gather(
        events.sweep(db.transaction, out, NOW, SETTINGS, holder="a"),
        events.sweep(db.transaction, out, NOW, SETTINGS, holder="b"),
    )
    assert out.created == 9
    assert len(out.open_events()) == 9
    assert sorted([first.ran, second.ran]) in ([False, True], [True, True])


async def test_missing_permission_is_noted_once_and_cleared_when_fixed(db: Database) -> None:
    await _community(db)
    out = FakeEvents()
    out.forbidden = True
    report = await _sweep(db, out)
    assert report.problem == events.PERMISSION_PROBLEM
    await _sweep(db, out)
    async with db.transaction() as session:
        noted = await events.problems(session)
    assert [p.kind for p in noted] == [events.PERMISSION]
    out.forbidden = False
    await _sweep(db, out)
    async with db.transaction() as session:
        assert await events.problems(session) == []
    assert out.created == 9


async def test_place_naming_a_voice_channel_makes_a_voice_event(db: Database) -> None:
    await _community(db, place="#Meeting room")
    out = FakeEvents(places=[Place(930000000000000001, "meeting room", "voice")])
    await _sweep(db, out)
    event = sorted(out.open_events(), key=lambda e: e.start)[0]
    assert event.kind == "voice"
    assert event.channel_id == 930000000000000001
    assert event.location is None


async def test_meetings_past_the_horizon_get_events_as_time_passes(db: Database) -> None:
    out = await _mirrored(db)
    report = await _sweep(db, out, NOW + timedelta(days=14))
    assert report.count("created") == 2
    async with db.transaction() as session:
        states = (await session.scalars(select(MeetingMirror.state))).all()
    assert MirrorState.ACTIVE in states
