"""Users, DMs, the application and the gateway: ``/users``, ``/applications/@me``, ``/gateway``."""

from __future__ import annotations

from typing import Any

from emulator.errors import invalid_form, unknown
from emulator.models import EmulatorEvent
from emulator.rest.base import Call, Resource, serves


class Users(Resource):
    @serves("GET", "/users/@me")
    async def get_me(self, call: Call) -> tuple[int, Any]:
        me = self.world.bot_user.to_json()
        me.update({"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"})
        return 200, me

    @serves("GET", "/users/{user_id}")
    async def get_user(self, call: Call) -> tuple[int, Any]:
        user = self.world.users.get(int(call.params["user_id"]))
        if user is None:
            raise unknown("User", 10013)
        return 200, user.to_json()

    @serves("POST", "/users/@me/channels")
    async def create_dm(self, call: Call) -> tuple[int, Any]:
        recipient_id = int(call.body().get("recipient_id", 0))
        user = self.world.users.get(recipient_id)
        if user is None:
            raise invalid_form("recipient_id", "Unknown user")
        channel = self.world.ensure_dm_channel(user.id)
        self.world.emit(EmulatorEvent("dm_channel", True, None, channel.id, user.id))
        return 200, self.world.channel_json(channel)

    @serves("GET", "/oauth2/applications/@me")
    @serves("GET", "/applications/@me")
    async def get_application(self, call: Call) -> tuple[int, Any]:
        bot = self.world.bot_user
        return 200, {
            "id": str(self.world.application_id),
            "name": bot.username,
            "description": "",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": bot.to_json(),
            "summary": "",
            "verify_key": "0" * 64,
            "team": None,
            "flags": 0,
            "rpc_origins": [],
            "bot": bot.to_json(),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
        }

    @serves("GET", "/gateway", auth=False)
    async def get_gateway(self, call: Call) -> tuple[int, Any]:
        return 200, {"url": self.world.gateway_url.rstrip("/")}

    @serves("GET", "/gateway/bot")
    async def get_gateway_bot(self, call: Call) -> tuple[int, Any]:
        return 200, {
            "url": self.world.gateway_url.rstrip("/"),
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }
