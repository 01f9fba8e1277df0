"""State and records of the Discord emulator: plain dataclasses plus their Discord JSON shapes."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

JSON = dict[str, Any]

DISCORD_EPOCH_MS = 1_420_070_400_000

EPHEMERAL = 1 << 6
LOADING = 1 << 7

ALL_PERMISSIONS = (1 << 51) - 1
ADMINISTRATOR = 1 << 3
#: What a fresh @everyone role gets on a new Discord server (view, send, read history, ...).
DEFAULT_EVERYONE_PERMISSIONS = 1_071_698_660_929


class _SnowflakeFactory:
    """Time-based snowflakes, strictly increasing within the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> int:
        with self._lock:
            millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
            candidate = millis << 22
            if candidate <= self._last:
                candidate = self._last + 1
            self._last = candidate
            return candidate


_snowflakes = _SnowflakeFactory()


def new_snowflake() -> int:
    """A fresh, time-based Discord snowflake."""
    return _snowflakes.next()


def snowflake_time(snowflake: int) -> datetime:
    return datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)


def iso(dt: datetime) -> str:
    return dt.isoformat()


def now_iso() -> str:
    return iso(datetime.now(UTC))


# --------------------------------------------------------------------------- world state


@dataclass
class EmuUser:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    dms_closed: bool = False

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_json(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.global_name,
            "discriminator": "0",
            "avatar": None,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class EmuRole:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 1
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_json(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {
                "primary_color": self.color,
                "secondary_color": None,
                "tertiary_color": None,
            },
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass
class EmuChannel:
    id: int
    name: str
    type: int = 0
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    recipient_id: int | None = None
    last_message_id: int | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_dm(self) -> bool:
        return self.type == 1

    def extra_json(self) -> JSON:
        """Fields a kind of channel adds to its JSON (forums and threads: emulator.rest.threads)."""
        return {}


@dataclass
class EmuMember:
    guild_id: int
    user_id: int
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    pending: bool = False
    online: bool = False  # shown as a presence, and sent in a large guild's GUILD_CREATE


@dataclass
class EmuScheduledEvent:
    """A guild scheduled event (see ``emulator.rest.scheduled_events``)."""

    id: int
    guild_id: int
    creator_id: int
    name: str
    scheduled_start_time: datetime
    entity_type: int  # 1 stage instance, 2 voice, 3 external
    scheduled_end_time: datetime | None = None
    description: str | None = None
    channel_id: int | None = None
    location: str | None = None  # entity_metadata.location of an external event
    status: int = 1  # 1 scheduled, 2 active, 3 completed, 4 canceled
    privacy_level: int = 2
    image: str | None = None
    interested: set[int] = field(default_factory=set)  # user ids

    @property
    def is_open(self) -> bool:
        """Scheduled or active: counts towards the guild's limit of 100."""
        return self.status in (1, 2)


@dataclass
class EmuGuild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, EmuRole] = field(default_factory=dict)
    channels: dict[int, EmuChannel] = field(default_factory=dict)
    members: dict[int, EmuMember] = field(default_factory=dict)
    scheduled_events: dict[int, EmuScheduledEvent] = field(default_factory=dict)

    @property
    def everyone_role(self) -> EmuRole:
        return self.roles[self.id]

    def text_channels(self) -> list[EmuChannel]:
        return [c for c in self.channels.values() if c.type == 0]

    def channel_named(self, name: str) -> EmuChannel:
        for channel in self.channels.values():
            if channel.name == name:
                return channel
        raise KeyError(f"guild {self.id} has no channel named {name!r}")

    def role_named(self, name: str) -> EmuRole:
        for role in self.roles.values():
            if role.name == name:
                return role
        raise KeyError(f"guild {self.id} has no role named {name!r}")


# --------------------------------------------------------------------------- records


@dataclass
class RecordedRequest:
    """One HTTP request the bot made to the emulator."""

    method: str
    route: str | None  # template such as "/channels/{channel_id}/messages"; None if unknown
    path: str  # path below the API base, e.g. "/channels/123/messages"
    query: dict[str, str]
    json: Any
    files: list[RecordedAttachment]
    headers: dict[str, str]
    status: int = 0
    response: Any = None


@dataclass
class RecordedAttachment:
    id: int
    filename: str
    data: bytes
    content_type: str | None = None
    description: str | None = None
    url: str = ""

    @property
    def size(self) -> int:
        return len(self.data)

    def to_json(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "filename": self.filename,
            "size": self.size,
            "url": self.url,
            "proxy_url": self.url,
        }
        if self.content_type:
            data["content_type"] = self.content_type
        if self.description:
            data["description"] = self.description
        return data


_USER_MENTION = re.compile(r"<@!?(\d{15,21})>")
_ROLE_MENTION = re.compile(r"<@&(\d{15,21})>")


@dataclass(frozen=True)
class Mentions:
    everyone: bool
    role_ids: frozenset[int]
    user_ids: frozenset[int]


def resolve_mentions(
    content: str,
    allowed_mentions: JSON | None,
    *,
    known_roles: set[int],
    known_users: Set[int],
    replied_user_id: int | None = None,
) -> Mentions:
    """Which mentions in ``content`` Discord would turn into pings under ``allowed_mentions``.

    Absent ``allowed_mentions`` parses everything (as Discord does). Embeds never ping.
    """
    users_in_text = {int(m) for m in _USER_MENTION.findall(content)} & known_users
    roles_in_text = {int(m) for m in _ROLE_MENTION.findall(content)} & known_roles
    everyone_in_text = "@everyone" in content or "@here" in content
    if allowed_mentions is None:
        users = set(users_in_text)
        if replied_user_id is not None:
            users.add(replied_user_id)
        return Mentions(everyone_in_text, frozenset(roles_in_text), frozenset(users))
    parse = set(allowed_mentions.get("parse") or [])
    allowed_users = {int(u) for u in allowed_mentions.get("users") or []}
    allowed_roles = {int(r) for r in allowed_mentions.get("roles") or []}
    users = users_in_text if "users" in parse else users_in_text & allowed_users
    roles = roles_in_text if "roles" in parse else roles_in_text & allowed_roles
    if replied_user_id is not None and allowed_mentions.get("replied_user", False):
        users = users | {replied_user_id}
    return Mentions(everyone_in_text and "everyone" in parse, frozenset(roles), frozenset(users))


@dataclass
class RecordedMessage:
    """A message that exists in the emulator (bot-sent, interaction response or user-posted)."""

    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    content: str = ""
    embeds: list[JSON] = field(default_factory=list)
    components: list[JSON] = field(default_factory=list)
    attachments: list[RecordedAttachment] = field(default_factory=list)
    allowed_mentions: JSON | None = None
    flags: int = 0
    tts: bool = False
    type: int = 0
    message_reference: JSON | None = None
    interaction_id: int | None = None  # set for interaction responses and follow-ups
    webhook_id: int | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    edited_at: datetime | None = None
    deleted: bool = False
    mentions: Mentions = field(default_factory=lambda: Mentions(False, frozenset(), frozenset()))
    history: list[JSON] = field(default_factory=list)  # raw payloads: create then each edit
    touched_at: float = 0.0  # time.monotonic() of the last create/edit
    _pinged: list[Mentions] = field(default_factory=list, repr=False)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        """A deferred ("thinking...") interaction response not filled in yet."""
        return bool(self.flags & LOADING)

    @property
    def pinged_everyone(self) -> bool:
        """True if any version of this message would have pinged @everyone/@here."""
        return any(m.everyone for m in self._pinged)

    @property
    def pinged_role_ids(self) -> frozenset[int]:
        return frozenset().union(*(m.role_ids for m in self._pinged))

    @property
    def pinged_user_ids(self) -> frozenset[int]:
        return frozenset().union(*(m.user_ids for m in self._pinged))

    def set_mentions(self, mentions: Mentions) -> None:
        self.mentions = mentions
        self._pinged.append(mentions)

    def iter_components(self) -> Iterator[JSON]:
        """Every component in the message, depth first (rows, containers, sections, ...)."""
        yield from iter_components(self.components)

    def find_component(self, custom_id: str) -> JSON:
        for component in self.iter_components():
            if component.get("custom_id") == custom_id:
                return component
        raise KeyError(f"message {self.id} has no component with custom_id {custom_id!r}")

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in self.iter_components() if "custom_id" in c]

    @property
    def embed_text(self) -> str:
        """Titles, descriptions, field names/values and footers of all embeds, one per line."""
        parts: list[str] = []
        for embed in self.embeds:
            for key in ("title", "description"):
                if embed.get(key):
                    parts.append(str(embed[key]))
            for f in embed.get("fields", []):
                parts.append(f"{f.get('name', '')}: {f.get('value', '')}")
            footer = embed.get("footer") or {}
            if footer.get("text"):
                parts.append(str(footer["text"]))
        return "\n".join(parts)

    @property
    def text(self) -> str:
        """Content plus embed text plus text-display components: everything a reader sees."""
        parts = [self.content] if self.content else []
        if self.embed_text:
            parts.append(self.embed_text)
        parts.extend(c["content"] for c in self.iter_components() if c.get("type") == 10)
        return "\n".join(parts)


