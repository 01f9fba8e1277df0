"""Every meeting within the horizon mirrored as a Discord scheduled event.

A sweep (:func:`sync_meeting` for each of :func:`meetings_to_sync`) makes Discord match
the meetings: it creates missing events, puts right events edited by hand, recreates
events deleted by hand, cancels the event of a cancelled meeting and deletes the event
of a meeting that was dropped. The event id is stored (``meeting_mirrors``, one row per
meeting), so a restart never makes a second event; the description ends with a marker,
so an event created just before a crash is adopted, not doubled. One sweep runs at a
time (:func:`take_lease`), so two sweeps at once never create two events.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.config import AppConfig
from bot.models import (
    EventsLease,
    EventsNotice,
    Meeting,
    MeetingMirror,
    MeetingStatus,
    Member,
    MirrorState,
)
from bot.services.events.scheduled import (
    DESCRIPTION_LIMIT,
    LOCATION_LIMIT,
    NAME_LIMIT,
    EntityKind,
    EventSpec,
    EventsPort,
    GuildEvent,
    Place,
)
from bot.services.unique import insert_once, rows_changed

LEASE_NAME = "events-sweep"
LEASE_TIME = timedelta(minutes=10)
NO_PLACE = "To be announced"
PERMISSION = "permission"
REFUSED = "refused"
Action = Literal["none", "created", "adopted", "updated", "recreated", "cancelled", "deleted"]


@dataclass(frozen=True)
class EventsSettings:
    """What mirroring needs from config (``EventsSettings.from_config``)."""

    enabled: bool = True
    horizon_days: int = 60
    thread_days_before: int = 7
    community: str = "Community of Practice"

    @classmethod
    def from_config(cls, config: AppConfig) -> EventsSettings:
        return cls(
            enabled=config.events.enabled,
            horizon_days=config.events.horizon_days,
            thread_days_before=config.events.thread_days_before,
            community=config.community.name,
        )


def marker(meeting_id: int) -> str:
    """The last line of every event's description: which meeting it mirrors."""
    return f"(cop-bot meeting {meeting_id})"


_MARKER_RE = re.compile(r"\(cop-bot meeting (\d{1,19})\)\s*$")


def meeting_of(event: GuildEvent) -> int | None:
    """The meeting an event mirrors, read from its description's marker."""
    found = _MARKER_RE.search(event.description or "")
    return int(found.group(1)) if found else None


def _name_of(member: Member | None) -> str:
    if member is None:
        return "to be decided (volunteer with /roster volunteer)"
    return member.display_name or "a member"


def _where(meeting: Meeting, places: list[Place]) -> tuple[EntityKind, str | None, int | None]:
    text = " ".join(meeting.place.split())
    mentioned = re.search(r"<#(\d{1,19})>", text)
    wanted = text.lstrip("#🔊 ").strip().lower()
    for place in places:
        if (mentioned and int(mentioned.group(1)) == place.channel_id) or (
            wanted and wanted == place.name.strip().lower()
        ):
            return place.kind, None, place.channel_id
    location = text or NO_PLACE
    if len(location) > LOCATION_LIMIT:
        location = location[: LOCATION_LIMIT - 1] + "…"
    return "external", location, None


def desired(meeting: Meeting, settings: EventsSettings, places: list[Place]) -> EventSpec:
    """The event a meeting should have: its time and place, who facilitates, and a line
    about the community."""
    kind, location, channel_id = _where(meeting, places)
    name = meeting.title or f"{settings.community} meeting"
    lines = [f"Facilitator: {_name_of(meeting.facilitator)}"]
    if meeting.co_facilitator is not None:
        lines.append(f"Co-facilitator: {_name_of(meeting.co_facilitator)}")
    if kind == "external" and meeting.place and location != " ".join(meeting.place.split()):
        lines.append(f"Where: {' '.join(meeting.place.split())[:400]}")
    lines.append("")
    lines.append(
        f"A meeting of {settings.community}, our Community of Practice. Mark Interested to "
        "be reminded and to let the facilitator know you're coming."
    )
    tail = marker(meeting.id)
    body = "\n".join(lines)
    body = body[: DESCRIPTION_LIMIT - len(tail) - 1]
    return EventSpec(
        name=name[:NAME_LIMIT],
        description=f"{body}\n{tail}",
        start=meeting.starts_at,
        end=meeting.ends_at,
        kind=kind,
        location=location,
        channel_id=channel_id,
    )


