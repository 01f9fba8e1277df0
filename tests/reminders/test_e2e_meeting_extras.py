"""End to end: RSVPs made on the meeting's Discord event (the emulator's Interested) show in
the group reminder and the facilitator's hand-over pack, and once attendance is recorded the
learning prompt goes only to those who came."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import cast

from bot.models import Meeting
from bot.services import events
from cogs.events.cog import Events
from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.reminders.helpers import add_meeting
from tests.reminders.test_e2e_reminders import (
    MEETING_AT,
    PLACE,
    START,
    bot_messages_in,
    members_by_user,
    run,
    start,
)


def _events_cog(world: World) -> Events:
    assert world.bot is not None
    cog = world.bot.get_cog("Events")
    assert cog is not None
    return cast("Events", cog)


async def _wait_for_rsvps(world: World, meeting_id: int, count: int) -> list[int]:
    assert world.db is not None
    coming: list[int] = []
    for _ in range(200):
        async with world.db.transaction() as session:
            coming = await events.coming(session, meeting_id)
        if len(coming) == count:
            break
        await asyncio.sleep(0.05)
    return coming


async def test_rsvps_show_in_reminders_and_attendance_picks_the_prompts(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    members = await members_by_user(world)
    assert world.db is not None
    async with world.db.transaction() as session:
        meeting = await add_meeting(
            session, MEETING_AT, facilitator=members[world.ana.id], place=PLACE, now=START
        )
        meeting_id = meeting.id
    await _events_cog(world).sweep()
    (event,) = [e for e in world.emu.scheduled_events(world.guild.id) if e.is_open]
    # The bot handles gateway events concurrently, and the pack lists who is coming
    # earliest first: each mark goes in before the next is made (and Cal's taking it back
    # cannot overtake Cal's mark).
    for count, person in enumerate((world.ben, world.dee, world.cal), start=1):
        await world.emu.mark_interested(world.guild.id, event.id, person.id)
        assert len(await _wait_for_rsvps(world, meeting_id, count)) == count
    await world.emu.mark_interested(world.guild.id, event.id, world.cal.id, interested=False)
    assert len(await _wait_for_rsvps(world, meeting_id, 2)) == 2

    await run(world)
    clock.set(MEETING_AT - timedelta(days=7))
    await run(world)

    (group,) = bot_messages_in(world, world.announcements.id)
    assert "2 members are coming" in group.text
    assert not group.pinged_user_ids
    (pack,) = world.emu.dms_to(world.ana.id)
    ben, dee = members[world.ben.id].display_name, members[world.dee.id].display_name
    assert f"(2 marked Interested): {ben}, {dee}" in pack.text
    assert members[world.cal.id].display_name not in pack.text  # took it back

    # After the meeting the facilitator records that Ben and Ana came.
    clock.set(MEETING_AT + timedelta(hours=3))
    async with world.db.transaction() as session:
        found = await session.get(Meeting, meeting_id)
        assert found is not None
        await events.record(
            session,
            found,
            [world.ben.id, world.ana.id],
            by_user=world.ana.id,
            coordinator=False,
            now=clock(),
        )
    clock.set(MEETING_AT + timedelta(days=1, hours=2))
    await run(world)
    prompted = {
        person.id
        for person in world.members
        if [m for m in world.emu.dms_to(person.id) if "record a learning" in m.text]
    }
    assert prompted == {world.ana.id, world.ben.id}
