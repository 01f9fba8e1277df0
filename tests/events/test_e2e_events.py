"""Meetings as Discord scheduled events, through the emulator with the real bot: a series
creates its events, a swap updates one, a cancel cancels one, a restart doubles nothing, a
deleted event comes back, RSVPs show in /meeting list, and attendance feeds the ledger and
the learning prompt."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.models import Meeting
from bot.services import events
from bot.services.rotation import series as meeting_service
from cogs.events.cog import Events
from emulator.models import EmuScheduledEvent
from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.rotation.helpers import reply_to

START = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)  # Monday 2 March, 08:00 in Brisbane
EXTENSIONS = ["cogs.about", "cogs.rotation", "cogs.events"]
FIRST = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # Tuesday 3 March, 10:00 in Brisbane
WITHOUT_EVENTS = sum(1 << bit for bit in (10, 11, 14, 15, 16, 28, 35, 38))
"""What the README's invite steps ask for, but Manage Events (and Create Events)."""


async def _setup(world: World, *, permissions: int | None = None) -> FakeClock:
    clock = FakeClock(START)
    await world.start_bot(clock=clock, extensions=EXTENSIONS)
    if permissions is not None:
        world.emu.set_bot_permissions(world.guild.id, permissions)
    await world.add_active_members()
    await reply_to(
        world,
        world.cora.id,
        "meeting series",
        {"when": "every 2 weeks on Tuesday at 10:00", "place": "Room 4, CQUniversity"},
    )
    return clock


def _open(world: World) -> list[EmuScheduledEvent]:
    found = [e for e in world.emu.scheduled_events(world.guild.id) if e.is_open]
    return sorted(found, key=lambda e: e.scheduled_start_time)


def _event_at(world: World, start: datetime) -> EmuScheduledEvent:
    (found,) = [e for e in _open(world) if e.scheduled_start_time == start]
    return found


async def test_series_creates_its_events_and_a_restart_makes_no_duplicate(world: World) -> None:
    await _setup(world)
    await world.cog(Events).sweep()
    listed = _open(world)
    # Every 2 weeks from 3 March: 3, 17, 31 March, 14 and 28 April fall within 60 days.
    assert [e.scheduled_start_time.date().isoformat() for e in listed] == [
        "2026-03-03",
        "2026-03-17",
        "2026-03-31",
        "2026-04-14",
        "2026-04-28",
    ]
    first = listed[0]
    assert first.entity_type == 3
    assert first.location == "Room 4, CQUniversity"
    assert first.privacy_level == 2
    assert first.scheduled_end_time == FIRST + timedelta(minutes=90)
    assert first.description is not None
    assert "Facilitator: Cora Coordinator" in first.description
    assert "Community of Practice" in first.description

    await world.restart_bot(extensions=EXTENSIONS)
    await world.cog(Events).sweep()
    assert len(world.emu.scheduled_events(world.guild.id)) == 5


async def test_swap_updates_the_event_description(world: World) -> None:
    await _setup(world)
    await world.cog(Events).sweep()
    request = await reply_to(
        world, world.cora.id, "roster swap", {"date": "2026-03-03", "member": world.dee.id}
    )
    accept = next(c for c in request.custom_ids() if c.startswith("rotation:swap:accept:"))
    press = await world.emu.press_button(world.guild.id, world.dee.id, request, accept)
    await press.wait_response()
    await world.cog(Events).sweep()
    event = _event_at(world, FIRST)
    assert event.description is not None
    assert "Facilitator: Dee Dawson" in event.description
    assert len(world.emu.scheduled_events(world.guild.id)) == 5


async def test_cancel_cancels_the_event(world: World) -> None:
    await _setup(world)
    await world.cog(Events).sweep()
    await reply_to(world, world.cora.id, "meeting cancel", {"date": "2026-03-17"})
    await world.cog(Events).sweep()
    cancelled = [e for e in world.emu.scheduled_events(world.guild.id) if e.status == 4]
    assert [e.scheduled_start_time.date().isoformat() for e in cancelled] == ["2026-03-17"]
    assert len(_open(world)) == 4


async def test_event_deleted_or_edited_by_hand_is_put_back(world: World) -> None:
    await _setup(world)
    await world.cog(Events).sweep()
    first, second = _open(world)[:2]
    await world.emu.delete_event_by_hand(world.guild.id, first.id)
    await world.emu.edit_event_by_hand(world.guild.id, second.id, name="Pizza night")
    await world.cog(Events).sweep()
    again = _event_at(world, FIRST)
    assert again.id != first.id
    assert again.description == first.description
    assert world.emu.scheduled_event(world.guild.id, second.id).name.endswith("meeting")
    assert len(_open(world)) == 5


