"""Request bodies are checked against Discord's published OpenAPI spec."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from emulator import DiscordEmulator
from emulator.facade import VALIDATE_ENV
from emulator.openapi import default_validator
from tests.emulator.conftest import EmuTestBot, World


@pytest.fixture
async def http(emu: DiscordEmulator) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Authorization": f"Bot {emu.bot_token}"}
    async with aiohttp.ClientSession(emu.api_base_url + "/", headers=headers) as session:
        yield session


async def _post(http: aiohttp.ClientSession, path: str, body: Any) -> tuple[int, Any]:
    async with http.post(path.lstrip("/"), json=body) as resp:
        return resp.status, await resp.json()


async def test_invalid_body_is_refused_with_50035_and_recorded(
    emu: DiscordEmulator, world: World, http: aiohttp.ClientSession
) -> None:
    status, body = await _post(http, f"/channels/{world.general.id}/messages", {"content": 5})
    assert status == 400
    assert body["code"] == 50035
    assert body["message"] == "Invalid Form Body"
    (error,) = body["errors"]["content"]["_errors"]
    assert error["code"] == "BASE_TYPE_INVALID"
    assert emu.messages_in(world.general.id) == []
    (invalid,) = emu.invalid_bodies
    assert invalid.operation == "/channels/{channel_id}/messages"
    assert invalid.request.json == {"content": 5}
    with pytest.raises(AssertionError, match="break Discord's spec"):
        emu.assert_no_invalid_bodies()
    emu.invalid_bodies.clear()  # checked on purpose; the fixture asserts none are left


async def test_missing_required_field_is_base_type_required(
    emu: DiscordEmulator, http: aiohttp.ClientSession
) -> None:
    path = f"/applications/{emu.application_id}/commands"
    status, body = await _post(http, path, {"description": "no name"})
    assert status == 400
    assert body["errors"]["name"]["_errors"][0]["code"] == "BASE_TYPE_REQUIRED"
    assert emu.commands() == []
    emu.invalid_bodies.clear()


async def test_nested_error_names_the_field_path(
    emu: DiscordEmulator, world: World, http: aiohttp.ClientSession
) -> None:
    body = {"content": "hi", "embeds": [{"title": "ok"}, {"title": "x" * 300}]}
    status, answer = await _post(http, f"/channels/{world.general.id}/messages", body)
    assert status == 400
    assert answer["errors"]["embeds"]["1"]["title"]["_errors"][0]["code"] == (
        "BASE_TYPE_BAD_LENGTH"
    )
    emu.invalid_bodies.clear()


async def test_snowflakes_may_be_integers_as_discord_accepts(
    emu: DiscordEmulator, world: World, http: aiohttp.ClientSession
) -> None:
    status, channel = await _post(http, "/users/@me/channels", {"recipient_id": world.bob.id})
    assert status == 200
    assert channel["recipients"][0]["id"] == str(world.bob.id)
    status, _ = await _post(http, "/users/@me/channels", {"recipient_id": str(world.bob.id)})
    assert status == 200
    assert emu.bodies_checked == 2
    assert emu.invalid_bodies == []


async def test_real_bot_sends_only_bodies_the_spec_accepts(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    for command, options in [("ping", {}), ("slow", {}), ("echo", {"text": "@everyone hi"})]:
        it = await emu.invoke_command(world.guild.id, world.alice.id, command, options)
        await it.wait_reply()
    it = await emu.invoke_command(world.guild.id, world.alice.id, "upload")
    await it.wait_reply()
    it = await emu.invoke_command(world.guild.id, world.bob.id, "signup")
    await it.wait_response()
    await (await emu.submit_modal(it, {"name": "Bob", "area": ["health"]})).wait_reply()
    # Command sync, four callbacks, a follow-up, a multipart upload and a modal's answer.
    assert emu.bodies_checked >= 8
    emu.assert_no_invalid_bodies()


def test_validation_follows_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(VALIDATE_ENV, "1")
    assert DiscordEmulator().validates_bodies
    monkeypatch.setenv(VALIDATE_ENV, "0")
    assert not DiscordEmulator().validates_bodies
    assert DiscordEmulator(validate_bodies=True).validates_bodies


def test_unchecked_emulator_cannot_claim_zero_invalid_bodies() -> None:
    with pytest.raises(AssertionError, match="not checked"):
        DiscordEmulator(validate_bodies=False).assert_no_invalid_bodies()


def test_spec_operations_prefer_literal_segments() -> None:
    spec = default_validator()
    me = spec.operation("POST", "/users/@me/channels")
    assert me is not None
    assert me.template == "/users/@me/channels"
    original = spec.operation("PATCH", "/webhooks/1/tok/messages/@original")
    assert original is not None
    assert original.template.endswith("/messages/@original")
    assert spec.operation("POST", "/no/such/route") is None
