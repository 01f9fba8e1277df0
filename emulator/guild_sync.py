"""What the gateway tells the bot about guilds: READY and GUILD_CREATE when it identifies,
GUILD_MEMBERS_CHUNK when it asks for members (op 8 REQUEST_GUILD_MEMBERS).

As Discord does it:

- without the GUILD_PRESENCES intent, GUILD_CREATE carries only the bot as a member, however
  small the guild; ``member_count`` is the real count;
- with it, a guild of more than ``large_threshold`` members (IDENTIFY's, 50 to 250) is
  ``large`` and carries the bot plus only the members who are online, have a role or have a
  nickname; a smaller one carries everyone;
- op 8 answers in GUILD_MEMBERS_CHUNK pages of 1000 (``chunk_index``/``chunk_count``, the
  request's ``nonce`` if it is at most 32 bytes, ``not_found`` for ``user_ids``);
- a second request for a guild's whole member list (empty query, limit 0) within
  ``full_request_window`` seconds (about 30 s on Discord) is answered with a RATE_LIMITED
  dispatch ``{"opcode": 8, "retry_after": s, "meta": {"guild_id", "nonce"}}`` and no chunks.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from emulator.gateway import INTENT_GUILD_PRESENCES, Gateway, GatewaySession
from emulator.models import JSON, EmuGuild, EmuMember, iso
from emulator.rest.scheduled_events import event_json
from emulator.state import World

CHUNK_SIZE = 1000
MAX_NONCE_BYTES = 32


def presence_json(guild: EmuGuild, member: EmuMember) -> JSON:
    status = "online" if member.online else "offline"
    return {
        "user": {"id": str(member.user_id)},
        "guild_id": str(guild.id),
        "status": status,
        "activities": [],
        "client_status": {"desktop": status} if member.online else {},
    }


class GuildSync:
    def __init__(self, world: World, gateway: Gateway, *, full_request_window: float = 30.0):
        self.world = world
        self.gateway = gateway
        self.full_request_window = full_request_window
        self._full_requests: dict[int, float] = {}  # guild id -> monotonic time of the last
        self.chunks_sent = 0
        self.rate_limited_requests = 0

    def guild_create_members(self, guild: EmuGuild, session: GatewaySession) -> list[EmuMember]:
        """The members a GUILD_CREATE carries for this session (see the module docstring)."""
        bot = guild.members.get(self.world.bot_user.id)
        if not session.intents & INTENT_GUILD_PRESENCES:
            return [bot] if bot is not None else []
        if len(guild.members) <= session.large_threshold:
            return list(guild.members.values())
        return [
            m
            for m in guild.members.values()
            if m is bot or m.online or m.roles or m.nick is not None
        ]

    def guild_create(self, guild: EmuGuild, session: GatewaySession) -> JSON:
        world = self.world
        members = self.guild_create_members(guild, session)
        presences = session.intents & INTENT_GUILD_PRESENCES
        data = world.guild_json(guild)
        data.update(
            {
                "joined_at": iso(guild.members[world.bot_user.id].joined_at),
                "large": len(guild.members) > session.large_threshold,
                "unavailable": False,
                "member_count": len(guild.members),
                "members": [world.member_json(m) for m in members],
                "channels": [
                    {k: v for k, v in world.channel_json(c).items() if k != "guild_id"}
                    for c in guild.channels.values()
                ],
                "threads": [],
                "presences": [presence_json(guild, m) for m in members if m.online and presences],
                "voice_states": [],
                "stage_instances": [],
                "guild_scheduled_events": [
                    event_json(world, e) for e in guild.scheduled_events.values() if e.is_open
                ],
                "soundboard_sounds": [],
            }
        )
        return data

    async def on_identify(self, session: GatewaySession) -> None:
        world = self.world
        me = world.bot_user.to_json()
        me.update({"verified": True, "mfa_enabled": False, "email": None})
        ready: JSON = {
            "v": 10,
            "user": me,
            "guilds": [{"id": str(g), "unavailable": True} for g in world.guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": world.resume_gateway_url,
            "application": {"id": str(world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["emulator"],
        }
        events: list[tuple[str, JSON]] = [("READY", ready)]
        events += [("GUILD_CREATE", self.guild_create(g, session)) for g in world.guilds.values()]
        await self.gateway.send_ready_sequence(session, events)
        world.ready_count += 1

    def _wanted(self, guild: EmuGuild, data: JSON) -> tuple[Iterable[EmuMember], list[str]]:
        """The members an op 8 request asks for, and the ``user_ids`` that are not members."""
        user_ids = data.get("user_ids")
        if user_ids is not None:
            wanted = [int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])]
            found = [guild.members[u] for u in wanted if u in guild.members]
            return found, [str(u) for u in wanted if u not in guild.members]
        query = str(data.get("query") or "").lower()
        limit = int(data.get("limit") or 0)
        if not query:
            members = list(guild.members.values())
            return (members[:limit] if limit else members), []
        users = self.world.users
        matches = [
            m
            for m in guild.members.values()
            if users[m.user_id].username.lower().startswith(query)
            or (m.nick is not None and m.nick.lower().startswith(query))
        ]
        return matches[: limit or 100], []

    async def on_request_members(self, session: GatewaySession, data: JSON) -> None:
        guild = self.world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        nonce = data.get("nonce")
        if not isinstance(nonce, str) or len(nonce.encode()) > MAX_NONCE_BYTES:
            nonce = None  # Discord ignores an invalid nonce
        full = data.get("user_ids") is None and not data.get("query") and not data.get("limit")
        if full:
            now = time.monotonic()
            last = self._full_requests.get(guild.id)
            if last is not None and now - last < self.full_request_window:
                self.rate_limited_requests += 1
                meta: JSON = {"guild_id": str(guild.id)}
                if nonce is not None:
                    meta["nonce"] = nonce
                limited = {
                    "opcode": 8,
                    "retry_after": round(self.full_request_window - (now - last), 3),
                    "meta": meta,
                }
                await self.gateway.dispatch_to(session, "RATE_LIMITED", limited)
                return
            self._full_requests[guild.id] = now
        members, not_found = self._wanted(guild, data)
        members = list(members)
        presences = bool(data.get("presences")) and bool(session.intents & INTENT_GUILD_PRESENCES)
        count = max(1, -(-len(members) // CHUNK_SIZE))
        for index in range(count):
            page = members[index * CHUNK_SIZE : (index + 1) * CHUNK_SIZE]
            chunk: JSON = {
                "guild_id": str(guild.id),
                "members": [self.world.member_json(m) for m in page],
                "chunk_index": index,
                "chunk_count": count,
            }
            if index == 0 and not_found:
                chunk["not_found"] = not_found
            if presences:
                chunk["presences"] = [presence_json(guild, m) for m in page if m.online]
            if nonce is not None:
                chunk["nonce"] = nonce
            await self.gateway.dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)
            self.chunks_sent += 1
