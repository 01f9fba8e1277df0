"""RSVPs, attendance, the learning prompt's recipients, the ledger and /mydata."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import port
from bot.crypto import Keyring
from bot.db import Database
from bot.errors import InvalidInput, NotAllowed
from bot.models import Meeting, Member
from bot.services import events, mydata, rotation
from bot.services.events import EventsSettings
from bot.services.rotation import RotationRules
from tests.events.fake_events import FakeEvents
from tests.rotation.helpers import add_member, meeting_series

ZONE = ZoneInfo("Australia/Brisbane")
RULES = RotationRules(zone=ZONE, settle_days=7, experienced_after=1, horizon_days=120)
SETTINGS = EventsSettings(horizon_days=60, community="CQ Brokers CoP")
NOW = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
AFTER = NOW + timedelta(days=1, hours=6)  # the first meeting (3 March, 10:00) is over


async def _setup(db: Database) -> tuple[list[Member], Meeting, FakeEvents, int]:
    async with db.transaction() as session:
        people = [await add_member(session, n, NOW - timedelta(days=90)) for n in "abcd"]
        await meeting_series(session, NOW, RULES.horizon_days)
        first = (await rotation.plan(session, NOW, RULES))[0]
    out = FakeEvents()
    await events.sweep(db.transaction, out, NOW, SETTINGS, holder="t")
    (event,) = out.by_description(events.marker(first.id))
    return people, first, out, event.id


async def test_rsvps_from_the_gateway_and_the_rest_list(db: Database) -> None:
    people, first, _out, event_id = await _setup(db)
    async with db.transaction() as session:
        assert await events.add_rsvp(session, event_id, people[0].user_id, NOW)
        assert not await events.add_rsvp(session, event_id, people[0].user_id, NOW)
        assert await events.add_rsvp(session, event_id, people[1].user_id, NOW)
        assert not await events.add_rsvp(session, 42, people[1].user_id, NOW)
        assert await events.rsvp_count(session, first.id) == 2
        assert await events.remove_rsvp(session, event_id, people[0].user_id)
        assert await events.coming(session, first.id) == [people[1].user_id]
        await events.replace_rsvps(session, first.id, [people[2].user_id, 555], NOW)
        assert sorted(await events.coming(session, first.id)) == sorted([people[2].user_id, 555])
        counts = await events.rsvp_counts(session, [first.id, first.id + 1])
    assert counts == {first.id: 2, first.id + 1: 0}


async def test_attendance_feeds_the_ledger_and_the_prompt(db: Database) -> None:
    people, first, _out, _event_id = await _setup(db)
    facilitator = first.facilitator
    assert facilitator is not None
    async with db.transaction() as session:
        meeting = await session.get(Meeting, first.id)
        assert meeting is not None
        nobody = await events.prompt_recipients(session, first.id)
        assert nobody.everyone
        with pytest.raises(NotAllowed):
            await events.record(
                session,
                meeting,
                [people[3].user_id],
                by_user=people[3].user_id if people[3].id != facilitator.id else 1,
                coordinator=False,
                now=AFTER,
            )
        with pytest.raises(InvalidInput):
            await events.record(
                session, meeting, [], by_user=facilitator.user_id, coordinator=False, now=NOW
            )
        recorded = await events.record(
            session,
            meeting,
            [people[0].user_id, people[2].user_id, 999],
            by_user=facilitator.user_id,
            coordinator=False,
            now=AFTER,
        )
        assert recorded.unknown == [999]
        came = await events.prompt_recipients(session, first.id)
        rows = {r.member.id: r.attended for r in await rotation.ledger(session, AFTER, RULES)}
        # A correction replaces what was recorded.
        await events.record(
            session, meeting, [people[0].user_id], by_user=7, coordinator=True, now=AFTER
        )
        corrected = await events.attended(session, first.id)
    assert not came.everyone
    assert sorted(came.user_ids) == sorted([people[0].user_id, people[2].user_id])
    assert rows[people[0].id] == 1
    assert rows[people[1].id] == 0
    assert corrected == [people[0].user_id]


async def test_mydata_lists_and_erases_attendance_and_rsvps(db: Database) -> None:
    people, first, _out, event_id = await _setup(db)
    async with db.transaction() as session:
        meeting = await session.get(Meeting, first.id)
        assert meeting is not None
        await events.add_rsvp(session, event_id, people[0].user_id, NOW)
        await events.record(
            session, meeting, [people[0].user_id], by_user=1, coordinator=True, now=AFTER
        )
        member = await session.get(Member, people[0].id)
        assert member is not None
        person = mydata.Person(session, member, AFTER, Keyring.generate())
        exported = await events.MYDATA.export(person)
        erased = await events.MYDATA.erase(person)
        after = await events.MYDATA.export(person)
    assert len(exported["attendance"]) == 1
    assert len(exported["interested_in_meetings"]) == 1
    assert erased is not None
    assert erased.counts == {"attendance records": 1, "meeting RSVPs": 1}
    assert after == {"attendance": [], "interested_in_meetings": []}


async def test_thread_opens_once_and_a_failure_gives_the_claim_back(db: Database) -> None:
    _people, first, _out, _event_id = await _setup(db)
    async with db.transaction() as session:
        due = await events.threads_due(session, NOW, 7)
        assert due == [first.id]
        claimed = await events.claim_thread(session, first.id, NOW)
        assert claimed is not None
        assert await events.claim_thread(session, first.id, NOW) is None
        await events.record_thread(session, first.id, None, 1)
        assert await events.threads_due(session, NOW, 7) == [first.id]
        assert await events.claim_thread(session, first.id, NOW) is not None
        await events.record_thread(session, first.id, port.Sent(777, 777), 1)
        assert await events.thread_of(session, first.id) == 777
        assert await events.threads_due(session, NOW, 7) == []


async def test_follow_up_comes_once_after_the_meeting(db: Database) -> None:
    _people, first, _out, _event_id = await _setup(db)
    async with db.transaction() as session:
        assert await events.follow_ups_due(session, NOW) == []
        assert await events.follow_ups_due(session, AFTER) == [first.id]
        claimed = await events.claim_follow_up(session, first.id, AFTER)
        assert claimed is not None
        assert await events.claim_follow_up(session, first.id, AFTER) is None
        assert await events.follow_ups_due(session, AFTER) == []
        late = await events.follow_ups_due(session, AFTER + timedelta(days=30))
    assert first.id not in late
