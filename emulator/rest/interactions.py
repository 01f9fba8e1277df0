"""Interaction callbacks and the interaction webhook: ``/interactions/...``, ``/webhooks/...``.

Neither carries an Authorization header: the interaction token authenticates.
"""

from __future__ import annotations

import time
from typing import Any

from emulator.errors import ApiError, invalid_form, unknown
from emulator.messages import ensure_not_empty
from emulator.models import (
    EPHEMERAL,
    JSON,
    LOADING,
    EmulatorEvent,
    InteractionCallback,
    RecordedInteraction,
    RecordedMessage,
    iter_components,
)
from emulator.rest.base import Call, Resource, serves

#: Callback types allowed per interaction type (2 command, 3 component, 4 autocomplete, 5 modal).
#: Where an interaction's followups and original response live.
HOOK = "/webhooks/{application_id}/{interaction_token}"
ALLOWED_CALLBACKS = {2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5}}


def validate_modal(data: JSON) -> None:
    if not data.get("custom_id") or len(data["custom_id"]) > 100:
        raise invalid_form("data.custom_id", "Must be between 1 and 100 in length.")
    if not 1 <= len(data.get("title") or "") <= 45:
        raise invalid_form("data.title", "Must be between 1 and 45 in length.")
    components = data.get("components") or []
    if not 1 <= len(components) <= 5:
        raise invalid_form("data.components", "Must be between 1 and 5 in length.")
    for c in iter_components(components):
        if c.get("type") in (4, 18) and len(c.get("label") or "") > 45:
            raise invalid_form("data.components", "Label must be 45 or fewer in length.")


