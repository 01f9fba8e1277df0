"""Guild scheduled events: ``/guilds/{guild_id}/scheduled-events[/{id}[/users]]``.

Modelled on Discord's documentation and its OpenAPI spec, not on what any bot sends:

- create needs ``name`` (1-100), ``scheduled_start_time``, ``privacy_level`` 2 (GUILD_ONLY) and
  an explicit ``entity_type`` (400 ``BASE_TYPE_REQUIRED`` when one is missing). EXTERNAL (3)
  needs ``entity_metadata.location`` (1-100 characters) and ``scheduled_end_time``, and no
  channel; STAGE_INSTANCE (1) and VOICE (2) need ``channel_id`` of a stage (13) or voice (2)
  channel. An end time must come after the start;
- at most 100 open (scheduled or active) events per guild: 30038;
- ``status`` moves only scheduled → active → completed, or scheduled → canceled; a completed
  or canceled event cannot be changed at all (180000);
- creating needs CREATE_EVENTS or MANAGE_EVENTS; changing or deleting an event someone else
  created needs MANAGE_EVENTS (403 50013);
- ``with_user_count=true`` adds ``user_count`` to get and list; gateway payloads never carry it;
- ``GET .../{id}/users``: ``limit`` up to 100 (default 100), ``before``/``after`` user ids,
  ``with_member`` adds the member;
- GUILD_SCHEDULED_EVENT_CREATE/UPDATE/DELETE and _USER_ADD/_USER_REMOVE are dispatched only
  to a session with the GUILD_SCHEDULED_EVENTS intent (1 << 16).

Not modelled: recurrence rules and exceptions, cover images (stored as given), the start time
having to be in the future, and the channel permissions a voice or stage event also needs.
"""

from __future__ import annotations

import bisect
from datetime import datetime
from typing import Any

from emulator.errors import ApiError, invalid_form, missing_permissions, unknown
from emulator.models import JSON, EmuGuild, EmuScheduledEvent, iso, new_snowflake
from emulator.rest.base import Call, Context, Resource, serves
from emulator.state import World

MANAGE_EVENTS = 1 << 33
CREATE_EVENTS = 1 << 44
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
CHANNEL_TYPE_FOR = {STAGE_INSTANCE: 13, VOICE: 2}
TRANSITIONS = {SCHEDULED: {SCHEDULED, ACTIVE, CANCELED}, ACTIVE: {ACTIVE, COMPLETED}}
MAX_OPEN_EVENTS = 100
EDITABLE = (
    "name",
    "description",
    "scheduled_start_time",
    "scheduled_end_time",
    "entity_type",
    "channel_id",
    "entity_metadata",
    "privacy_level",
    "status",
    "image",
)


def event_json(world: World, event: EmuScheduledEvent, *, user_count: bool = False) -> JSON:
    """The event object; ``user_count`` only when asked for (never on the gateway)."""
    creator = world.users.get(event.creator_id)
    data: JSON = {
        "id": str(event.id),
        "guild_id": str(event.guild_id),
        "channel_id": None if event.channel_id is None else str(event.channel_id),
        "creator_id": str(event.creator_id),
        "name": event.name,
        "description": event.description,
        "scheduled_start_time": iso(event.scheduled_start_time),
        "scheduled_end_time": None
        if event.scheduled_end_time is None
        else iso(event.scheduled_end_time),
        "privacy_level": event.privacy_level,
        "status": event.status,
        "entity_type": event.entity_type,
        "entity_id": None,
        "entity_metadata": {"location": event.location} if event.entity_type == EXTERNAL else None,
        "image": event.image,
        "recurrence_rule": None,
        "guild_scheduled_event_exceptions": [],
    }
    if creator is not None:
        data["creator"] = creator.to_json()
    if user_count:
        data["user_count"] = len(event.interested)
    return data


async def dispatch_event(ctx: Context, name: str, event: EmuScheduledEvent) -> None:
    await ctx.gateway.dispatch(f"GUILD_SCHEDULED_EVENT_{name}", event_json(ctx.world, event))


