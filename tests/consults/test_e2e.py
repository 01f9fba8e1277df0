"""Consults end to end: the real bot against the emulator's forum, from /ask to Resolved.

A named and an anonymous consult, invitations going to the best matches, and relayed
replies that never reveal an anonymous asker in any message, log line, or the database
file in plain text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.models import Consult, ConsultInvitation, ConsultInvitationStatus, ConsultStatus, Member
from emulator import RecordedMessage
from emulator.models import new_snowflake
from emulator.rest.threads import EmuForum, EmuThread, ThreadActions
from tests.e2e.harness import World

HAPPENING = "Our Quokkaville council partner stopped replying after the Zebrafish grant"
TRIED = "Two calls and an email to the CEO"
WOULD_HELP = "Someone who has re-engaged a council after a funding loss"
EXTENSIONS = ["cogs.learnings", "cogs.consults"]
REPLY = "Try a joint site visit with the Mayor's office"
ANSWER = "Thank you, a site visit is planned for the Wombat depot"


@dataclass
class Consults:
    world: World
    forum: EmuForum
    threads: ThreadActions

    async def press(
        self, user_id: int, message: RecordedMessage, custom_id: str, *, in_dm: bool = False
    ) -> RecordedMessage:
        """Press a button as ``user_id`` and wait for the bot's (ephemeral) answer."""
        guild_id = None if in_dm else self.world.guild.id
        pressed = await self.world.emu.press_button(guild_id, user_id, message, custom_id)
        return await pressed.wait_reply()


@dataclass
class Asked:
    """A consult as posted: its thread, number, first message and invitation message."""

    thread: EmuThread
    consult_id: int
    first: RecordedMessage
    invitation: RecordedMessage


def with_forum(
    tmp_path: Path,
    *,
    invite_count: int,
    name: str = "ask",
    tags: list[str] | None = None,
    require_tag: bool = False,
) -> Consults:
    """A world (not started yet) whose configured forum exists in the emulator."""
    forum_id = new_snowflake()
    world = World(tmp_path, channels={"forum": forum_id}, consults={"invite_count": invite_count})
    threads = ThreadActions(world.emu)
    forum = threads.add_forum(
        world.guild.id, name, tags=tags or [], require_tag=require_tag, id=forum_id
    )
    return Consults(world, forum, threads)


@pytest.fixture
async def consults_world(tmp_path: Path) -> AsyncIterator[Consults]:
    c = with_forum(tmp_path, invite_count=2, name="ask-the-community", tags=["trust"])
    world = c.world
    await world.start()
    try:
        # The learnings cog loads the data key; consults is the capability under test.
        await world.start_bot(extensions=EXTENSIONS)
        await world.add_active_members(
            interests={
                world.ana.id: ["evaluation"],
                world.ben.id: ["funding", "local government"],
                world.cal.id: ["funding"],
                world.dee.id: ["funding models"],
                world.cora.id: ["health"],
            }
        )
        yield c
    finally:
        await world.close()


async def ask(c: Consults, user_id: int, *, anonymous: bool) -> EmuThread:
    """/ask as ``user_id``: the form, then Post with my name / Post anonymously."""
    emu, world = c.world.emu, c.world
    it = await emu.invoke_command(world.guild.id, user_id, "ask")
    await it.wait_response()
    assert it.modal is not None
    submitted = await emu.submit_modal(
        it,
        {
            "title": "A council partner went quiet",
            "happening": HAPPENING,
            "tried": TRIED,
            "would_help": WOULD_HELP,
            "themes": ["funding", "local government"],
        },
    )
    preview = await submitted.wait_reply()
    label = "Post anonymously" if anonymous else "Post with my name"
    button = next(
        b for row in preview.components for b in row["components"] if b.get("label") == label
    )
    before = len(c.threads.threads_in(c.forum.id))
    pressed = await emu.press_button(world.guild.id, user_id, preview, button["custom_id"])
    await emu.wait_until(
        lambda: len(c.threads.threads_in(c.forum.id)) > before, 10, "the forum post"
    )
    done = await pressed.wait_followup()
    assert "is posted" in done.content
    thread = c.threads.threads_in(c.forum.id)[-1]
    await emu.wait_until(lambda: len(emu.messages_in(thread.id)) >= 2, 10, "the invitations")
    return thread


