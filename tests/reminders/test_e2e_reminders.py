"""End to end: the real bot against the emulator, with a controllable clock. The engine is
run with ``run_due()`` after the clock moves, which is exactly what its jobs call."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.client import CopBot, discover_extensions
from bot.crypto import Keyring
from bot.db import Database
from bot.models import (
    DeliveryStatus,
    FacilitatorConfirmation,
    Member,
    ReminderDelivery,
    SharingLevel,
)
from bot.services import reminders as svc
from bot.services.learnings.store import add_learning
from bot.services.learnings.text import LearningText
from bot.services.reminders import ReminderSender, marker
from emulator import RecordedMessage
from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.reminders.helpers import add_meeting
from tests.rotation.helpers import reply_to

pytestmark = pytest.mark.e2e

START = datetime(2026, 3, 2, tzinfo=UTC)
MEETING_AT = datetime(2026, 3, 24, 0, 0, tzinfo=UTC)  # Tuesday 10:00 in Brisbane
PLACE = "Rockhampton library, room 2"


def engine_of(bot: CopBot | None) -> ReminderSender:
    assert bot is not None
    cog = bot.get_cog("Reminders")
    assert cog is not None
    engine: ReminderSender = cog.engine  # type: ignore[attr-defined]
    return engine


async def run(world: World) -> None:
    await engine_of(world.bot).run_due()
    assert world.bot is not None
    await world.bot.outbox.drain()  # the learning prompts go out through the outbound path


async def members_by_user(world: World) -> dict[int, Member]:
    rows = await world.add_active_members()
    return {m.user_id: m for m in rows}


async def arrange_meeting(world: World, *, co: bool = True) -> int:
    members = await members_by_user(world)
    assert world.db is not None
    async with world.db.transaction() as session:
        meeting = await add_meeting(
            session,
            MEETING_AT,
            facilitator=members[world.ana.id],
            co_facilitator=members[world.ben.id] if co else None,
            place=PLACE,
            now=START,
        )
        return meeting.id


def bot_messages_in(world: World, channel_id: int) -> list[RecordedMessage]:
    return [m for m in world.emu.messages_in(channel_id) if m.author_id == world.emu.bot_user.id]


async def deliveries(world: World) -> list[ReminderDelivery]:
    assert world.db is not None
    async with world.db.transaction() as session:
        return list(await session.scalars(select(ReminderDelivery).order_by(ReminderDelivery.id)))


def _opts() -> dict[str, Any]:
    """Bot options. REM_SKIP_LEARNINGS=1 leaves the learnings cog out, to run these tests
    while that cog cannot load; the pack's themes and the learning form then need it."""
    if os.environ.get("REM_SKIP_LEARNINGS"):
        return {
            "extensions": [e for e in discover_extensions() if e != "cogs.learnings"],
            "keyring": Keyring.generate(),
        }
    return {}


async def start(world: World, clock: FakeClock) -> CopBot:
    bot = await world.start_bot(clock=clock, **_opts())
    await run(world)  # let the start-up catch-up finish before the test looks
    return bot


# --- the meeting chain -----------------------------------------------------------------------


async def test_facilitator_gets_hand_over_pack_by_dm(world: World) -> None:
    clock = FakeClock(START)
    bot = await start(world, clock)
    meeting_id = await arrange_meeting(world)
    assert world.db is not None
    assert bot.keyring is not None

    members = {m.user_id: m for m in await _members(world)}
    async with world.db.transaction() as session:
        for n, (tags, sharing) in enumerate(
            [
                (("funding", "trust"), SharingLevel.GROUP),
                (("funding",), SharingLevel.DIGEST_ANONYMOUS),
                (("secret-theme",), SharingLevel.PRIVATE),
            ]
        ):
            author = await session.get(Member, members[world.cal.id].id)
            assert author is not None
            await add_learning(
                session,
                bot.keyring,
                author,
                LearningText(f"Title {n}", "happened", "learned", "next", tags),
                START + timedelta(days=n),
                sharing=sharing,
            )

    clock.set(MEETING_AT - timedelta(days=7))
    await run(world)

    dms = world.emu.dms_to(world.ana.id)
    assert len(dms) == 1
    pack = dms[0]
    assert "hand-over pack" in pack.text
    assert PLACE in pack.text
    assert f"<@{world.ben.id}>" in pack.text  # the co-facilitator
    assert "funding (2)" in pack.text
    assert "trust (1)" in pack.text
    assert "secret-theme" not in pack.text  # a private learning's theme never shows
    assert not pack.pinged_everyone
    assert not pack.pinged_role_ids
    co_pack = world.emu.dms_to(world.ben.id)
    assert len(co_pack) == 1
    assert "co-facilitating" in co_pack[0].text

    group = bot_messages_in(world, world.announcements.id)
    assert len(group) == 1
    assert "in 7 days" in group[0].text
    assert PLACE in group[0].text
    assert not group[0].pinged_everyone
    assert not group[0].pinged_user_ids

    await run(world)  # running again sends nothing more
    assert len(world.emu.dms_to(world.ana.id)) == 1
    assert len(bot_messages_in(world, world.announcements.id)) == 1
    del meeting_id


