"""Messages, shared by every resource that makes one: channels, interactions and webhooks.

Checks a message payload against Discord's limits, creates and edits ``RecordedMessage``s,
computes who a message pings, and announces creates, edits and deletes on the gateway.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from emulator.errors import ApiError, invalid_form
from emulator.gateway import Gateway
from emulator.models import (
    EPHEMERAL,
    JSON,
    LOADING,
    EmuChannel,
    EmulatorEvent,
    EventKind,
    RecordedAttachment,
    RecordedInteraction,
    RecordedMessage,
    iter_components,
    new_snowflake,
    resolve_mentions,
)
from emulator.state import World


def validate_message_payload(payload: JSON, files: Sequence[RecordedAttachment]) -> None:
    """Discord's limits on content, embeds and components (400 Invalid Form Body)."""
    content = payload.get("content") or ""
    if len(content) > 2000:
        raise invalid_form("content", "Must be 2000 or fewer in length.")
    embeds = payload.get("embeds") or []
    if len(embeds) > 10:
        raise invalid_form("embeds", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        limits = {"title": 256, "description": 4096}
        for key, limit in limits.items():
            if len(embed.get(key) or "") > limit:
                raise invalid_form(f"embeds.{i}.{key}", f"Must be {limit} or fewer in length.")
            total += len(embed.get(key) or "")
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise invalid_form(f"embeds.{i}.fields", "Must be 25 or fewer in length.")
        for j, f in enumerate(fields):
            if not f.get("name") or len(f["name"]) > 256:
                raise invalid_form(f"embeds.{i}.fields.{j}.name", "Must be 1-256 in length.")
            if not f.get("value") or len(f["value"]) > 1024:
                raise invalid_form(f"embeds.{i}.fields.{j}.value", "Must be 1-1024 in length.")
            total += len(f["name"]) + len(f["value"])
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        if len(footer) > 2048 or len(author) > 256:
            raise invalid_form(f"embeds.{i}", "Footer or author text too long.")
        total += len(footer) + len(author)
    if total > 6000:
        raise invalid_form("embeds", "Embed size exceeds maximum size of 6000")
    components = payload.get("components") or []
    flags = int(payload.get("flags") or 0)
    if not flags & (1 << 15) and len(components) > 5:
        raise invalid_form("components", "Must be 5 or fewer in length.")
    for c in iter_components(components):
        if len(c.get("custom_id") or "") > 100:
            raise invalid_form("components", "custom_id must be 100 or fewer in length.")
        if c.get("type") == 2 and len(c.get("label") or "") > 80:
            raise invalid_form("components", "Button label must be 80 or fewer in length.")
        if c.get("type") == 3 and len(c.get("options") or []) > 25:
            raise invalid_form("components", "Select options must be 25 or fewer in length.")


def ensure_not_empty(msg: RecordedMessage) -> None:
    if not (msg.content or msg.embeds or msg.components or msg.attachments):
        raise ApiError(400, 50006, "Cannot send an empty message")


class Messages:
    """Creating, editing, deleting and announcing messages in one ``World``."""

    def __init__(self, world: World, gateway: Gateway) -> None:
        self.world = world
        self.gateway = gateway

    def apply_payload(
        self, msg: RecordedMessage, payload: JSON, files: list[RecordedAttachment], *, create: bool
    ) -> None:
        validate_message_payload(payload, files)
        if "content" in payload:
            msg.content = payload["content"] or ""
        if "embeds" in payload:
            msg.embeds = [{"type": "rich", **e} for e in payload["embeds"] or []]
        if "components" in payload:
            msg.components = payload["components"] or []
        if "allowed_mentions" in payload:
            msg.allowed_mentions = payload["allowed_mentions"]
        if "flags" in payload and payload["flags"] is not None:
            keep = msg.flags & (EPHEMERAL | LOADING)
            msg.flags = (int(payload["flags"]) & ~(EPHEMERAL | LOADING)) | keep
        if create:
            msg.tts = bool(payload.get("tts", False))
        meta = payload.get("attachments")
        if meta is not None or files or create:
            kept: list[RecordedAttachment] = []
            by_index = {str(i): f for i, f in enumerate(files)}
            for item in meta or []:
                aid = str(item.get("id"))
                if aid in by_index:
                    f = by_index.pop(aid)
                    f.description = item.get("description")
                    kept.append(f)
                else:
                    kept.extend(a for a in msg.attachments if str(a.id) == aid)
            if meta is None:
                kept = list(msg.attachments)
            kept.extend(by_index.values())
            msg.attachments = kept
            for a in kept:
                self.world.attachments[a.id] = a
        if not create:
            msg.edited_at = datetime.now(UTC)
        self._compute_mentions(msg)
        msg.history.append(dict(payload))
        msg.touched_at = time.monotonic()

    def _compute_mentions(self, msg: RecordedMessage) -> None:
        world = self.world
        guild = world.guilds.get(msg.guild_id) if msg.guild_id is not None else None
        replied: int | None = None
        ref = msg.message_reference
        if ref and ref.get("message_id") and int(ref["message_id"]) in world.messages:
            replied = world.messages[int(ref["message_id"])].author_id
        mentions = resolve_mentions(
            msg.content,
            msg.allowed_mentions,
            known_roles=set(guild.roles) - {guild.id} if guild else set(),
            known_users=world.users.keys(),  # a view: no copy of every user per message
            replied_user_id=replied,
        )
        msg.set_mentions(mentions)

    def new_message(
        self,
        channel: EmuChannel,
        author_id: int,
        payload: JSON,
        files: list[RecordedAttachment],
        *,
        flags: int = 0,
        type: int = 0,
        interaction: RecordedInteraction | None = None,
        allow_empty: bool = False,
    ) -> RecordedMessage:
        msg = RecordedMessage(
            id=new_snowflake(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=author_id,
            flags=flags,
            type=type,
            interaction_id=interaction.id if interaction else None,
            webhook_id=self.world.application_id if interaction else None,
            message_reference=payload.get("message_reference"),
        )
        if msg.message_reference and type == 0:
            msg.type = 19
        self.apply_payload(msg, payload, files, create=True)
        if not allow_empty:
            ensure_not_empty(msg)
        self.world.messages[msg.id] = msg
        channel.last_message_id = msg.id
        return msg

    async def announce(self, msg: RecordedMessage, *, edit: bool = False) -> None:
        kind: EventKind = "message_edit" if edit else "message_create"
        by_bot = msg.author_id == self.world.bot_user.id
        self.world.emit(
            EmulatorEvent(kind, by_bot, msg.guild_id, msg.channel_id, msg.author_id, message=msg)
        )
        if not msg.ephemeral and not msg.loading:
            event = "MESSAGE_UPDATE" if edit else "MESSAGE_CREATE"
            await self.gateway.dispatch(event, self.world.message_json(msg))

    async def mark_deleted(self, msg: RecordedMessage) -> None:
        msg.deleted = True
        self.world.emit(
            EmulatorEvent(
                "message_delete", True, msg.guild_id, msg.channel_id, msg.author_id, message=msg
            )
        )
        if not msg.ephemeral:
            data: JSON = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if msg.guild_id is not None:
                data["guild_id"] = str(msg.guild_id)
            await self.gateway.dispatch("MESSAGE_DELETE", data)
