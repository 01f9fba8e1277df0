"""Large guilds as Discord serves them: GUILD_CREATE by intents and large_threshold, op 8
chunking in pages of 1000, RATE_LIMITED for a repeated full request, paginated REST."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import aiohttp
import discord
import pytest

from emulator import DiscordEmulator
from tests.emulator.conftest import World
from tests.emulator.wire import Wire

GUILDS, MEMBERS, PRESENCES = 1 << 0, 1 << 1, 1 << 8


def _ids(members: list[dict[str, Any]]) -> set[int]:
    return {int(m["user"]["id"]) for m in members}


async def test_guild_create_without_presences_carries_only_the_bot(
    emu: DiscordEmulator, world: World, wire: Wire
) -> None:
    emu.add_members(world.guild.id, 40)
    await wire.identify(emu.bot_token, GUILDS | MEMBERS)
    guild = await wire.dispatch("GUILD_CREATE")
    assert _ids(guild["members"]) == {emu.bot_user.id}
    assert guild["member_count"] == len(world.guild.members) == 44
    assert guild["presences"] == []


async def test_large_guild_with_presences_carries_online_role_and_nick_members(
    emu: DiscordEmulator, world: World, wire: Wire
) -> None:
    online = emu.add_members(world.guild.id, 300, online=5)[:5]
    nicked = emu.add_members(world.guild.id, 1)[0]
    nicked.nick = "Nick"
    # alice holds a role; bob and carol (not a member) hold none and are offline.
    await wire.identify(emu.bot_token, GUILDS | MEMBERS | PRESENCES, large_threshold=250)
    guild = await wire.dispatch("GUILD_CREATE")
    assert guild["large"] is True
    assert guild["member_count"] == 305
    expected = {emu.bot_user.id, world.alice.id, nicked.user_id} | {m.user_id for m in online}
    assert _ids(guild["members"]) == expected
    assert {int(p["user"]["id"]) for p in guild["presences"]} == {m.user_id for m in online}


async def test_small_guild_with_presences_carries_everyone(
    emu: DiscordEmulator, world: World, wire: Wire
) -> None:
    await wire.identify(emu.bot_token, GUILDS | MEMBERS | PRESENCES)
    guild = await wire.dispatch("GUILD_CREATE")
    assert guild["large"] is False
    assert _ids(guild["members"]) == set(world.guild.members)


async def test_request_members_pages_of_1000_with_nonce_then_rate_limited(
    emu: DiscordEmulator, world: World, wire: Wire
) -> None:
    emu.add_members(world.guild.id, 2500)
    await wire.identify(emu.bot_token, GUILDS | MEMBERS)
    await wire.dispatch("GUILD_CREATE")
    await wire.request_members(world.guild.id, query="", limit=0, nonce="first")
    chunks = [await wire.dispatch("GUILD_MEMBERS_CHUNK") for _ in range(3)]
    assert [(c["chunk_index"], c["chunk_count"]) for c in chunks] == [(0, 3), (1, 3), (2, 3)]
    assert [len(c["members"]) for c in chunks] == [1000, 1000, 504]
    assert {c["nonce"] for c in chunks} == {"first"}
    assert set().union(*(_ids(c["members"]) for c in chunks)) == set(world.guild.members)

    await wire.request_members(world.guild.id, query="", limit=0, nonce="again")
    limited = await wire.dispatch("RATE_LIMITED")
    assert limited["opcode"] == 8
    assert 0 < limited["retry_after"] <= 30
    assert limited["meta"] == {"guild_id": str(world.guild.id), "nonce": "again"}

    # Requests for named users or a query are not full requests: still answered.
    await wire.request_members(world.guild.id, user_ids=[str(world.bob.id), "42"], limit=0)
    chunk = await wire.dispatch("GUILD_MEMBERS_CHUNK")
    assert _ids(chunk["members"]) == {world.bob.id}
    assert chunk["not_found"] == ["42"]
    await wire.request_members(world.guild.id, query="ALI", limit=10)
    chunk = await wire.dispatch("GUILD_MEMBERS_CHUNK")
    assert _ids(chunk["members"]) == {world.alice.id}
    assert emu.sync.rate_limited_requests == 1


async def test_real_client_chunks_a_large_guild(emu: DiscordEmulator, world: World) -> None:
    emu.add_members(world.guild.id, 2100)
    intents = discord.Intents.none()
    intents.guilds = intents.members = True
    client = discord.Client(
        intents=intents, chunk_guilds_at_startup=False, guild_ready_timeout=0.05
    )
    runner = asyncio.create_task(client.start(emu.bot_token))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 10)
        guild = client.get_guild(world.guild.id)
        assert guild is not None
        assert guild.member_count == 2104
        assert [m.id for m in guild.members] == [emu.bot_user.id]
        members = await asyncio.wait_for(guild.chunk(), 10)
        assert len(members) == 2104
        assert guild.chunked
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(runner, 5)


async def test_rest_member_list_pages_by_after_and_refuses_bad_limits(
    emu: DiscordEmulator, world: World
) -> None:
    emu.add_members(world.guild.id, 2500)
    url = f"{emu.api_base_url}/guilds/{world.guild.id}/members"
    headers = {"Authorization": f"Bot {emu.bot_token}"}
    seen: list[int] = []
    async with aiohttp.ClientSession(headers=headers) as http:
        after = 0
        while True:
            async with http.get(url, params={"limit": 1000, "after": after}) as resp:
                assert resp.status == 200
                page = [int(m["user"]["id"]) for m in await resp.json()]
            if not page:
                break
            assert page == sorted(page)
            seen += page
            after = page[-1]
        for bad, code in (("0", "NUMBER_TYPE_MIN"), ("1001", "NUMBER_TYPE_MAX")):
            async with http.get(url, params={"limit": bad}) as resp:
                assert resp.status == 400
                assert (await resp.json())["errors"]["limit"]["_errors"][0]["code"] == code
        async with http.get(url) as resp:
            assert len(await resp.json()) == 1  # the default limit is 1
        search = url + "/search"
        async with http.get(search, params={"query": "person12", "limit": 1000}) as resp:
            found = {m["user"]["username"] for m in await resp.json()}
        emu.set_privileged_intents(members=False)
        async with http.get(url) as resp:
            assert (resp.status, (await resp.json())["code"]) == (403, 50001)
    assert len(seen) == len(set(seen)) == 2504
    # person12, person120-129, person1200-1299 (person ids start at the 4 members before).
    assert found == {f"person{n}" for n in [12, *range(120, 130), *range(1200, 1300)]}


async def test_identify_with_a_privileged_intent_not_enabled_closes_4014(
    emu: DiscordEmulator, wire: Wire
) -> None:
    emu.set_privileged_intents(presences=False)
    await wire.identify(emu.bot_token, GUILDS | MEMBERS | PRESENCES)
    with pytest.raises(ConnectionError):
        await wire.receive()
    assert wire.ws.close_code == 4014


async def test_fifty_thousand_members_stay_cheap_to_connect(
    emu: DiscordEmulator, world: World, wire: Wire
) -> None:
    emu.add_members(world.guild.id, 50_000, roles=[world.member_role.id])
    await wire.identify(emu.bot_token, GUILDS | MEMBERS)
    guild = await wire.dispatch("GUILD_CREATE")
    assert guild["member_count"] == 50_004
    assert len(guild["members"]) == 1
    url = f"{emu.api_base_url}/guilds/{world.guild.id}/members"
    headers = {"Authorization": f"Bot {emu.bot_token}"}
    last = max(world.guild.members)
    async with (
        aiohttp.ClientSession(headers=headers) as http,
        http.get(url, params={"limit": 1000, "after": last - 1}) as resp,
    ):
        assert [int(m["user"]["id"]) for m in await resp.json()] == [last]