async def _members(world: World) -> list[Member]:
    assert world.db is not None
    async with world.db.transaction() as session:
        return list(await session.scalars(select(Member)))


async def test_closed_dms_fall_back_to_a_mention_without_the_pack(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    await arrange_meeting(world)
    world.emu.set_dms_closed(world.ana.id)

    clock.set(MEETING_AT - timedelta(days=7))
    await run(world)

    assert world.emu.dms_to(world.ana.id) == []
    pointers = [
        m for m in bot_messages_in(world, world.welcome.id) if world.ana.id in m.pinged_user_ids
    ]
    assert len(pointers) == 1
    pointer = pointers[0]
    assert pointer.pinged_user_ids == frozenset({world.ana.id})
    assert not pointer.pinged_everyone
    assert not pointer.pinged_role_ids
    assert "couldn't send you a direct message" in pointer.text
    assert PLACE not in pointer.text
    assert "Themes" not in pointer.text
    delivery = next(d for d in await deliveries(world) if d.target == f"user:{world.ana.id}")
    assert delivery.status is DeliveryStatus.SENT
    assert delivery.fallback


async def test_confirmation_button_records_and_stops_the_escalation(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    meeting_id = await arrange_meeting(world)
    clock.set(MEETING_AT - timedelta(days=2))
    await run(world)
    ask = next(m for m in world.emu.dms_to(world.ana.id) if "confirm" in m.text)
    yes = f"rem:confirm:{meeting_id}:yes"

    await world.restart_bot(**_opts())  # the button still works after a restart
    it = await world.emu.press_button(None, world.ana.id, ask, yes)
    reply = await it.wait_reply()
    assert "you're confirmed" in reply.text
    assert not list(reply.iter_components())  # the buttons are gone

    assert world.db is not None
    async with world.db.transaction() as session:
        answer = await session.scalar(select(FacilitatorConfirmation))
    assert answer is not None
    assert answer.confirmed
    assert answer.user_id == world.ana.id

    clock.set(MEETING_AT - timedelta(days=1))
    await run(world)
    alerts = [m for m in bot_messages_in(world, world.coordinators.id) if "confirm" in m.text]
    assert alerts == []


async def test_confirmation_button_refuses_anyone_else(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    meeting_id = await arrange_meeting(world)
    world.emu.set_dms_closed(world.ana.id)  # the request lands in a channel, where others see it
    clock.set(MEETING_AT - timedelta(days=2))
    await run(world)
    ask = next(
        m
        for m in bot_messages_in(world, world.welcome.id)
        if "confirm you're facilitating" in m.text
    )
    it = await world.emu.press_button(
        world.guild.id, world.ben.id, ask, f"rem:confirm:{meeting_id}:yes"
    )
    reply = await it.wait_reply()
    assert reply.ephemeral
    assert "not the facilitator" in reply.text
    assert world.db is not None
    async with world.db.transaction() as session:
        assert await session.scalar(select(FacilitatorConfirmation)) is None


async def test_unconfirmed_facilitator_alerts_coordinators_and_asks_a_standby(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    await arrange_meeting(world)
    for days_before in (7, 2, 1):
        clock.set(MEETING_AT - timedelta(days=days_before))
        await run(world)
    alerts = [
        m for m in bot_messages_in(world, world.coordinators.id) if "hasn't confirmed" in m.text
    ]
    assert len(alerts) == 1
    assert not alerts[0].pinged_everyone
    assert not alerts[0].pinged_role_ids
    standby_asks = [
        m
        for user in (world.cora, world.cal, world.dee)
        for m in world.emu.dms_to(user.id)
        if "stand by" in m.text
    ]
    assert len(standby_asks) == 1
    assert "asked <@" in alerts[0].text


async def test_cancelled_meeting_sends_nothing(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    meeting_id = await arrange_meeting(world)
    await reply_to(
        world, world.cora.id, "meeting cancel", {"date": "2026-03-24", "reason": "Venue closed"}
    )
    before = len(world.emu.bot_messages())
    for days_before in (7, 2, 1, -2):
        clock.set(MEETING_AT - timedelta(days=days_before))
        await run(world)
    after = list(world.emu.bot_messages()[before:])
    assert [m.text for m in after] == []
    del meeting_id


# --- restarts --------------------------------------------------------------------------------


async def remindme(world: World, user_id: int, when: str, text: str) -> RecordedMessage:
    return await reply_to(world, user_id, "remindme", {"when": when, "text": text})


async def test_restart_between_scheduling_and_firing_fires_once(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    await world.add_active_members()
    reply = await remindme(world, world.dee.id, "in 2 hours", "Send the venue booking")
    assert reply.ephemeral
    assert "I'll DM you" in reply.text

    await world.restart_bot(**_opts())
    clock.advance(hours=2)
    await run(world)
    dms = [m for m in world.emu.dms_to(world.dee.id) if "venue booking" in m.text]
    assert len(dms) == 1
    assert "Sent late" not in dms[0].text

    await world.restart_bot(**_opts())  # right after firing
    await run(world)
    clock.advance(minutes=5)
    await run(world)
    assert len([m for m in world.emu.dms_to(world.dee.id) if "venue booking" in m.text]) == 1


async def claim_as_a_killed_run(world: World, clock: FakeClock) -> int:
    """With the bot down, leave the database as a run killed right after claiming leaves it:
    the occurrence dispatched and its delivery claimed (committed) by that run."""

    config = world.config
    settings = svc.EngineSettings.from_config(config)
    db = Database.from_url(config.database.url)
    try:
        async with db.transaction() as session:
            await svc.dispatch_due(session, clock(), settings)
        async with db.transaction() as session:
            claims = (await svc.claim_ready(session, clock(), "killed-run", settings)).claims
    finally:
        await db.dispose()
    assert len(claims) == 1
    return claims[0].delivery_id


async def post_as_the_bot(world: World, user_id: int, embed: dict[str, object]) -> None:
    """A DM sent with the bot's token straight over REST: what the killed run had sent."""
    import aiohttp

    headers = {"Authorization": f"Bot {world.emu.bot_token}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        base = world.emu.api_base_url
        async with http.post(
            f"{base}/users/@me/channels", json={"recipient_id": str(user_id)}
        ) as r:
            channel = await r.json()
        async with http.post(
            f"{base}/channels/{channel['id']}/messages", json={"embeds": [embed]}
        ) as r:
            assert r.status == 200


async def test_crash_after_sending_before_recording_does_not_send_again(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    await world.add_active_members()
    await remindme(world, world.dee.id, "in 1 hour", "Book the room")
    await world.stop_bot()
    clock.advance(hours=1)
    delivery_id = await claim_as_a_killed_run(world, clock)
    await post_as_the_bot(
        world,
        world.dee.id,
        {
            "title": "⏰ Your reminder",
            "description": "Book the room",
            "footer": {"text": f"Reminder · {marker(delivery_id)}"},
        },
    )

    await start(world, clock)
    await run(world)
    dms = [m for m in world.emu.dms_to(world.dee.id) if "Book the room" in m.text]
    assert len(dms) == 1
    [delivery] = [d for d in await deliveries(world) if d.target == f"user:{world.dee.id}"]
    assert delivery.status is DeliveryStatus.SENT
    assert delivery.message_id == dms[0].id


async def test_crash_after_claiming_before_sending_sends_once(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    await world.add_active_members()
    await remindme(world, world.dee.id, "in 1 hour", "Call the funder")
    await world.stop_bot()
    clock.advance(hours=1)
    delivery_id = await claim_as_a_killed_run(world, clock)

    await start(world, clock)
    await run(world)
    await world.restart_bot(**_opts())
    await run(world)
    dms = [m for m in world.emu.dms_to(world.dee.id) if "Call the funder" in m.text]
    assert len(dms) == 1
    [delivery] = [d for d in await deliveries(world) if d.id == delivery_id]
    assert delivery.status is DeliveryStatus.SENT
    assert delivery.attempts == 1


async def test_downtime_across_a_reminder_sends_it_once_with_a_late_note(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    await world.add_active_members()
    await remindme(world, world.dee.id, "in 1 hour", "Submit the report")
    await world.stop_bot()
    clock.advance(hours=3)  # down across the reminder, inside the 6-hour grace window
    await start(world, clock)
    await run(world)
    dms = [m for m in world.emu.dms_to(world.dee.id) if "Submit the report" in m.text]
    assert len(dms) == 1
    assert "Sent late" in dms[0].text


async def test_downtime_past_the_grace_window_reports_instead_of_sending(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    await world.add_active_members()
    await remindme(world, world.dee.id, "in 1 hour", "Renew the insurance")
    await world.stop_bot()
    clock.advance(hours=9)
    await start(world, clock)
    await run(world)
    assert [m for m in world.emu.dms_to(world.dee.id) if "insurance" in m.text] == []
    reports = [m for m in bot_messages_in(world, world.coordinators.id) if "Missed" in m.text]
    assert len(reports) == 1
    assert "personal reminder" in reports[0].text
    assert "insurance" not in reports[0].text  # a personal reminder's text stays private
    await world.restart_bot(**_opts())
    await run(world)
    assert (
        len([m for m in bot_messages_in(world, world.coordinators.id) if "Missed" in m.text]) == 1
    )


# --- commands and bad input ------------------------------------------------------------------


async def test_remindme_bad_times_and_long_text_get_one_clear_sentence(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    await world.add_active_members()
    past = await remindme(world, world.dee.id, "2026-03-01 09:00", "x")
    assert past.ephemeral
    assert "in the past" in past.text
    assert "`in 2 hours`" in past.text
    nonsense = await remindme(world, world.dee.id, "whenever suits", "x")
    assert nonsense.ephemeral
    assert "I understand" in nonsense.text
    long = await remindme(world, world.dee.id, "in 2 hours", "x" * 1501)
    assert long.ephemeral
    assert "1501 characters" in long.text
    assert "1500" in long.text
    assert len(await deliveries(world)) == 0


async def test_channel_reminder_never_pings_everyone_or_roles(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    await world.add_active_members()
    text = f"@everyone @here <@&{world.member_role.id}> agenda due, <@{world.ana.id}> please"
    reply = await reply_to(
        world,
        world.cora.id,
        "reminder add",
        {"channel": world.general.id, "when": "every week on Monday at 09:00", "text": text},
    )
    assert reply.ephemeral
    assert "Reminder `#1` is set" in reply.text
    refused = await reply_to(
        world,
        world.ana.id,
        "reminder add",
        {"channel": world.general.id, "when": "in 2 hours", "text": "hi"},
    )
    assert "Only coordinators" in refused.text

    clock.set(datetime(2026, 3, 8, 23, 0, tzinfo=UTC))  # Monday 9 March, 09:00 in Brisbane
    await run(world)
    posted = bot_messages_in(world, world.general.id)
    assert len(posted) == 1
    assert posted[0].content == text
    assert not posted[0].pinged_everyone
    assert posted[0].pinged_role_ids == frozenset()
    assert posted[0].pinged_user_ids == frozenset({world.ana.id})

    listed = await reply_to(world, world.cora.id, "reminder list")
    assert listed.ephemeral
    assert "`#1`" in listed.text
    assert "<t:" in listed.text  # a Discord timestamp, shown in each reader's own time
    assert "every week on Monday at 09:00" in listed.text
    cancel = await reply_to(world, world.cora.id, "reminder cancel", {"reminder": 1})
    assert "cancelled" in cancel.text
    clock.set(datetime(2026, 3, 15, 23, 0, tzinfo=UTC))
    await run(world)
    assert len(bot_messages_in(world, world.general.id)) == 1


async def test_day_after_members_get_a_prompt_whose_button_opens_the_learning_form(
    world: World,
) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    meeting_id = await arrange_meeting(world)
    await run(world)  # what the sweep does within poll_seconds of the meeting being added
    clock.set(MEETING_AT + timedelta(days=1, hours=2))
    await run(world)
    for person in world.members:
        prompts = [m for m in world.emu.dms_to(person.id) if "record a learning" in m.text]
        assert len(prompts) == 1, person.username
    prompt = next(m for m in world.emu.dms_to(world.cal.id) if "record a learning" in m.text)
    it = await world.emu.press_button(None, world.cal.id, prompt, f"rem:learn:{meeting_id}")
    await it.wait_response()
    assert it.modal is not None  # the learning form
    # Nina is in the server but not a member: she gets no prompt
    assert not [m for m in world.emu.dms_to(world.nina.id) if "record a learning" in m.text]


async def test_reminder_status_counts_deliveries(world: World) -> None:
    clock = FakeClock(START)
    await start(world, clock)
    await world.add_active_members()
    await remindme(world, world.dee.id, "in 1 hour", "Check the budget")
    clock.advance(hours=1)
    await run(world)
    reply = await reply_to(world, world.cora.id, "reminder status")
    assert reply.ephemeral
    assert "1 sent" in reply.text
    assert "0 not delivered" in reply.text