class Interactions(Resource):
    def _for_callback(self, call: Call) -> RecordedInteraction:
        it = self.world.interactions_by_id.get(int(call.params["interaction_id"]))
        if it is None or it.token != call.params["interaction_token"]:
            raise unknown("interaction", 10062)
        return it

    def _for_webhook(self, call: Call) -> RecordedInteraction:
        it = self.world.interactions_by_token.get(call.params["interaction_token"])
        if (
            int(call.params["application_id"]) != self.world.application_id
            or it is None
            or not it.callbacks
        ):
            raise unknown("Webhook", 10015)
        return it

    def _webhook_message(self, call: Call, it: RecordedInteraction) -> RecordedMessage:
        messages = self.world.messages
        mid = call.params.get("message_id")
        if mid is None:
            if it.original_message_id is None:
                raise unknown("Message", 10008)
            msg = messages[it.original_message_id]
        else:
            found = messages.get(int(mid))
            if found is None or (
                found.id not in it.followup_ids and found.id != it.original_message_id
            ):
                raise unknown("Message", 10008)
            msg = found
        if msg.deleted:
            raise unknown("Message", 10008)
        return msg

    @serves("POST", "/interactions/{interaction_id}/{interaction_token}/callback", auth=False)
    async def callback(self, call: Call) -> tuple[int, Any]:
        world = self.world
        it = self._for_callback(call)
        if it.callbacks:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        body = call.body()
        ctype = int(body.get("type", 0))
        data: JSON = body.get("data") or {}
        allowed = set(ALLOWED_CALLBACKS.get(it.type, set()))
        if it.type == 5 and it.source_message_id is not None:
            allowed |= {6, 7}  # a modal opened from a component may update that message
        if ctype not in allowed:
            raise invalid_form("type", f"Interaction callback type {ctype} is invalid here")
        if ctype == 9:
            validate_modal(data)
        if ctype == 8 and len(data.get("choices") or []) > 25:
            raise invalid_form("data.choices", "Must be 25 or fewer in length.")
        channel = world.channels[it.channel_id]
        resource: JSON = {"type": ctype}
        interaction_info: JSON = {"id": str(it.id), "type": it.type}
        message: RecordedMessage | None = None
        if ctype in (4, 5):
            eph = int(data.get("flags") or 0) & EPHEMERAL
            msg_type = 20 if it.type == 2 else 0
            if ctype == 4:
                message = self.messages.new_message(
                    channel,
                    world.bot_user.id,
                    data,
                    call.files,
                    flags=eph,
                    type=msg_type,
                    interaction=it,
                )
            else:
                message = self.messages.new_message(
                    channel,
                    world.bot_user.id,
                    {},
                    [],
                    flags=eph | LOADING,
                    type=msg_type,
                    interaction=it,
                    allow_empty=True,
                )
                interaction_info["response_message_loading"] = True
            it.original_message_id = message.id
            interaction_info["response_message_id"] = str(message.id)
            interaction_info["response_message_ephemeral"] = bool(eph)
            if ctype == 4:
                resource["message"] = world.message_json(message)
        elif ctype in (6, 7):
            it.original_message_id = it.source_message_id
            if ctype == 7:
                assert it.source_message_id is not None
                message = world.messages[it.source_message_id]
                self.messages.apply_payload(message, data, call.files, create=False)
                it.source_updated = True
                resource["message"] = world.message_json(message)
        it.callbacks.append(InteractionCallback(ctype, data))
        it.responded_at = time.monotonic()
        world.emit(
            EmulatorEvent(
                "interaction_response",
                True,
                it.guild_id,
                it.channel_id,
                it.user_id,
                message=message,
                interaction=it,
                detail=f"type {ctype}",
            )
        )
        if message is not None:
            await self.messages.announce(message, edit=ctype == 7)
        return 200, {"interaction": interaction_info, "resource": resource}

    @serves("POST", HOOK, auth=False)
    async def create_followup(self, call: Call) -> tuple[int, Any]:
        it = self._for_webhook(call)
        payload = call.body()
        original = it.original
        if original is not None and original.loading and original.interaction_id == it.id:
            # The first follow-up after a "thinking" defer becomes the deferred response.
            original.flags &= ~LOADING
            self.messages.apply_payload(original, payload, call.files, create=False)
            original.edited_at = None
            ensure_not_empty(original)
            msg = original
            await self.messages.announce(msg)
        else:
            flags = int(payload.get("flags") or 0) & EPHEMERAL
            channel = self.world.channels[it.channel_id]
            msg = self.messages.new_message(
                channel, self.world.bot_user.id, payload, call.files, flags=flags, interaction=it
            )
            it.followup_ids.append(msg.id)
            await self.messages.announce(msg)
        if call.query.get("wait", "false").lower() in ("true", "1"):
            return 200, self.world.message_json(msg)
        return 204, None

    @serves("GET", HOOK + "/messages/@original", auth=False)
    @serves("GET", HOOK + "/messages/{message_id}", auth=False)
    async def get_message(self, call: Call) -> tuple[int, Any]:
        it = self._for_webhook(call)
        return 200, self.world.message_json(self._webhook_message(call, it))

    @serves("PATCH", HOOK + "/messages/@original", auth=False)
    @serves("PATCH", HOOK + "/messages/{message_id}", auth=False)
    async def edit_message(self, call: Call) -> tuple[int, Any]:
        it = self._for_webhook(call)
        msg = self._webhook_message(call, it)
        was_loading = msg.loading
        msg.flags &= ~LOADING
        self.messages.apply_payload(msg, call.body(), call.files, create=False)
        if was_loading:
            msg.edited_at = None
            ensure_not_empty(msg)
        if msg.id == it.source_message_id:
            it.source_updated = True
        await self.messages.announce(msg, edit=not was_loading)
        return 200, self.world.message_json(msg)

    @serves("DELETE", HOOK + "/messages/@original", auth=False)
    @serves("DELETE", HOOK + "/messages/{message_id}", auth=False)
    async def delete_message(self, call: Call) -> tuple[int, Any]:
        it = self._for_webhook(call)
        await self.messages.mark_deleted(self._webhook_message(call, it))
        return 204, None
