"""Through the emulator: publishing a learning to the forum's knowledge base, editing
it, asking before a post that names someone, and the post going when the learning is
made private or its author erases their data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emulator import RecordedMessage
from emulator.models import new_snowflake
from emulator.rest.threads import EmuForum, EmuThread, ThreadActions
from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.learnings.helpers import fixed_keyring, make_members_active, publish_new, run


@dataclass
class Forum:
    world: World
    forum: EmuForum
    threads: ThreadActions

    def posts(self) -> list[EmuThread]:
        """The knowledge base's posts (threads in its forum)."""
        return self.threads.threads_in(self.forum.id)


@pytest.fixture
async def forum_world(tmp_path: Path) -> AsyncIterator[Forum]:
    forum_id = new_snowflake()
    world = World(tmp_path, channels={"forum": forum_id})
    threads = ThreadActions(world.emu)
    forum = threads.add_forum(world.guild.id, "knowledge-base", tags=["funding"], id=forum_id)
    await world.start()
    try:
        await world.start_bot(
            clock=FakeClock(datetime(2026, 3, 10, 1, 0, tzinfo=UTC)), keyring=fixed_keyring()
        )
        await make_members_active(world)
        yield Forum(world, forum, threads)
    finally:
        await world.close()


def button(message: RecordedMessage, prefix: str) -> str:
    return next(c for c in message.custom_ids() if c.startswith(prefix))


async def edit(world: World, ident: int, values: dict[str, str]) -> RecordedMessage:
    """Ana edits learning ``ident`` through its form: the bot's reply."""
    it = await run(world, world.ana.id, "learning edit", {"id": ident})
    await it.wait_response()
    assert it.modal is not None
    saved = await world.emu.submit_modal(it, values)
    return await saved.wait_reply()


async def test_knowledge_base_publish_edit_and_remove(forum_world: Forum) -> None:
    f = forum_world
    world, emu = f.world, f.world.emu
    ident, reply = await publish_new(
        world,
        {"title": "Co-design with a council", "learned": "Ask early @everyone", "tags": "trust"},
        "group",
    )
    assert reply.ephemeral
    assert "Published learning" in reply.text
    [thread] = f.posts()
    assert f"<#{thread.id}>" in reply.text
    assert thread.name == "Co-design with a council"
    assert f.threads.tag_names(thread) == ["trust"]  # the bot added the theme's tag
    post = emu.messages_in(thread.id)[0]
    assert "Shared by Ana Alvarez" in post.content
    assert "Ask early" in post.content
    assert not post.pinged_everyone
    assert not post.pinged_user_ids

    # Someone else cannot publish it; publishing again is refused.
    it = await run(world, world.ben.id, "learning publish", {"id": ident})
    assert "isn't yours" in (await it.wait_reply()).text
    it = await run(world, world.ana.id, "learning publish", {"id": ident})
    assert "already published" in (await it.wait_reply()).text
    assert len(f.posts()) == 1

    # /learning browse links to the post.
    it = await run(world, world.ben.id, "learning browse")
    assert f"<#{thread.id}>" in (await it.wait_reply()).text

    # Editing the learning updates the post.
    saved = await edit(
        world, ident, {"learned": "Ask early, and listen twice.", "tags": "funding, trust"}
    )
    assert "Updated learning" in saved.text
    await emu.wait_until(
        lambda: "listen twice" in emu.messages_in(thread.id)[0].content, 10, "the edited post"
    )
    await emu.wait_until(
        lambda: f.threads.tag_names(f.threads.thread(thread.id)) == ["funding"],
        10,
        "the post's tag to follow the new theme",
    )

    # Making it private removes the post.
    it = await run(world, world.ana.id, "learning share", {"id": ident, "level": "private"})
    assert "forum post was removed" in (await it.wait_reply()).text
    assert f.posts() == []