def iter_components(components: list[JSON]) -> Iterator[JSON]:
    for component in components:
        yield component
        children = component.get("components")
        if isinstance(children, list):
            yield from iter_components(children)
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                yield from iter_components([child])


@dataclass
class InteractionCallback:
    """One accepted ``POST /interactions/{id}/{token}/callback``."""

    type: int
    data: JSON

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags") or 0) & EPHEMERAL)


InteractionKind = Literal["command", "autocomplete", "component", "modal_submit"]


@dataclass
class RecordedInteraction:
    """An interaction the emulator sent to the bot, and everything the bot did with it."""

    id: int
    token: str
    type: int  # 2 command, 3 component, 4 autocomplete, 5 modal submit
    payload: JSON
    guild_id: int | None
    channel_id: int
    user_id: int
    source_message_id: int | None = None  # the message a component was on
    callbacks: list[InteractionCallback] = field(default_factory=list)
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    source_updated: bool = False  # a type 7 callback or an @original edit changed the message
    responded_at: float = 0.0  # time.monotonic() of the callback
    _emulator: Any = field(default=None, repr=False)

    @property
    def response(self) -> InteractionCallback | None:
        return self.callbacks[0] if self.callbacks else None

    @property
    def modal(self) -> JSON | None:
        """The modal (``data`` of a type 9 callback) the bot answered with, if any."""
        for cb in self.callbacks:
            if cb.type == 9:
                return cb.data
        return None

    @property
    def original(self) -> RecordedMessage | None:
        if self.original_message_id is None:
            return None
        msg: RecordedMessage = self._emulator.message(self.original_message_id)
        return msg

    @property
    def followups(self) -> list[RecordedMessage]:
        return [self._emulator.message(i) for i in self.followup_ids]

    @property
    def messages(self) -> list[RecordedMessage]:
        """The original response (if a message) followed by every follow-up."""
        out = [self.original] if self.original is not None else []
        return out + self.followups

    async def wait_response(self, timeout: float = 5.0) -> InteractionCallback:  # noqa: ASYNC109
        """Wait for the bot's interaction callback (its first and only response)."""
        await self._emulator.wait_until(
            lambda: bool(self.callbacks), timeout, f"a response to {self}"
        )
        return self.callbacks[0]

    async def wait_reply(self, timeout: float = 5.0) -> RecordedMessage:  # noqa: ASYNC109
        """Wait for the visible answer: the response message once it is no longer "thinking".

        For type 4/5 responses that is ``@original`` (filled by an edit or the first follow-up);
        for 6/7 (component updates) it is the message the component was on, after the update.
        """
        cb = await self.wait_response(timeout)

        def ready() -> bool:
            if cb.type in (4, 5):
                msg = self.original
                return msg is not None and not msg.loading
            if cb.type == 7:
                return True
            if cb.type == 6:
                return bool(self.followup_ids) or self.source_updated
            return True

        await self._emulator.wait_until(ready, timeout, f"a visible reply to {self}")
        if cb.type in (4, 5):
            original = self.original
            assert original is not None
            return original
        if cb.type == 6 and self.followup_ids and not self.source_updated:
            return self.followups[0]
        if self.source_message_id is None:
            raise RuntimeError(f"interaction {self.id} answered with type {cb.type}: no message")
        source: RecordedMessage = self._emulator.message(self.source_message_id)
        return source

    async def wait_followup(self, index: int = 0, timeout: float = 5.0) -> RecordedMessage:  # noqa: ASYNC109
        await self._emulator.wait_until(
            lambda: len(self.followup_ids) > index, timeout, f"follow-up #{index} of {self}"
        )
        return self.followups[index]


EventKind = Literal[
    "message_create",
    "message_edit",
    "message_delete",
    "interaction_response",
    "role_add",
    "role_remove",
    "member_update",
    "dm_channel",
    "command",
    "component",
    "modal_submit",
    "autocomplete",
    "member_join",
    "member_leave",
    "user_message",
]


@dataclass(frozen=True)
class EmulatorEvent:
    """Something that happened, for live transcripts (see ``DiscordEmulator.on_record``).

    ``by_bot`` is True for what the bot did (messages, responses, role changes, DMs) and False
    for what the emulator did on a user's behalf (commands, presses, joins).
    """

    kind: EventKind
    by_bot: bool
    guild_id: int | None = None
    channel_id: int | None = None
    user_id: int | None = None
    message: RecordedMessage | None = None
    interaction: RecordedInteraction | None = None
    role_id: int | None = None
    detail: str = ""
