"""Consults end to end: faults and bad input, restarts, invitation DMs, the weekly post."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.models import Consult, ConsultInvitation, ConsultInvitationStatus
from cogs.consults.cog import weekly_post
from emulator.models import new_snowflake
from emulator.rest.threads import ThreadActions
from tests.conftest import FakeClock
from tests.consults.test_e2e import (
    EXTENSIONS,
    HAPPENING,
    Consults,
    ask,
    consults_world,
    thread_consult,
)
from tests.e2e.harness import World

__all__ = ["consults_world"]


async def test_ask_without_a_forum_says_not_set_up_and_tells_coordinators(
    tmp_path: Path,
) -> None:
    world = World(tmp_path)
    await world.start()
    try:
        await world.start_bot(extensions=EXTENSIONS)
        await world.add_active_members()
        emu = world.emu
        for _ in range(2):
            it = await emu.invoke_command(world.guild.id, world.ana.id, "ask")
            reply = await it.wait_reply()
            assert reply.ephemeral
            assert "Consults are not set up yet" in reply.content
        await emu.wait_until(
            lambda: any(
                "channels.forum" in m.content for m in emu.messages_in(world.coordinators.id)
            ),
            5,
            "the line to coordinators",
        )
        lines = [m for m in emu.messages_in(world.coordinators.id) if "channels.forum" in m.content]
        assert len(lines) == 1  # one clear line, not one per attempt
    finally:
        await world.close()


async def test_text_over_the_limit_is_refused_clearly_and_kept(consults_world: Consults) -> None:
    c = consults_world
    emu, world = c.world.emu, c.world
    it = await emu.invoke_command(world.guild.id, world.ana.id, "ask")
    await it.wait_response()
    long_text = "word " * 300  # 1,500 characters; the limit is 1,000
    submitted = await emu.submit_modal(
        it,
        {
            "title": "Too much",
            "happening": long_text,
            "would_help": "Anything",
            "themes": ["trust"],
        },
    )
    reply = await submitted.wait_reply()
    assert reply.ephemeral
    assert "What is happening" in reply.content
    assert "shorten it by 499" in reply.content
    fix = next(b for row in reply.components for b in row["components"] if b["label"] == "Fix it")
    reopened = await emu.press_button(world.guild.id, world.ana.id, reply, fix["custom_id"])
    await reopened.wait_response()
    assert reopened.modal is not None
    defaults = {
        c["custom_id"]: c.get("value")
        for row in reopened.modal["components"]
        for c in ([row["component"]] if "component" in row else row.get("components", []))
        if "custom_id" in c
    }
    assert defaults["happening"] == long_text.strip() or defaults["happening"] == long_text
    assert world.db is not None
    async with world.db.transaction() as session:
        assert await session.scalar(select(Consult)) is None  # nothing posted half-way


async def test_hostile_text_pings_nobody(consults_world: Consults) -> None:
    c = consults_world
    emu, world = c.world.emu, c.world
    it = await emu.invoke_command(world.guild.id, world.ana.id, "ask")
    await it.wait_response()
    hostile = f"@everyone @here <@&{world.member_role.id}> <@{world.cora.id}> **bold** \u202e"
    submitted = await emu.submit_modal(
        it,
        {"title": hostile[:80], "happening": hostile, "would_help": hostile, "themes": ["trust"]},
    )
    preview = await submitted.wait_reply()
    button = next(
        b
        for row in preview.components
        for b in row["components"]
        if b["label"] == "Post with my name"
    )
    before = len(c.threads.threads_in(c.forum.id))
    await emu.press_button(world.guild.id, world.ana.id, preview, button["custom_id"])
    await emu.wait_until(lambda: len(c.threads.threads_in(c.forum.id)) > before, 10, "the post")
    thread = c.threads.threads_in(c.forum.id)[-1]
    first = emu.messages_in(thread.id)[0]
    assert not first.mentions.everyone
    assert not first.mentions.role_ids
    assert not first.mentions.user_ids


async def test_buttons_survive_a_restart(consults_world: Consults) -> None:
    c = consults_world
    emu, world = c.world.emu, c.world
    thread = await ask(c, world.ana.id, anonymous=True)
    cid = thread_consult(c, thread)
    invitation = emu.messages_in(thread.id)[1]
    await world.restart_bot(extensions=EXTENSIONS)
    pressed = await emu.press_button(
        world.guild.id, world.ben.id, invitation, f"consult:answer:{cid}:yes"
    )
    assert "you're helping" in (await pressed.wait_reply()).content
    again = await emu.press_button(
        world.guild.id, world.ben.id, invitation, f"consult:answer:{cid}:no"
    )
    assert "already recorded" in (await again.wait_reply()).content
    assert world.db is not None
    async with world.db.transaction() as session:
        statuses = [i.status for i in await session.scalars(select(ConsultInvitation))]
    assert ConsultInvitationStatus.HELPING in statuses


async def test_invitation_dms_go_out_through_the_outbound_queue(consults_world: Consults) -> None:
    c = consults_world
    emu, world = c.world.emu, c.world
    thread = await ask(c, world.ana.id, anonymous=True)
    for user_id in (world.ben.id, world.cal.id):

        def arrived(uid: int = user_id) -> bool:
            return bool(emu.dms_to(uid))

        await emu.wait_until(arrived, 10, "an invitation DM")
        dm = emu.dms_to(user_id)[-1]
        text = repr((dm.content, dm.embeds))
        assert "invited to help" in text
        assert str(thread.id) in text
        assert "Ana" not in text  # an anonymous consult's invitation names nobody
    assert not emu.dms_to(world.dee.id)  # not invited: no DM


async def test_weekly_post_lists_consults_nobody_helps_with(tmp_path: Path) -> None:
    forum_id = new_snowflake()
    world = World(tmp_path, channels={"forum": forum_id}, consults={"invite_count": 1})
    threads = ThreadActions(world.emu)
    forum = threads.add_forum(world.guild.id, "ask", tags=[], id=forum_id)
    # Monday 10:00 in Brisbane: after the 09:00 slot.
    clock = FakeClock(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    await world.start()
    try:
        bot = await world.start_bot(clock=clock, extensions=EXTENSIONS)
        await world.add_active_members(interests={world.ben.id: ["funding"]})
        c = Consults(world, forum, threads)
        thread = await ask(c, world.ana.id, anonymous=False)
        await weekly_post(bot)
        await weekly_post(bot)  # a second wake-up in the same week posts nothing more
        posts = [m for m in world.emu.messages_in(world.announcements.id) if "waiting" in m.content]
        assert len(posts) == 1
        assert str(thread.id) in posts[0].content
        assert HAPPENING not in posts[0].content
    finally:
        await world.close()