async def test_knowledge_base_edit_unarchives_an_archived_post(forum_world: Forum) -> None:
    # Forum posts archive themselves after inactivity; Discord refuses an edit in an
    # archived thread (50083), so the bot unarchives the post in the same request.
    f = forum_world
    world, emu = f.world, f.world.emu
    ident, reply = await publish_new(world, {"title": "Quiet post", "learned": "Old text"}, "group")
    assert "Published learning" in reply.text
    [thread] = f.posts()
    await f.threads.archive(thread.id)

    saved = await edit(world, ident, {"title": "Lively post", "learned": "New text"})
    assert "Updated learning" in saved.text
    await emu.wait_until(
        lambda: "New text" in emu.messages_in(thread.id)[0].content, 10, "the edited post"
    )
    assert not f.threads.thread(thread.id).archived
    assert f.threads.thread(thread.id).name == "Lively post"


async def test_knowledge_base_anonymous_post_asks_first_and_goes_with_mydata_delete(
    forum_world: Forum,
) -> None:
    f = forum_world
    world, emu = f.world, f.world.emu
    _, ask = await publish_new(
        world,
        {"title": "Funding talk", "learned": "Ben Brooks showed me how.", "tags": "funding"},
        "digest-anonymous",
    )
    assert "mentions" in ask.text
    assert "Ben Brooks" in ask.text
    assert f.posts() == []  # nothing posted before she confirms
    pressed = await emu.press_button(
        world.guild.id, world.ana.id, ask, button(ask, "learning:publish-yes:")
    )
    done = await pressed.wait_reply()
    assert "with no name" in done.text
    [thread] = f.posts()
    assert f.threads.tag_names(thread) == ["funding"]
    post = emu.messages_in(thread.id)[0]
    assert "Shared anonymously" in post.content
    assert "Ana" not in post.content
    assert thread.owner_id != world.ana.id  # the bot wrote it

    it = await run(world, world.ana.id, "mydata delete")
    question = await it.wait_reply()
    assert "1 learning (1 shared)" in question.text
    erase = await emu.press_button(
        world.guild.id, world.ana.id, question, button(question, "mydata:erase:")
    )
    assert "erased" in (await erase.wait_reply()).text
    await emu.wait_until(lambda: f.posts() == [], 10, "the post to be removed")


async def test_knowledge_base_edit_naming_someone_withdraws_and_hand_deletion_is_forgotten(
    forum_world: Forum,
) -> None:
    f = forum_world
    world, emu = f.world, f.world.emu
    ident, reply = await publish_new(
        world, {"title": "Small steps", "learned": "Start small.", "tags": "trust"}, "digest-named"
    )
    assert "Published" in reply.text
    [thread] = f.posts()

    # A coordinator deletes the post by hand: the bot forgets it, so it can be published again.
    await f.threads.delete_post(thread.id)
    await emu.wait_until(lambda: f.posts() == [], 10, "the deletion")
    for _ in range(50):
        it = await run(world, world.ana.id, "learning publish", {"id": ident})
        reply = await it.wait_reply()
        if "Published" in reply.text:
            break
        assert "already published" in reply.text
    [thread] = f.posts()

    # An edit that now names someone takes the post down until she publishes it again.
    reply = await edit(world, ident, {"learned": "Start small, as Cal Chen showed me."})
    assert "forum post was removed" in reply.text
    assert "Cal Chen" in reply.text
    await emu.wait_until(lambda: f.posts() == [], 10, "the withdrawal")
    assert "Cal Chen" not in emu.messages_in(thread.id, include_deleted=True)[0].content


async def test_knowledge_base_without_a_forum_says_it_is_not_set_up(world: World) -> None:
    await world.start_bot(
        clock=FakeClock(datetime(2026, 3, 10, 1, 0, tzinfo=UTC)), keyring=fixed_keyring()
    )
    await make_members_active(world)
    _, reply = await publish_new(world, {"title": "Kept", "learned": "Still here"}, "group")
    assert reply.ephemeral
    assert "isn't set up yet" in reply.text
    it = await run(world, world.ana.id, "learning mine")
    assert "Kept" in (await it.wait_reply()).text  # nothing lost
