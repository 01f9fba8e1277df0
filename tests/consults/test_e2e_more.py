"""Consults end to end: faults and bad input, restarts, invitation DMs, the weekly post."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from bot.models import Consult, ConsultInvitation, ConsultInvitationStatus, ConsultPost, Member
from cogs.consults.cog import weekly_post
from tests.conftest import FakeClock
from tests.consults.test_e2e import (
    EXTENSIONS,
    HAPPENING,
    Consults,
    ask,
    asked,
    consults_world,
    with_forum,
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
        await asyncio.sleep(0.3)
        # A community that does not use consults is not told about them at start.
        assert not any("forum" in m.content for m in emu.messages_in(world.coordinators.id))
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
    world = c.world
    made = await asked(c, world.ana.id, anonymous=True)
    await world.restart_bot(extensions=EXTENSIONS)
    pressed = await c.press(world.ben.id, made.invitation, f"consult:answer:{made.consult_id}:yes")
    assert "you're helping" in pressed.content
    again = await c.press(world.ben.id, made.invitation, f"consult:answer:{made.consult_id}:no")
    assert "already recorded" in again.content
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
    c = with_forum(tmp_path, invite_count=1)
    world = c.world
    # Monday 10:00 in Brisbane: after the 09:00 slot.
    clock = FakeClock(datetime(2026, 3, 2, 0, 0, tzinfo=UTC))
    await world.start()
    try:
        bot = await world.start_bot(clock=clock, extensions=EXTENSIONS)
        await world.add_active_members(interests={world.ben.id: ["funding"]})
        thread = await ask(c, world.ana.id, anonymous=False)
        await weekly_post(bot)
        await weekly_post(bot)  # a second wake-up in the same week posts nothing more
        posts = [m for m in world.emu.messages_in(world.announcements.id) if "waiting" in m.content]
        assert len(posts) == 1
        assert str(thread.id) in posts[0].content
        assert HAPPENING not in posts[0].content
        assert "Late" not in posts[0].content
        clock.advance(days=7, hours=6)  # next Monday 16:00: the bot was down at 09:00
        await weekly_post(bot)
        posts = [m for m in world.emu.messages_in(world.announcements.id) if "waiting" in m.content]
        assert len(posts) == 2
        assert "Late: the bot was offline" in posts[1].content
    finally:
        await world.close()


@pytest.mark.parametrize("archived", [False, True], ids=["active", "archived"])
async def test_mydata_delete_replaces_the_posts_that_carried_a_consult(
    tmp_path: Path, archived: bool
) -> None:
    """Forum posts archive themselves after inactivity; Discord refuses edits in an
    archived thread (50083), so the clean-up unarchives the post first."""
    c = with_forum(tmp_path, invite_count=1)
    world, threads = c.world, c.threads
    await world.start()
    try:
        await world.start_bot(extensions=[*EXTENSIONS, "cogs.mydata"])
        await world.add_active_members(interests={world.ben.id: ["funding"]})
        emu = world.emu
        made = await asked(c, world.ana.id, anonymous=True)
        thread = made.thread
        reply = await emu.press_button(
            world.guild.id, world.ben.id, made.first, f"consult:reply:{made.consult_id}"
        )
        await reply.wait_response()
        await (await emu.submit_modal(reply, {"text": "A thought from Ben"})).wait_reply()
        carried = [m.id for m in emu.messages_in(thread.id, ephemeral=False)]
        assert len(carried) == 3  # the post, the invitation, Ben's reply
        if archived:
            await threads.archive(thread.id)
            await emu.wait_until(
                lambda: world.bot is not None and world.bot.get_channel(thread.id) is None,
                10,
                "the bot to see the post archived",
            )

        it = await emu.invoke_command(world.guild.id, world.ana.id, "mydata delete")
        question = await it.wait_reply()
        erase = next(
            b["custom_id"]
            for row in question.components
            for b in row["components"]
            if str(b.get("custom_id", "")).startswith("mydata:erase")
        )
        done = await emu.press_button(world.guild.id, world.ana.id, question, erase)
        await done.wait_reply()
        await emu.wait_until(
            lambda: all(emu.message(m).content.startswith("This was erased") for m in carried),
            10,
            "every post of the consult replaced",
        )
        for message_id in carried:
            message = emu.message(message_id)
            assert message.embeds == []
            assert message.components == []
            assert HAPPENING not in message.content
        assert not threads.thread(thread.id).archived
        assert world.db is not None
        async with world.db.transaction() as session:
            assert await session.scalar(select(Consult)) is None
    finally:
        await world.close()


async def test_a_consult_discord_refused_is_kept_and_posted_on_the_next_connect(
    tmp_path: Path,
) -> None:
    c = with_forum(tmp_path, invite_count=1, require_tag=True)
    world, threads, forum = c.world, c.threads, c.forum
    bot_role = next(r for r in world.guild.roles.values() if r.managed)
    everything = bot_role.permissions
    # The bot may post but not add the themes' tags, and the forum requires a tag.
    bot_role.permissions = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 38)
    world.guild.everyone_role.permissions = 0
    await world.start()
    try:
        await world.start_bot(extensions=EXTENSIONS)
        await world.add_active_members(interests={world.ben.id: ["funding"]})
        emu = world.emu
        it = await emu.invoke_command(world.guild.id, world.ana.id, "ask")
        await it.wait_response()
        submitted = await emu.submit_modal(
            it,
            {"title": "Kept", "happening": HAPPENING, "would_help": "Ideas", "themes": ["funding"]},
        )
        preview = await submitted.wait_reply()
        post = next(
            b["custom_id"]
            for row in preview.components
            for b in row["components"]
            if b["label"] == "Post with my name"
        )
        pressed = await emu.press_button(world.guild.id, world.ana.id, preview, post)
        told = await pressed.wait_followup()
        assert "saved" in told.content
        assert "isn't posted yet" in told.content
        assert threads.threads_in(forum.id) == []
        await emu.wait_until(
            lambda: any(
                "could not post consult" in m.content
                for m in emu.messages_in(world.coordinators.id)
            ),
            5,
            "the line to coordinators",
        )

        bot_role.permissions = everything  # a coordinator fixes the bot's permissions
        await world.restart_bot(extensions=EXTENSIONS)
        await emu.wait_until(lambda: len(threads.threads_in(forum.id)) == 1, 10, "the late post")
        thread = threads.threads_in(forum.id)[0]
        assert threads.tag_names(thread) == ["funding"]
        assert HAPPENING in emu.messages_in(thread.id)[0].embeds[0]["fields"][0]["value"]
        await world.restart_bot(extensions=EXTENSIONS)  # and never twice
        await asyncio.sleep(0.5)  # on_ready's catch-up has run by now
        assert len(threads.threads_in(forum.id)) == 1
    finally:
        await world.close()


async def test_fifty_presses_at_once_one_answer_counts(consults_world: Consults) -> None:
    c = consults_world
    emu, world = c.world.emu, c.world
    made = await asked(c, world.ana.id, anonymous=False)
    cid, invitation = made.consult_id, made.invitation
    presses = await asyncio.gather(
        *(
            emu.press_button(
                world.guild.id,
                world.ben.id,
                invitation,
                f"consult:answer:{cid}:{'yes' if n % 2 else 'no'}",
            )
            for n in range(50)
        )
    )
    replies = [(await p.wait_reply(timeout=20)).content for p in presses]
    won = [r for r in replies if "already recorded" not in r]
    assert len(won) == 1, won
    assert sum("already recorded" in r for r in replies) == 49
    assert world.db is not None
    async with world.db.transaction() as session:
        answered = [
            i
            for i in await session.scalars(select(ConsultInvitation))
            if i.status is not ConsultInvitationStatus.INVITED
        ]
    assert len(answered) == 1


async def test_fairness_over_30_consults_through_ask(tmp_path: Path) -> None:
    c = with_forum(tmp_path, invite_count=2)
    world = c.world
    await world.start()
    try:
        await world.start_bot(extensions=EXTENSIONS)
        equal = [world.ben, world.cal, world.dee, world.cora]
        await world.add_active_members(
            interests={u.id: ["funding"] for u in equal} | {world.ana.id: ["health"]}
        )
        for _ in range(30):
            await ask(c, world.ana.id, anonymous=True)
        assert world.db is not None
        async with world.db.transaction() as session:
            rows = list(await session.scalars(select(ConsultInvitation)))
            ana = await session.scalar(select(Member).where(Member.user_id == world.ana.id))
        assert ana is not None
        counts = {m: sum(1 for r in rows if r.member_id == m) for m in {r.member_id for r in rows}}
        assert len(rows) == 60
        assert ana.id not in counts  # never the asker
        assert len(counts) == 4
        assert max(counts.values()) - min(counts.values()) <= 2
    finally:
        await world.close()


async def test_a_post_made_but_not_recorded_before_a_crash_is_not_made_twice(
    consults_world: Consults,
) -> None:
    c = consults_world
    emu, world = c.world.emu, c.world
    thread = await ask(c, world.ana.id, anonymous=False)
    messages_before = len(emu.messages_in(thread.id, ephemeral=False))
    assert world.db is not None
    async with world.db.transaction() as session:  # the record the crash lost
        row = await session.scalar(select(Consult))
        assert row is not None
        row.thread_id = None
        await session.execute(delete(ConsultPost))
    await world.restart_bot(extensions=EXTENSIONS)
    assert world.db is not None
    db = world.db

    async def recorded() -> int | None:
        async with db.transaction() as session:
            again = await session.scalar(select(Consult))
            return again.thread_id if again is not None else None

    for _ in range(100):
        if await recorded() is not None:
            break
        await asyncio.sleep(0.05)
    assert await recorded() == thread.id
    assert len(c.threads.threads_in(c.forum.id)) == 1
    assert len(emu.messages_in(thread.id, ephemeral=False)) == messages_before  # no re-invite