# --- one sweep at a time -----------------------------------------------------------------


async def take_lease(session: AsyncSession, holder: str, now: datetime) -> bool:
    """Take the sweep lease for ``holder``; False while another sweep holds it."""
    until = now + LEASE_TIME
    taken = await rows_changed(
        session,
        update(EventsLease)
        .where(
            EventsLease.name == LEASE_NAME,
            or_(EventsLease.until <= now, EventsLease.holder == holder),
        )
        .values(holder=holder, until=until)
        .execution_options(synchronize_session=False),
    )
    if taken == 1:
        return True
    exists = (
        await session.scalars(select(EventsLease.id).where(EventsLease.name == LEASE_NAME))
    ).first()
    if exists is not None:
        return False
    return await insert_once(session, EventsLease(name=LEASE_NAME, holder=holder, until=until))


async def release_lease(session: AsyncSession, holder: str, now: datetime) -> None:
    await session.execute(
        update(EventsLease)
        .where(EventsLease.name == LEASE_NAME, EventsLease.holder == holder)
        .values(holder="", until=now - timedelta(seconds=1))
        .execution_options(synchronize_session=False)
    )


# --- problems, shown to coordinators -------------------------------------------------------


async def note_problem(session: AsyncSession, kind: str, message: str, now: datetime) -> bool:
    """Record a problem for the coordinators' status line; True the first time (so the
    caller logs it once, not at every sweep)."""
    found = (await session.scalars(select(EventsNotice).where(EventsNotice.kind == kind))).first()
    if found is not None:
        found.message = message
        found.last_at = now
        await session.flush()
        return False
    session.add(EventsNotice(kind=kind, message=message, first_at=now, last_at=now))
    await session.flush()
    return True


async def clear_problem(session: AsyncSession, kind: str) -> None:
    await session.execute(delete(EventsNotice).where(EventsNotice.kind == kind))


async def problems(session: AsyncSession) -> list[EventsNotice]:
    return list((await session.scalars(select(EventsNotice).order_by(EventsNotice.id))).all())


PERMISSION_PROBLEM = (
    "Meetings aren't shown as server events: the bot lacks the Manage Events (Create "
    "Events) permission. Give its role that permission; commands keep working meanwhile."
)


# --- the sweep ----------------------------------------------------------------------------


async def meetings_to_sync(
    session: AsyncSession, now: datetime, settings: EventsSettings
) -> list[int]:
    """The meetings a sweep looks at: upcoming ones within the horizon (cancelled too),
    and any with an event that may need cancelling or deleting."""
    horizon = now + timedelta(days=settings.horizon_days)
    upcoming = (
        await session.scalars(
            select(Meeting.id)
            .where(Meeting.starts_at > now, Meeting.starts_at <= horizon)
            .order_by(Meeting.starts_at, Meeting.id)
        )
    ).all()
    mirrored = (
        await session.scalars(
            select(MeetingMirror.meeting_id).where(
                MeetingMirror.state.in_([MirrorState.ACTIVE, MirrorState.CLAIMED])
            )
        )
    ).all()
    seen = list(upcoming)
    seen.extend(m for m in mirrored if m not in set(upcoming))
    return seen


async def _mirror_of(session: AsyncSession, meeting_id: int) -> MeetingMirror | None:
    return (
        await session.scalars(select(MeetingMirror).where(MeetingMirror.meeting_id == meeting_id))
    ).first()


async def _claim(session: AsyncSession, meeting_id: int, now: datetime) -> MeetingMirror | None:
    """The meeting's mirror row, new and claimed by this sweep; None if another has it."""
    row = MeetingMirror(meeting_id=meeting_id, state=MirrorState.CLAIMED, claimed_at=now)
    return row if await insert_once(session, row) else None


