"""/notifications end to end: members choose their DMs and quiet hours; the outbound path
obeys; coordinator commands are hidden from the picker and still role-checked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.client import CopBot
from bot.models import NotificationPreference
from bot.services import outbound
from bot.services import reminders as svc
from emulator import RecordedMessage
from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.outbound.test_outbound import queue_prompts as queue_batch
from tests.reminders.helpers import add_meeting

PROMPT = "What did you learn"
MANAGE_GUILD = 1 << 5


async def queue_prompts(bot: CopBot, users: list[int], key: str) -> outbound.BatchInfo:
    """Learning prompts for yesterday's meeting, as the reminders queue them."""
    now = bot.clock()
    async with bot.db.transaction() as session:
        meeting = await add_meeting(session, now - timedelta(days=1), now=now)
    params = {"meeting_id": meeting.id}
    return await queue_batch(
        bot.db, now, users, key=key, template=svc.LEARNING_TEMPLATE, params=params
    )


async def reply_to(
    world: World, user_id: int, command: str, options: dict[str, Any] | None = None
) -> RecordedMessage:
    """Run a slash command in the guild as ``user_id``; the bot's visible reply."""
    it = await world.emu.invoke_command(world.guild.id, user_id, command, options)
    return await it.wait_reply()


def members(world: World, prefix: str, count: int) -> list[int]:
    """``count`` new members of the guild (user ids), named ``prefix`` and a number."""
    people = []
    for i in range(count):
        user = world.emu.add_user(f"{prefix}{i:02d}")
        world.emu.add_member(world.guild.id, user.id, roles=[world.member_role.id])
        people.append(user.id)
    return people


async def test_opted_out_member_gets_no_learning_prompt_and_can_reopen_settings(
    world: World,
) -> None:
    bot = await world.start_bot()
    await world.add_active_members()
    reply = await reply_to(world, world.ana.id, "notifications", {"learning_prompts": False})
    assert reply.ephemeral
    assert "🚫 **Learning prompts**" in reply.text
    assert "Renewal prompts** are required" in reply.text
    await queue_prompts(bot, [world.ana.id, world.ben.id], "learn-e2e")
    summary = await bot.outbox.drain()
    assert (summary.sent, summary.skipped) == (1, 1)
    assert not [m for m in world.emu.dms_to(world.ana.id) if PROMPT in m.text]
    (prompt,) = [m for m in world.emu.dms_to(world.ben.id) if PROMPT in m.text]
    assert "/notifications" in prompt.text
    pressed = await world.emu.press_button(
        None, world.ben.id, prompt, outbound.NOTIFICATIONS_BUTTON_ID
    )
    panel = await pressed.wait_reply()
    assert panel.ephemeral
    assert "✅ **Learning prompts**" in panel.text


async def test_renewal_prompts_cannot_be_turned_off(world: World) -> None:
    await world.start_bot()
    reply = await reply_to(world, world.ana.id, "notifications", {"renewal_prompts": False})
    assert reply.ephemeral
    assert "required" in reply.text
    assert world.db is not None
    async with world.db.transaction() as session:
        assert await session.scalar(sa.select(sa.func.count(NotificationPreference.user_id))) == 0


async def test_quiet_hours_hold_a_dm_until_they_end(world: World) -> None:
    # Monday 2 March 2026, 23:30 in Brisbane (UTC+10, no daylight saving).
    clock = FakeClock(datetime(2026, 3, 2, 13, 30, tzinfo=UTC))
    bot = await world.start_bot(clock=clock)
    await world.add_active_members()
    quiet = {"quiet_from": "10pm", "quiet_until": "7:30am"}
    assert "22:00 to 07:30" in (await reply_to(world, world.cal.id, "notifications", quiet)).text
    bad = await reply_to(
        world, world.cal.id, "notifications", {"quiet_from": "late", "quiet_until": "7"}
    )
    assert "isn't a time of day" in bad.text
    await queue_prompts(bot, [world.cal.id], "learn-quiet")
    assert (await bot.outbox.drain()).delayed == 1
    clock.set(datetime(2026, 3, 2, 21, 29, tzinfo=UTC))  # 07:29 in Brisbane
    await bot.outbox.drain()
    assert not [m for m in world.emu.dms_to(world.cal.id) if PROMPT in m.text]
    clock.set(datetime(2026, 3, 2, 21, 30, tzinfo=UTC))  # 07:30: quiet hours are over
    await bot.outbox.drain()
    assert len([m for m in world.emu.dms_to(world.cal.id) if PROMPT in m.text]) == 1


