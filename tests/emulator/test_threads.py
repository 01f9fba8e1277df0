"""Forums and threads in the emulator, on the wire: Discord's documented rules and error
codes, checked with a bare HTTP client and with an unmodified discord.py bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from emulator import DiscordEmulator
from emulator.rest.threads import (
    CREATE_PUBLIC_THREADS,
    MANAGE_THREADS,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    EmuForum,
    ThreadActions,
)
from tests.emulator.conftest import EmuTestBot, World


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def actions(emu: DiscordEmulator) -> ThreadActions:
    return ThreadActions(emu)


@pytest.fixture
def forum(actions: ThreadActions, world: World) -> EmuForum:
    return actions.add_forum(world.guild.id, "consults", tags=["trust", "funding"])


async def call(
    emu: DiscordEmulator,
    http: aiohttp.ClientSession,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bot {emu.bot_token}"}
    async with http.request(method, emu.api_base_url + path, json=body, headers=headers) as resp:
        data = await resp.json() if resp.status != 204 else None
        return resp.status, data


def post_body(name: str = "A question", tags: list[int] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "message": {"content": "What would you do?", "allowed_mentions": {"parse": []}},
        "applied_tags": [str(t) for t in tags or []],
    }


def limit_bot(emu: DiscordEmulator, world: World, permissions: int) -> None:
    bot_role = next(r for r in world.guild.roles.values() if r.managed)
    bot_role.permissions = permissions
    world.guild.everyone_role.permissions = 0


async def test_forum_post_with_tags_is_a_public_thread_with_its_first_message(
    emu: DiscordEmulator, http: aiohttp.ClientSession, forum: EmuForum, actions: ThreadActions
) -> None:
    trust = forum.available_tags[0].id
    status, data = await call(
        emu, http, "POST", f"/channels/{forum.id}/threads", post_body(tags=[trust])
    )
    assert status == 201
    assert data["type"] == 11
    assert data["parent_id"] == str(forum.id)
    assert data["applied_tags"] == [str(trust)]
    assert data["message"]["id"] == data["id"]
    assert data["message"]["channel_id"] == data["id"]
    assert data["thread_metadata"]["archived"] is False
    assert data["member"]["user_id"] == str(emu.bot_user.id)
    thread = actions.thread(int(data["id"]))
    assert actions.tag_names(thread) == ["trust"]
    assert [m.content for m in emu.messages_in(thread.id)] == ["What would you do?"]


async def test_forum_post_refusals(
    emu: DiscordEmulator, http: aiohttp.ClientSession, forum: EmuForum
) -> None:
    path = f"/channels/{forum.id}/threads"
    forum.flags = 1 << 4  # REQUIRE_TAG
    status, data = await call(emu, http, "POST", path, post_body())
    assert (status, data["code"]) == (400, 40067)
    status, data = await call(emu, http, "POST", path, post_body(tags=[123]))
    assert (status, data["code"]) == (400, 50035)
    status, data = await call(emu, http, "POST", path, {**post_body(), "applied_tags": ["1"] * 6})
    assert (status, data["code"]) == (400, 50035)
    status, data = await call(emu, http, "POST", path, {"name": "no message"})
    assert (status, data["code"]) == (400, 50035)
    status, data = await call(emu, http, "POST", path, post_body(name="x" * 101))
    assert (status, data["code"]) == (400, 50035)
    status, data = await call(
        emu, http, "POST", f"/channels/{forum.id}/messages", {"content": "hi"}
    )
    assert (status, data["code"]) == (400, 40058)


async def test_patch_forum_tags_keeps_ids_and_refuses_long_names(
    emu: DiscordEmulator, http: aiohttp.ClientSession, forum: EmuForum
) -> None:
    trust = forum.available_tags[0]
    body = {"available_tags": [{"id": str(trust.id), "name": "trust"}, {"name": "health"}]}
    status, data = await call(emu, http, "PATCH", f"/channels/{forum.id}", body)
    assert status == 200
    assert [t["name"] for t in data["available_tags"]] == ["trust", "health"]
    assert data["available_tags"][0]["id"] == str(trust.id)
    too_long = {"available_tags": [{"name": "x" * 21}]}
    status, data = await call(emu, http, "PATCH", f"/channels/{forum.id}", too_long)
    assert (status, data["code"]) == (400, 50035)
    many = {"available_tags": [{"name": f"t{n}"} for n in range(21)]}
    status, data = await call(emu, http, "PATCH", f"/channels/{forum.id}", many)
    assert (status, data["code"]) == (400, 50035)


async def test_threads_in_text_channels(
    emu: DiscordEmulator, http: aiohttp.ClientSession, world: World
) -> None:
    status, msg = await call(
        emu, http, "POST", f"/channels/{world.general.id}/messages", {"content": "Meeting"}
    )
    assert status == 200
    path = f"/channels/{world.general.id}/messages/{msg['id']}/threads"
    status, data = await call(emu, http, "POST", path, {"name": "Meeting notes"})
    assert (status, data["type"], data["id"]) == (201, 11, msg["id"])
    status, data = await call(emu, http, "POST", path, {"name": "again"})
    assert (status, data["code"]) == (400, 160004)
    path = f"/channels/{world.general.id}/threads"
    status, data = await call(emu, http, "POST", path, {"name": "private by default"})
    assert (status, data["type"]) == (201, 12)
    status, data = await call(emu, http, "POST", path, {"name": "public", "type": 11})
    assert (status, data["type"]) == (201, 11)


async def test_locked_thread_refuses_messages_without_manage_threads(
    emu: DiscordEmulator, http: aiohttp.ClientSession, world: World, forum: EmuForum
) -> None:
    status, data = await call(emu, http, "POST", f"/channels/{forum.id}/threads", post_body())
    thread_id = data["id"]
    status, data = await call(emu, http, "PATCH", f"/channels/{thread_id}", {"locked": True})
    assert (status, data["thread_metadata"]["locked"]) == (200, True)
    limit_bot(emu, world, VIEW_CHANNEL | SEND_MESSAGES | SEND_MESSAGES_IN_THREADS)
    status, data = await call(
        emu, http, "POST", f"/channels/{thread_id}/messages", {"content": "x"}
    )
    assert (status, data["code"]) == (400, 160005)


async def test_archived_thread_refuses_edits_and_a_send_unarchives(
    emu: DiscordEmulator, http: aiohttp.ClientSession, forum: EmuForum, actions: ThreadActions
) -> None:
    status, data = await call(emu, http, "POST", f"/channels/{forum.id}/threads", post_body())
    thread_id, first = data["id"], data["message"]["id"]
    await actions.archive(int(thread_id))
    path = f"/channels/{thread_id}/messages/{first}"
    status, data = await call(emu, http, "PATCH", path, {"content": "changed"})
    assert (status, data["code"]) == (400, 50083)
    status, data = await call(
        emu, http, "POST", f"/channels/{thread_id}/messages", {"content": "hi"}
    )
    assert status == 200
    assert actions.thread(int(thread_id)).archived is False
    status, data = await call(emu, http, "PATCH", path, {"content": "changed"})
    assert status == 200


async def test_permission_rules(
    emu: DiscordEmulator, http: aiohttp.ClientSession, world: World, forum: EmuForum
) -> None:
    status, data = await call(emu, http, "POST", f"/channels/{forum.id}/threads", post_body())
    thread_id = data["id"]
    limit_bot(emu, world, VIEW_CHANNEL | SEND_MESSAGES)
    status, data = await call(
        emu, http, "POST", f"/channels/{thread_id}/messages", {"content": "x"}
    )
    assert (status, data["code"]) == (403, 50013)
    path = f"/channels/{world.general.id}/threads"
    status, data = await call(emu, http, "POST", path, {"name": "t", "type": 11})
    assert (status, data["code"]) == (403, 50013)
    status, data = await call(emu, http, "DELETE", f"/channels/{thread_id}")
    assert (status, data["code"]) == (403, 50013)
    status, data = await call(emu, http, "PATCH", f"/channels/{thread_id}", {"locked": True})
    assert (status, data["code"]) == (403, 50013)
    limit_bot(emu, world, VIEW_CHANNEL | SEND_MESSAGES | CREATE_PUBLIC_THREADS | MANAGE_THREADS)
    status, data = await call(emu, http, "POST", path, {"name": "t", "type": 11})
    assert status == 201


async def test_thread_members(
    emu: DiscordEmulator, http: aiohttp.ClientSession, world: World, forum: EmuForum
) -> None:
    status, data = await call(emu, http, "POST", f"/channels/{forum.id}/threads", post_body())
    members = f"/channels/{data['id']}/thread-members"
    assert (await call(emu, http, "PUT", f"{members}/{world.bob.id}"))[0] == 204
    status, listed = await call(emu, http, "GET", members)
    assert {m["user_id"] for m in listed} == {str(emu.bot_user.id), str(world.bob.id)}
    assert (await call(emu, http, "DELETE", f"{members}/@me"))[0] == 204
    status, data = await call(emu, http, "GET", f"{members}/{emu.bot_user.id}")
    assert (status, data["code"]) == (404, 10007)
    assert (await call(emu, http, "PUT", f"{members}/@me"))[0] == 204


async def test_discord_py_sees_forum_posts_member_messages_and_deletes(
    emu: DiscordEmulator, world: World, forum: EmuForum, bot: EmuTestBot, actions: ThreadActions
) -> None:
    cached = bot.get_channel(forum.id)  # the forum existed when the bot connected
    assert isinstance(cached, discord.ForumChannel)
    assert [t.name for t in cached.available_tags] == ["trust", "funding"]
    await cached.edit(available_tags=[*cached.available_tags, discord.ForumTag(name="health")])
    assert [t.name for t in actions.forum(forum.id).available_tags] == [
        "trust",
        "funding",
        "health",
    ]
    await emu.wait_until(lambda: len(cached.available_tags) == 3, 5, "CHANNEL_UPDATE")
    funding = next(t for t in cached.available_tags if t.name == "funding")
    created = await cached.create_thread(
        name="Partner went quiet",
        content="Has anyone re-engaged a council?",
        applied_tags=[funding],
        allowed_mentions=discord.AllowedMentions.none(),
    )
    thread = created.thread
    assert thread.type is discord.ChannelType.public_thread
    assert [t.name for t in thread.applied_tags] == ["funding"]
    assert created.message.content == "Has anyone re-engaged a council?"
    with pytest.raises(discord.HTTPException) as refused:
        await cached._state.http.send_message(
            cached.id, params=discord.http.handle_message_parameters(content="x")
        )
    assert refused.value.code == 40058

    seen: list[discord.Message] = []
    deleted: list[int] = []

    async def on_message(message: discord.Message) -> None:
        seen.append(message)

    async def on_raw_thread_delete(payload: discord.RawThreadDeleteEvent) -> None:
        deleted.append(payload.thread_id)

    bot.add_listener(on_message)
    bot.add_listener(on_raw_thread_delete)
    await actions.post_in_thread(thread.id, world.bob.id, "secret words")
    await actions.post_in_thread(thread.id, world.bob.id, f"<@{emu.bot_user.id}> hello")
    await emu.wait_until(lambda: len(seen) == 2, 5, "two messages in the thread")
    # Without the MESSAGE_CONTENT intent a member's text arrives empty unless the bot is named.
    assert [m.content for m in seen] == ["", f"<@{emu.bot_user.id}> hello"]
    assert all(m.channel.id == thread.id for m in seen)
    await actions.delete_post(thread.id)
    await emu.wait_until(lambda: deleted == [thread.id], 5, "THREAD_DELETE")
