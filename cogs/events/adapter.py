"""The events port implemented with discord.py's scheduled-event API (the only one).

Every create and edit names ``privacy_level=guild_only`` and the ``entity_type``
explicitly: without them discord.py leaves them out and Discord answers 400.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.discord_port import translated
from bot.services.events import EventSpec, GuildEvent, Place

_STATUS = {
    discord.EventStatus.scheduled: "scheduled",
    discord.EventStatus.active: "active",
    discord.EventStatus.completed: "completed",
    discord.EventStatus.cancelled: "cancelled",
}


def _event(event: discord.ScheduledEvent) -> GuildEvent:
    if event.entity_type is discord.EntityType.external:
        kind: str = "external"
    elif event.entity_type is discord.EntityType.stage_instance:
        kind = "stage"
    else:
        kind = "voice"
    return GuildEvent(
        id=event.id,
        name=event.name,
        description=event.description or "",
        start=event.start_time,
        end=event.end_time,
        kind=kind,  # type: ignore[arg-type]  # one of the three literals above
        status=_STATUS.get(event.status, "completed"),  # type: ignore[arg-type]
        location=event.location,
        channel_id=event.channel_id,
    )


def _arguments(spec: EventSpec) -> dict[str, Any]:
    """What a create and an edit both name: the fields, the privacy level, and the entity
    type with its place (a location, or a stage or voice channel)."""
    arguments: dict[str, Any] = {
        "name": spec.name,
        "description": spec.description,
        "start_time": spec.start,
        "end_time": spec.end,
        "privacy_level": discord.PrivacyLevel.guild_only,
    }
    if spec.kind == "external":
        arguments["entity_type"] = discord.EntityType.external
        arguments["location"] = spec.location or "To be announced"
    else:
        stage = spec.kind == "stage"
        arguments["entity_type"] = (
            discord.EntityType.stage_instance if stage else discord.EntityType.voice
        )
        arguments["channel"] = discord.Object(spec.channel_id or 0)
    return arguments


class DiscordEvents:
    """:class:`bot.services.events.EventsPort` for the community's server."""

    def __init__(self, client: discord.Client, guild_id: int) -> None:
        self.client = client
        self.guild_id = guild_id

    async def _guild(self) -> discord.Guild:
        guild = self.client.get_guild(self.guild_id)
        if guild is None:
            guild = await self.client.fetch_guild(self.guild_id)
        return guild

    async def list_events(self) -> list[GuildEvent]:
        with translated():
            guild = await self._guild()
            return [_event(e) for e in await guild.fetch_scheduled_events(with_counts=False)]

    async def create_event(self, spec: EventSpec, image: bytes | None) -> GuildEvent:
        with translated():
            guild = await self._guild()
            cover: bytes = image if image is not None else discord.utils.MISSING
            created = await guild.create_scheduled_event(**_arguments(spec), image=cover)
            return _event(created)

    async def _fetch(self, event_id: int) -> discord.ScheduledEvent:
        guild = await self._guild()
        return await guild.fetch_scheduled_event(event_id, with_counts=False)

    async def edit_event(self, event_id: int, spec: EventSpec) -> GuildEvent:
        with translated():
            event = await self._fetch(event_id)
            edited = await event.edit(**_arguments(spec))
            return _event(edited)

    async def cancel_event(self, event_id: int) -> None:
        with translated():
            event = await self._fetch(event_id)
            await event.cancel()

    async def delete_event(self, event_id: int) -> None:
        with translated():
            event = await self._fetch(event_id)
            await event.delete()

    async def interested(self, event_id: int) -> list[int]:
        with translated():
            event = await self._fetch(event_id)
            return [user.id async for user in event.users(limit=None)]

    async def places(self) -> list[Place]:
        with translated():
            guild = await self._guild()
            found: list[Place] = []
            for channel in guild.channels:
                if isinstance(channel, discord.StageChannel):
                    found.append(Place(channel.id, channel.name, "stage"))
                elif isinstance(channel, discord.VoiceChannel):
                    found.append(Place(channel.id, channel.name, "voice"))
            return found
