"""Discord's scheduled events as plain data, and the narrow port the events capability
reaches them through (the cog side implements it once, with discord.py).

Every method may raise only :mod:`bot.port`'s errors: ``Forbidden`` (the bot lacks
Manage Events / Create Events), ``Gone`` (the event or channel is not there),
``Transient`` (retry later) or a plain ``PortError`` (Discord refused the change).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

EntityKind = Literal["external", "voice", "stage"]
EventStatus = Literal["scheduled", "active", "completed", "cancelled"]

NAME_LIMIT = 100
DESCRIPTION_LIMIT = 1000
LOCATION_LIMIT = 100


@dataclass(frozen=True)
class EventSpec:
    """What a meeting's event should look like."""

    name: str
    description: str
    start: datetime
    end: datetime
    kind: EntityKind
    location: str | None = None
    """For an external event (1 to 100 characters)."""
    channel_id: int | None = None
    """For a voice or stage event."""


@dataclass(frozen=True)
class GuildEvent:
    """A scheduled event as Discord has it."""

    id: int
    name: str
    description: str
    start: datetime
    end: datetime | None
    kind: EntityKind
    status: EventStatus
    location: str | None = None
    channel_id: int | None = None

    def matches(self, spec: EventSpec) -> bool:
        """Whether the event already says what ``spec`` says (nothing to put right)."""
        return (
            self.name == spec.name
            and self.description == spec.description
            and self.start == spec.start
            and self.end == spec.end
            and self.kind == spec.kind
            and (self.location or None) == (spec.location or None)
            and (self.channel_id if spec.kind != "external" else None) == spec.channel_id
        )

    @property
    def open(self) -> bool:
        """Scheduled or running: it can still be changed."""
        return self.status in ("scheduled", "active")


@dataclass(frozen=True)
class Place:
    """A voice or stage channel of the server, which a meeting's place may name."""

    channel_id: int
    name: str
    kind: Literal["voice", "stage"]


@runtime_checkable
class EventsPort(Protocol):
    async def list_events(self) -> list[GuildEvent]:
        """The server's scheduled events."""
        ...

    async def create_event(self, spec: EventSpec, image: bytes | None) -> GuildEvent: ...

    async def edit_event(self, event_id: int, spec: EventSpec) -> GuildEvent: ...

    async def cancel_event(self, event_id: int) -> None:
        """Mark a scheduled event cancelled (it stays listed as cancelled)."""
        ...

    async def delete_event(self, event_id: int) -> None: ...

    async def interested(self, event_id: int) -> list[int]:
        """The ids of everyone who marked the event Interested (all pages)."""
        ...

    async def places(self) -> list[Place]:
        """The server's voice and stage channels."""
        ...
