"""``DiscordEmulator``: the one object tests, the demo and the benchmarks hold.

It builds the world, starts the HTTP and gateway server on 127.0.0.1, plays users' actions,
injects faults, and exposes everything that was recorded. The work is done elsewhere:
``state.World`` (what exists), ``gateway`` (sessions and sockets), ``guild_sync`` (READY,
GUILD_CREATE, member chunks), ``http`` + ``rest/`` (the REST API, one module per resource),
``messages`` (message payloads) and ``actions`` (interactions a user sends).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Concatenate, Generic, Never, ParamSpec, Self, TypeVar, overload

from aiohttp import web

from emulator.actions import Actions
from emulator.gateway import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_PRESENCES,
    INTENT_MESSAGE_CONTENT,
    Gateway,
)
from emulator.guild_sync import GuildSync
from emulator.http import API_PREFIX, InvalidBody, RestServer
from emulator.messages import Messages
from emulator.models import (
    JSON,
    EmulatorEvent,
    EmuMember,
    EmuScheduledEvent,
    RecordedInteraction,
    RecordedMessage,
    RecordedRequest,
    new_snowflake,
)
from emulator.openapi import default_validator
from emulator.patch import point_discord_at
from emulator.ratelimit import RateLimiter, RateLimitPolicy
from emulator.rest import Context
from emulator.rest.guilds import dispatch_member_update, remove_member
from emulator.rest.scheduled_events import dispatch_event, set_interest
from emulator.state import IdLike, World, to_id

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
Part = TypeVar("Part")


class Forwarded(Generic[Part, P, R]):
    """A facade method that is a method of one of its parts (``world``, ``actions``): the
    part's signature, docstring and behaviour, written once, there."""

    def __init__(self, part: str, method: Callable[Concatenate[Part, P], R]) -> None:
        self.part = part
        self.method = method
        self.__doc__ = method.__doc__

    @overload
    def __get__(self, emulator: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, emulator: object, owner: type[Any] | None = None) -> Callable[P, R]: ...

    def __get__(
        self, emulator: object | None, owner: type[Any] | None = None
    ) -> Self | Callable[P, R]:
        if emulator is None:
            return self
        target: Part = getattr(emulator, self.part)
        method = self.method

        @functools.wraps(method)
        def forwarded(*args: P.args, **kwargs: P.kwargs) -> R:
            return method(target, *args, **kwargs)

        return forwarded


class Mirrored(Generic[T]):
    """A read-only facade attribute that is the world's: ``read(emulator.world)``."""

    def __init__(self, read: Callable[[World], T]) -> None:
        self.read = read

    @overload
    def __get__(self, emulator: None, owner: type[Any]) -> Self: ...

    @overload
    def __get__(self, emulator: DiscordEmulator, owner: type[Any] | None = None) -> T: ...

    def __get__(self, emulator: DiscordEmulator | None, owner: type[Any] | None = None) -> Self | T:
        return self if emulator is None else self.read(emulator.world)

    def __set__(self, emulator: DiscordEmulator, value: Never) -> None:
        raise AttributeError("read-only: change the emulator's world through its methods")


#: Set to "1" to have every ``DiscordEmulator`` check request bodies against Discord's spec.
VALIDATE_ENV = "EMULATOR_VALIDATE_BODIES"


