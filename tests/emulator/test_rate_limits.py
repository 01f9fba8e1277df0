"""Discord's rate limits: per-route buckets with headers, the global limit, tight DM limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest

from emulator import DiscordEmulator
from emulator.ratelimit import RateLimitPolicy
from tests.emulator.conftest import World

MESSAGES = "/channels/{channel_id}/messages"


@pytest.fixture
async def http(emu: DiscordEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bot {emu.bot_token}"}
    async with aiohttp.ClientSession(emu.api_base_url + "/", headers=headers) as session:
        yield session


async def _send(
    http: aiohttp.ClientSession, channel_id: int, text: str = "hi"
) -> tuple[int, Any, dict[str, str]]:
    async with http.post(f"channels/{channel_id}/messages", json={"content": text}) as resp:
        return resp.status, await resp.json(), dict(resp.headers)


async def test_route_bucket_counts_down_then_answers_429_per_channel(
    emu: DiscordEmulator, world: World, http: aiohttp.ClientSession
) -> None:
    emu.enforce_rate_limits(RateLimitPolicy(route_limit=2, route_window=30))
    first = await _send(http, world.general.id)
    second = await _send(http, world.general.id)
    third = await _send(http, world.general.id)
    assert [first[0], second[0], third[0]] == [200, 200, 429]
    assert first[2]["X-RateLimit-Limit"] == "2"
    assert [first[2]["X-RateLimit-Remaining"], second[2]["X-RateLimit-Remaining"]] == ["1", "0"]
    assert first[2]["X-RateLimit-Bucket"] == second[2]["X-RateLimit-Bucket"]
    assert 0 < float(first[2]["X-RateLimit-Reset-After"]) <= 30
    _, body, headers = third
    assert body["message"] == "You are being rate limited."
    assert body["global"] is False
    assert 0 < body["retry_after"] <= 30
    assert headers["X-RateLimit-Scope"] == "user"
    assert "X-RateLimit-Global" not in headers
    # Another channel is another bucket.
    assert (await _send(http, world.welcome.id))[0] == 200
    assert len(emu.messages_in(world.general.id)) == 2
    assert emu.rate_limits.refused[MESSAGES] == 1


async def test_global_limit_refuses_past_50_a_second_but_not_interactions(
    emu: DiscordEmulator, world: World, http: aiohttp.ClientSession
) -> None:
    emu.enforce_rate_limits(RateLimitPolicy(global_limit=3, global_window=30, route_limit=100))
    statuses = [(await _send(http, world.general.id))[0] for _ in range(3)]
    status, body, headers = await _send(http, world.welcome.id)
    assert statuses == [200, 200, 200]
    assert status == 429
    assert body["global"] is True
    assert headers["X-RateLimit-Global"] == "true"
    assert headers["X-RateLimit-Scope"] == "global"
    assert emu.rate_limits.global_refused == 1
    # An interaction webhook is exempt from the global limit (it answers 404 here: no token).
    async with http.get(f"webhooks/{emu.application_id}/nope/messages/@original") as resp:
        assert resp.status == 404
    assert emu.rate_limits.max_per_second() >= 4
    assert (RateLimitPolicy().global_limit, RateLimitPolicy().global_window) == (50, 1.0)


async def test_bulk_dm_burst_is_paced_by_the_dm_limits_and_arrives_once(
    emu: DiscordEmulator, world: World
) -> None:
    people = emu.add_members(world.guild.id, 8)
    emu.enforce_rate_limits(
        RateLimitPolicy(
            dm_channel_limit=4, dm_channel_window=0.2, dm_send_limit=2, dm_send_window=0.5
        )
    )
    client = discord.Client(intents=discord.Intents.none())
    await client.login(emu.bot_token)
    try:

        async def dm(user_id: int) -> None:
            channel = await client.create_dm(discord.Object(user_id))
            await channel.send(f"hello {user_id}")

        await asyncio.wait_for(asyncio.gather(*(dm(p.user_id) for p in people)), 15)
    finally:
        await client.close()
    for person in people:
        assert [m.content for m in emu.dms_to(person.user_id)] == [f"hello {person.user_id}"]
    # Opening DM channels is one bucket, so discord.py paces itself from the headers; sends
    # into different DM channels share one bucket it cannot foresee, so the burst meets 429s
    # and discord.py waits them out.
    dm_opens = emu.requests_to("POST", "/users/@me/channels")
    assert [r.status for r in dm_opens].count(200) == 8
    assert emu.rate_limits.refused[MESSAGES] > 0
    assert emu.rate_limits.total_refused == sum(emu.rate_limits.refused.values())


async def test_without_a_policy_nothing_is_limited_but_requests_are_counted(
    emu: DiscordEmulator, world: World, http: aiohttp.ClientSession
) -> None:
    statuses = [(await _send(http, world.general.id))[0] for _ in range(12)]
    assert statuses == [200] * 12
    assert emu.rate_limits.total_refused == 0
    assert emu.rate_limits.max_per_second() >= 12
