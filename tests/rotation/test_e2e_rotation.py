"""Meetings and the rotation through the Discord emulator, with the real bot."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import icalendar
import pytest

from bot.models import RosterPostStatus
from bot.services.rotation import series as meeting_service
from cogs.rotation.cog import Roster
from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.rotation.helpers import reply_to, start_with_series

pytestmark = pytest.mark.e2e

# Monday 2 March 2026, 08:00 in Brisbane (UTC+10, no DST)
START = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)
# Only this capability's cogs: the test is about them, and others' cogs may be mid-change.
EXTENSIONS = ["cogs.about", "cogs.rotation"]


async def _setup(world: World, clock: FakeClock | None = None, **series: Any) -> FakeClock:
    clock = clock or FakeClock(START)
    reply = await start_with_series(world, clock, EXTENSIONS, **series)
    assert reply.ephemeral, reply.text
    assert "every 2 weeks on Tuesday at 10:00" in reply.text
    return clock


async def test_series_then_roster_show_lists_facilitators_without_pinging(world: World) -> None:
    await _setup(world)
    announcement = await world.emu.wait_for_message(
        lambda m: m.channel_id == world.announcements.id and "Meeting schedule" in m.text
    )
    assert not announcement.pinged_user_ids
    assert not announcement.pinged_everyone

    reply = await reply_to(world, world.ana.id, "roster show", {"count": 3})
    assert not reply.ephemeral
    assert reply.text.count("facilitator <@") == 3
    # earliest joined first: Cora, Ana, Ben
    first_three = [world.cora.id, world.ana.id, world.ben.id]
    positions = [reply.text.index(f"<@{uid}>") for uid in first_three]
    assert positions == sorted(positions)
    assert not reply.pinged_user_ids
    assert not reply.pinged_everyone
    assert not reply.pinged_role_ids


async def test_roster_show_when_empty_says_how_to_fix_it(world: World) -> None:
    await world.start_bot(clock=FakeClock(START), extensions=EXTENSIONS)
    reply = await reply_to(world, world.ana.id, "roster show")
    assert reply.ephemeral
    assert "/meeting series" in reply.text


async def test_swap_buttons_only_the_asked_member_can_accept(world: World) -> None:
    clock = await _setup(world)
    # Cora has the first turn (earliest joined): 2026-03-03
    request = await reply_to(
        world, world.cora.id, "roster swap", {"date": "2026-03-03", "member": world.dee.id}
    )
    assert not request.ephemeral
    assert f"<@{world.dee.id}>" in request.text
    assert request.pinged_user_ids == {world.dee.id}
    accept = next(c for c in request.custom_ids() if c.startswith("rotation:swap:accept:"))

    # Someone else presses: politely refused, nothing changes.
    press = await world.emu.press_button(world.guild.id, world.ben.id, request, accept)
    refusal = await press.wait_reply()
    assert refusal.ephemeral
    assert "Only" in refusal.text

    # The buttons survive a restart.
    await world.restart_bot(extensions=EXTENSIONS)
    press = await world.emu.press_button(world.guild.id, world.dee.id, request, accept)
    await press.wait_response()
    notice = await press.wait_followup()
    assert notice.pinged_user_ids == {world.cora.id}
    edited = world.emu.message(request.id)
    assert "accepted" in edited.text
    assert not edited.custom_ids()

    reply = await reply_to(world, world.ana.id, "roster show", {"count": 5})
    first_line = next(line for line in reply.text.splitlines() if "facilitator <@" in line)
    assert f"<@{world.dee.id}>" in first_line
    # Dee's own turn (the fifth meeting) went to Cora in exchange.
    lines = [line for line in reply.text.splitlines() if "facilitator <@" in line]
    assert lines[4].startswith(f"  facilitator <@{world.cora.id}>")
    assert clock() == START  # nothing here depends on time passing


async def test_swap_bad_input_gets_one_ephemeral_sentence(world: World) -> None:
    await _setup(world)
    cases = [
        ({"date": "2026-03-03", "member": world.cora.id}, "yourself"),
        ({"date": "2026-03-17", "member": world.ben.id}, "don't facilitate"),
        ({"date": "not a date", "member": world.ben.id}, "isn't a date"),
        ({"date": "2026-01-06", "member": world.ben.id}, "in the past"),
        ({"date": "2026-03-03", "member": world.nina.id}, "isn't in the facilitation rotation"),
    ]
    for options, expected in cases:
        reply = await reply_to(world, world.cora.id, "roster swap", options)
        assert reply.ephemeral, options
        assert expected in reply.text, (options, reply.text)
        assert "`" in reply.text or "/roster" in reply.text


async def test_automatic_roster_post_mentions_only_facilitators_once(world_factory: Any) -> None:
    world: World = await world_factory(
        rotation={"post_schedule": "weekly", "post_day": "monday", "post_time": "09:00"}
    )
    clock = await _setup(world)
    cog = world.cog(Roster)
    assert await cog.post_if_due() is None  # 08:00 Monday: not yet

    clock.advance(hours=1, minutes=1)
    outcome = await cog.post_if_due()
    assert outcome is not None
    assert outcome.status == RosterPostStatus.SENT
    post = world.emu.message(outcome.message_id or 0)
    assert post.channel_id == world.roster.id
    assert "Facilitation roster" in post.text
    expected = {world.cora.id, world.ana.id, world.ben.id, world.cal.id}
    assert post.pinged_user_ids == expected
    assert not post.pinged_everyone
    assert not post.pinged_role_ids
    assert post.allowed_mentions is not None
    assert post.allowed_mentions.get("parse") in (None, [])

    # Same slot again, and again after a restart: nothing more is posted.
    assert await cog.post_if_due() is None
    await world.restart_bot(extensions=EXTENSIONS)
    assert await world.cog(Roster).post_if_due() is None
    posts = [m for m in world.emu.messages_in(world.roster.id) if "Facilitation roster" in m.text]
    assert len(posts) == 1

    # Next Monday posts again.
    clock.advance(days=7)
    assert (await world.cog(Roster).post_if_due()) is not None


async def test_roster_post_can_edit_the_previous_post(world_factory: Any) -> None:
    world: World = await world_factory(rotation={"post_edit_previous": True})
    clock = await _setup(world)
    clock.advance(hours=2)
    first = await world.cog(Roster).post_if_due()
    assert first is not None
    assert first.status == RosterPostStatus.SENT
    clock.advance(days=7)
    second = await world.cog(Roster).post_if_due()
    assert second is not None
    assert second.status == RosterPostStatus.EDITED
    assert second.message_id == first.message_id
    assert world.emu.message(first.message_id or 0).edited_at is not None


async def test_calendar_file_parses_and_round_trips(world: World) -> None:
    await _setup(world)
    reply = await reply_to(world, world.nina.id, "meeting calendar")
    assert reply.ephemeral
    assert reply.attachments
    assert reply.attachments[0].filename.endswith(".ics")
    data = reply.attachments[0].data
    calendar = icalendar.Calendar.from_ical(data)
    assert icalendar.Calendar.from_ical(calendar.to_ical()).to_ical() == calendar.to_ical()
    events = list(calendar.walk("VEVENT"))
    assert len(events) >= 10
    assert list(calendar.walk("VTIMEZONE"))
    first = min(events, key=lambda e: e.decoded("dtstart"))
    start = first.decoded("dtstart")
    assert str(start.tzinfo) in {"Australia/Brisbane"} or start.utcoffset() == timedelta(hours=10)
    assert (start.hour, start.minute) == (10, 0)
    assert start.astimezone(UTC) == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert "Facilitator: Cora Coordinator" in str(first.get("description"))
    assert str(first.get("location")) == "Room 4, CQUniversity"


async def test_leaver_turns_are_reassigned(world: World) -> None:
    await _setup(world)
    await world.emu.member_leave(world.guild.id, world.cora.id)
    assert world.db is not None
    for _ in range(100):
        async with world.db.transaction() as session:
            upcoming = await meeting_service.upcoming_meetings(session, START)
            people = {m.facilitator.user_id for m in upcoming if m.facilitator}
            people |= {m.co_facilitator.user_id for m in upcoming if m.co_facilitator}
        if world.cora.id not in people:
            break
        await asyncio.sleep(0.05)
    assert world.cora.id not in people
    assert all(m.facilitator is not None for m in upcoming)


async def test_cancel_tells_the_group_and_pings_only_the_facilitator(world: World) -> None:
    await _setup(world)
    reply = await reply_to(
        world, world.cora.id, "meeting cancel", {"date": "2026-03-17", "reason": "@everyone storms"}
    )
    assert reply.ephemeral
    post = await world.emu.wait_for_message(
        lambda m: m.channel_id == world.announcements.id and "cancelled" in m.text
    )
    # Ana facilitates (her first turn), with Cora (who will have had hers) co-facilitating.
    assert post.pinged_user_ids == {world.ana.id, world.cora.id}
    assert "storms" in post.text
    assert not post.pinged_everyone

    # Non-coordinators can't cancel.
    refusal = await reply_to(world, world.ben.id, "meeting cancel", {"date": "2026-03-31"})
    assert refusal.ephemeral
    assert "coordinator" in refusal.text.lower()


async def test_standing_availability_and_a_named_co_facilitator(world: World) -> None:
    await _setup(world)
    reply = await reply_to(
        world, world.ana.id, "roster availability", {"rule": "I can't do Tuesdays"}
    )
    assert reply.ephemeral
    assert "not on Tuesdays" in reply.text
    shown = await reply_to(world, world.ben.id, "roster show", {"count": 6})
    assert f"<@{world.ana.id}>" not in shown.text
    # A new community: nobody has facilitated, so the first turn has no co-facilitator.
    first = next(line for line in shown.text.splitlines() if "facilitator <@" in line)
    assert "nobody experienced is free" in first
    assert "/roster cofacilitator" in first

    refused = await reply_to(
        world, world.ben.id, "roster cofacilitator", {"date": "2026-03-03", "member": world.dee.id}
    )
    assert refused.ephemeral
    assert "coordinator" in refused.text.lower()
    named = await reply_to(
        world, world.cora.id, "roster cofacilitator", {"date": "2026-03-03", "member": world.dee.id}
    )
    assert named.ephemeral
    assert not named.pinged_user_ids
    shown = await reply_to(world, world.ben.id, "roster show", {"count": 1})
    assert f"with <@{world.dee.id}> co-facilitating" in shown.text
    assert "nobody experienced" not in shown.text


async def test_member_whose_announced_turn_moves_is_told(world: World) -> None:
    await _setup(world)
    # Ana has the second meeting (17 March); Ben volunteers for it.
    reply = await reply_to(world, world.ben.id, "roster volunteer", {"date": "2026-03-17"})
    assert reply.text.startswith("Thank you!")
    told = await world.emu.wait_for_message(
        lambda m: m.channel_id == world.roster.id and "the roster changed" in m.text
    )
    assert told.pinged_user_ids == {world.ana.id}
    assert f"<@{world.ben.id}>" in told.text
    assert "Your next turn is now" in told.text


async def _date_choices(world: World, user_id: int, command: str, typed: str) -> list[Any]:
    it = await world.emu.autocomplete(world.guild.id, user_id, command, {"date": typed}, "date")
    response = await it.wait_response()
    assert response.type == 8
    return list(response.data["choices"])


async def test_meeting_date_autocomplete_offers_own_turns_first_then_every_meeting(
    world: World,
) -> None:
    await _setup(world)
    every = await _date_choices(world, world.cora.id, "meeting cancel", "")
    assert every[0] == {"name": "Tue 03 Mar 2026, 10:00 · Cora Coordinator", "value": "2026-03-03"}
    assert len(every) > 3
    by_name = await _date_choices(world, world.cora.id, "meeting cancel", "ben")
    assert by_name
    assert all("ben" in c["name"].lower() for c in by_name)
    assert len(by_name) < len(every)

    mine = await _date_choices(world, world.ana.id, "roster swap", "")
    assert mine
    assert all(c["name"].endswith("· your turn") for c in mine)
    assert {c["value"] for c in mine} < {c["value"] for c in every}
    # Typing a date that is not their turn falls back to every meeting on it.
    others = next(c for c in every if c["value"] not in {m["value"] for m in mine})
    fallback = await _date_choices(world, world.ana.id, "roster swap", others["value"])
    assert fallback == [others]