async def asked(c: Consults, user_id: int, *, anonymous: bool) -> Asked:
    """/ask as ``user_id``, and the post it made."""
    thread = await ask(c, user_id, anonymous=anonymous)
    first, invitation = c.world.emu.messages_in(thread.id)[:2]
    return Asked(thread, thread_consult(c, thread), first, invitation)


def button_of(message: RecordedMessage, prefix: str) -> str:
    return next(c for c in message.custom_ids() if c.startswith(prefix))


async def test_named_consult_from_form_to_resolution(consults_world: Consults) -> None:
    c = consults_world
    emu, world = c.world.emu, c.world
    thread = await ask(c, world.ana.id, anonymous=False)

    assert sorted(c.threads.tag_names(thread)) == ["funding", "local government"]
    first, invitation = emu.messages_in(thread.id)[:2]
    assert "Ana Alvarez" in first.embeds[0]["footer"]["text"]
    assert HAPPENING in first.embeds[0]["fields"][0]["value"]
    # The best matches are invited (Ben: two themes; then Cal, asked as often as Dee but an
    # exact match beats a related one), and only they are pinged.
    assert invitation.mentions.user_ids == frozenset({world.ben.id, world.cal.id})
    assert invitation.allowed_mentions is not None
    assert invitation.allowed_mentions.get("parse") in ([], None)
    assert {str(u) for u in invitation.allowed_mentions["users"]} == {
        str(world.ben.id),
        str(world.cal.id),
    }
    assert first.mentions.user_ids == frozenset()

    # Someone not invited cannot answer; Ben helps; Cal declines, so Dee is invited.
    refused = await c.press(world.cora.id, invitation, button_of(invitation, "consult:answer"))
    assert "invited" in refused.content
    cid = thread_consult(c, thread)
    helped = await c.press(world.ben.id, invitation, f"consult:answer:{cid}:yes")
    assert "you're helping" in helped.content
    declined = await c.press(world.cal.id, invitation, f"consult:answer:{cid}:no")
    assert "Someone else has been invited" in declined.content
    await emu.wait_until(
        lambda: any(world.dee.id in m.mentions.user_ids for m in emu.messages_in(thread.id)),
        10,
        "Dee's invitation",
    )

    # Only the asker resolves; then thanks count in the ledger.
    resolve = button_of(first, "consult:resolve")
    not_theirs = await c.press(world.ben.id, first, resolve)
    assert "Only the person who asked" in not_theirs.content
    thanks_prompt = await c.press(world.ana.id, first, resolve)
    assert "marked resolved" in thanks_prompt.content
    select_id = next(
        item["custom_id"]
        for row in thanks_prompt.components
        for item in row["components"]
        if item.get("type") == 3
    )
    assert button_of(thanks_prompt, "consult:learn")
    assert world.db is not None
    async with world.db.transaction() as session:
        ben = await session.scalar(select(Member).where(Member.user_id == world.ben.id))
        assert ben is not None
        ben_id = ben.id
    thanked = await emu.choose(
        world.guild.id, world.ana.id, thanks_prompt, select_id, [str(ben_id)]
    )
    assert "Thanked 1" in (await thanked.wait_reply()).content
    ledger = await emu.invoke_command(world.guild.id, world.cal.id, "consult ledger")
    text = (await ledger.wait_reply()).content
    assert "Ben Brooks: 1 · 1 · 1" in text
    async with world.db.transaction() as session:
        row = await session.scalar(select(Consult))
        assert row is not None
        assert row.status is ConsultStatus.RESOLVED
        statuses = {i.member_id: i.status for i in await session.scalars(select(ConsultInvitation))}
    assert ConsultInvitationStatus.LAPSED in statuses.values()  # Dee had not answered


def thread_consult(c: Consults, thread: EmuThread) -> int:
    footer = c.world.emu.messages_in(thread.id)[0].embeds[0]["footer"]["text"]
    return int(footer.split("#", 1)[1].split(" ", 1)[0])


