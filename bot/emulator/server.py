"""The Discord emulator: REST v10 + Gateway v10 on 127.0.0.1, and its Python API for tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aiohttp import BodyPartReader, web

from bot.emulator.gateway import Gateway, GatewaySession
from bot.emulator.models import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    EPHEMERAL,
    JSON,
    LOADING,
    EmuChannel,
    EmuGuild,
    EmulatorEvent,
    EmuMember,
    EmuRole,
    EmuUser,
    EventKind,
    InteractionCallback,
    RecordedAttachment,
    RecordedInteraction,
    RecordedMessage,
    RecordedRequest,
    iso,
    iter_components,
    new_snowflake,
    resolve_mentions,
)

log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
NONCE_WINDOW = timedelta(minutes=5)
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


IdLike = int | str | _HasId


def _id(value: IdLike) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return int(value)
    return int(value.id)


class ApiError(Exception):
    """Raised inside a REST handler; becomes Discord's JSON error body."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        body: JSON = {"code": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def _unknown(what: str, code: int) -> ApiError:
    return ApiError(404, code, f"Unknown {what}")


def _invalid_form(field: str, message: str) -> ApiError:
    errors = {field: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": message}]}}
    return ApiError(400, 50035, "Invalid Form Body", errors)


@dataclass
class _Call:
    method: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[RecordedAttachment]
    record: RecordedRequest


_Handler = Callable[[_Call], Awaitable[tuple[int, Any]]]


@dataclass
class _Route:
    method: str
    template: str
    pattern: re.Pattern[str]
    handler: _Handler
    auth: bool


@dataclass
class _RateLimitRule:
    method: str
    route: str
    remaining: int
    retry_after: float
    is_global: bool


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    if body is None and status == 204:
        return web.Response(status=204, headers=headers)
    # discord.py compares Content-Type with exactly "application/json" (no charset).
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


class DiscordEmulator:
    """An in-process Discord for end-to-end tests: build a world, start, point discord.py at it.

    All ``add_*`` methods may be called before or after ``start``; the bot sees members, roles
    and channels added before it identified in GUILD_CREATE, and later joins via
    ``member_join``. Everything the bot does is recorded (``requests``, ``messages_in``,
    ``interactions``) and can be awaited (``wait_for_message``, ``wait_for_request``).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_name: str = "cop-bot",
        heartbeat_interval_ms: int = 41_250,
        reaction_delay: float = 0.05,
    ) -> None:
        """``reaction_delay``: the least time between the bot changing a message (or answering
        with a modal) and a user acting on it. discord.py registers a view or modal only after
        the HTTP response arrives, so a user who is faster than that would race the bot.
        """
        self.reaction_delay = reaction_delay
        self.host = host
        self.port = port
        self.bot_token = "emu." + secrets.token_urlsafe(24)
        self.bot_user = EmuUser(new_snowflake(), bot_name, None, bot=True)
        self.application_id = self.bot_user.id  # as for every modern Discord application
        self.users: dict[int, EmuUser] = {self.bot_user.id: self.bot_user}
        self.guilds: dict[int, EmuGuild] = {}
        self.channels: dict[int, EmuChannel] = {}
        self._messages: dict[int, RecordedMessage] = {}
        self._attachments: dict[int, RecordedAttachment] = {}
        self.interactions: list[RecordedInteraction] = []
        self._interactions_by_id: dict[int, RecordedInteraction] = {}
        self._interactions_by_token: dict[str, RecordedInteraction] = {}
        self.requests: list[RecordedRequest] = []
        self.global_commands: dict[int, JSON] = {}
        self.guild_commands: dict[int, dict[int, JSON]] = {}
        self._dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self._rate_limits: list[_RateLimitRule] = []
        self._listeners: list[Callable[[EmulatorEvent], None]] = []
        self._changed = asyncio.Event()
        self._ready_count = 0
        self._runner: web.AppRunner | None = None
        self.gateway = Gateway(
            token=lambda: self.bot_token,
            heartbeat_interval_ms=heartbeat_interval_ms,
            resume_url=lambda: self.resume_gateway_url,
            on_identify=self._on_identify,
            on_request_members=self._on_request_members,
            notify=self._notify,
        )
        self._routes: list[_Route] = []
        self._register_routes()

    # ================================================================= lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/resume", self.gateway.handle)
        app.router.add_get("/attachments/{attachment_id}/{filename}", self._serve_attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle_rest)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DiscordEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    @property
    def resume_gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/resume"

    def point_discord_here(self) -> None:
        """``point_discord_at(self.api_base_url, self.gateway_url)``."""
        from bot.emulator.patch import point_discord_at

        point_discord_at(self.api_base_url, self.gateway_url)

    # ================================================================= world building
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
        channel = EmuChannel(
            id or new_snowflake(),
            name,
            type,
            guild.id,
            position=len(guild.channels),
            topic=topic,
            parent_id=None if parent_id is None else _id(parent_id),
        )
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
        """Add a member silently (no GUILD_MEMBER_ADD); use ``member_join`` once the bot runs."""
        guild = self.guild(guild_id)
        user = self.user(user_id)
        role_ids = [_id(r) for r in roles]
        for rid in role_ids:
            if rid not in guild.roles:
                raise KeyError(f"guild {guild.id} has no role {rid}")
        member = EmuMember(guild.id, user.id, role_ids, nick)
        if joined_at is not None:
            member.joined_at = joined_at
        guild.members[user.id] = member
        return member

    def set_dms_closed(self, user_id: IdLike, closed: bool = True) -> None:
        self.user(user_id).dms_closed = closed

    # ================================================================= lookups
    def guild(self, guild_id: IdLike) -> EmuGuild:
        try:
            return self.guilds[_id(guild_id)]
        except KeyError:
            raise KeyError(f"no guild {guild_id}") from None

    def user(self, user_id: IdLike) -> EmuUser:
        try:
            return self.users[_id(user_id)]
        except KeyError:
            raise KeyError(f"no user {user_id}") from None

    def channel(self, channel_id: IdLike) -> EmuChannel:
        try:
            return self.channels[_id(channel_id)]
        except KeyError:
            raise KeyError(f"no channel {channel_id}") from None

    def member(self, guild_id: IdLike, user_id: IdLike) -> EmuMember:
        guild = self.guild(guild_id)
        try:
            return guild.members[_id(user_id)]
        except KeyError:
            raise KeyError(f"user {user_id} is not a member of guild {guild.id}") from None

    def is_member(self, guild_id: IdLike, user_id: IdLike) -> bool:
        return _id(user_id) in self.guild(guild_id).members

    def message(self, message_id: IdLike) -> RecordedMessage:
        return self._messages[_id(message_id)]

    def messages_in(
        self, channel_id: IdLike, *, ephemeral: bool | None = None, include_deleted: bool = False
    ) -> list[RecordedMessage]:
        """Messages in a channel, oldest first. ``ephemeral=None`` includes both kinds."""
        cid = _id(channel_id)
        return [
            m
            for m in self._messages.values()
            if m.channel_id == cid
            and (include_deleted or not m.deleted)
            and (ephemeral is None or m.ephemeral == ephemeral)
        ]

    def bot_messages(self) -> list[RecordedMessage]:
        return [m for m in self._messages.values() if m.author_id == self.bot_user.id]

    def dm_channel_of(self, user_id: IdLike) -> EmuChannel | None:
        cid = self._dm_channels.get(_id(user_id))
        return None if cid is None else self.channels[cid]

    def dms_to(self, user_id: IdLike) -> list[RecordedMessage]:
        channel = self.dm_channel_of(user_id)
        return [] if channel is None else self.messages_in(channel.id)

    def commands(self, guild_id: IdLike | None = None) -> list[JSON]:
        """Registered commands of a guild, or the global ones when ``guild_id`` is None."""
        if guild_id is None:
            return list(self.global_commands.values())
        return list(self.guild_commands.get(_id(guild_id), {}).values())

    def command_names(self, guild_id: IdLike | None = None) -> set[str]:
        return {c["name"] for c in self.commands(guild_id)}

    def requests_to(self, method: str, route: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method and r.route == route]

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """Requests to routes the emulator does not know (answered 404)."""
        return [r for r in self.requests if r.route is None]

    def interaction(self, interaction_id: IdLike) -> RecordedInteraction:
        return self._interactions_by_id[_id(interaction_id)]

    # ================================================================= waiting and events
    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

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

    async def wait_for_message(
        self,
        predicate: Callable[[RecordedMessage], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> RecordedMessage:
        """The first message (already recorded or coming) that matches ``predicate``."""
        found: list[RecordedMessage] = []

        def check() -> bool:
            for m in self._messages.values():
                if not m.deleted and predicate(m):
                    found.append(m)
                    return True
            return False

        await self.wait_until(check, timeout, "a matching message")
        return found[0]

    async def wait_for_request(
        self,
        predicate: Callable[[RecordedRequest], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> RecordedRequest:
        """The first request (already recorded or coming) that matches ``predicate``."""
        found: list[RecordedRequest] = []

        def check() -> bool:
            for r in self.requests:
                if r.status and predicate(r):
                    found.append(r)
                    return True
            return False

        await self.wait_until(check, timeout, "a matching request")
        return found[0]

    async def wait_until_ready(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the bot has identified and been sent READY plus every GUILD_CREATE."""
        await self.wait_until(lambda: self._ready_count > 0, timeout, "the bot to identify")

    async def wait_for_identify(self, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the bot has identified ``count`` times in total (READY sequence sent)."""
        await self.wait_until(lambda: self._ready_count >= count, timeout, f"identify #{count}")

    async def wait_for_resume(self, count: int = 1, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the bot has resumed ``count`` times in total (replay and RESUMED sent)."""
        await self.wait_until(
            lambda: self.gateway.resume_count >= count, timeout, f"resume #{count}"
        )

    def on_record(self, callback: Callable[[EmulatorEvent], None]) -> Callable[[], None]:
        """Call ``callback`` with every recorded action; returns a function that unsubscribes."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    def _emit(self, event: EmulatorEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("emulator on_record callback failed")
        self._notify()

    # ================================================================= fault injection
    def rate_limit_next(
        self,
        method: str,
        route: str,
        count: int = 1,
        *,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> None:
        """Answer the next ``count`` requests to ``method route`` (a template) with 429."""
        self._rate_limits.append(
            _RateLimitRule(method.upper(), route, count, retry_after, is_global)
        )

    async def drop_gateway(self, *, hold: bool = True, code: int | None = None) -> None:
        """Cut the bot's gateway socket (abort the TCP connection, or close with ``code``).

        Dispatches made while it is down are buffered and replayed on RESUME. With ``hold``
        the bot's reconnect is parked before HELLO until ``restore_gateway``.
        """
        if hold:
            self.gateway.hold()
        await self.gateway.drop(code)
        self._notify()

    def restore_gateway(self) -> None:
        self.gateway.release()

    def invalidate_next_session(self) -> None:
        """Answer the next RESUME with INVALID_SESSION (d=false); the bot re-identifies."""
        self.gateway.invalidate_next_resume()

    async def send_invalid_session(self, *, resumable: bool = False) -> None:
        """Send op 9 on the live socket now."""
        await self.gateway.send_invalid_session(resumable)

    async def send_reconnect(self) -> None:
        """Send op 7 RECONNECT; discord.py closes and resumes."""
        session = self.gateway.current
        if session is None or session.connection is None:
            raise RuntimeError("no gateway session is connected")
        await session.connection.send({"op": 7, "d": None})

    # ================================================================= JSON shapes
    def _permissions(self, guild: EmuGuild, user_id: int) -> int:
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        perms = guild.everyone_role.permissions
        for rid in member.roles if member else []:
            role = guild.roles.get(rid)
            if role is not None:
                perms |= role.permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def _member_json(self, member: EmuMember, *, with_user: bool = True) -> JSON:
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

    def _channel_json(self, channel: EmuChannel) -> JSON:
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
        }

    def _guild_json(self, guild: EmuGuild, *, full: bool) -> JSON:
        data: JSON = {
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
        if full:
            data.update(
                {
                    "joined_at": iso(guild.members[self.bot_user.id].joined_at),
                    "large": False,
                    "unavailable": False,
                    "member_count": len(guild.members),
                    "members": [self._member_json(m) for m in guild.members.values()],
                    "channels": [
                        {k: v for k, v in self._channel_json(c).items() if k != "guild_id"}
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

    def _message_json(self, msg: RecordedMessage) -> JSON:
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

    # ================================================================= REST plumbing
    def _register_routes(self) -> None:
        r = self._route
        r("GET", "/users/@me", self._get_me)
        r("POST", "/users/@me/channels", self._create_dm)
        r("GET", "/users/{user_id}", self._get_user)
        r("GET", "/oauth2/applications/@me", self._get_application)
        r("GET", "/applications/@me", self._get_application)
        r("GET", "/gateway", self._get_gateway, auth=False)
        r("GET", "/gateway/bot", self._get_gateway_bot)
        # commands
        r("GET", "/applications/{application_id}/commands", self._get_commands)
        r("PUT", "/applications/{application_id}/commands", self._put_commands)
        r("POST", "/applications/{application_id}/commands", self._post_command)
        r("GET", "/applications/{application_id}/commands/{command_id}", self._get_command)
        r("DELETE", "/applications/{application_id}/commands/{command_id}", self._delete_command)
        base = "/applications/{application_id}/guilds/{guild_id}/commands"
        r("GET", base, self._get_commands)
        r("PUT", base, self._put_commands)
        r("POST", base, self._post_command)
        r("GET", base + "/{command_id}", self._get_command)
        r("DELETE", base + "/{command_id}", self._delete_command)
        # interactions and their webhooks (no Authorization header: the token authenticates)
        callback = "/interactions/{interaction_id}/{interaction_token}/callback"
        r("POST", callback, self._interaction_callback, auth=False)
        hook = "/webhooks/{application_id}/{interaction_token}"
        r("POST", hook, self._post_followup, auth=False)
        r("GET", hook + "/messages/@original", self._get_webhook_message, auth=False)
        r("PATCH", hook + "/messages/@original", self._edit_webhook_message, auth=False)
        r("DELETE", hook + "/messages/@original", self._delete_webhook_message, auth=False)
        r("GET", hook + "/messages/{message_id}", self._get_webhook_message, auth=False)
        r("PATCH", hook + "/messages/{message_id}", self._edit_webhook_message, auth=False)
        r("DELETE", hook + "/messages/{message_id}", self._delete_webhook_message, auth=False)
        # channels and messages
        r("GET", "/channels/{channel_id}", self._get_channel)
        r("POST", "/channels/{channel_id}/typing", self._typing)
        r("GET", "/channels/{channel_id}/messages", self._list_messages)
        r("POST", "/channels/{channel_id}/messages", self._post_message)
        r("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message)
        r("PATCH", "/channels/{channel_id}/messages/{message_id}", self._edit_message)
        r("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message)
        react = "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"
        r("PUT", react, self._add_reaction)
        # guilds, members, roles
        r("GET", "/guilds/{guild_id}", self._get_guild)
        r("GET", "/guilds/{guild_id}/channels", self._get_guild_channels)
        r("POST", "/guilds/{guild_id}/channels", self._create_guild_channel)
        r("GET", "/guilds/{guild_id}/roles", self._get_roles)
        r("POST", "/guilds/{guild_id}/roles", self._create_role)
        r("GET", "/guilds/{guild_id}/members", self._list_members)
        r("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member)
        r("PATCH", "/guilds/{guild_id}/members/{user_id}", self._edit_member)
        r("DELETE", "/guilds/{guild_id}/members/{user_id}", self._kick_member)
        role_path = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"
        r("PUT", role_path, self._add_member_role)
        r("DELETE", role_path, self._remove_member_role)

    def _route(self, method: str, template: str, handler: _Handler, *, auth: bool = True) -> None:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        self._routes.append(_Route(method, template, re.compile(f"^{regex}$"), handler, auth))

    def _match(self, method: str, path: str) -> tuple[_Route, dict[str, str]] | None:
        for route in self._routes:
            if route.method != method:
                continue
            m = route.pattern.match(path)
            if m:
                return route, m.groupdict()
        return None

    async def _read_body(self, request: web.Request) -> tuple[Any, list[RecordedAttachment]]:
        files: list[RecordedAttachment] = []
        if request.content_type == "multipart/form-data":
            payload: Any = None
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                raw = await part.read(decode=False)
                if part.name == "payload_json":
                    payload = json.loads(raw)
                elif part.filename is not None:
                    files.append(
                        RecordedAttachment(
                            new_snowflake(),
                            part.filename,
                            bytes(raw),
                            part.headers.get("Content-Type"),
                        )
                    )
            return payload, files
        if request.can_read_body:
            text = await request.text()
            if text:
                return json.loads(text), files
        return None, files

    async def _handle_rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method.upper()
        body, files = await self._read_body(request)
        matched = self._match(method, path)
        record = RecordedRequest(
            method=method,
            route=matched[0].template if matched else None,
            path=path,
            query=dict(request.query),
            json=body,
            files=files,
            headers=dict(request.headers),
        )
        self.requests.append(record)
        status, response, headers = await self._dispatch_rest(request, matched, record, files)
        record.status = status
        record.response = response
        self._notify()
        return _json_response(status, response, headers)

    async def _dispatch_rest(
        self,
        request: web.Request,
        matched: tuple[_Route, dict[str, str]] | None,
        record: RecordedRequest,
        files: list[RecordedAttachment],
    ) -> tuple[int, Any, dict[str, str] | None]:
        if matched is None:
            return 404, {"code": 0, "message": "404: Not Found"}, None
        route, params = matched
        if route.auth and request.headers.get("Authorization") != f"Bot {self.bot_token}":
            return 401, {"code": 0, "message": "401: Unauthorized"}, None
        limited = self._take_rate_limit(record.method, route.template)
        if limited is not None:
            headers = {
                "Via": "1.1 google",
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{datetime.now(UTC).timestamp() + limited.retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{limited.retry_after:.3f}",
                "X-RateLimit-Bucket": "emulator-" + route.template,
                "X-RateLimit-Scope": "global" if limited.is_global else "user",
                "Retry-After": str(max(1, round(limited.retry_after))),
            }
            if limited.is_global:
                headers["X-RateLimit-Global"] = "true"
            body = {
                "message": "You are being rate limited.",
                "retry_after": limited.retry_after,
                "global": limited.is_global,
            }
            return 429, body, headers
        call = _Call(record.method, params, dict(request.query), record.json, files, record)
        for f in files:
            f.url = f"{self.base_url}/attachments/{f.id}/{f.filename}"
        try:
            status, response = await route.handler(call)
        except ApiError as exc:
            return exc.status, exc.body(), None
        except Exception:
            log.exception("emulator handler for %s %s failed", record.method, record.path)
            return 500, {"code": 0, "message": "500: Internal Server Error (emulator bug)"}, None
        return status, response, None

    def _take_rate_limit(self, method: str, template: str) -> _RateLimitRule | None:
        for rule in self._rate_limits:
            if rule.method == method and rule.route == template and rule.remaining > 0:
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._rate_limits.remove(rule)
                return rule
        return None

    async def _serve_attachment(self, request: web.Request) -> web.StreamResponse:
        att = self._attachments.get(int(request.match_info["attachment_id"]))
        if att is None:
            return _json_response(404, {"code": 0, "message": "404: Not Found"})
        return web.Response(
            body=att.data, content_type=att.content_type or "application/octet-stream"
        )

    # ================================================================= REST: users, app, gateway
    async def _get_me(self, call: _Call) -> tuple[int, Any]:
        me = self.bot_user.to_json()
        me.update({"verified": True, "mfa_enabled": False, "email": None, "locale": "en-US"})
        return 200, me

    async def _get_user(self, call: _Call) -> tuple[int, Any]:
        user = self.users.get(int(call.params["user_id"]))
        if user is None:
            raise _unknown("User", 10013)
        return 200, user.to_json()

    async def _get_application(self, call: _Call) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "description": "",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": self.bot_user.to_json(),
            "summary": "",
            "verify_key": "0" * 64,
            "team": None,
            "flags": 0,
            "rpc_origins": [],
            "bot": self.bot_user.to_json(),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
        }

    async def _get_gateway(self, call: _Call) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url.rstrip("/")}

    async def _get_gateway_bot(self, call: _Call) -> tuple[int, Any]:
        return 200, {
            "url": self.gateway_url.rstrip("/"),
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }

    # ================================================================= REST: commands
    def _command_store(self, call: _Call) -> tuple[dict[int, JSON], int | None]:
        if int(call.params["application_id"]) != self.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if "guild_id" not in call.params:
            return self.global_commands, None
        gid = int(call.params["guild_id"])
        if gid not in self.guilds:
            raise ApiError(403, 50001, "Missing Access")
        return self.guild_commands.setdefault(gid, {}), gid

    def _validate_command(self, cmd: Any, index: int) -> None:
        if not isinstance(cmd, dict) or not isinstance(cmd.get("name"), str):
            raise _invalid_form(f"{index}.name", "This field is required")
        ctype = int(cmd.get("type", 1))
        name = cmd["name"]
        if ctype == 1:
            if not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower():
                raise _invalid_form(f"{index}.name", f"Command name {name!r} is invalid")
            if not 1 <= len(cmd.get("description", "")) <= 100:
                raise _invalid_form(f"{index}.description", "Must be between 1 and 100 in length.")
            if len(cmd.get("options") or []) > 25:
                raise _invalid_form(f"{index}.options", "Must be 25 or fewer in length.")
        elif not 1 <= len(name) <= 32:
            raise _invalid_form(f"{index}.name", "Must be between 1 and 32 in length.")

    def _store_command(
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
            "application_id": str(self.application_id),
            "version": str(new_snowflake()),
            "default_member_permissions": None if perms is None else str(perms),
        }
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        store[cid] = stored
        return stored

    async def _get_commands(self, call: _Call) -> tuple[int, Any]:
        store, _ = self._command_store(call)
        return 200, list(store.values())

    async def _put_commands(self, call: _Call) -> tuple[int, Any]:
        store, gid = self._command_store(call)
        body = call.json or []
        if not isinstance(body, list):
            raise _invalid_form("_root", "Must be an array")
        keys: set[tuple[str, int]] = set()
        for i, cmd in enumerate(body):
            self._validate_command(cmd, i)
            key = (cmd["name"], int(cmd.get("type", 1)))
            if key in keys:
                raise ApiError(400, 50035, f"Application command names must be unique: {key[0]}")
            keys.add(key)
        old = {(c["name"], int(c["type"])): c for c in store.values()}
        store.clear()
        out = [
            self._store_command(store, gid, cmd, old.get((cmd["name"], int(cmd.get("type", 1)))))
            for cmd in body
        ]
        return 200, out

    async def _post_command(self, call: _Call) -> tuple[int, Any]:
        store, gid = self._command_store(call)
        self._validate_command(call.json, 0)
        key = (call.json["name"], int(call.json.get("type", 1)))
        existing = next((c for c in store.values() if (c["name"], int(c["type"])) == key), None)
        return (200 if existing else 201), self._store_command(store, gid, call.json, existing)

    async def _get_command(self, call: _Call) -> tuple[int, Any]:
        store, _ = self._command_store(call)
        cmd = store.get(int(call.params["command_id"]))
        if cmd is None:
            raise _unknown("application command", 10063)
        return 200, cmd

    async def _delete_command(self, call: _Call) -> tuple[int, Any]:
        store, _ = self._command_store(call)
        if store.pop(int(call.params["command_id"]), None) is None:
            raise _unknown("application command", 10063)
        return 204, None

    # ================================================================= messages (shared)
    def _validate_message_payload(self, payload: JSON, files: Sequence[RecordedAttachment]) -> None:
        content = payload.get("content") or ""
        if len(content) > 2000:
            raise _invalid_form("content", "Must be 2000 or fewer in length.")
        embeds = payload.get("embeds") or []
        if len(embeds) > 10:
            raise _invalid_form("embeds", "Must be 10 or fewer in length.")
        total = 0
        for i, embed in enumerate(embeds):
            limits = {"title": 256, "description": 4096}
            for key, limit in limits.items():
                if len(embed.get(key) or "") > limit:
                    raise _invalid_form(f"embeds.{i}.{key}", f"Must be {limit} or fewer in length.")
                total += len(embed.get(key) or "")
            fields = embed.get("fields") or []
            if len(fields) > 25:
                raise _invalid_form(f"embeds.{i}.fields", "Must be 25 or fewer in length.")
            for j, f in enumerate(fields):
                if not f.get("name") or len(f["name"]) > 256:
                    raise _invalid_form(f"embeds.{i}.fields.{j}.name", "Must be 1-256 in length.")
                if not f.get("value") or len(f["value"]) > 1024:
                    raise _invalid_form(f"embeds.{i}.fields.{j}.value", "Must be 1-1024 in length.")
                total += len(f["name"]) + len(f["value"])
            footer = (embed.get("footer") or {}).get("text") or ""
            author = (embed.get("author") or {}).get("name") or ""
            if len(footer) > 2048 or len(author) > 256:
                raise _invalid_form(f"embeds.{i}", "Footer or author text too long.")
            total += len(footer) + len(author)
        if total > 6000:
            raise _invalid_form("embeds", "Embed size exceeds maximum size of 6000")
        components = payload.get("components") or []
        flags = int(payload.get("flags") or 0)
        if not flags & (1 << 15) and len(components) > 5:
            raise _invalid_form("components", "Must be 5 or fewer in length.")
        for c in iter_components(components):
            if len(c.get("custom_id") or "") > 100:
                raise _invalid_form("components", "custom_id must be 100 or fewer in length.")
            if c.get("type") == 2 and len(c.get("label") or "") > 80:
                raise _invalid_form("components", "Button label must be 80 or fewer in length.")
            if c.get("type") == 3 and len(c.get("options") or []) > 25:
                raise _invalid_form("components", "Select options must be 25 or fewer in length.")

    def _ensure_not_empty(self, msg: RecordedMessage) -> None:
        if not (msg.content or msg.embeds or msg.components or msg.attachments):
            raise ApiError(400, 50006, "Cannot send an empty message")

    def _apply_payload(
        self, msg: RecordedMessage, payload: JSON, files: list[RecordedAttachment], *, create: bool
    ) -> None:
        self._validate_message_payload(payload, files)
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
                self._attachments[a.id] = a
        if not create:
            msg.edited_at = datetime.now(UTC)
        self._compute_mentions(msg)
        msg.history.append(dict(payload))
        msg.touched_at = time.monotonic()

    def _compute_mentions(self, msg: RecordedMessage) -> None:
        guild = self.guilds.get(msg.guild_id) if msg.guild_id is not None else None
        replied: int | None = None
        ref = msg.message_reference
        if ref and ref.get("message_id") and int(ref["message_id"]) in self._messages:
            replied = self._messages[int(ref["message_id"])].author_id
        mentions = resolve_mentions(
            msg.content,
            msg.allowed_mentions,
            known_roles=set(guild.roles) - {guild.id} if guild else set(),
            known_users=set(self.users),
            replied_user_id=replied,
        )
        msg.set_mentions(mentions)

    def _new_message(
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
            webhook_id=self.application_id if interaction else None,
            message_reference=payload.get("message_reference"),
        )
        if msg.message_reference and type == 0:
            msg.type = 19
        self._apply_payload(msg, payload, files, create=True)
        if not allow_empty:
            self._ensure_not_empty(msg)
        self._messages[msg.id] = msg
        channel.last_message_id = msg.id
        return msg

    async def _announce_message(self, msg: RecordedMessage, *, edit: bool = False) -> None:
        kind: EventKind = "message_edit" if edit else "message_create"
        by_bot = msg.author_id == self.bot_user.id
        self._emit(
            EmulatorEvent(kind, by_bot, msg.guild_id, msg.channel_id, msg.author_id, message=msg)
        )
        if not msg.ephemeral and not msg.loading:
            event = "MESSAGE_UPDATE" if edit else "MESSAGE_CREATE"
            await self.gateway.dispatch(event, self._message_json(msg))

    # ================================================================= REST: channels
    def _get_channel_or_404(self, call: _Call) -> EmuChannel:
        channel = self.channels.get(int(call.params["channel_id"]))
        if channel is None:
            raise _unknown("Channel", 10003)
        return channel

    def _get_message_or_404(self, call: _Call, channel: EmuChannel) -> RecordedMessage:
        msg = self._messages.get(int(call.params["message_id"]))
        if msg is None or msg.deleted or msg.ephemeral or msg.channel_id != channel.id:
            raise _unknown("Message", 10008)
        return msg

    async def _get_channel(self, call: _Call) -> tuple[int, Any]:
        return 200, self._channel_json(self._get_channel_or_404(call))

    async def _typing(self, call: _Call) -> tuple[int, Any]:
        self._get_channel_or_404(call)
        return 204, None

    async def _list_messages(self, call: _Call) -> tuple[int, Any]:
        channel = self._get_channel_or_404(call)
        limit = min(int(call.query.get("limit", 50)), 100)
        msgs = [m for m in self.messages_in(channel.id) if not m.ephemeral]
        if "before" in call.query:
            msgs = [m for m in msgs if m.id < int(call.query["before"])]
        if "after" in call.query:
            msgs = [m for m in msgs if m.id > int(call.query["after"])][:limit]
        msgs = sorted(msgs, key=lambda m: m.id, reverse=True)[:limit]
        return 200, [self._message_json(m) for m in msgs]

    async def _post_message(self, call: _Call) -> tuple[int, Any]:
        channel = self._get_channel_or_404(call)
        payload = call.json or {}
        if channel.is_dm:
            assert channel.recipient_id is not None
            recipient = self.users[channel.recipient_id]
            if recipient.dms_closed or recipient.bot:
                raise ApiError(403, 50007, "Cannot send messages to this user")
        ref = payload.get("message_reference")
        if ref and ref.get("fail_if_not_exists", True):
            target = self._messages.get(int(ref.get("message_id", 0)))
            if target is None or target.deleted:
                raise _invalid_form("message_reference", "Unknown message")
        nonce = payload.get("nonce")
        if nonce is not None and payload.get("enforce_nonce"):
            # Discord: a repeat of a nonce from the same author within a few minutes returns
            # the message created the first time instead of creating another.
            horizon = datetime.now(UTC) - NONCE_WINDOW
            for earlier in self.messages_in(channel.id):
                first = earlier.history[0] if earlier.history else {}
                if (
                    earlier.author_id == self.bot_user.id
                    and earlier.created_at >= horizon
                    and str(first.get("nonce")) == str(nonce)
                ):
                    return 200, self._message_json(earlier)
        msg = self._new_message(channel, self.bot_user.id, payload, call.files)
        await self._announce_message(msg)
        return 200, self._message_json(msg)

    async def _get_message(self, call: _Call) -> tuple[int, Any]:
        channel = self._get_channel_or_404(call)
        return 200, self._message_json(self._get_message_or_404(call, channel))

    async def _edit_message(self, call: _Call) -> tuple[int, Any]:
        channel = self._get_channel_or_404(call)
        msg = self._get_message_or_404(call, channel)
        if msg.author_id != self.bot_user.id:
            raise ApiError(403, 50005, "Cannot edit a message authored by another user")
        self._apply_payload(msg, call.json or {}, call.files, create=False)
        await self._announce_message(msg, edit=True)
        return 200, self._message_json(msg)

    async def _delete_message(self, call: _Call) -> tuple[int, Any]:
        channel = self._get_channel_or_404(call)
        msg = self._get_message_or_404(call, channel)
        await self._mark_deleted(msg)
        return 204, None

    async def _mark_deleted(self, msg: RecordedMessage) -> None:
        msg.deleted = True
        self._emit(
            EmulatorEvent(
                "message_delete", True, msg.guild_id, msg.channel_id, msg.author_id, message=msg
            )
        )
        if not msg.ephemeral:
            data: JSON = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if msg.guild_id is not None:
                data["guild_id"] = str(msg.guild_id)
            await self.gateway.dispatch("MESSAGE_DELETE", data)

    async def _add_reaction(self, call: _Call) -> tuple[int, Any]:
        channel = self._get_channel_or_404(call)
        self._get_message_or_404(call, channel)
        return 204, None

    async def _create_dm(self, call: _Call) -> tuple[int, Any]:
        recipient_id = int((call.json or {}).get("recipient_id", 0))
        user = self.users.get(recipient_id)
        if user is None:
            raise _invalid_form("recipient_id", "Unknown user")
        channel = self._ensure_dm_channel(user.id)
        self._emit(EmulatorEvent("dm_channel", True, None, channel.id, user.id))
        return 200, self._channel_json(channel)

    def _ensure_dm_channel(self, user_id: int) -> EmuChannel:
        cid = self._dm_channels.get(user_id)
        if cid is None:
            channel = EmuChannel(new_snowflake(), "", type=1, recipient_id=user_id)
            self.channels[channel.id] = channel
            self._dm_channels[user_id] = channel.id
            return channel
        return self.channels[cid]

    # ================================================================= REST: guilds
    def _guild_or_404(self, call: _Call) -> EmuGuild:
        guild = self.guilds.get(int(call.params["guild_id"]))
        if guild is None:
            raise _unknown("Guild", 10004)
        return guild

    def _member_or_404(self, call: _Call, guild: EmuGuild) -> EmuMember:
        member = guild.members.get(int(call.params["user_id"]))
        if member is None:
            raise _unknown("Member", 10007)
        return member

    async def _get_guild(self, call: _Call) -> tuple[int, Any]:
        guild = self._guild_or_404(call)
        data = self._guild_json(guild, full=False)
        if call.query.get("with_counts") in ("true", "1"):
            data["approximate_member_count"] = len(guild.members)
            data["approximate_presence_count"] = 0
        return 200, data

    async def _get_guild_channels(self, call: _Call) -> tuple[int, Any]:
        guild = self._guild_or_404(call)
        return 200, [self._channel_json(c) for c in guild.channels.values()]

    async def _create_guild_channel(self, call: _Call) -> tuple[int, Any]:
        guild = self._guild_or_404(call)
        body = call.json or {}
        channel = self.add_channel(
            guild.id,
            body["name"],
            type=int(body.get("type") or 0),
            topic=body.get("topic"),
            parent_id=body.get("parent_id"),
        )
        data = self._channel_json(channel)
        await self.gateway.dispatch("CHANNEL_CREATE", data)
        return 201, data

    async def _get_roles(self, call: _Call) -> tuple[int, Any]:
        guild = self._guild_or_404(call)
        return 200, [r.to_json() for r in guild.roles.values()]

    async def _create_role(self, call: _Call) -> tuple[int, Any]:
        guild = self._guild_or_404(call)
        body = call.json or {}
        role = self.add_role(
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

    async def _list_members(self, call: _Call) -> tuple[int, Any]:
        guild = self._guild_or_404(call)
        limit = min(int(call.query.get("limit", 1)), 1000)
        after = int(call.query.get("after", 0))
        members = sorted(
            (m for m in guild.members.values() if m.user_id > after), key=lambda m: m.user_id
        )
        return 200, [self._member_json(m) for m in members[:limit]]

    async def _get_member(self, call: _Call) -> tuple[int, Any]:
        guild = self._guild_or_404(call)
        return 200, self._member_json(self._member_or_404(call, guild))

    def _check_role_manageable(self, guild: EmuGuild, role_id: int) -> EmuRole:
        role = guild.roles.get(role_id)
        if role is None:
            raise _unknown("Role", 10011)
        bot_member = guild.members[self.bot_user.id]
        top = max(
            (guild.roles[r].position for r in bot_member.roles if r in guild.roles), default=0
        )
        perms = self._permissions(guild, self.bot_user.id)
        if role.managed or role.id == guild.id or role.position >= top or not perms & (1 << 28):
            raise ApiError(403, 50013, "Missing Permissions")
        return role

    async def _member_updated(self, guild: EmuGuild, member: EmuMember) -> None:
        data = self._member_json(member)
        data["guild_id"] = str(guild.id)
        await self.gateway.dispatch("GUILD_MEMBER_UPDATE", data)

    async def _add_member_role(self, call: _Call) -> tuple[int, Any]:
        guild = self._guild_or_404(call)
        member = self._member_or_404(call, guild)
        role = self._check_role_manageable(guild, int(call.params["role_id"]))
        if role.id not in member.roles:
            member.roles.append(role.id)
            await self._member_updated(guild, member)
        self._emit(EmulatorEvent("role_add", True, guild.id, None, member.user_id, role_id=role.id))
        return 204, None

    async def _remove_member_role(self, call: _Call) -> tuple[int, Any]:
        guild = self._guild_or_404(call)
        member = self._member_or_404(call, guild)
        role = self._check_role_manageable(guild, int(call.params["role_id"]))
        if role.id in member.roles:
            member.roles.remove(role.id)
            await self._member_updated(guild, member)
        self._emit(
            EmulatorEvent("role_remove", True, guild.id, None, member.user_id, role_id=role.id)
        )
        return 204, None

    async def _edit_member(self, call: _Call) -> tuple[int, Any]:
        guild = self._guild_or_404(call)
        member = self._member_or_404(call, guild)
        body = call.json or {}
        if "roles" in body:
            new = [int(r) for r in body["roles"] or []]
            for rid in set(new) ^ set(member.roles):
                self._check_role_manageable(guild, rid)
            member.roles = new
        if "nick" in body:
            member.nick = body["nick"]
        await self._member_updated(guild, member)
        self._emit(EmulatorEvent("member_update", True, guild.id, None, member.user_id))
        return 200, self._member_json(member)

    async def _kick_member(self, call: _Call) -> tuple[int, Any]:
        guild = self._guild_or_404(call)
        member = self._member_or_404(call, guild)
        await self._remove_member(guild, member.user_id, by_bot=True)
        return 204, None

    # ================================================================= REST: interactions
    def _interaction_for_callback(self, call: _Call) -> RecordedInteraction:
        it = self._interactions_by_id.get(int(call.params["interaction_id"]))
        if it is None or it.token != call.params["interaction_token"]:
            raise _unknown("interaction", 10062)
        return it

    def _interaction_for_webhook(self, call: _Call) -> RecordedInteraction:
        it = self._interactions_by_token.get(call.params["interaction_token"])
        if (
            int(call.params["application_id"]) != self.application_id
            or it is None
            or not it.callbacks
        ):
            raise _unknown("Webhook", 10015)
        return it

    async def _interaction_callback(self, call: _Call) -> tuple[int, Any]:
        it = self._interaction_for_callback(call)
        if it.callbacks:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        body = call.json or {}
        ctype = int(body.get("type", 0))
        data: JSON = body.get("data") or {}
        is_component = it.source_message_id is not None
        allowed = {
            2: {4, 5, 9},
            3: {4, 5, 6, 7, 9},
            4: {8},
            5: {4, 5} | ({6, 7} if is_component else set()),
        }
        if ctype not in allowed.get(it.type, set()):
            raise _invalid_form("type", f"Interaction callback type {ctype} is invalid here")
        if ctype == 9:
            self._validate_modal(data)
        if ctype == 8 and len(data.get("choices") or []) > 25:
            raise _invalid_form("data.choices", "Must be 25 or fewer in length.")
        channel = self.channels[it.channel_id]
        resource: JSON = {"type": ctype}
        interaction_info: JSON = {"id": str(it.id), "type": it.type}
        message: RecordedMessage | None = None
        if ctype in (4, 5):
            flags = int(data.get("flags") or 0)
            eph = flags & EPHEMERAL
            msg_type = 20 if it.type == 2 else 0
            if ctype == 4:
                message = self._new_message(
                    channel,
                    self.bot_user.id,
                    data,
                    call.files,
                    flags=eph,
                    type=msg_type,
                    interaction=it,
                )
            else:
                message = self._new_message(
                    channel,
                    self.bot_user.id,
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
                resource["message"] = self._message_json(message)
        elif ctype in (6, 7):
            it.original_message_id = it.source_message_id
            if ctype == 7:
                assert it.source_message_id is not None
                message = self._messages[it.source_message_id]
                self._apply_payload(message, data, call.files, create=False)
                it.source_updated = True
                resource["message"] = self._message_json(message)
        it.callbacks.append(InteractionCallback(ctype, data))
        it.responded_at = time.monotonic()
        self._emit(
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
            await self._announce_message(message, edit=ctype == 7)
        return 200, {"interaction": interaction_info, "resource": resource}

    def _validate_modal(self, data: JSON) -> None:
        if not data.get("custom_id") or len(data["custom_id"]) > 100:
            raise _invalid_form("data.custom_id", "Must be between 1 and 100 in length.")
        if not 1 <= len(data.get("title") or "") <= 45:
            raise _invalid_form("data.title", "Must be between 1 and 45 in length.")
        components = data.get("components") or []
        if not 1 <= len(components) <= 5:
            raise _invalid_form("data.components", "Must be between 1 and 5 in length.")
        for c in iter_components(components):
            if c.get("type") in (4, 18) and len(c.get("label") or "") > 45:
                raise _invalid_form("data.components", "Label must be 45 or fewer in length.")

    def _webhook_message(self, call: _Call, it: RecordedInteraction) -> RecordedMessage:
        mid = call.params.get("message_id")
        if mid is None:
            if it.original_message_id is None:
                raise _unknown("Message", 10008)
            msg = self._messages[it.original_message_id]
        else:
            found = self._messages.get(int(mid))
            if found is None or (
                found.id not in it.followup_ids and found.id != it.original_message_id
            ):
                raise _unknown("Message", 10008)
            msg = found
        if msg.deleted:
            raise _unknown("Message", 10008)
        return msg

    async def _post_followup(self, call: _Call) -> tuple[int, Any]:
        it = self._interaction_for_webhook(call)
        payload = call.json or {}
        original = it.original
        if original is not None and original.loading and original.interaction_id == it.id:
            # The first follow-up after a "thinking" defer becomes the deferred response.
            original.flags &= ~LOADING
            self._apply_payload(original, payload, call.files, create=False)
            original.edited_at = None
            self._ensure_not_empty(original)
            msg = original
            await self._announce_message(msg)
        else:
            flags = int(payload.get("flags") or 0) & EPHEMERAL
            channel = self.channels[it.channel_id]
            msg = self._new_message(
                channel, self.bot_user.id, payload, call.files, flags=flags, interaction=it
            )
            it.followup_ids.append(msg.id)
            await self._announce_message(msg)
        if call.query.get("wait", "false").lower() in ("true", "1"):
            return 200, self._message_json(msg)
        return 204, None

    async def _get_webhook_message(self, call: _Call) -> tuple[int, Any]:
        it = self._interaction_for_webhook(call)
        return 200, self._message_json(self._webhook_message(call, it))

    async def _edit_webhook_message(self, call: _Call) -> tuple[int, Any]:
        it = self._interaction_for_webhook(call)
        msg = self._webhook_message(call, it)
        was_loading = msg.loading
        msg.flags &= ~LOADING
        self._apply_payload(msg, call.json or {}, call.files, create=False)
        if was_loading:
            msg.edited_at = None
            self._ensure_not_empty(msg)
        if msg.id == it.source_message_id:
            it.source_updated = True
        await self._announce_message(msg, edit=not was_loading)
        return 200, self._message_json(msg)

    async def _delete_webhook_message(self, call: _Call) -> tuple[int, Any]:
        it = self._interaction_for_webhook(call)
        await self._mark_deleted(self._webhook_message(call, it))
        return 204, None

    # ================================================================= gateway hooks
    async def _on_identify(self, session: GatewaySession) -> None:
        me = self.bot_user.to_json()
        me.update({"verified": True, "mfa_enabled": False, "email": None})
        ready: JSON = {
            "v": 10,
            "user": me,
            "guilds": [{"id": str(g), "unavailable": True} for g in self.guilds],
            "session_id": session.id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_gateway_url,
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "_trace": ["emulator"],
        }
        events: list[tuple[str, JSON]] = [("READY", ready)]
        events += [("GUILD_CREATE", self._guild_json(g, full=True)) for g in self.guilds.values()]
        await self.gateway.send_ready_sequence(session, events)
        self._ready_count += 1

    async def _on_request_members(self, session: GatewaySession, data: JSON) -> None:
        guild = self.guilds.get(int(data.get("guild_id", 0)))
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
            members = [m for m in members if self.users[m.user_id].username.lower().startswith(q)]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": [self._member_json(m) for m in members],
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

    # ================================================================= user actions
    def _require_session(self) -> None:
        if self.gateway.current is None or self.gateway.current.invalid:
            raise RuntimeError(
                "the bot has no gateway session; start it and await wait_until_ready()"
            )

    def _actor_json(self, guild: EmuGuild | None, user_id: int) -> JSON:
        if guild is None:
            return {"user": self.users[user_id].to_json()}
        member = guild.members.get(user_id)
        if member is None:
            raise ValueError(f"user {user_id} is not a member of guild {guild.id}")
        data = self._member_json(member)
        data["permissions"] = str(self._permissions(guild, user_id))
        return {"member": data}

    async def _send_interaction(
        self,
        *,
        itype: int,
        data: JSON,
        guild_id: int | None,
        user_id: int,
        channel_id: int | None,
        source: RecordedMessage | None = None,
        kind: EventKind,
        detail: str,
        settle_since: float = 0.0,
    ) -> RecordedInteraction:
        self._require_session()
        if settle_since:
            await asyncio.sleep(max(0.0, settle_since + self.reaction_delay - time.monotonic()))
        guild = self.guilds[guild_id] if guild_id is not None else None
        if channel_id is None:
            if guild is not None:
                texts = guild.text_channels()
                if not texts:
                    raise ValueError(f"guild {guild_id} has no text channel to invoke from")
                channel = texts[0]
            else:
                channel = self._ensure_dm_channel(user_id)
        else:
            channel = self.channel(channel_id)
        iid = new_snowflake()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        channel_json = self._channel_json(channel)
        payload: JSON = {
            "id": str(iid),
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "channel_id": str(channel.id),
            "channel": channel_json,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            **self._actor_json(guild, user_id),
        }
        if guild is not None:
            payload["guild_id"] = str(guild.id)
            payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["app_permissions"] = str(self._permissions(guild, self.bot_user.id))
            channel_json["permissions"] = payload["member"]["permissions"]
            payload["authorizing_integration_owners"] = {"0": str(guild.id)}
            payload["context"] = 0
        else:
            payload["app_permissions"] = str(ALL_PERMISSIONS & ~ADMINISTRATOR)
            payload["authorizing_integration_owners"] = {"0": "0"}
            payload["context"] = 1
        if source is not None:
            payload["message"] = self._message_json(source)
        it = RecordedInteraction(
            id=iid,
            token=token,
            type=itype,
            payload=payload,
            guild_id=guild_id,
            channel_id=channel.id,
            user_id=user_id,
            source_message_id=source.id if source is not None else None,
            _emulator=self,
        )
        self.interactions.append(it)
        self._interactions_by_id[iid] = it
        self._interactions_by_token[token] = it
        self._emit(
            EmulatorEvent(kind, False, guild_id, channel.id, user_id, interaction=it, detail=detail)
        )
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return it

    def _find_command(self, guild_id: int | None, name: str, ctype: int) -> JSON:
        pools = ([self.commands(guild_id)] if guild_id is not None else []) + [self.commands(None)]
        for pool in pools:
            for cmd in pool:
                if cmd["name"] == name and int(cmd["type"]) == ctype:
                    return cmd
        raise KeyError(f"no command {name!r} (type {ctype}) is registered for guild {guild_id}")

    async def invoke_command(
        self,
        guild_id: IdLike | None,
        user_id: IdLike,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        channel_id: IdLike | None = None,
        focused: str | None = None,
    ) -> RecordedInteraction:
        """Run a slash command as ``user_id``: ``"about"`` or ``"group sub"``/``"group sub sub"``.

        ``options`` maps option names to values; users, members, roles and channels may be
        given as ids or emulator objects (they are resolved into ``data.resolved``), attachments
        as ``(filename, bytes)``. With ``focused`` this sends an autocomplete interaction instead.
        """
        gid = None if guild_id is None else _id(guild_id)
        uid = _id(user_id)
        words = command.split()
        cmd = self._find_command(gid, words[0], 1)
        resolved: JSON = {}
        leaf_defs: list[JSON] = cmd.get("options") or []
        path_options: list[JSON] = []
        holder = path_options
        for word in words[1:]:
            found = next(
                (o for o in leaf_defs if o["name"] == word and int(o["type"]) in (1, 2)), None
            )
            if found is None:
                raise KeyError(f"command {command!r}: no subcommand or group {word!r}")
            node: JSON = {"name": word, "type": int(found["type"]), "options": []}
            holder.append(node)
            holder = node["options"]
            leaf_defs = found.get("options") or []
        if any(int(o["type"]) in (1, 2) for o in leaf_defs):
            raise KeyError(f"command {command!r} needs a subcommand")
        holder.extend(self._build_options(gid, leaf_defs, options or {}, resolved, focused))
        data: JSON = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 1,
            "options": path_options,
        }
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        if resolved:
            data["resolved"] = resolved
        kind: EventKind = "autocomplete" if focused else "command"
        itype = 4 if focused else 2

        return await self._send_interaction(
            itype=itype,
            data=data,
            guild_id=gid,
            user_id=uid,
            channel_id=None if channel_id is None else _id(channel_id),
            kind=kind,
            detail="/" + command + "".join(f" {k}:{v}" for k, v in (options or {}).items()),
        )

    async def autocomplete(
        self,
        guild_id: IdLike | None,
        user_id: IdLike,
        command: str,
        options: dict[str, Any],
        focused: str,
        *,
        channel_id: IdLike | None = None,
    ) -> RecordedInteraction:
        """An autocomplete interaction with ``focused`` being typed; answer is a type 8."""
        return await self.invoke_command(
            guild_id, user_id, command, options, channel_id=channel_id, focused=focused
        )

    async def invoke_context_menu(
        self,
        guild_id: IdLike | None,
        user_id: IdLike,
        name: str,
        target: IdLike | RecordedMessage,
        *,
        channel_id: IdLike | None = None,
    ) -> RecordedInteraction:
        """A user (target is a user) or message (target is a RecordedMessage) context menu."""
        gid = None if guild_id is None else _id(guild_id)
        resolved: JSON = {}
        if isinstance(target, RecordedMessage):
            cmd = self._find_command(gid, name, 3)
            resolved["messages"] = {str(target.id): self._message_json(target)}
            target_id = target.id
            channel_id = channel_id if channel_id is not None else target.channel_id
        else:
            cmd = self._find_command(gid, name, 2)
            target_id = _id(target)
            self._resolve_user(gid, target_id, resolved)
        data: JSON = {
            "id": cmd["id"],
            "name": name,
            "type": int(cmd["type"]),
            "target_id": str(target_id),
            "resolved": resolved,
        }
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        return await self._send_interaction(
            itype=2,
            data=data,
            guild_id=gid,
            user_id=_id(user_id),
            channel_id=None if channel_id is None else _id(channel_id),
            kind="command",
            detail=f"{name} on {target_id}",
        )

    def _resolve_user(self, guild_id: int | None, user_id: int, resolved: JSON) -> None:
        user = self.users.get(user_id)
        if user is None:
            raise KeyError(f"no user {user_id}")
        resolved.setdefault("users", {})[str(user_id)] = user.to_json()
        guild = self.guilds.get(guild_id) if guild_id is not None else None
        if guild is not None and user_id in guild.members:
            member = self._member_json(guild.members[user_id], with_user=False)
            member["permissions"] = str(self._permissions(guild, user_id))
            resolved.setdefault("members", {})[str(user_id)] = member

    def _resolve_role(self, guild_id: int | None, role_id: int, resolved: JSON) -> None:
        guild = self.guilds.get(guild_id) if guild_id is not None else None
        if guild is None or role_id not in guild.roles:
            raise KeyError(f"no role {role_id} in guild {guild_id}")
        resolved.setdefault("roles", {})[str(role_id)] = guild.roles[role_id].to_json()

    def _resolve_channel(self, guild_id: int | None, channel_id: int, resolved: JSON) -> None:
        channel = self.channel(channel_id)
        data = {
            k: v
            for k, v in self._channel_json(channel).items()
            if k in ("id", "name", "type", "parent_id")
        }
        data["permissions"] = str(ALL_PERMISSIONS)
        resolved.setdefault("channels", {})[str(channel_id)] = data

    def _build_options(
        self,
        guild_id: int | None,
        defs: list[JSON],
        values: dict[str, Any],
        resolved: JSON,
        focused: str | None,
    ) -> list[JSON]:
        by_name = {o["name"]: o for o in defs}
        unknown = set(values) - set(by_name)
        if unknown:
            raise KeyError(f"unknown options {sorted(unknown)}; the command has {sorted(by_name)}")
        missing = [o["name"] for o in defs if o.get("required") and o["name"] not in values]
        if missing and focused is None:
            raise ValueError(f"missing required options {missing}")
        out: list[JSON] = []
        for name, value in values.items():
            spec = by_name[name]
            otype = int(spec["type"])
            entry: JSON = {"name": name, "type": otype}
            if name == focused:
                entry["value"] = str(value)
                entry["focused"] = True
                out.append(entry)
                continue
            if otype == 3:
                entry["value"] = str(value)
            elif otype == 4:
                entry["value"] = int(value)
            elif otype == 10:
                entry["value"] = float(value)
            elif otype == 5:
                entry["value"] = bool(value)
            elif otype == 6:
                self._resolve_user(guild_id, _id(value), resolved)
                entry["value"] = str(_id(value))
            elif otype == 7:
                self._resolve_channel(guild_id, _id(value), resolved)
                entry["value"] = str(_id(value))
            elif otype == 8:
                self._resolve_role(guild_id, _id(value), resolved)
                entry["value"] = str(_id(value))
            elif otype == 9:
                vid = _id(value)
                if isinstance(value, EmuRole) or (
                    guild_id in self.guilds and vid in self.guilds[guild_id].roles
                ):
                    self._resolve_role(guild_id, vid, resolved)
                else:
                    self._resolve_user(guild_id, vid, resolved)
                entry["value"] = str(vid)
            elif otype == 11:
                filename, raw = value
                att = RecordedAttachment(new_snowflake(), filename, bytes(raw))
                att.url = f"{self.base_url}/attachments/{att.id}/{filename}"
                self._attachments[att.id] = att
                resolved.setdefault("attachments", {})[str(att.id)] = att.to_json()
                entry["value"] = str(att.id)
            else:
                raise ValueError(f"option {name!r} has unsupported type {otype}")
            choices = spec.get("choices")
            if choices and entry["value"] not in [c["value"] for c in choices]:
                raise ValueError(f"{entry['value']!r} is not a choice of option {name!r}")
            out.append(entry)
        return out

    def _check_visible(self, message: RecordedMessage, user_id: int) -> RecordedMessage:
        current = self._messages.get(message.id)
        if current is None or current.deleted:
            raise ValueError(f"message {message.id} does not exist (deleted?)")
        if current.ephemeral:
            owner = self._interactions_by_id.get(current.interaction_id or 0)
            if owner is None or owner.user_id != user_id:
                raise ValueError(f"user {user_id} cannot see ephemeral message {message.id}")
        return current

    async def press_button(
        self, guild_id: IdLike | None, user_id: IdLike, message: RecordedMessage, custom_id: str
    ) -> RecordedInteraction:
        """Click the button ``custom_id`` on ``message`` (as it is now) as ``user_id``."""
        uid = _id(user_id)
        msg = self._check_visible(message, uid)
        component = msg.find_component(custom_id)
        if component.get("type") != 2:
            raise ValueError(f"{custom_id!r} is not a button (type {component.get('type')})")
        if component.get("disabled"):
            raise ValueError(f"button {custom_id!r} is disabled")
        data: JSON = {"custom_id": custom_id, "component_type": 2}
        return await self._send_interaction(
            itype=3,
            data=data,
            guild_id=None if guild_id is None else _id(guild_id),
            user_id=uid,
            channel_id=msg.channel_id,
            source=msg,
            settle_since=msg.touched_at,
            kind="component",
            detail=f"pressed {component.get('label') or custom_id!r}",
        )

    async def choose(
        self,
        guild_id: IdLike | None,
        user_id: IdLike,
        message: RecordedMessage,
        custom_id: str,
        values: Sequence[Any],
    ) -> RecordedInteraction:
        """Pick ``values`` in the select menu ``custom_id`` on ``message`` as ``user_id``.

        String selects take option values; user/role/mentionable/channel selects take ids.
        """
        uid = _id(user_id)
        gid = None if guild_id is None else _id(guild_id)
        msg = self._check_visible(message, uid)
        component = msg.find_component(custom_id)
        ctype = int(component.get("type", 0))
        if ctype not in (3, 5, 6, 7, 8):
            raise ValueError(f"{custom_id!r} is not a select menu (type {ctype})")
        if component.get("disabled"):
            raise ValueError(f"select {custom_id!r} is disabled")
        data: JSON = {"custom_id": custom_id, "component_type": ctype}
        data.update(self._select_values(gid, component, values))
        return await self._send_interaction(
            itype=3,
            data=data,
            guild_id=gid,
            user_id=uid,
            channel_id=msg.channel_id,
            source=msg,
            settle_since=msg.touched_at,
            kind="component",
            detail=f"chose {list(values)} in {custom_id!r}",
        )

    def _select_values(self, guild_id: int | None, component: JSON, values: Sequence[Any]) -> JSON:
        ctype = int(component["type"])
        lo = int(component.get("min_values", 1))
        hi = int(component.get("max_values", 1))
        if not lo <= len(values) <= hi:
            raise ValueError(f"select {component.get('custom_id')!r} takes {lo}..{hi} values")
        out: JSON = {}
        if ctype == 3:
            allowed = [o["value"] for o in component.get("options") or []]
            for v in values:
                if v not in allowed:
                    raise ValueError(f"{v!r} is not an option of {component.get('custom_id')!r}")
            out["values"] = [str(v) for v in values]
            return out
        resolved: JSON = {}
        ids = [_id(v) for v in values]
        for vid, v in zip(ids, values, strict=True):
            if ctype == 5:
                self._resolve_user(guild_id, vid, resolved)
            elif ctype == 6:
                self._resolve_role(guild_id, vid, resolved)
            elif ctype == 8:
                self._resolve_channel(guild_id, vid, resolved)
            elif isinstance(v, EmuRole) or (
                guild_id in self.guilds and vid in self.guilds[guild_id].roles
            ):
                self._resolve_role(guild_id, vid, resolved)
            else:
                self._resolve_user(guild_id, vid, resolved)
        out["values"] = [str(i) for i in ids]
        out["resolved"] = resolved
        return out

    async def submit_modal(
        self, it: RecordedInteraction, values: dict[str, Any], *, user_id: IdLike | None = None
    ) -> RecordedInteraction:
        """Fill in and submit the modal that ``it`` was answered with.

        ``values`` maps custom_ids to a str (text input, radio), a list (selects, checkbox
        groups) or a bool (checkbox). Text inputs left out get their default (or "").
        """
        modal = it.modal
        if modal is None:
            raise ValueError(f"interaction {it.id} was not answered with a modal")
        uid = it.user_id if user_id is None else _id(user_id)
        remaining = dict(values)
        resolved: JSON = {}
        components = [
            self._modal_answer(it.guild_id, c, remaining, resolved)
            for c in modal.get("components") or []
        ]
        if remaining:
            raise KeyError(f"modal {modal['custom_id']!r} has no inputs {sorted(remaining)}")
        data: JSON = {"custom_id": modal["custom_id"], "components": components}
        if resolved:
            data["resolved"] = resolved
        source = self._messages.get(it.source_message_id) if it.source_message_id else None
        return await self._send_interaction(
            itype=5,
            data=data,
            guild_id=it.guild_id,
            user_id=uid,
            channel_id=it.channel_id,
            source=source,
            settle_since=it.responded_at,
            kind="modal_submit",
            detail=f"submitted {modal.get('title')!r}: {values}",
        )

    def _modal_answer(
        self, guild_id: int | None, component: JSON, values: dict[str, Any], resolved: JSON
    ) -> JSON:
        ctype = int(component.get("type", 0))
        out: JSON = {"type": ctype}
        if "id" in component:
            out["id"] = component["id"]
        if ctype == 1:
            out["components"] = [
                self._modal_answer(guild_id, c, values, resolved)
                for c in component.get("components") or []
            ]
            return out
        if ctype == 18:
            out["component"] = self._modal_answer(
                guild_id, component["component"], values, resolved
            )
            return out
        custom_id = component.get("custom_id")
        if custom_id is None:  # text display and other non-inputs
            return out
        out["custom_id"] = custom_id
        given = values.pop(custom_id, None)
        required = component.get("required", True)
        if ctype == 4:
            text = str(given) if given is not None else str(component.get("value") or "")
            if required and not text:
                raise ValueError(f"text input {custom_id!r} is required")
            lo, hi = int(component.get("min_length", 0)), int(component.get("max_length", 4000))
            if text and not lo <= len(text) <= hi:
                raise ValueError(f"text input {custom_id!r} takes {lo}..{hi} characters")
            out["value"] = text
        elif ctype in (3, 5, 6, 7, 8):
            chosen = list(given) if given is not None else []
            spec = dict(component)
            if not required:
                spec.setdefault("min_values", 0)
            out.update(self._select_values(guild_id, spec, chosen))
            for key, part in out.pop("resolved", {}).items():
                resolved.setdefault(key, {}).update(part)
        elif ctype == 21:
            out["value"] = None if given is None else str(given)
        elif ctype == 22:
            out["values"] = [str(v) for v in given or []]
        elif ctype == 23:
            out["value"] = bool(given)
        else:
            raise ValueError(f"modal component type {ctype} is not supported by the emulator")
        return out

    async def member_join(
        self, guild_id: IdLike, user_id: IdLike, *, roles: Iterable[IdLike] = ()
    ) -> EmuMember:
        """The user joins: state updated and GUILD_MEMBER_ADD dispatched."""
        guild = self.guild(guild_id)
        member = self.add_member(guild.id, user_id, roles=roles)
        data = self._member_json(member)
        data["guild_id"] = str(guild.id)
        self._emit(EmulatorEvent("member_join", False, guild.id, None, member.user_id))
        await self.gateway.dispatch("GUILD_MEMBER_ADD", data)
        return member

    async def member_leave(self, guild_id: IdLike, user_id: IdLike) -> None:
        """The user leaves: state updated and GUILD_MEMBER_REMOVE dispatched."""
        await self._remove_member(self.guild(guild_id), _id(user_id), by_bot=False)

    async def _remove_member(self, guild: EmuGuild, user_id: int, *, by_bot: bool) -> None:
        if guild.members.pop(user_id, None) is None:
            raise KeyError(f"user {user_id} is not a member of guild {guild.id}")
        self._emit(EmulatorEvent("member_leave", by_bot, guild.id, None, user_id))
        await self.gateway.dispatch(
            "GUILD_MEMBER_REMOVE",
            {"guild_id": str(guild.id), "user": self.users[user_id].to_json()},
        )

    async def set_member_roles(
        self, guild_id: IdLike, user_id: IdLike, roles: Iterable[IdLike]
    ) -> None:
        """Someone other than the bot changes a member's roles: GUILD_MEMBER_UPDATE."""
        guild = self.guild(guild_id)
        member = self.member(guild.id, user_id)
        member.roles = [_id(r) for r in roles]
        self._emit(EmulatorEvent("member_update", False, guild.id, None, member.user_id))
        await self._member_updated(guild, member)

    async def post_message(
        self, channel_id: IdLike, user_id: IdLike, content: str, *, embeds: list[JSON] | None = None
    ) -> RecordedMessage:
        """A user posts in a channel (or their DM with the bot): MESSAGE_CREATE dispatched."""
        channel = self.channel(channel_id)
        payload: JSON = {"content": content, "embeds": embeds or []}
        msg = self._new_message(channel, _id(user_id), payload, [])
        self._emit(
            EmulatorEvent(
                "user_message", False, msg.guild_id, msg.channel_id, msg.author_id, message=msg
            )
        )
        data = self._message_json(msg)
        if channel.guild_id is not None:
            member = self.guilds[channel.guild_id].members.get(msg.author_id)
            if member is not None:
                data["member"] = self._member_json(member, with_user=False)
        await self.gateway.dispatch("MESSAGE_CREATE", data)
        return msg
