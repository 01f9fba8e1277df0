"""An unmodified discord.py bot against the emulator: the whole round trip."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest

from emulator import EPHEMERAL, DiscordEmulator, EmulatorEvent
from tests.emulator.conftest import EmuTestBot, World

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"


async def test_login_populates_bot_cache(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    assert bot.user is not None
    assert bot.user.id == emu.bot_user.id
    assert bot.application_id == emu.application_id
    guild = bot.get_guild(world.guild.id)
    assert guild is not None
    assert guild.chunked
    assert guild.name == "CQ Partnership Brokers"
    alice = guild.get_member(world.alice.id)
    assert alice is not None
    assert alice.display_name == "Alice"
    assert [r.name for r in alice.roles] == ["@everyone", "Coordinator"]
    assert guild.get_channel(world.welcome.id).name == "welcome"  # type: ignore[union-attr]
    assert guild.get_role(world.member_role.id) is not None
    assert guild.default_role.id == guild.id
    assert guild.me is not None
    assert guild.me.guild_permissions.manage_roles
    me = emu.requests_to("GET", "/users/@me")[0]
    assert me.headers["Authorization"] == f"Bot {emu.bot_token}"
    assert emu.unknown_requests == []
    assert "compress=zlib-stream" in emu.gateway.connect_paths[0]  # what discord.py 2.7 asks for


async def test_command_sync_is_recorded(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    names = emu.command_names(world.guild.id)
    assert names == {"ping", "slow", "signup", "vote", "dm", "upload", "echo", "role"}
    (sync,) = emu.requests_to("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    assert sync.status == 200
    role = next(c for c in emu.commands(world.guild.id) if c["name"] == "role")
    assert {o["name"] for o in role["options"]} == {"add", "remove"}
    fetched = await bot.tree.fetch_commands(guild=discord.Object(world.guild.id))
    assert {c.name for c in fetched} == names


async def test_slash_command_is_answered(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    it = await emu.invoke_command(world.guild.id, world.alice.id, "ping")
    response = await it.wait_response()
    assert response.type == 4
    reply = await it.wait_reply()
    assert reply.content == "pong"
    assert not reply.ephemeral
    assert reply in emu.messages_in(world.general.id)


async def test_defer_then_followup_fills_the_deferred_message(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    it = await emu.invoke_command(world.guild.id, world.alice.id, "slow")
    assert (await it.wait_response()).type == 5
    reply = await it.wait_reply()
    assert reply.content == "done"
    assert reply.ephemeral
    assert reply.flags & EPHEMERAL
    assert reply.id == it.original_message_id


async def test_modal_round_trip(emu: DiscordEmulator, world: World, bot: EmuTestBot) -> None:
    it = await emu.invoke_command(world.guild.id, world.bob.id, "signup")
    assert (await it.wait_response()).type == 9
    assert it.modal is not None
    assert it.modal["title"] == "Sign up"
    submitted = await emu.submit_modal(it, {"name": "Bob B", "area": ["housing"]})
    reply = await submitted.wait_reply()
    assert reply.content == "Thanks Bob B, area housing"
    assert reply.ephemeral


async def test_button_press_updates_the_message(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    it = await emu.invoke_command(world.guild.id, world.alice.id, "vote")
    poll = await it.wait_reply()
    assert set(poll.custom_ids()) == {"vote:yes", "vote:pick"}
    picked = await emu.choose(world.guild.id, world.bob.id, poll, "vote:pick", ["b"])
    assert (await picked.wait_reply()).content == "picked b"
    press = await emu.press_button(world.guild.id, world.bob.id, poll, "vote:yes")
    assert (await press.wait_response()).type == 7
    updated = await press.wait_reply()
    assert updated.id == poll.id
    assert updated.content == "Bob voted yes"
    assert updated.components == []


async def test_dm_is_sent_and_closed_dms_raise_forbidden_50007(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    it = await emu.invoke_command(world.guild.id, world.alice.id, "dm", {"member": world.bob})
    assert (await it.wait_reply()).content == "sent"
    (dm,) = emu.dms_to(world.bob.id)
    assert dm.content == "hello from the bot"
    emu.set_dms_closed(world.bob.id, True)
    it = await emu.invoke_command(world.guild.id, world.alice.id, "dm", {"member": world.bob})
    assert (await it.wait_reply()).content == "their DMs are closed"
    assert bot.dm_errors == [50007]
    assert len(emu.dms_to(world.bob.id)) == 1


async def test_role_add_and_remove_update_state_and_bot_cache(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    role = world.member_role
    it = await emu.invoke_command(
        world.guild.id, world.alice.id, "role add", {"member": world.bob.id, "role": role.id}
    )
    assert (await it.wait_reply()).content == "gave Member"
    assert emu.member(world.guild.id, world.bob.id).roles == [role.id]
    guild = bot.get_guild(world.guild.id)
    assert guild is not None
    await emu.wait_until(
        lambda: role.id in [r.id for r in guild.get_member(world.bob.id).roles],  # type: ignore[union-attr]
        5,
        "GUILD_MEMBER_UPDATE in the bot's cache",
    )
    it = await emu.invoke_command(
        world.guild.id, world.alice.id, "role remove", {"member": world.bob, "role": role}
    )
    assert (await it.wait_reply()).content == "took Member"
    assert emu.member(world.guild.id, world.bob.id).roles == []


async def test_role_change_for_departed_member_is_unknown_member(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    await emu.member_leave(world.guild.id, world.bob.id)
    await emu.wait_until(lambda: world.bob.id in bot.left, 5, "on_member_remove")
    with pytest.raises(discord.NotFound) as caught:
        await bot.http.add_role(world.guild.id, world.bob.id, world.member_role.id)
    assert caught.value.code == 10007
    assert caught.value.text == "Unknown Member"


async def test_member_join_reaches_the_bot(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    await emu.member_join(world.guild.id, world.carol.id)
    await emu.wait_until(lambda: world.carol.id in bot.joined, 5, "on_member_join")
    guild = bot.get_guild(world.guild.id)
    assert guild is not None
    assert guild.get_member(world.carol.id) is not None


async def test_rate_limited_callback_is_retried_and_answered(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    emu.rate_limit_next("POST", CALLBACK, count=1, retry_after=0.05)
    it = await emu.invoke_command(world.guild.id, world.alice.id, "ping")
    assert (await it.wait_reply()).content == "pong"
    statuses = [r.status for r in emu.requests_to("POST", CALLBACK)]
    assert statuses == [429, 200]


async def test_gateway_drop_resumes_and_replays_missed_interaction(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    await emu.drop_gateway(hold=True)
    it = await emu.invoke_command(world.guild.id, world.alice.id, "ping")  # buffered
    await asyncio.sleep(0.05)
    assert it.callbacks == []
    emu.restore_gateway()
    await emu.wait_for_resume()
    assert (await it.wait_reply()).content == "pong"
    assert emu.gateway.identify_count == 1
    assert emu.gateway.connect_paths[-1].startswith("/resume?")


async def test_invalid_session_makes_the_bot_identify_again(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    await emu.send_invalid_session()
    await emu.wait_for_identify(2)
    it = await emu.invoke_command(world.guild.id, world.alice.id, "ping")
    assert (await it.wait_reply()).content == "pong"


async def test_rejected_resume_falls_back_to_identify(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    emu.invalidate_next_session()
    await emu.drop_gateway(hold=False, code=4000)
    await emu.wait_for_identify(2)
    assert emu.gateway.resume_count == 0
    it = await emu.invoke_command(world.guild.id, world.alice.id, "ping")
    assert (await it.wait_reply()).content == "pong"


async def test_multipart_upload_keeps_file_bytes(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    it = await emu.invoke_command(world.guild.id, world.alice.id, "upload")
    await it.wait_reply()
    report = await emu.wait_for_message(lambda m: m.content == "report")
    (attachment,) = report.attachments
    assert attachment.filename == "report.csv"
    assert attachment.data == b"name,score\nalice,3\n"
    async with aiohttp.ClientSession() as session, session.get(attachment.url) as resp:
        assert await resp.read() == attachment.data


async def test_allowed_mentions_decide_who_is_pinged(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    text = f"@everyone {world.coordinator.mention} {world.bob.mention}"
    it = await emu.invoke_command(world.guild.id, world.alice.id, "echo", {"text": text})
    reply = await it.wait_reply()
    assert reply.allowed_mentions == {"parse": []}
    assert not reply.pinged_everyone
    assert reply.pinged_role_ids == frozenset()
    assert reply.pinged_user_ids == frozenset()


async def test_on_record_streams_bot_actions(
    emu: DiscordEmulator, world: World, bot: EmuTestBot
) -> None:
    seen: list[EmulatorEvent] = []
    emu.on_record(seen.append)
    it = await emu.invoke_command(world.guild.id, world.alice.id, "ping")
    await it.wait_reply()
    kinds = [(e.kind, e.by_bot) for e in seen]
    assert ("command", False) in kinds
    assert ("interaction_response", True) in kinds
    assert ("message_create", True) in kinds