class DiscordEmulator:
    """An in-process Discord for end-to-end tests: build a world, start, point discord.py at it.

    All ``add_*`` methods may be called before or after ``start``; the bot sees members, roles
    and channels added before it identified in GUILD_CREATE, and later joins via
    ``member_join``. Everything the bot does is recorded (``requests``, ``messages_in``,
    ``interactions``) and can be awaited (``wait_for_message``, ``wait_for_request``).
    """

    # ================================================================= the parts' own
    # What exists and what was recorded: ``World``'s attributes, read-only here.
    bot_token = Mirrored(lambda world: world.bot_token)
    bot_user = Mirrored(lambda world: world.bot_user)
    application_id = Mirrored(lambda world: world.application_id)
    gateway_url = Mirrored(lambda world: world.gateway_url)
    resume_gateway_url = Mirrored(lambda world: world.resume_gateway_url)
    users = Mirrored(lambda world: world.users)
    guilds = Mirrored(lambda world: world.guilds)
    channels = Mirrored(lambda world: world.channels)
    interactions = Mirrored(lambda world: world.interactions)
    requests = Mirrored(lambda world: world.requests)
    unknown_requests = Mirrored(lambda world: world.unknown_requests)
    global_commands = Mirrored(lambda world: world.global_commands)
    guild_commands = Mirrored(lambda world: world.guild_commands)
    # World building (silent: no gateway events), lookups and waiting: ``World``'s methods.
    add_user = Forwarded("world", World.add_user)
    add_guild = Forwarded("world", World.add_guild)
    add_role = Forwarded("world", World.add_role)
    add_channel = Forwarded("world", World.add_channel)
    add_member = Forwarded("world", World.add_member)
    add_members = Forwarded("world", World.add_members)
    guild = Forwarded("world", World.guild)
    user = Forwarded("world", World.user)
    channel = Forwarded("world", World.channel)
    member = Forwarded("world", World.member)
    message = Forwarded("world", World.message)
    messages_in = Forwarded("world", World.messages_in)
    dm_channel_of = Forwarded("world", World.dm_channel_of)
    commands = Forwarded("world", World.commands)
    wait_until = Forwarded("world", World.wait_until)
    on_record = Forwarded("world", World.on_record)
    # What users do, sent to the bot as INTERACTION_CREATE: ``Actions``' methods.
    invoke_command = Forwarded("actions", Actions.invoke_command)
    autocomplete = Forwarded("actions", Actions.autocomplete)
    invoke_context_menu = Forwarded("actions", Actions.invoke_context_menu)
    press_button = Forwarded("actions", Actions.press_button)
    choose = Forwarded("actions", Actions.choose)
    submit_modal = Forwarded("actions", Actions.submit_modal)

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_name: str = "cop-bot",
        heartbeat_interval_ms: int = 41_250,
        reaction_delay: float = 0.05,
        validate_bodies: bool | None = None,
        member_request_window: float = 30.0,
        rate_limits: RateLimitPolicy | None = None,
    ) -> None:
        """``reaction_delay``: the least time between the bot changing a message (or answering
        with a modal) and a user acting on it. discord.py registers a view or modal only after
        the HTTP response arrives, so a user who is faster than that would race the bot.

        ``validate_bodies``: check every JSON request body against Discord's OpenAPI spec and
        answer a body that breaks it with 400 Invalid Form Body (50035), recording it in
        ``invalid_bodies``. None (the default) reads ``EMULATOR_VALIDATE_BODIES`` ("1" on);
        the test suite turns it on, the demo and the benchmarks leave it off (building the
        validators costs about 0.3 s and 45 MB once per process).

        ``member_request_window``: a second op 8 request for a guild's whole member list within
        this many seconds is answered RATE_LIMITED (Discord: about 30 s).

        ``rate_limits``: enforce Discord's rate limits with this policy (see
        ``enforce_rate_limits``); None (the default) answers every request at once, while
        still counting requests per second.
        """
        self.host = host
        self.port = port
        self.world = World(bot_name=bot_name)
        self.world.base_url = self.base_url
        self._sync: GuildSync | None = None
        self.gateway = Gateway(
            token=lambda: self.world.bot_token,
            heartbeat_interval_ms=heartbeat_interval_ms,
            resume_url=lambda: self.world.resume_gateway_url,
            on_identify=lambda session: self.sync.on_identify(session),
            on_request_members=lambda session, data: self.sync.on_request_members(session, data),
            notify=self.world.notify,
        )
        self._sync = GuildSync(self.world, self.gateway, full_request_window=member_request_window)
        self.messages = Messages(self.world, self.gateway)
        if validate_bodies is None:
            validate_bodies = os.environ.get(VALIDATE_ENV, "") == "1"
        self._ctx = Context(self.world, self.gateway, self.messages)
        self.rest = RestServer(
            self._ctx,
            validator=default_validator() if validate_bodies else None,
            rate_limits=rate_limits,
        )
        self.actions = Actions(self.world, self.gateway, reaction_delay=reaction_delay)
        self._runner: web.AppRunner | None = None

    @property
    def sync(self) -> GuildSync:
        assert self._sync is not None
        return self._sync

    # ================================================================= lifecycle
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/resume", self.gateway.handle)
        self.rest.install(app)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        address = self._runner.addresses[0]
        self.port = int(address[1])
        self.world.base_url = self.base_url

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

    def point_discord_here(self) -> None:
        """``point_discord_at(self.api_base_url, self.gateway_url)``."""
        point_discord_at(self.api_base_url, self.gateway_url)

    @property
    def reaction_delay(self) -> float:
        return self.actions.reaction_delay

    @reaction_delay.setter
    def reaction_delay(self, value: float) -> None:
        self.actions.reaction_delay = value

    # ================================================================= world building

    def set_privileged_intents(
        self, *, members: bool = True, presences: bool = True, message_content: bool = True
    ) -> None:
        """Which privileged intents the application has enabled in the developer portal.
        IDENTIFY asking for another closes the gateway with 4014; without ``members``, listing
        guild members over REST answers 403."""
        enabled = 0
        for on, bit in (
            (members, INTENT_GUILD_MEMBERS),
            (presences, INTENT_GUILD_PRESENCES),
            (message_content, INTENT_MESSAGE_CONTENT),
        ):
            if on:
                enabled |= bit
        self.gateway.enabled_privileged_intents = enabled

    def set_bot_permissions(self, guild_id: IdLike, permissions: int) -> None:
        """What the bot's own (managed) role allows in the guild, e.g. without MANAGE_EVENTS."""
        guild = self.world.guild(guild_id)
        bot_role = next(r for r in guild.roles.values() if r.bot_id == self.world.bot_user.id)
        bot_role.permissions = permissions

    def set_dms_closed(self, user_id: IdLike, closed: bool = True) -> None:
        self.world.user(user_id).dms_closed = closed

    # ================================================================= lookups

    def is_member(self, guild_id: IdLike, user_id: IdLike) -> bool:
        return to_id(user_id) in self.world.guild(guild_id).members

    def bot_messages(self) -> list[RecordedMessage]:
        bot_id = self.world.bot_user.id
        return [m for m in self.world.messages.values() if m.author_id == bot_id]

    def dms_to(self, user_id: IdLike) -> list[RecordedMessage]:
        channel = self.world.dm_channel_of(user_id)
        return [] if channel is None else self.world.messages_in(channel.id)

    def command_names(self, guild_id: IdLike | None = None) -> set[str]:
        return {c["name"] for c in self.world.commands(guild_id)}

    def requests_to(self, method: str, route: str) -> list[RecordedRequest]:
        return [r for r in self.world.requests if r.method == method and r.route == route]

    def interaction(self, interaction_id: IdLike) -> RecordedInteraction:
        return self.world.interactions_by_id[to_id(interaction_id)]

    @property
    def validates_bodies(self) -> bool:
        return self.rest.validator is not None

    @property
    def bodies_checked(self) -> int:
        """How many JSON request bodies were checked against the spec."""
        return self.rest.bodies_checked

    @property
    def invalid_bodies(self) -> list[InvalidBody]:
        """Requests whose JSON body broke Discord's OpenAPI spec (answered 400 50035)."""
        return self.rest.invalid_bodies

    def assert_no_invalid_bodies(self) -> None:
        """Fail (AssertionError) if any request body broke the spec, or if bodies were not
        checked at all; a test's or fixture's last word on the bot's requests."""
        if self.rest.validator is None:
            raise AssertionError(
                "request bodies were not checked: pass validate_bodies=True or set "
                f"{VALIDATE_ENV}=1"
            )
        if self.rest.invalid_bodies:
            lines = "\n".join(f"  {b}" for b in self.rest.invalid_bodies)
            raise AssertionError(f"request bodies that break Discord's spec:\n{lines}")

    # ================================================================= waiting and events

    async def wait_for_message(
        self,
        predicate: Callable[[RecordedMessage], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> RecordedMessage:
        """The first message (already recorded or coming, not deleted) that matches
        ``predicate``."""
        return await self.world.wait_for_first(
            self.world.messages.values,
            lambda m: not m.deleted and predicate(m),
            timeout,
            "a matching message",
        )

    async def wait_for_request(
        self,
        predicate: Callable[[RecordedRequest], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> RecordedRequest:
        """The first request (already recorded or coming, answered) that matches ``predicate``."""
        return await self.world.wait_for_first(
            lambda: self.world.requests,
            lambda r: bool(r.status) and predicate(r),
            timeout,
            "a matching request",
        )

    async def wait_until_ready(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the bot has identified and been sent READY plus every GUILD_CREATE."""
        await self.wait_until(lambda: self.world.ready_count > 0, timeout, "the bot to identify")

    async def wait_for_identify(self, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the bot has identified ``count`` times in total (READY sequence sent)."""
        await self.wait_until(
            lambda: self.world.ready_count >= count, timeout, f"identify #{count}"
        )

    async def wait_for_resume(self, count: int = 1, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the bot has resumed ``count`` times in total (replay and RESUMED sent)."""
        await self.wait_until(
            lambda: self.gateway.resume_count >= count, timeout, f"resume #{count}"
        )

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
        self.rest.limiter.inject(method, route, count, retry_after, is_global)

    def enforce_rate_limits(self, policy: RateLimitPolicy | None = None) -> RateLimitPolicy:
        """Answer as Discord's rate limits would (see ``emulator.ratelimit``): per-route
        buckets with X-RateLimit-* headers, 50 requests/s globally, and tight limits on
        opening DM channels and on DM sends. Returns the policy in force; ``None`` for
        Discord's defaults."""
        self.rest.limiter = RateLimiter(policy or RateLimitPolicy())
        assert self.rest.limiter.policy is not None
        return self.rest.limiter.policy

    @property
    def rate_limits(self) -> RateLimiter:
        """What the rate limiter saw: ``total_refused``, ``refused`` (429s by route),
        ``global_refused``, ``max_per_second()`` (most requests within one second)."""
        return self.rest.limiter

    async def drop_gateway(self, *, hold: bool = True, code: int | None = None) -> None:
        """Cut the bot's gateway socket (abort the TCP connection, or close with ``code``).

        Dispatches made while it is down are buffered and replayed on RESUME. With ``hold``
        the bot's reconnect is parked before HELLO until ``restore_gateway``.
        """
        if hold:
            self.gateway.hold()
        await self.gateway.drop(code)
        self.world.notify()

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

    # ================================================================= user actions

    # ================================================================= scheduled events
    def scheduled_events(self, guild_id: IdLike) -> list[EmuScheduledEvent]:
        """The guild's scheduled events, in creation order (completed and canceled too)."""
        return list(self.world.guild(guild_id).scheduled_events.values())

    def scheduled_event(self, guild_id: IdLike, event_id: IdLike) -> EmuScheduledEvent:
        return self.world.guild(guild_id).scheduled_events[to_id(event_id)]

    async def create_event_by_hand(
        self,
        guild_id: IdLike,
        name: str,
        start: datetime,
        end: datetime,
        location: str,
        *,
        creator_id: IdLike | None = None,
    ) -> EmuScheduledEvent:
        """Someone (the guild owner by default) creates an external event in Discord's UI."""
        guild = self.world.guild(guild_id)
        creator = guild.owner_id if creator_id is None else to_id(creator_id)
        event = EmuScheduledEvent(
            new_snowflake(), guild.id, creator, name, start, 3, end, location=location
        )
        guild.scheduled_events[event.id] = event
        await dispatch_event(self._ctx, "CREATE", event)
        return event

    async def edit_event_by_hand(
        self, guild_id: IdLike, event_id: IdLike, **changes: Any
    ) -> EmuScheduledEvent:
        """Someone edits the event in Discord's UI: ``changes`` are ``EmuScheduledEvent``
        fields (``name``, ``description``, ``scheduled_start_time``, ``location``,
        ``status``...); GUILD_SCHEDULED_EVENT_UPDATE is dispatched."""
        event = self.scheduled_event(guild_id, event_id)
        for key, value in changes.items():
            if not hasattr(event, key):
                raise AttributeError(f"scheduled events have no field {key!r}")
            setattr(event, key, value)
        await dispatch_event(self._ctx, "UPDATE", event)
        self.world.notify()
        return event

    async def delete_event_by_hand(self, guild_id: IdLike, event_id: IdLike) -> None:
        """Someone deletes the event in Discord's UI: GUILD_SCHEDULED_EVENT_DELETE."""
        event = self.world.guild(guild_id).scheduled_events.pop(to_id(event_id))
        await dispatch_event(self._ctx, "DELETE", event)
        self.world.notify()

    async def mark_interested(
        self, guild_id: IdLike, event_id: IdLike, user_id: IdLike, interested: bool = True
    ) -> None:
        """The user presses Interested (or, with ``interested=False``, takes it back)."""
        event = self.scheduled_event(guild_id, event_id)
        self.world.member(guild_id, user_id)  # only members can be interested
        await set_interest(self._ctx, event, to_id(user_id), interested)

    async def member_join(
        self, guild_id: IdLike, user_id: IdLike, *, roles: Iterable[IdLike] = ()
    ) -> EmuMember:
        """The user joins: state updated and GUILD_MEMBER_ADD dispatched."""
        guild = self.world.guild(guild_id)
        member = self.world.add_member(guild.id, user_id, roles=roles)
        data = self.world.member_json(member)
        data["guild_id"] = str(guild.id)
        self.world.emit(EmulatorEvent("member_join", False, guild.id, None, member.user_id))
        await self.gateway.dispatch("GUILD_MEMBER_ADD", data)
        return member

    async def member_leave(self, guild_id: IdLike, user_id: IdLike) -> None:
        """The user leaves: state updated and GUILD_MEMBER_REMOVE dispatched."""
        guild = self.world.guild(guild_id)
        await remove_member(self.gateway, self.world, guild, to_id(user_id), by_bot=False)

    async def set_member_roles(
        self, guild_id: IdLike, user_id: IdLike, roles: Iterable[IdLike]
    ) -> None:
        """Someone other than the bot changes a member's roles: GUILD_MEMBER_UPDATE."""
        guild = self.world.guild(guild_id)
        member = self.world.member(guild.id, user_id)
        member.roles = [to_id(r) for r in roles]
        self.world.emit(EmulatorEvent("member_update", False, guild.id, None, member.user_id))
        await dispatch_member_update(self.gateway, self.world, member)

    async def post_message(
        self, channel_id: IdLike, user_id: IdLike, content: str, *, embeds: list[JSON] | None = None
    ) -> RecordedMessage:
        """A user posts in a channel (or their DM with the bot): MESSAGE_CREATE dispatched."""
        channel = self.world.channel(channel_id)
        payload: JSON = {"content": content, "embeds": embeds or []}
        msg = self.messages.new_message(channel, to_id(user_id), payload, [])
        self.world.emit(
            EmulatorEvent(
                "user_message", False, msg.guild_id, msg.channel_id, msg.author_id, message=msg
            )
        )
        await self.gateway.dispatch("MESSAGE_CREATE", self.world.message_create_json(msg))
        return msg