async def _place_event(
    out: EventsPort,
    spec: EventSpec,
    meeting_id: int,
    listing: dict[int, GuildEvent],
    image: bytes | None,
) -> tuple[GuildEvent, Action]:
    """Adopt an open event already marked for this meeting (created just before a crash),
    or create one."""
    for event in listing.values():
        if event.open and meeting_of(event) == meeting_id:
            if not event.matches(spec):
                event = await out.edit_event(event.id, spec)
            return event, "adopted"
    return await out.create_event(spec, image), "created"


async def sync_meeting(
    session: AsyncSession,
    meeting_id: int,
    now: datetime,
    out: EventsPort,
    *,
    listing: dict[int, GuildEvent],
    places: list[Place],
    settings: EventsSettings,
    image: bytes | None = None,
) -> Action:
    """Make one meeting's event match the meeting. ``listing`` is the server's events
    (by id) read at the start of this sweep. Raises the port's errors."""
    meeting = await session.get(Meeting, meeting_id)
    mirror = await _mirror_of(session, meeting_id)
    if meeting is None:
        return "none"
    event = listing.get(mirror.guild_event_id) if mirror and mirror.guild_event_id else None
    horizon = now + timedelta(days=settings.horizon_days)
    if meeting.status is MeetingStatus.CANCELLED and not meeting.superseded:
        if mirror is None or mirror.state is not MirrorState.ACTIVE:
            return "none"
        if event is not None and event.open:
            with contextlib.suppress(port.Gone):
                await out.cancel_event(event.id)
        mirror.state = MirrorState.CANCELLED
        mirror.synced_at = now
        return "cancelled"
    if meeting.superseded or meeting.starts_at <= now or meeting.starts_at > horizon:
        if mirror is None or mirror.state not in (MirrorState.ACTIVE, MirrorState.CLAIMED):
            return "none"
        action: Action = "none"
        if event is not None and event.status == "scheduled" and meeting.starts_at > now:
            with contextlib.suppress(port.Gone):
                await out.delete_event(event.id)
            action = "deleted"
        mirror.state = MirrorState.GONE
        mirror.synced_at = now
        return action
    spec = desired(meeting, settings, places)
    if mirror is None:
        mirror = await _claim(session, meeting_id, now)
        if mirror is None:
            return "none"
    if mirror.state is MirrorState.ACTIVE and event is not None and event.open:
        if event.matches(spec):
            return "none"
        await out.edit_event(event.id, spec)
        mirror.synced_at = now
        return "updated"
    recreate = mirror.state is MirrorState.ACTIVE
    mirror.state = MirrorState.CLAIMED
    mirror.claimed_at = now
    await session.flush()
    placed, how = await _place_event(out, spec, meeting_id, listing, image)
    mirror.guild_event_id = placed.id
    mirror.state = MirrorState.ACTIVE
    mirror.synced_at = now
    await session.flush()
    return "recreated" if recreate and how == "created" else how


async def active_mirrors(session: AsyncSession) -> list[MeetingMirror]:
    """Mirrors whose event exists (for reading RSVPs at start)."""
    return list(
        (
            await session.scalars(
                select(MeetingMirror).where(
                    MeetingMirror.state == MirrorState.ACTIVE,
                    MeetingMirror.guild_event_id.is_not(None),
                )
            )
        ).all()
    )


async def meeting_for_event(session: AsyncSession, event_id: int) -> int | None:
    return (
        await session.scalars(
            select(MeetingMirror.meeting_id).where(MeetingMirror.guild_event_id == event_id)
        )
    ).first()


async def mirrored_count(session: AsyncSession, now: datetime) -> int:
    """How many upcoming meetings have their event in the server."""
    found = await session.scalar(
        select(func.count())
        .select_from(MeetingMirror)
        .join(Meeting, Meeting.id == MeetingMirror.meeting_id)
        .where(MeetingMirror.state == MirrorState.ACTIVE, Meeting.starts_at > now)
    )
    return int(found or 0)
