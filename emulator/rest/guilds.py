"""Guilds, their channels, roles and members: ``/guilds/{guild_id}/...``."""

from __future__ import annotations

import bisect
from typing import Any

from emulator.errors import ApiError, invalid_form, missing_permissions, unknown
from emulator.gateway import INTENT_GUILD_MEMBERS, Gateway
from emulator.models import EmuGuild, EmulatorEvent, EmuMember, EmuRole, EventKind
from emulator.rest.base import Call, Resource, serves
from emulator.state import World

MANAGE_ROLES = 1 << 28


def _int_query(call: Call, name: str, default: int, low: int, high: int | None) -> int:
    """An integer query parameter, refused as Discord does when it is not one or out of range."""
    raw = call.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_form(name, "Value is not int.", "NUMBER_TYPE_COERCE") from None
    if value < low:
        raise invalid_form(
            name, f"int value should be greater than or equal to {low}.", "NUMBER_TYPE_MIN"
        )
    if high is not None and value > high:
        raise invalid_form(
            name, f"int value should be less than or equal to {high}.", "NUMBER_TYPE_MAX"
        )
    return value


async def dispatch_member_update(gateway: Gateway, world: World, member: EmuMember) -> None:
    data = world.member_json(member)
    data["guild_id"] = str(member.guild_id)
    await gateway.dispatch("GUILD_MEMBER_UPDATE", data)


async def remove_member(
    gateway: Gateway, world: World, guild: EmuGuild, user_id: int, *, by_bot: bool
) -> None:
    """The member leaves (or is kicked): state, recorded event and GUILD_MEMBER_REMOVE."""
    if guild.members.pop(user_id, None) is None:
        raise KeyError(f"user {user_id} is not a member of guild {guild.id}")
    world.emit(EmulatorEvent("member_leave", by_bot, guild.id, None, user_id))
    await gateway.dispatch(
        "GUILD_MEMBER_REMOVE",
        {"guild_id": str(guild.id), "user": world.users[user_id].to_json()},
    )


class Guilds(Resource):
    @serves("GET", "/guilds/{guild_id}")
    async def get_guild(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        data = self.world.guild_json(guild)
        if call.query.get("with_counts") in ("true", "1"):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return 200, data

    @serves("GET", "/guilds/{guild_id}/channels")
    async def list_channels(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        return 200, [self.world.channel_json(c) for c in guild.channels.values()]

    @serves("POST", "/guilds/{guild_id}/channels")
    async def create_channel(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        body = call.body()
        channel = self.world.add_channel(
            guild.id,
            body["name"],
            type=int(body.get("type") or 0),
            topic=body.get("topic"),
            parent_id=body.get("parent_id"),
        )
        data = self.world.channel_json(channel)
        await self.gateway.dispatch("CHANNEL_CREATE", data)
        return 201, data

    @serves("GET", "/guilds/{guild_id}/roles")
    async def list_roles(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        return 200, [r.to_json() for r in guild.roles.values()]

    @serves("POST", "/guilds/{guild_id}/roles")
    async def create_role(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        body = call.body()
        role = self.world.add_role(
            guild.id,
            body.get("name") or "new role",
            permissions=int(body.get("permissions") or 0),
            mentionable=bool(body.get("mentionable", False)),
            color=int(body.get("color") or 0),
            hoist=bool(body.get("hoist", False)),
        )
        await self.gateway.dispatch(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.to_json()}
        )
        return 200, role.to_json()

    def _require_members_intent(self) -> None:
        """Listing members needs the Server Members intent enabled for the application."""
        if not self.gateway.enabled_privileged_intents & INTENT_GUILD_MEMBERS:
            raise ApiError(403, 50001, "Missing Access")

    @serves("GET", "/guilds/{guild_id}/members")
    async def list_members(self, call: Call) -> tuple[int, Any]:
        """Members in user id order: ``limit`` 1-1000 (default 1), ``after`` a user id."""
        guild = self.guild_of(call)
        self._require_members_intent()
        limit = _int_query(call, "limit", 1, 1, 1000)
        after = _int_query(call, "after", 0, 0, None)
        ids = sorted(guild.members)
        start = bisect.bisect_right(ids, after)
        page = ids[start : start + limit]
        return 200, [self.world.member_json(guild.members[uid]) for uid in page]

    @serves("GET", "/guilds/{guild_id}/members/search")
    async def search_members(self, call: Call) -> tuple[int, Any]:
        """Members whose username or nickname starts with ``query`` (case-insensitive)."""
        guild = self.guild_of(call)
        self._require_members_intent()
        query = call.query.get("query")
        if not query:
            raise invalid_form("query", "This field is required", "BASE_TYPE_REQUIRED")
        limit = _int_query(call, "limit", 1, 1, 1000)
        q = query.lower()
        users = self.world.users
        found = []
        for member in guild.members.values():
            name = users[member.user_id].username.lower()
            nick = (member.nick or "").lower()
            if name.startswith(q) or nick.startswith(q):
                found.append(member)
                if len(found) == limit:
                    break
        return 200, [self.world.member_json(m) for m in found]

    @serves("GET", "/guilds/{guild_id}/members/{user_id}")
    async def get_member(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        return 200, self.world.member_json(self.member_of(call, guild))

    def _manageable_role(self, guild: EmuGuild, role_id: int) -> EmuRole:
        role = guild.roles.get(role_id)
        if role is None:
            raise unknown("Role", 10011)
        bot_member = guild.members[self.world.bot_user.id]
        top = max(
            (guild.roles[r].position for r in bot_member.roles if r in guild.roles), default=0
        )
        perms = self.world.bot_permissions(guild)
        if role.managed or role.id == guild.id or role.position >= top or not perms & MANAGE_ROLES:
            raise missing_permissions()
        return role

    @serves("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
    async def add_member_role(self, call: Call) -> tuple[int, Any]:
        return await self._change_member_role(call, add=True)

    @serves("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}")
    async def remove_member_role(self, call: Call) -> tuple[int, Any]:
        return await self._change_member_role(call, add=False)

    async def _change_member_role(self, call: Call, *, add: bool) -> tuple[int, Any]:
        """Give or take one role: GUILD_MEMBER_UPDATE only if the member's roles change."""
        guild = self.guild_of(call)
        member = self.member_of(call, guild)
        role = self._manageable_role(guild, int(call.params["role_id"]))
        if (role.id in member.roles) != add:
            if add:
                member.roles.append(role.id)
            else:
                member.roles.remove(role.id)
            await dispatch_member_update(self.gateway, self.world, member)
        kind: EventKind = "role_add" if add else "role_remove"
        self.world.emit(EmulatorEvent(kind, True, guild.id, None, member.user_id, role_id=role.id))
        return 204, None

    @serves("PATCH", "/guilds/{guild_id}/members/{user_id}")
    async def edit_member(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        member = self.member_of(call, guild)
        body = call.body()
        if "roles" in body:
            new = [int(r) for r in body["roles"] or []]
            for rid in set(new) ^ set(member.roles):
                self._manageable_role(guild, rid)
            member.roles = new
        if "nick" in body:
            member.nick = body["nick"]
        await dispatch_member_update(self.gateway, self.world, member)
        self.world.emit(EmulatorEvent("member_update", True, guild.id, None, member.user_id))
        return 200, self.world.member_json(member)

    @serves("DELETE", "/guilds/{guild_id}/members/{user_id}")
    async def kick_member(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        member = self.member_of(call, guild)
        await remove_member(self.gateway, self.world, guild, member.user_id, by_bot=True)
        return 204, None