async def test_outbound_commands_are_hidden_and_still_role_checked(world: World) -> None:
    bot = await world.start_bot()
    (command,) = [c for c in world.emu.commands(world.guild.id) if c["name"] == "outbound"]
    assert int(command["default_member_permissions"]) == MANAGE_GUILD
    refusal = await reply_to(world, world.ana.id, "outbound status")
    assert refusal.ephemeral
    assert "Bulk sends" not in refusal.text
    batch = await queue_prompts(bot, [world.ana.id, world.ben.id], "learn-status")
    status = await reply_to(world, world.cora.id, "outbound status")
    assert f"`#{batch.id}`" in status.text
    assert "0 of 2 sent" in status.text
    cancel = await reply_to(world, world.cora.id, "outbound cancel", {"batch": batch.id})
    assert "2 DMs" in cancel.text
    await bot.outbox.drain()
    assert not [m for m in world.emu.dms_to(world.ana.id) if PROMPT in m.text]


async def test_429_storm_mid_send_loses_nothing_and_doubles_nothing(world: World) -> None:
    clock = FakeClock(datetime(2026, 3, 3, 0, 0, tzinfo=UTC))
    bot = await world.start_bot(clock=clock)
    people = members(world, "storm", 20)
    await queue_prompts(bot, people, "learn-storm")
    # Discord answers 429 to the next 12 message posts: discord.py waits and retries some
    # itself; what still fails goes back on the queue with Discord's retry_after.
    world.emu.rate_limit_next("POST", "/channels/{channel_id}/messages", count=12, retry_after=0.05)
    await bot.outbox.drain()
    for _ in range(10):
        clock.advance(hours=1)
        await bot.outbox.drain()
    limited = [r for r in world.emu.requests if r.status == 429]
    assert len(limited) == 12
    for user_id in people:
        assert len([m for m in world.emu.dms_to(user_id) if PROMPT in m.text]) == 1


async def test_coordinator_follows_a_bulk_send_until_it_is_done(world: World) -> None:
    bot = await world.start_bot()
    await world.add_active_members()
    batch = await queue_prompts(bot, [m.id for m in world.members], "learn-follow")
    it = await world.emu.invoke_command(
        world.guild.id, world.cora.id, "outbound status", {"batch": batch.id}
    )
    reply = await it.wait_reply()
    assert reply.ephemeral
    await world.emu.wait_until(
        lambda: it.original is not None and "5 of 5 sent" in it.original.text,
        30,
        "the progress to reach 5 of 5",
    )
    assert it.original is not None
    assert "done" in it.original.text
    missing = await reply_to(world, world.cora.id, "outbound status", {"batch": 999})
    assert "no bulk send `#999`" in missing.text


async def test_gateway_drop_mid_send_loses_nothing_and_doubles_nothing(world: World) -> None:
    bot = await world.start_bot()
    people = members(world, "drop", 8)
    await queue_prompts(bot, people, "learn-drop")
    sending = asyncio.create_task(bot.outbox.drain())

    def some_sent() -> bool:
        return any(PROMPT in m.text for u in people for m in world.emu.dms_to(u))

    await world.emu.wait_until(some_sent, 30, "the first prompts")
    assert not sending.done()  # the drop comes mid-send
    await world.emu.drop_gateway(hold=True)
    await asyncio.sleep(1.0)
    world.emu.restore_gateway()
    await sending
    await bot.outbox.drain()
    for user_id in people:
        assert len([m for m in world.emu.dms_to(user_id) if PROMPT in m.text]) == 1
