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

Strictness: ``DiscordEmulator(validate_bodies=True)`` (or ``EMULATOR_VALIDATE_BODIES=1``, which
the test suite sets) checks every JSON request body against Discord's published OpenAPI spec
(``emulator/spec/discord-openapi.json``, see ``openapi``). A body that breaks it is answered
400 Invalid Form Body (50035) with Discord's ``errors`` object and recorded in
``emu.invalid_bodies``; ``emu.assert_no_invalid_bodies()`` fails a test on any (the e2e
fixtures call it at teardown). Off by default: the demo and benchmarks skip its ~0.3 s/45 MB.

Layout:

- ``facade.DiscordEmulator``: the one object callers hold (world building, lookups, waiting,
  user actions, faults); it delegates to the modules below.
- ``state.World``: what exists (users, guilds, channels, members, messages, commands) and what
  was recorded (requests, interactions), with their JSON shapes. Sends nothing.
- ``gateway``: sessions, sockets, sequence numbers, intents and RESUME replay.
  ``guild_sync``: READY and GUILD_CREATE on IDENTIFY, GUILD_MEMBERS_CHUNK on op 8.
- ``http.RestServer``: matches ``/api/v10/...`` to a route, records the request, applies
  ``ratelimit`` (Discord's buckets, global limit and DM limits, when switched on with
  ``emu.enforce_rate_limits``) and ``openapi`` (the spec check), and answers ``ApiError``s
  (``errors``) in Discord's JSON error shape.
- ``rest/``: one module per REST resource (``users``, ``commands``, ``interactions``,
  ``threads``, ``channels``, ``guilds``, ``scheduled_events``). ``messages``: message payload
  rules shared by several resources. ``actions``: interactions (commands, buttons, selects,
  modals) sent on a user's behalf.

Large guilds: ``emu.add_members(guild, 50_000, roles=[...])`` builds one fast; GUILD_CREATE
then carries only the bot (see ``guild_sync``), and members come by op 8 or paginated REST.

Adding a REST resource (for example threads): create ``emulator/rest/threads.py`` with a
``Resource`` subclass whose handlers are marked ``@serves("POST",
"/channels/{channel_id}/threads")`` (stack several for several routes); handlers take a
``Call`` (``params``, ``query``, ``body()``, ``files``) and return ``(status, json)``, raise
``errors.ApiError``/``invalid_form``/``unknown`` for Discord's errors, keep state on
``self.world`` (add fields to ``World`` or a small dataclass in ``models``) and dispatch
gateway events with ``await self.gateway.dispatch("THREAD_CREATE", data)`` (add the event's
intent to ``gateway.EVENT_INTENTS``). Then add the class to ``RESOURCES`` in
``emulator/rest/__init__.py``, and any test-facing action to the facade. Model it from
Discord's docs and ``openapi.json``, and test it in ``tests/emulator/``.
"""

from emulator.errors import ApiError
from emulator.facade import DiscordEmulator
from emulator.http import InvalidBody
from emulator.models import (
    EPHEMERAL,
    EmuChannel,
    EmuGuild,
    EmulatorEvent,
    EmuMember,
    EmuRole,
    EmuScheduledEvent,
    EmuUser,
    InteractionCallback,
    Mentions,
    RecordedAttachment,
    RecordedInteraction,
    RecordedMessage,
    RecordedRequest,
    new_snowflake,
)
from emulator.patch import point_discord_at
from emulator.ratelimit import RateLimitPolicy

__all__ = [
    "EPHEMERAL",
    "ApiError",
    "DiscordEmulator",
    "EmuChannel",
    "EmuGuild",
    "EmuMember",
    "EmuRole",
    "EmuScheduledEvent",
    "EmuUser",
    "EmulatorEvent",
    "InteractionCallback",
    "InvalidBody",
    "Mentions",
    "RateLimitPolicy",
    "RecordedAttachment",
    "RecordedInteraction",
    "RecordedMessage",
    "RecordedRequest",
    "new_snowflake",
    "point_discord_at",
]
