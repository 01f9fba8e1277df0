"""The /mydata clean-up of the bot's posts, through the port (FakePort)."""

from __future__ import annotations

from bot import port
from bot.services.mydata import PostCleanup, clean_up_posts
from tests.fakes import FakePort

NOTE = "This was erased at its author's request."


async def test_clean_up_unarchives_a_thread_before_editing_its_message() -> None:
    fake = FakePort()
    made = await fake.forum_post(10, "A consult", port.Message(content="secret text"))
    fake.archived.add(made.channel_id)
    done = await clean_up_posts(fake, [PostCleanup(made.channel_id, made.message_id, NOTE)], {})
    assert done == 1
    assert made.channel_id not in fake.archived
    [edit] = fake.edits
    assert (edit.channel_id, edit.message_id, edit.message.content) == (
        made.channel_id,
        made.message_id,
        NOTE,
    )
    assert edit.message.cards == ()
    assert edit.message.buttons == ()


async def test_clean_up_deletes_threads_and_messages_and_resolves_channel_names() -> None:
    fake = FakePort()
    welcome = await fake.post(55, port.Message(content="Welcome, Ana"))
    posts = [
        PostCleanup(77, None),
        PostCleanup("welcome", welcome.message_id),
        PostCleanup("forum", 1),  # no forum configured: skipped
    ]
    done = await clean_up_posts(fake, posts, {"welcome": 55, "forum": None})
    assert done == 2
    assert fake.deleted_channels == [77]
    assert fake.deleted == [(55, welcome.message_id)]


async def test_clean_up_skips_what_is_gone_and_goes_on_after_a_failure() -> None:
    fake = FakePort(unknown_channels={5})
    kept = await fake.post(6, port.Message(content="x"))
    fake.fail_times("delete_channel", port.Forbidden("403 50013"))
    posts = [
        PostCleanup(5, 1, NOTE),  # gone
        PostCleanup(8, None),  # refused
        PostCleanup(6, kept.message_id, NOTE),
    ]
    assert await clean_up_posts(fake, posts, {}) == 1
    assert [(e.channel_id, e.message.content) for e in fake.edits] == [(6, NOTE)]
