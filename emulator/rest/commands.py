"""Application commands, global and per guild: ``/applications/{id}[/guilds/{id}]/commands``."""

from __future__ import annotations

import re
from typing import Any

from emulator.errors import ApiError, invalid_form, unknown
from emulator.models import JSON, new_snowflake
from emulator.rest.base import Call, Resource, serves


def validate_command(cmd: Any, index: int) -> None:
    if not isinstance(cmd, dict) or not isinstance(cmd.get("name"), str):
        raise invalid_form(f"{index}.name", "This field is required", "BASE_TYPE_REQUIRED")
    ctype = int(cmd.get("type", 1))
    name = cmd["name"]
    if ctype == 1:
        if not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower():
            raise invalid_form(f"{index}.name", f"Command name {name!r} is invalid")
        if not 1 <= len(cmd.get("description", "")) <= 100:
            raise invalid_form(f"{index}.description", "Must be between 1 and 100 in length.")
        if len(cmd.get("options") or []) > 25:
            raise invalid_form(f"{index}.options", "Must be 25 or fewer in length.")
    elif not 1 <= len(name) <= 32:
        raise invalid_form(f"{index}.name", "Must be between 1 and 32 in length.")


class Commands(Resource):
    def _store(self, call: Call) -> tuple[dict[int, JSON], int | None]:
        world = self.world
        if int(call.params["application_id"]) != world.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" not in call.params:
            return world.global_commands, None
        gid = int(call.params["guild_id"])
        if gid not in world.guilds:
            raise ApiError(403, 50001, "Missing Access")
        return world.guild_commands.setdefault(gid, {}), gid

    def _save(
        self, store: dict[int, JSON], guild_id: int | None, cmd: JSON, existing: JSON | None
    ) -> JSON:
        cid = int(existing["id"]) if existing else new_snowflake()
        perms = cmd.get("default_member_permissions")
        stored: JSON = {
            "type": 1,
            "description": "",
            "options": [],
            "nsfw": False,
            "dm_permission": True,
            "contexts": None,
            "integration_types": [0],
            **cmd,
            "id": str(cid),
            "application_id": str(self.world.application_id),
            "version": str(new_snowflake()),
            "default_member_permissions": None if perms is None else str(perms),
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        store[cid] = stored
        return stored

    @serves("GET", "/applications/{application_id}/commands")
    @serves("GET", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def list_commands(self, call: Call) -> tuple[int, Any]:
        store, _ = self._store(call)
        return 200, list(store.values())

    @serves("PUT", "/applications/{application_id}/commands")
    @serves("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def overwrite_commands(self, call: Call) -> tuple[int, Any]:
        store, gid = self._store(call)
        body = call.json or []
        if not isinstance(body, list):
            raise invalid_form("_root", "Must be an array")
        keys: set[tuple[str, int]] = set()
        for i, cmd in enumerate(body):
            validate_command(cmd, i)
            key = (cmd["name"], int(cmd.get("type", 1)))
            if key in keys:
                raise ApiError(400, 50035, f"Application command names must be unique: {key[0]}")
            keys.add(key)
        old = {(c["name"], int(c["type"])): c for c in store.values()}
        store.clear()
        out = [
            self._save(store, gid, cmd, old.get((cmd["name"], int(cmd.get("type", 1)))))
            for cmd in body
        ]
        return 200, out

    @serves("POST", "/applications/{application_id}/commands")
    @serves("POST", "/applications/{application_id}/guilds/{guild_id}/commands")
    async def create_command(self, call: Call) -> tuple[int, Any]:
        store, gid = self._store(call)
        validate_command(call.json, 0)
        key = (call.json["name"], int(call.json.get("type", 1)))
        existing = next((c for c in store.values() if (c["name"], int(c["type"])) == key), None)
        return (200 if existing else 201), self._save(store, gid, call.json, existing)

    @serves("GET", "/applications/{application_id}/commands/{command_id}")
    @serves("GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
    async def get_command(self, call: Call) -> tuple[int, Any]:
        store, _ = self._store(call)
        cmd = store.get(int(call.params["command_id"]))
        if cmd is None:
            raise unknown("application command", 10063)
        return 200, cmd

    @serves("DELETE", "/applications/{application_id}/commands/{command_id}")
    @serves("DELETE", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}")
    async def delete_command(self, call: Call) -> tuple[int, Any]:
        store, _ = self._store(call)
        if store.pop(int(call.params["command_id"]), None) is None:
            raise unknown("application command", 10063)
        return 204, None
