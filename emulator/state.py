"""World state of the emulator: who and what exists, everything recorded, and their JSON shapes.

``World`` is plain state plus lookups; it sends nothing. REST resources, the gateway hooks and
the test-facing actions all read and change the one ``World`` of an emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Protocol, TypeVar

from emulator.models import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    JSON,
    EmuChannel,
    EmuGuild,
    EmulatorEvent,
    EmuMember,
    EmuRole,
    EmuUser,
    RecordedAttachment,
    RecordedInteraction,
    RecordedMessage,
    RecordedRequest,
    iso,
    new_snowflake,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
C = TypeVar("C", bound=EmuChannel)


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


IdLike = int | str | _HasId


def to_id(value: IdLike) -> int:
    """An id from an int, a numeric string or anything with an ``id``."""
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value)
    return int(value.id)


def _look_up(table: Mapping[int, T], key: IdLike, kind: str) -> T:
    """``table[key]``, or a KeyError saying there is no such ``kind``."""
    found = table.get(to_id(key))
    if found is None:
        raise KeyError(f"no {kind} {key}")
    return found


class World:
    """Everything that exists in the emulated Discord, and everything the bot did to it."""

    def __init__(self, *, bot_name: str) -> None:
        self.bot_token = "emu." + secrets.token_urlsafe(24)
        self.bot_user = EmuUser(new_snowflake(), bot_name, None, bot=True)
        self.application_id = self.bot_user.id  # as for every modern Discord application
        self.base_url = "http://127.0.0.1:0"  # set once the server listens
        self.users: dict[int, EmuUser] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, EmuGuild] = {}
        self.channels: dict[int, EmuChannel] = {}
        self.messages: dict[int, RecordedMessage] = {}
        self.attachments: dict[int, RecordedAttachment] = {}
        self.interactions: list[RecordedInteraction] = []
        self.interactions_by_id: dict[int, RecordedInteraction] = {}
        self.interactions_by_token: dict[str, RecordedInteraction] = {}
        self.requests: list[RecordedRequest] = []
        self.global_commands: dict[int, JSON] = {}
        self.guild_commands: dict[int, dict[int, JSON]] = {}
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.ready_count = 0
        self._listeners: list[Callable[[EmulatorEvent], None]] = []
        self._changed = asyncio.Event()

    @property
    def gateway_url(self) -> str:
        return self.base_url.replace("http://", "ws://", 1) + "/"

    @property
    def resume_gateway_url(self) -> str:
        return self.gateway_url + "resume"

    # ----------------------------------------------------------------- world building
    def add_user(
        self,
        username: str,
        *,
        global_name: str | None = None,
        bot: bool = False,
        id: int | None = None,
    ) -> EmuUser:
        """A user; ``id`` lets tests match ids fixed in a config file."""
        user = EmuUser(id or new_snowflake(), username, global_name, bot=bot)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str,
        *,
        owner_id: int | None = None,
        bot_permissions: int = ADMINISTRATOR,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        id: int | None = None,
    ) -> EmuGuild:
        """A guild with @everyone, the bot as a member with its managed role, no channels."""
        gid = id or new_snowflake()
        if owner_id is None:
            owner = self.add_user(f"{name.lower().replace(' ', '_')}_owner", global_name="Owner")
            owner_id = owner.id
        guild = EmuGuild(gid, name, owner_id)
        guild.roles[gid] = EmuRole(gid, gid, "@everyone", everyone_permissions, position=0)
        bot_role = EmuRole(
            new_snowflake(),
            gid,
            self.bot_user.username,
            bot_permissions,
            position=100,
            managed=True,
            bot_id=self.bot_user.id,
        )
        guild.roles[bot_role.id] = bot_role
        self.guilds[gid] = guild
        guild.members[owner_id] = EmuMember(gid, owner_id)
        guild.members[self.bot_user.id] = EmuMember(gid, self.bot_user.id, [bot_role.id])
        return guild

    def add_role(
        self,
        guild_id: IdLike,
        name: str,
        *,
        permissions: int = 0,
        position: int | None = None,
        mentionable: bool = False,
        color: int = 0,
        hoist: bool = False,
        id: int | None = None,
    ) -> EmuRole:
        """A role below the bot's own role (so the bot may grant it) unless ``position`` says."""
        guild = self.guild(guild_id)
        if position is None:
            position = (
                max((r.position for r in guild.roles.values() if not r.managed), default=0) + 1
            )
        role = EmuRole(
            id or new_snowflake(), guild.id, name, permissions, position, color, hoist, mentionable
        )
        guild.roles[role.id] = role
        return role

    def add_channel(
        self,
        guild_id: IdLike,
        name: str,
        *,
        type: int = 0,
        topic: str | None = None,
        parent_id: IdLike | None = None,
        id: int | None = None,
    ) -> EmuChannel:
        """A guild channel: type 0 text (default), 4 category, 2 voice, 5 news, 15 forum."""
        guild = self.guild(guild_id)
        parent = None if parent_id is None else to_id(parent_id)
        return self.place_channel(
            EmuChannel(id or new_snowflake(), name, type, guild.id, topic=topic, parent_id=parent)
        )

    def place_channel(self, channel: C) -> C:
        """Put a new guild channel (of any channel class) last in its guild."""
        assert channel.guild_id is not None
        guild = self.guild(channel.guild_id)
        channel.position = len(guild.channels)
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    def add_member(
        self,
        guild_id: IdLike,
        user_id: IdLike,
        *,
        roles: Iterable[IdLike] = (),
        nick: str | None = None,
        joined_at: datetime | None = None,
    ) -> EmuMember:
        """Add a member silently (no GUILD_MEMBER_ADD); use the emulator's ``member_join``
        once the bot runs."""
        guild = self.guild(guild_id)
        user = self.user(user_id)
        member = EmuMember(guild.id, user.id, self._role_ids(guild, roles), nick)
        if joined_at is not None:
            member.joined_at = joined_at
        guild.members[user.id] = member
        return member

    def add_members(
        self,
        guild_id: IdLike,
        count: int,
        *,
        roles: Iterable[IdLike] = (),
        online: int = 0,
        name_prefix: str = "person",
    ) -> list[EmuMember]:
        """``count`` new users, silently members of the guild (for large-guild tests): named
        ``<name_prefix><n>``, holding ``roles``, the first ``online`` of them online."""
        guild = self.guild(guild_id)
        role_ids = self._role_ids(guild, roles)
        start = len(guild.members)
        added: list[EmuMember] = []
        for n in range(count):
            user = EmuUser(new_snowflake(), f"{name_prefix}{start + n}")
            self.users[user.id] = user
            member = EmuMember(guild.id, user.id, list(role_ids), online=n < online)
            guild.members[user.id] = member
            added.append(member)
        return added

    @staticmethod
    def _role_ids(guild: EmuGuild, roles: Iterable[IdLike]) -> list[int]:
        role_ids = [to_id(r) for r in roles]
        for rid in role_ids:
            if rid not in guild.roles:
                raise KeyError(f"guild {guild.id} has no role {rid}")
        return role_ids

    # ----------------------------------------------------------------- lookups
    def guild(self, guild_id: IdLike) -> EmuGuild:
        return _look_up(self.guilds, guild_id, "guild")

    def user(self, user_id: IdLike) -> EmuUser:
        return _look_up(self.users, user_id, "user")

    def channel(self, channel_id: IdLike) -> EmuChannel:
        return _look_up(self.channels, channel_id, "channel")

    def member(self, guild_id: IdLike, user_id: IdLike) -> EmuMember:
        guild = self.guild(guild_id)
        member = guild.members.get(to_id(user_id))
        if member is None:
            raise KeyError(f"user {user_id} is not a member of guild {guild.id}")
        return member

    def message(self, message_id: IdLike) -> RecordedMessage:
        return self.messages[to_id(message_id)]

    def messages_in(
        self, channel_id: IdLike, *, ephemeral: bool | None = None, include_deleted: bool = False
    ) -> list[RecordedMessage]:
        """Messages in a channel, oldest first. ``ephemeral=None`` includes both kinds."""
        cid = to_id(channel_id)
        return [
            m
            for m in self.messages.values()
            if m.channel_id == cid
            and (include_deleted or not m.deleted)
            and (ephemeral is None or m.ephemeral == ephemeral)
        ]

    def dm_channel_of(self, user_id: IdLike) -> EmuChannel | None:
        cid = self.dm_channels.get(to_id(user_id))
        return None if cid is None else self.channels[cid]

    def ensure_dm_channel(self, user_id: int) -> EmuChannel:
        cid = self.dm_channels.get(user_id)
        if cid is None:
            channel = EmuChannel(new_snowflake(), "", type=1, recipient_id=user_id)
            self.channels[channel.id] = channel
            self.dm_channels[user_id] = channel.id
            return channel
        return self.channels[cid]

    def commands(self, guild_id: IdLike | None = None) -> list[JSON]:
        """Registered commands of a guild, or the global ones when ``guild_id`` is None."""
        if guild_id is None:
            return list(self.global_commands.values())
        return list(self.guild_commands.get(to_id(guild_id), {}).values())

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests to routes the emulator does not know (answered 404)."""
        return [r for r in self.requests if r.route is None]

    # ----------------------------------------------------------------- change and waiting
    def notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def on_record(self, callback: Callable[[EmulatorEvent], None]) -> Callable[[], None]:
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    def emit(self, event: EmulatorEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("emulator on_record callback failed")
        self.notify()

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float,  # noqa: ASYNC109 - a test helper's deadline, documented as such
        what: str = "",
    ) -> None:
        """Wait until ``predicate()`` holds: re-checked on every emulator change and every 20 ms."""
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    # Woken by every emulator change; also polled, for predicates on bot state.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.02)
        except TimeoutError:
            unknown = ", ".join(f"{r.method} {r.path}" for r in self.unknown_requests[-5:])
            hint = f" (unknown routes requested: {unknown})" if unknown else ""
            raise TimeoutError(
                f"timed out after {timeout}s waiting for {what or predicate}{hint}"
            ) from None

    async def wait_for_first(
        self,
        items: Callable[[], Iterable[T]],
        predicate: Callable[[T], bool],
        timeout: float,  # noqa: ASYNC109 - a test helper's deadline, documented as such
        what: str,
    ) -> T:
        """The first of ``items()`` (read again on every change) for which ``predicate``
        holds."""
        found: list[T] = []

        def check() -> bool:
            found.extend(itertools.islice(filter(predicate, items()), 1))
            return bool(found)

        await self.wait_until(check, timeout, what)
        return found[0]

    # ----------------------------------------------------------------- permissions
    def permissions(self, guild: EmuGuild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        perms = guild.everyone_role.permissions
        for rid in member.roles if member else []:
            role = guild.roles.get(rid)
            if role is not None:
                perms |= role.permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def bot_permissions(self, guild: EmuGuild) -> int:
        return self.permissions(guild, self.bot_user.id)

    # ----------------------------------------------------------------- JSON shapes
    def member_json(self, member: EmuMember, *, with_user: bool = True) -> JSON:
        data: JSON = {
            "nick": member.nick,
            "avatar": None,
            "banner": None,
            "roles": [str(r) for r in member.roles],
            "joined_at": iso(member.joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": member.pending,
            "communication_disabled_until": None,
        }
        if with_user:
            data["user"] = self.users[member.user_id].to_json()
        return data

    def channel_json(self, channel: EmuChannel) -> JSON:
        if channel.is_dm:
            assert channel.recipient_id is not None
            return {
                "id": str(channel.id),
                "type": 1,
                "last_message_id": str(channel.last_message_id)
                if channel.last_message_id
                else None,
                "recipients": [self.users[channel.recipient_id].to_json()],
                "flags": 0,
            }
        return {
            "id": str(channel.id),
            "type": channel.type,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [],
            "parent_id": str(channel.parent_id) if channel.parent_id else None,
            "topic": channel.topic,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
            "flags": 0,
            **channel.extra_json(),
        }

    def guild_json(self, guild: EmuGuild) -> JSON:
        """A guild object as ``GET /guilds/{id}`` returns it (GUILD_CREATE adds more)."""
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.to_json() for r in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "max_members": 500000,
        }

    def message_json(self, msg: RecordedMessage) -> JSON:
        author = self.users.get(msg.author_id) or self.bot_user
        data: JSON = {
            "id": str(msg.id),
            "channel_id": str(msg.channel_id),
            "author": author.to_json(),
            "content": msg.content,
            "timestamp": iso(msg.created_at),
            "edited_timestamp": iso(msg.edited_at) if msg.edited_at else None,
            "tts": msg.tts,
            "mention_everyone": msg.mentions.everyone,
            "mentions": [self.users[u].to_json() for u in sorted(msg.mentions.user_ids)],
            "mention_roles": [str(r) for r in sorted(msg.mentions.role_ids)],
            "attachments": [a.to_json() for a in msg.attachments],
            "embeds": msg.embeds,
            "components": msg.components,
            "pinned": False,
            "type": msg.type,
            "flags": msg.flags,
            "reactions": [],
        }
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
        if msg.webhook_id is not None:
            data["webhook_id"] = str(msg.webhook_id)
            data["application_id"] = str(self.application_id)
        if msg.message_reference is not None:
            data["message_reference"] = msg.message_reference
        return data

    def message_create_json(self, msg: RecordedMessage) -> JSON:
        """A member's message as MESSAGE_CREATE carries it: the message plus, in a guild, the
        author's ``member`` (without ``user``)."""
        data = self.message_json(msg)
        guild = self.guilds.get(msg.guild_id) if msg.guild_id is not None else None
        member = guild.members.get(msg.author_id) if guild is not None else None
        if member is not None:
            data["member"] = self.member_json(member, with_user=False)
        return data
