"""The whole path: the real bot logs in to the emulator, syncs, and answers."""

from __future__ import annotations

import asyncio

from emulator import EPHEMERAL
from tests.e2e.harness import World


async def test_bot_syncs_guild_commands_and_answers_about(world: World) -> None:
    await world.start_bot()
    synced = world.emu.requests_to(
        "PUT", "/applications/{application_id}/guilds/{guild_id}/commands"
    )
    assert synced, "the bot never synced its guild commands"
    assert {"about", "help"} <= world.emu.command_names(world.guild.id)

    it = await world.emu.invoke_command(world.guild.id, world.ana.id, "about")
    reply = await it.wait_reply()
    text = reply.text
    for rule in world.config.community.rules:
        assert rule in text
    assert "/join" in text
    assert reply.ephemeral
    assert not reply.pinged_everyone
    assert not reply.pinged_role_ids


async def test_help_lists_commands_by_audience(world: World) -> None:
    await world.start_bot()
    it = await world.emu.invoke_command(world.guild.id, world.ana.id, "help")
    reply = await it.wait_reply()
    assert "For everyone" in reply.text
    assert "/about" in reply.text
    assert "/help" in reply.text


async def test_bot_resumes_after_gateway_drop_and_answers(world: World) -> None:
    await world.start_bot()
    await world.emu.drop_gateway(hold=True)
    it = await world.emu.invoke_command(world.guild.id, world.ben.id, "about")
    await asyncio.sleep(0.1)
    assert it.response is None
    world.emu.restore_gateway()
    await world.emu.wait_for_resume(1, timeout=15)
    reply = await it.wait_reply(timeout=15)
    assert world.config.community.rules[0] in reply.text


async def test_bot_answers_after_a_429(world: World) -> None:
    await world.start_bot()
    route = "/interactions/{interaction_id}/{interaction_token}/callback"
    world.emu.rate_limit_next("POST", route, count=1)
    it = await world.emu.invoke_command(world.guild.id, world.cal.id, "about")
    reply = await it.wait_reply(timeout=10)
    assert world.config.community.rules[0] in reply.text
    statuses = [r.status for r in world.emu.requests_to("POST", route)]
    assert statuses[:2] == [429, 200]


async def test_missing_channel_is_warned(world: World, caplog: object) -> None:
    import logging

    import pytest

    assert isinstance(caplog, pytest.LogCaptureFixture)
    world.config_sections["channels"] = {"welcome": 123456789}
    with caplog.at_level(logging.WARNING, logger="bot.client"):
        await world.start_bot()
        await world.emu.wait_until(
            lambda: any("channels.welcome" in r.getMessage() for r in caplog.records),
            5,
            "the missing-channel warning",
        )


async def test_unexpected_error_is_logged_and_user_told(world: World) -> None:
    bot = await world.start_bot()
    from discord import app_commands

    @app_commands.command(name="boom", description="fails")
    async def boom(interaction: object) -> None:
        raise RuntimeError("kaboom")

    bot.tree.add_command(boom, guild=bot.guild_object)
    await bot.tree.sync(guild=bot.guild_object)
    it = await world.emu.invoke_command(world.guild.id, world.ana.id, "boom")
    reply = await it.wait_reply()
    assert "it has been logged" in reply.text
    assert reply.flags & EPHEMERAL
