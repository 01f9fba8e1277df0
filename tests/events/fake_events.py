"""A fake of the events port for service tests: Discord's scheduled events in memory,
with the rules that matter (open events only change; cancelled ones stay listed)."""

from __future__ import annotations

from dataclasses import replace
from itertools import count

from bot import port
from bot.services.events import EventSpec, GuildEvent, Place


class FakeEvents:
    def __init__(self, places: list[Place] | None = None) -> None:
        self.events: dict[int, GuildEvent] = {}
        self.users: dict[int, list[int]] = {}
        self._places = places or []
        self._ids = count(5_000_000_000_000_000)
        self.forbidden = False
        self.created = 0
        self.edited = 0

    def _check(self) -> None:
        if self.forbidden:
            raise port.Forbidden("403 50013")

    async def list_events(self) -> list[GuildEvent]:
        self._check()
        return list(self.events.values())

    async def create_event(self, spec: EventSpec, image: bytes | None) -> GuildEvent:
        self._check()
        event = GuildEvent(
            id=next(self._ids),
            name=spec.name,
            description=spec.description,
            start=spec.start,
            end=spec.end,
            kind=spec.kind,
            status="scheduled",
            location=spec.location,
            channel_id=spec.channel_id,
        )
        self.events[event.id] = event
        self.created += 1
        return event

    async def edit_event(self, event_id: int, spec: EventSpec) -> GuildEvent:
        self._check()
        event = self.events.get(event_id)
        if event is None:
            raise port.Gone("10070")
        if not event.open:
            raise port.PortError("400 180000")
        event = replace(
            event,
            name=spec.name,
            description=spec.description,
            start=spec.start,
            end=spec.end,
            kind=spec.kind,
            location=spec.location,
            channel_id=spec.channel_id,
        )
        self.events[event_id] = event
        self.edited += 1
        return event

    async def cancel_event(self, event_id: int) -> None:
        self._check()
        event = self.events.get(event_id)
        if event is None:
            raise port.Gone("10070")
        self.events[event_id] = replace(event, status="cancelled")

    async def delete_event(self, event_id: int) -> None:
        self._check()
        if self.events.pop(event_id, None) is None:
            raise port.Gone("10070")

    async def interested(self, event_id: int) -> list[int]:
        self._check()
        return list(self.users.get(event_id, []))

    async def places(self) -> list[Place]:
        return list(self._places)

    # test-facing -------------------------------------------------------------------

    def open_events(self) -> list[GuildEvent]:
        return [e for e in self.events.values() if e.open]

    def by_description(self, text: str) -> list[GuildEvent]:
        return [e for e in self.events.values() if text in e.description]