async def set_interest(
    ctx: Context, event: EmuScheduledEvent, user_id: int, interested: bool
) -> None:
    """A user marks (or unmarks) the event as Interested: USER_ADD/USER_REMOVE dispatched."""
    if interested == (user_id in event.interested):
        return
    if interested:
        event.interested.add(user_id)
    else:
        event.interested.discard(user_id)
    data = {
        "guild_scheduled_event_id": str(event.id),
        "user_id": str(user_id),
        "guild_id": str(event.guild_id),
    }
    await ctx.gateway.dispatch(
        "GUILD_SCHEDULED_EVENT_USER_" + ("ADD" if interested else "REMOVE"), data
    )
    ctx.world.notify()


def _time(body: JSON, key: str) -> datetime | None:
    raw = body.get(key)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise invalid_form(key, "Could not parse date. Should be ISO8601.", "DATE_TYPE_PARSE")
    return value


class ScheduledEvents(Resource):
    # ----------------------------------------------------------------- helpers
    def _event_of(self, call: Call, guild: EmuGuild) -> EmuScheduledEvent:
        event = guild.scheduled_events.get(int(call.params["guild_scheduled_event_id"]))
        if event is None:
            raise unknown("Guild Scheduled Event", 10070)
        return event

    def _may_edit(self, guild: EmuGuild, event: EmuScheduledEvent) -> None:
        perms = self.world.bot_permissions(guild)
        own = event.creator_id == self.world.bot_user.id
        if not perms & MANAGE_EVENTS and not (own and perms & CREATE_EVENTS):
            raise missing_permissions()

    def _check(self, guild: EmuGuild, event: EmuScheduledEvent) -> None:
        """Discord's rules for a whole event, after a create or a change."""
        if not event.name or len(event.name) > 100:
            raise invalid_form(
                "name", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH"
            )
        if event.description is not None and len(event.description) > 1000:
            raise invalid_form(
                "description", "Must be 1000 or fewer in length.", "BASE_TYPE_BAD_LENGTH"
            )
        if event.privacy_level != 2:
            raise invalid_form("privacy_level", "Value must be one of {2}.", "BASE_TYPE_CHOICES")
        if event.entity_type == EXTERNAL:
            if event.channel_id is not None:
                raise invalid_form("channel_id", "Must be null for an external event.")
            if not event.location or len(event.location) > 100:
                raise invalid_form(
                    "entity_metadata.location",
                    "Must be between 1 and 100 in length.",
                    "BASE_TYPE_BAD_LENGTH",
                )
            if event.scheduled_end_time is None:
                raise invalid_form(
                    "scheduled_end_time", "This field is required", "BASE_TYPE_REQUIRED"
                )
        elif event.entity_type in CHANNEL_TYPE_FOR:
            if event.channel_id is None:
                raise invalid_form("channel_id", "This field is required", "BASE_TYPE_REQUIRED")
            channel = guild.channels.get(event.channel_id)
            if channel is None:
                raise unknown("Channel", 10003)
            if channel.type != CHANNEL_TYPE_FOR[event.entity_type]:
                raise invalid_form(
                    "channel_id",
                    "The channel type does not match the entity type.",
                    "GUILD_SCHEDULED_EVENT_INVALID_CHANNEL_TYPE",
                )
        else:
            raise invalid_form(
                "entity_type", "Value must be one of {1, 2, 3}.", "BASE_TYPE_CHOICES"
            )
        end = event.scheduled_end_time
        if end is not None and end <= event.scheduled_start_time:
            raise invalid_form(
                "scheduled_end_time",
                "The end time must be after the start time.",
                "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            )

    def _apply(self, event: EmuScheduledEvent, body: JSON) -> None:
        if "name" in body:
            event.name = str(body["name"] or "")
        if "description" in body:
            event.description = body["description"]
        if "scheduled_start_time" in body:
            start = _time(body, "scheduled_start_time")
            if start is None:
                raise invalid_form(
                    "scheduled_start_time", "This field is required", "BASE_TYPE_REQUIRED"
                )
            event.scheduled_start_time = start
        if "scheduled_end_time" in body:
            event.scheduled_end_time = _time(body, "scheduled_end_time")
        if body.get("entity_type") is not None:
            event.entity_type = int(body["entity_type"])
            if event.entity_type == EXTERNAL and "channel_id" not in body:
                event.channel_id = None  # Discord clears the channel when moving it outside
        if "channel_id" in body:
            event.channel_id = None if body["channel_id"] is None else int(body["channel_id"])
        if "entity_metadata" in body:
            event.location = (body["entity_metadata"] or {}).get("location")
        if "privacy_level" in body:
            event.privacy_level = int(body["privacy_level"] or 0)
        if "image" in body:
            event.image = body["image"]

    # ----------------------------------------------------------------- handlers
    @serves("GET", "/guilds/{guild_id}/scheduled-events")
    async def list_events(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        counts = call.query.get("with_user_count", "").lower() in ("true", "1")
        events = guild.scheduled_events.values()
        return 200, [event_json(self.world, e, user_count=counts) for e in events]

    @serves("GET", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}")
    async def get_event(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        event = self._event_of(call, guild)
        counts = call.query.get("with_user_count", "").lower() in ("true", "1")
        return 200, event_json(self.world, event, user_count=counts)

    @serves("POST", "/guilds/{guild_id}/scheduled-events")
    async def create_event(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        body = call.body()
        if not self.world.bot_permissions(guild) & (CREATE_EVENTS | MANAGE_EVENTS):
            raise missing_permissions()
        for key in ("name", "privacy_level", "scheduled_start_time", "entity_type"):
            if body.get(key) is None:
                raise invalid_form(key, "This field is required", "BASE_TYPE_REQUIRED")
        if sum(e.is_open for e in guild.scheduled_events.values()) >= MAX_OPEN_EVENTS:
            raise ApiError(
                400, 30038, "Maximum number of uncompleted guild scheduled events reached (100)"
            )
        start = _time(body, "scheduled_start_time")
        assert start is not None
        event = EmuScheduledEvent(
            new_snowflake(), guild.id, self.world.bot_user.id, "", start, int(body["entity_type"])
        )
        self._apply(event, body)
        return await self._save(guild, event, "CREATE")

    async def _save(
        self, guild: EmuGuild, event: EmuScheduledEvent, change: str
    ) -> tuple[int, Any]:
        """Check the event as a whole, keep it, tell the gateway, answer it."""
        self._check(guild, event)
        guild.scheduled_events[event.id] = event
        await dispatch_event(self.ctx, change, event)
        self.world.notify()
        return 200, event_json(self.world, event)

    @serves("PATCH", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}")
    async def modify_event(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        event = self._event_of(call, guild)
        self._may_edit(guild, event)
        if not event.is_open:
            raise ApiError(400, 180000, "Cannot update a finished event")
        body = call.body()
        status = body.get("status")
        if status is not None and int(status) not in TRANSITIONS[event.status]:
            raise invalid_form(
                "status",
                f"Cannot move an event from status {event.status} to {status}.",
                "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
            )
        changed = EmuScheduledEvent(**{**vars(event), "interested": event.interested})
        self._apply(changed, {k: v for k, v in body.items() if k in EDITABLE})
        if status is not None:
            changed.status = int(status)
        return await self._save(guild, changed, "UPDATE")

    @serves("DELETE", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}")
    async def delete_event(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        event = self._event_of(call, guild)
        self._may_edit(guild, event)
        del guild.scheduled_events[event.id]
        await dispatch_event(self.ctx, "DELETE", event)
        self.world.notify()
        return 204, None

    @serves("GET", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users")
    async def list_users(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        event = self._event_of(call, guild)
        try:
            limit = int(call.query.get("limit", 100))
        except ValueError:
            raise invalid_form("limit", "Value is not int.", "NUMBER_TYPE_COERCE") from None
        if not 1 <= limit <= 100:
            raise invalid_form("limit", "int value should be between 1 and 100.", "NUMBER_TYPE_MAX")
        ids = sorted(event.interested)
        if "before" in call.query:
            end = bisect.bisect_left(ids, int(call.query["before"]))
            page = ids[max(0, end - limit) : end]
        else:
            start = bisect.bisect_right(ids, int(call.query.get("after", 0)))
            page = ids[start : start + limit]
        with_member = call.query.get("with_member", "").lower() in ("true", "1")
        out = []
        for uid in page:
            entry: JSON = {
                "guild_scheduled_event_id": str(event.id),
                "user_id": str(uid),
                "user": self.world.users[uid].to_json(),
                "response": 1,
            }
            member = guild.members.get(uid)
            if with_member and member is not None:
                entry["member"] = self.world.member_json(member, with_user=False)
            out.append(entry)
        return 200, out
