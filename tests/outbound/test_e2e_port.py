"""The port's discord.py implementation against the emulator: every operation, its errors,
and mentions that never ping more than named users."""

from __future__ import annotations

import pytest

from bot import port
from tests.e2e.harness import World


async def test_port_posts_edits_deletes_and_finds_by_marker(world: World) -> None:
    bot = await world.start_bot()
    out = bot.port
    card = port.Card(title="Hello", description="x", footer="Roster · ref X1")
    sent = await out.post(
        world.general.id,
        port.Message(content="@everyone <@&1> hi", cards=(card,), nonce="cop-x-1"),
    )
    again = await out.post(
        world.general.id,
        port.Message(content="@everyone <@&1> hi", cards=(card,), nonce="cop-x-1"),
    )
    assert again == sent  # the same nonce: one message
    posted = world.emu.message(sent.message_id)
    assert posted.allowed_mentions is not None
    assert posted.allowed_mentions.get("parse") == []
    assert not posted.pinged_everyone
    assert not posted.mentions.role_ids
    assert await out.find_in_channel(world.general.id, "ref X1") == sent
    assert await out.find_in_channel(world.general.id, "ref X2") is None
    await out.edit(world.general.id, sent.message_id, port.Message(content="edited"))
    assert world.emu.message(sent.message_id).text.startswith("edited")
    await out.delete(world.general.id, sent.message_id)
    with pytest.raises(port.Gone):
        await out.delete(world.general.id, sent.message_id)
    with pytest.raises(port.Gone):
        await out.post(123456789012345678, port.Message(content="nowhere"))


async def test_port_dms_roles_and_members(world: World) -> None:
    bot = await world.start_bot()
    out = bot.port
    dm = await out.dm(world.ana.id, port.Message(content="hi", ping_users=(world.ana.id,)))
    assert [m.id for m in world.emu.dms_to(world.ana.id)] == [dm.message_id]
    world.emu.set_dms_closed(world.ben.id)
    with pytest.raises(port.DmClosed):
        await out.dm(world.ben.id, port.Message(content="hi"))
    await out.add_role(world.nina.id, world.alumni_role.id, reason="test")
    assert world.alumni_role.id in world.emu.member(world.guild.id, world.nina.id).roles
    await out.remove_role(world.nina.id, world.alumni_role.id)
    assert world.alumni_role.id not in world.emu.member(world.guild.id, world.nina.id).roles
    member = await out.member(world.ana.id)
    assert member is not None
    assert member.user_id == world.ana.id
    stranger = world.emu.add_user("stranger")
    assert await out.member(stranger.id) is None


async def test_port_starts_a_thread_with_its_first_message(world: World) -> None:
    bot = await world.start_bot()
    sent = await bot.port.start_thread(
        world.general.id, "Meeting on 17 March", port.Message(content="Details")
    )
    thread = world.emu.channel(sent.channel_id)
    assert thread.name == "Meeting on 17 March"
    assert [m.content for m in world.emu.messages_in(sent.channel_id)] == ["Details"]
