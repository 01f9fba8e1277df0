"""What every REST resource module builds on: the call it handles and the resource base class."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from emulator.errors import unknown
from emulator.gateway import Gateway
from emulator.messages import Messages
from emulator.models import EmuChannel, EmuGuild, EmuMember, RecordedAttachment, RecordedRequest
from emulator.state import World


@dataclass
class Call:
    """One REST request, as a handler sees it: path parameters, query, JSON body, files."""

    method: str
    params: dict[str, str]
    query: dict[str, str]
    json: Any
    files: list[RecordedAttachment]
    record: RecordedRequest

    def body(self) -> dict[str, Any]:
        """The JSON body as an object ({} when there is none)."""
        return self.json if isinstance(self.json, dict) else {}


#: A handler answers ``(status, JSON body)``; 204 answers ``(204, None)``.
Handler = Callable[[Call], Awaitable[tuple[int, Any]]]


class AddRoute(Protocol):
    def __call__(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        """Serve ``method template`` (``{name}`` segments become ``call.params``)."""


_ROUTES = "_emulator_routes"
H = TypeVar("H", bound=Callable[..., Awaitable[tuple[int, Any]]])


def serves(method: str, template: str, *, auth: bool = True) -> Callable[[H], H]:
    """Mark a ``Resource`` handler as the answer to ``method template`` (``{name}`` segments
    become ``call.params``); stack several for several routes. ``auth=False``: no bot token
    needed (interaction callbacks and webhooks, which are also exempt from the global limit)."""

    def mark(handler: H) -> H:
        routes: list[tuple[str, str, bool]] = getattr(handler, _ROUTES, [])
        # Decorators apply bottom-up; keep the routes in the order they are written.
        setattr(handler, _ROUTES, [(method, template, auth), *routes])
        return handler

    return mark


@dataclass
class Context:
    """What resources share: the world, the gateway and the message store."""

    world: World
    gateway: Gateway
    messages: Messages


class Resource:
    """One REST resource (a Discord API area): subclass, mark each handler with ``serves``,
    list the class in ``emulator.rest.RESOURCES``. Handlers raise ``ApiError`` for Discord's
    error answers. Routes are matched in order, so a literal segment (``@me``, ``@original``)
    must come before a ``{param}`` in the same place."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.world = ctx.world
        self.gateway = ctx.gateway
        self.messages = ctx.messages

    def register(self, route: AddRoute) -> None:
        """Serve every handler marked with ``serves``, in the order the class lists them."""
        for klass in reversed(type(self).__mro__):
            for name, member in vars(klass).items():
                for method, template, auth in getattr(member, _ROUTES, ()):
                    route(method, template, getattr(self, name), auth=auth)

    # Lookups by path parameter, answering Discord's 404s.
    def guild_of(self, call: Call) -> EmuGuild:
        guild = self.world.guilds.get(int(call.params["guild_id"]))
        if guild is None:
            raise unknown("Guild", 10004)
        return guild

    def member_of(self, call: Call, guild: EmuGuild) -> EmuMember:
        member = guild.members.get(int(call.params["user_id"]))
        if member is None:
            raise unknown("Member", 10007)
        return member

    def channel_of(self, call: Call) -> EmuChannel:
        channel = self.world.channels.get(int(call.params["channel_id"]))
        if channel is None:
            raise unknown("Channel", 10003)
        return channel
