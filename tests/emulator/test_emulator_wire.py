"""The emulator's wire behaviour, checked with a bare HTTP client (no discord.py bot)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from emulator import DiscordEmulator
from emulator.gateway import GatewaySession
from emulator.models import resolve_mentions
from tests.emulator.conftest import World

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def test_rest_requires_the_bot_token(
    emu: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    async with http.get(emu.api_base_url + "/users/@me") as resp:
        assert resp.status == 401
    headers = {"Authorization": f"Bot {emu.bot_token}"}
    async with http.get(emu.api_base_url + "/users/@me", headers=headers) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/json"
        assert (await resp.json())["id"] == str(emu.bot_user.id)


async def test_unknown_route_is_404_and_recorded(
    emu: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    headers = {"Authorization": f"Bot {emu.bot_token}"}
    async with http.post(emu.api_base_url + "/stage-instances", json={}, headers=headers) as resp:
        assert resp.status == 404
        assert await resp.json() == {"code": 0, "message": "404: Not Found"}
    (unknown,) = emu.unknown_requests
    assert unknown.path == "/stage-instances"


async def test_second_callback_is_rejected_with_40060(
    emu: DiscordEmulator, world: World, http: aiohttp.ClientSession
) -> None:
    emu.guild_commands[world.guild.id] = {
        1: {"id": "1", "name": "ping", "type": 1, "description": "x", "options": []}
    }
    # Pretend a gateway session exists so the interaction can be "dispatched" (it is buffered).
    emu.gateway.current = emu.gateway.sessions.setdefault("s", GatewaySession("s", intents=0))
    it = await emu.invoke_command(world.guild.id, world.alice.id, "ping")
    url = f"{emu.api_base_url}/interactions/{it.id}/{it.token}/callback?with_response=true"
    body = {"type": 4, "data": {"content": "pong"}}
    async with http.post(url, json=body) as resp:
        assert resp.status == 200
        data = await resp.json()
        assert data["interaction"]["response_message_id"] == str(it.original_message_id)
        assert data["resource"]["message"]["content"] == "pong"
    async with http.post(url, json=body) as resp:
        assert resp.status == 400
        assert await resp.json() == {
            "code": 40060,
            "message": "Interaction has already been acknowledged.",
        }
    assert [r.status for r in emu.requests_to("POST", CALLBACK)] == [200, 400]


def test_allowed_mentions_follow_discord_rules() -> None:
    users, roles = {111111111111111111, 222222222222222222}, {333333333333333333}
    text = "@everyone <@111111111111111111> <@!222222222222222222> <@&333333333333333333>"
    everything = resolve_mentions(text, None, known_roles=roles, known_users=users)
    assert everything.everyone
    assert everything.user_ids == users
    assert everything.role_ids == roles
    nothing = resolve_mentions(text, {"parse": []}, known_roles=roles, known_users=users)
    assert (nothing.everyone, nothing.user_ids, nothing.role_ids) == (
        False,
        frozenset(),
        frozenset(),
    )
    only_one = resolve_mentions(
        text, {"parse": [], "users": ["222222222222222222"]}, known_roles=roles, known_users=users
    )
    assert only_one.user_ids == {222222222222222222}
    assert not only_one.everyone
    users_only = resolve_mentions(text, {"parse": ["users"]}, known_roles=roles, known_users=users)
    assert users_only.user_ids == users
    assert users_only.role_ids == frozenset()
