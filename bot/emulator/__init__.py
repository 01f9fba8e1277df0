"""A Discord emulator for end-to-end tests: REST v10 and Gateway v10 on 127.0.0.1.

An unmodified discord.py 2.x ``commands.Bot`` logs in, syncs app commands, receives
interactions and answers them; the emulator records everything it does. Typical use::

    emu = DiscordEmulator()
    guild = emu.add_guild("CQ Partnership Brokers")
    welcome = emu.add_channel(guild.id, "welcome")
    alice = emu.add_user("alice", global_name="Alice")
    emu.add_member(guild.id, alice.id)
    await emu.start()
    point_discord_at(emu.api_base_url, emu.gateway_url)
    task = asyncio.create_task(bot.start(emu.bot_token))
    await bot.wait_until_ready()            # pass guild_ready_timeout=0.05 to the Bot for speed

    it = await emu.invoke_command(guild.id, alice.id, "ping")
    reply = await it.wait_reply()            # RecordedMessage: content, embeds, components, ...
    press = await emu.press_button(guild.id, alice.id, reply, "confirm")
    ...
    await bot.close(); await task; await emu.stop()

User-side actions (``invoke_command``, ``press_button``, ``choose``, ``submit_modal``,
``member_join``, ``post_message``) return after the event is dispatched; await the bot's
effects with ``RecordedInteraction.wait_reply``/``wait_response`` or
``emu.wait_for_message``/``wait_for_request``. Faults: ``rate_limit_next``, ``drop_gateway``/
``restore_gateway``, ``invalidate_next_session``, ``send_invalid_session``, ``set_dms_closed``.
``on_record`` streams every action as an ``EmulatorEvent`` for live transcripts.
"""

from bot.emulator.models import (
    EPHEMERAL,
    EmuChannel,
    EmuGuild,
    EmulatorEvent,
    EmuMember,
    EmuRole,
    EmuUser,
    InteractionCallback,
    Mentions,
    RecordedAttachment,
    RecordedInteraction,
    RecordedMessage,
    RecordedRequest,
    new_snowflake,
)
from bot.emulator.patch import point_discord_at
from bot.emulator.server import ApiError, DiscordEmulator

__all__ = [
    "EPHEMERAL",
    "ApiError",
    "DiscordEmulator",
    "EmuChannel",
    "EmuGuild",
    "EmuMember",
    "EmuRole",
    "EmuUser",
    "EmulatorEvent",
    "InteractionCallback",
    "Mentions",
    "RecordedAttachment",
    "RecordedInteraction",
    "RecordedMessage",
    "RecordedRequest",
    "new_snowflake",
    "point_discord_at",
]