async def test_rsvps_show_in_meeting_list(world: World) -> None:
    await _setup(world)
    await world.cog(Events).sweep()
    first = _event_at(world, FIRST)
    await world.emu.mark_interested(world.guild.id, first.id, world.ana.id)
    await world.emu.mark_interested(world.guild.id, first.id, world.ben.id)
    await world.emu.mark_interested(world.guild.id, first.id, world.ben.id, interested=False)
    await world.emu.mark_interested(world.guild.id, first.id, world.dee.id)
    assert world.db is not None
    for _ in range(100):
        async with world.db.transaction() as session:
            found = await meeting_service.next_meeting(session, START)
            assert found is not None
            coming = await events.coming(session, found.id)
        if len(coming) == 2:
            break
        await asyncio.sleep(0.05)
    assert sorted(coming) == sorted([world.ana.id, world.dee.id])
    reply = await reply_to(world, world.cal.id, "meeting list", {"count": 2})
    assert "2 interested" in reply.text
    assert "0 interested" in reply.text


async def test_rsvps_made_while_the_bot_was_down_are_read_at_start(world: World) -> None:
    await _setup(world)
    await world.cog(Events).sweep()
    first = _event_at(world, FIRST)
    await world.stop_bot()
    await world.emu.mark_interested(world.guild.id, first.id, world.cal.id)
    await world.start_bot(extensions=EXTENSIONS)
    await world.cog(Events).read_rsvps()
    assert world.db is not None
    async with world.db.transaction() as session:
        found = await meeting_service.next_meeting(session, START)
        assert found is not None
        assert await events.coming(session, found.id) == [world.cal.id]


async def test_thread_then_attendance_feeds_the_ledger_and_the_prompt(world: World) -> None:
    clock = await _setup(world)
    cog = world.cog(Events)
    await cog.sweep()
    first = _event_at(world, FIRST)
    await world.emu.mark_interested(world.guild.id, first.id, world.ana.id)
    await cog.open_threads()
    opener = await world.emu.wait_for_message(
        lambda m: "Facilitating:" in m.text and m.channel_id != world.announcements.id
    )
    thread = world.emu.channel(opener.channel_id)
    assert thread.type == 11  # a public thread
    assert opener.pinged_user_ids == {world.cora.id}

    clock.set(FIRST + timedelta(hours=3))
    await cog.follow_up()
    follow = await world.emu.wait_for_message(
        lambda m: m.channel_id == thread.id and "/learning add" in m.text
    )
    button = next(c for c in follow.custom_ids() if c.startswith("events:attendance:"))

    # Someone who is neither facilitator nor coordinator is refused.
    press = await world.emu.press_button(world.guild.id, world.ben.id, follow, button)
    refusal = await press.wait_reply()
    assert refusal.ephemeral
    assert "facilitators and the coordinators" in refusal.text

    press = await world.emu.press_button(world.guild.id, world.cora.id, follow, button)
    picker = await press.wait_reply()
    assert picker.ephemeral
    assert "who marked Interested" in picker.text
    select_id = picker.components[0]["components"][0]["custom_id"]
    chosen = await world.emu.choose(
        world.guild.id, world.cora.id, picker, select_id, [world.ana.id, world.dee.id]
    )
    saved = await chosen.wait_reply()
    assert "Recorded: 2 came." in saved.text

    ledger = await reply_to(world, world.cal.id, "roster ledger")
    rows = ledger.embeds[0]["description"].splitlines()
    ana_line = next(line for line in rows if f"<@{world.ana.id}>" in line)
    assert "1 attended" in ana_line
    assert world.db is not None
    async with world.db.transaction() as session:
        meeting = (await session.scalars(select(Meeting).where(Meeting.starts_at == FIRST))).one()
        recipients = await events.prompt_recipients(session, meeting.id)
    assert not recipients.everyone
    assert sorted(recipients.user_ids) == sorted([world.ana.id, world.dee.id])


async def test_missing_permission_is_one_status_line_and_commands_keep_working(
    world: World,
) -> None:
    await _setup(world, permissions=WITHOUT_EVENTS)
    report = await world.cog(Events).sweep()
    assert report.problem == events.PERMISSION_PROBLEM
    assert world.emu.scheduled_events(world.guild.id) == []
    status = await reply_to(world, world.cora.id, "meeting status")
    assert status.ephemeral
    assert "Manage Events" in status.text
    listed = await reply_to(world, world.ana.id, "meeting list")
    assert "2026-03-03" in listed.text
