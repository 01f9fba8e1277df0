"""What the gateway tells the bot about guilds: READY and GUILD_CREATE when it identifies,
GUILD_MEMBERS_CHUNK when it asks for members (op 8 REQUEST_GUILD_MEMBERS)."""

from __future__ import annotations

from emulator.gateway import Gateway, GatewaySession
from emulator.models import JSON, EmuGuild, iso
from emulator.state import World


class GuildSync:
    def __init__(self, world: World, gateway: Gateway) -> None:
        self.world = world
        self.gateway = gateway

    def guild_create(self, guild: EmuGuild) -> JSON:
        world = self.world
        data = world.guild_json(guild)
        data.update(
            {
                "joined_at": iso(guild.members[world.bot_user.id].joined_at),
                "large": False,
                "unavailable": False,
                "member_count": len(guild.members),
                "members": [world.member_json(m) for m in guild.members.values()],
                "channels": [
                    {k: v for k, v in world.channel_json(c).items() if k != "guild_id"}
                    for c in guild.channels.values()
                ],
                "threads": [],
                "presences": [],
                "voice_states": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
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
        events += [("GUILD_CREATE", self.guild_create(g)) for g in world.guilds.values()]
        await self.gateway.send_ready_sequence(session, events)
        world.ready_count += 1

    async def on_request_members(self, session: GatewaySession, data: JSON) -> None:
        world = self.world
        guild = world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        members = list(guild.members.values())
        user_ids = data.get("user_ids")
        not_found: list[str] = []
        if user_ids is not None:
            wanted = {int(u) for u in (user_ids if isinstance(user_ids, list) else [user_ids])}
            not_found = [str(u) for u in wanted if u not in guild.members]
            members = [m for m in members if m.user_id in wanted]
        elif data.get("query"):
            q = str(data["query"]).lower()
            members = [m for m in members if world.users[m.user_id].username.lower().startswith(q)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": [world.member_json(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": not_found,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        if data.get("presences"):
            chunk["presences"] = []
        async with session.lock:
            await self.gateway._dispatch_locked(session, "GUILD_MEMBERS_CHUNK", chunk)