async def test_anonymous_consult_never_reveals_the_asker(
    consults_world: Consults, caplog: pytest.LogCaptureFixture
) -> None:
    # As in production (bot.logs): our own loggers at DEBUG, discord.py's never below INFO.
    caplog.set_level(logging.INFO)
    for name in ("bot", "cogs", "emulator"):
        caplog.set_level(logging.DEBUG, logger=name)
    c = consults_world
    emu, world = c.world.emu, c.world
    made = await asked(c, world.ana.id, anonymous=True)
    thread, cid, first = made.thread, made.consult_id, made.first
    assert "anonymous" in first.embeds[0]["footer"]["text"]

    # Ben replies to the asker from the post; it is posted under his name and DMed to Ana.
    reply = await emu.press_button(world.guild.id, world.ben.id, first, f"consult:reply:{cid}")
    await reply.wait_response()
    sent = await emu.submit_modal(reply, {"text": REPLY})
    assert "sent to the asker" in (await sent.wait_reply()).content
    await emu.wait_until(lambda: bool(emu.dms_to(world.ana.id)), 10, "the DM to the asker")
    dm = emu.dms_to(world.ana.id)[-1]
    assert REPLY in dm.content
    # Ana answers from her DM; the bot posts it as "the asker".
    answer = await emu.press_button(None, world.ana.id, dm, f"consult:reply:{cid}")
    await answer.wait_response()
    posted = await emu.submit_modal(answer, {"text": ANSWER})
    assert "as **the asker**" in (await posted.wait_reply()).content
    await emu.wait_until(
        lambda: any(ANSWER in m.content for m in emu.messages_in(thread.id)), 10, "the answer"
    )
    answer_post = next(m for m in emu.messages_in(thread.id) if ANSWER in m.content)
    assert answer_post.content.startswith("**The asker** replied")
    assert answer_post.author_id == emu.bot_user.id

    # Lists never name her; her own list shows it to her only.
    listed = await emu.invoke_command(world.guild.id, world.cal.id, "consult list")
    assert "anonymous" in (await listed.wait_reply()).content
    mine = await emu.invoke_command(world.guild.id, world.ana.id, "consult mine")
    assert f"#{cid}" in (await mine.wait_reply()).content
    theirs = await emu.invoke_command(world.guild.id, world.ben.id, "consult mine")
    assert f"#{cid}" not in (await theirs.wait_reply()).content

    resolved = await c.press(world.ana.id, first, f"consult:resolve:{cid}")
    assert "marked resolved" in resolved.content

    # Nothing anyone but Ana can see names her: no message outside her DMs and her own
    # ephemeral answers carries her name or a mention of her.
    private = {m.id for m in emu.dms_to(world.ana.id)}
    for it in emu.interactions:
        if it.user_id == world.ana.id:
            private.update(m.id for m in it.messages)
    for message in emu.world.messages.values():
        if message.id in private:
            continue
        blob = repr((message.content, message.embeds, message.components))
        assert "Ana" not in blob, message.content
        assert str(world.ana.id) not in blob
        assert world.ana.id not in message.mentions.user_ids
    # ... nor any log line ...
    for record in caplog.records:
        line = record.getMessage()
        assert "Ana" not in line
        assert str(world.ana.id) not in line
        assert HAPPENING not in line
        assert REPLY not in line
    # ... and the database holds no consult text in the clear.
    await world.stop_bot()
    raw = b"".join(p.read_bytes() for p in c.world.tmp_path.glob("cop.sqlite3*") if p.is_file())
    for secret in ("Quokkaville", "Zebrafish", "Wombat", "joint site visit"):
        assert secret.encode() not in raw
    assert b"Ana Alvarez" in raw  # control: her member row is there in the clear


async def test_post_deleted_by_hand_is_recorded_closed(consults_world: Consults) -> None:
    c = consults_world
    thread = await ask(c, c.world.ana.id, anonymous=False)
    await c.threads.delete_post(thread.id)
    db = c.world.db
    assert db is not None

    async def closed() -> bool:
        async with db.transaction() as session:
            row = await session.scalar(select(Consult))
            return row is not None and row.status is ConsultStatus.CLOSED

    for _ in range(200):
        if await closed():
            break
        await asyncio.sleep(0.05)
    assert await closed()
