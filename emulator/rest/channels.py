"""Channels and their messages: ``/channels/{channel_id}[/messages[/{message_id}]]``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from emulator.errors import ApiError, invalid_form, unknown
from emulator.models import EmuChannel, RecordedMessage
from emulator.rest.base import Call, Resource, serves

#: Discord answers a repeated ``enforce_nonce`` send within a few minutes with the first message.
NONCE_WINDOW = timedelta(minutes=5)


class Channels(Resource):
    def _message_of(self, call: Call, channel: EmuChannel) -> RecordedMessage:
        msg = self.world.messages.get(int(call.params["message_id"]))
        if msg is None or msg.deleted or msg.ephemeral or msg.channel_id != channel.id:
            raise unknown("Message", 10008)
        return msg

    @serves("GET", "/channels/{channel_id}")
    async def get_channel(self, call: Call) -> tuple[int, Any]:
        return 200, self.world.channel_json(self.channel_of(call))

    @serves("POST", "/channels/{channel_id}/typing")
    async def typing(self, call: Call) -> tuple[int, Any]:
        self.channel_of(call)
        return 204, None

    @serves("GET", "/channels/{channel_id}/messages")
    async def list_messages(self, call: Call) -> tuple[int, Any]:
        channel = self.channel_of(call)
        limit = min(int(call.query.get("limit", 50)), 100)
        msgs = [m for m in self.world.messages_in(channel.id) if not m.ephemeral]
        if "before" in call.query:
            msgs = [m for m in msgs if m.id < int(call.query["before"])]
        if "after" in call.query:
            msgs = [m for m in msgs if m.id > int(call.query["after"])][:limit]
        msgs = sorted(msgs, key=lambda m: m.id, reverse=True)[:limit]
        return 200, [self.world.message_json(m) for m in msgs]

    @serves("POST", "/channels/{channel_id}/messages")
    async def create_message(self, call: Call) -> tuple[int, Any]:
        world = self.world
        channel = self.channel_of(call)
        payload = call.body()
        if channel.is_dm:
            assert channel.recipient_id is not None
            recipient = world.users[channel.recipient_id]
            if recipient.dms_closed or recipient.bot:
                raise ApiError(403, 50007, "Cannot send messages to this user")
        ref = payload.get("message_reference")
        if ref and ref.get("fail_if_not_exists", True):
            target = world.messages.get(int(ref.get("message_id", 0)))
            if target is None or target.deleted:
                raise invalid_form("message_reference", "Unknown message")
        nonce = payload.get("nonce")
        if nonce is not None and payload.get("enforce_nonce"):
            # Discord: a repeat of a nonce from the same author within a few minutes returns
            # the message created the first time instead of creating another.
            horizon = datetime.now(UTC) - NONCE_WINDOW
            for earlier in world.messages_in(channel.id):
                first = earlier.history[0] if earlier.history else {}
                if (
                    earlier.author_id == world.bot_user.id
                    and earlier.created_at >= horizon
                    and str(first.get("nonce")) == str(nonce)
                ):
                    return 200, world.message_json(earlier)
        msg = self.messages.new_message(channel, world.bot_user.id, payload, call.files)
        await self.messages.announce(msg)
        return 200, world.message_json(msg)

    @serves("GET", "/channels/{channel_id}/messages/{message_id}")
    async def get_message(self, call: Call) -> tuple[int, Any]:
        channel = self.channel_of(call)
        return 200, self.world.message_json(self._message_of(call, channel))

    @serves("PATCH", "/channels/{channel_id}/messages/{message_id}")
    async def edit_message(self, call: Call) -> tuple[int, Any]:
        channel = self.channel_of(call)
        msg = self._message_of(call, channel)
        if msg.author_id != self.world.bot_user.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        self.messages.apply_payload(msg, call.body(), call.files, create=False)
        await self.messages.announce(msg, edit=True)
        return 200, self.world.message_json(msg)

    @serves("DELETE", "/channels/{channel_id}/messages/{message_id}")
    async def delete_message(self, call: Call) -> tuple[int, Any]:
        channel = self.channel_of(call)
        await self.messages.mark_deleted(self._message_of(call, channel))
        return 204, None

    @serves("PUT", "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me")
    async def add_reaction(self, call: Call) -> tuple[int, Any]:
        channel = self.channel_of(call)
        self._message_of(call, channel)
        return 204, None
