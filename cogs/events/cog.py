"""Meetings where Discord shows them: the sweep that mirrors meetings as scheduled events,
RSVPs from the gateway, each meeting's thread and its follow-up.

No slash commands of its own: ``/meeting attendance`` and ``/meeting status`` belong to
the /meeting group (``cogs.rotation``) and use this package's public names. The
decisions are in ``bot.services.events``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger
from discord.ext import commands

from bot import port
from bot.client import CopBot
from bot.services import events, learnings
from bot.services.events import EventsSettings
from cogs.events.adapter import DiscordEvents
from cogs.events.components import AttendanceButton
from cogs.events.render import follow_up_message, thread_message, thread_name

log = logging.getLogger(__name__)

TICK_JOB_ID = "events:tick"
TICK_MINUTES = 5
RSVP_REREAD = timedelta(hours=1)


async def events_tick(bot: CopBot) -> None:
    """APScheduler job: sweep the events, open due threads, post due follow-ups."""
    cog = bot.get_cog("Events")
    if isinstance(cog, Events):
        await bot.wait_until_ready()
        await cog.tick()


class Events(commands.Cog):
    """Scheduled events, RSVPs, meeting threads and attendance follow-ups."""

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self.out = DiscordEvents(bot, bot.config.discord.guild_id)
        self.holder = uuid.uuid4().hex
        self.image: bytes | None = None
        self._rsvps_read_at: datetime | None = None
        self._sweeping = asyncio.Lock()
        self._soon: asyncio.Task[None] | None = None

    @property
    def settings(self) -> EventsSettings:
        return EventsSettings.from_config(self.bot.config)

    async def cog_load(self) -> None:
        image = self.bot.config.events.image
        self.image = image.read_bytes() if image is not None else None
        self.bot.add_dynamic_items(AttendanceButton)
        self._hook_rsvps()
        self.bot.scheduler.add_job(
            events_tick,
            IntervalTrigger(minutes=TICK_MINUTES),
            id=TICK_JOB_ID,
            replace_existing=True,
            args=[self.bot],
            next_run_time=datetime.now(UTC) + timedelta(seconds=3),
            coalesce=True,
            misfire_grace_time=TICK_MINUTES * 60,
        )

    async def cog_unload(self) -> None:
        if self.bot.scheduler.get_job(TICK_JOB_ID) is not None:
            self.bot.scheduler.remove_job(TICK_JOB_ID)
        if self._soon is not None:
            self._soon.cancel()
            await asyncio.wait([self._soon])  # its session closes before the database does

    # --- the work --------------------------------------------------------------------

    async def tick(self) -> None:
        """One round: the events sweep (and, at start and then hourly, the RSVPs from the
        REST list, which catches any gateway event missed while the bot was away), then the
        threads and follow-ups that are due. Safe to call any time."""
        try:
            await self.sweep()
            now = datetime.now(UTC)
            if (
                self._rsvps_read_at is None or now - self._rsvps_read_at > RSVP_REREAD
            ) and await self.read_rsvps():
                self._rsvps_read_at = now
            await self.open_threads()
            await self.follow_up()
        except Exception:
            log.exception("the events round failed; the next one tries again")

    async def sweep(self) -> events.SweepReport:
        async with self._sweeping:
            return await events.sweep(
                self.bot.db.transaction,
                self.out,
                self.bot.clock(),
                self.settings,
                holder=self.holder,
                image=self.image,
            )

    async def read_rsvps(self) -> bool:
        """Who marked each mirrored meeting Interested, from the REST list; False when
        Discord could not be read (the next round tries again)."""
        if not self.settings.enabled:
            return True
        async with self.bot.db.transaction() as session:
            mirrors = [
                (m.meeting_id, m.guild_event_id) for m in await events.active_mirrors(session)
            ]
        for meeting_id, event_id in mirrors:
            if event_id is None:
                continue
            try:
                users = await self.out.interested(event_id)
            except port.Gone:
                continue
            except port.PortError as exc:
                log.info("could not read who is interested in event %s: %s", event_id, exc)
                return False
            async with self.bot.db.transaction() as session:
                await events.replace_rsvps(session, meeting_id, users, self.bot.clock())
        return True

    async def _themes(self, now: datetime) -> list[str]:
        keyring = self.bot.keyring
        if keyring is None:
            return []
        since = now - timedelta(days=self.bot.config.reminders.themes_lookback_days)
        async with self.bot.db.transaction() as session:
            found = await learnings.shareable_themes(session, keyring, since, now)
        return [name for name, _count in found]

    async def open_threads(self) -> None:
        config = self.bot.config
        channel_id = config.channels.meetings or config.channels.announcements
        now = self.bot.clock()
        async with self.bot.db.transaction() as session:
            due = await events.threads_due(session, now, config.events.thread_days_before)
        if not due:
            return
        themes = await self._themes(now)
        for meeting_id in due:
            async with self.bot.db.transaction() as session:
                meeting = await events.claim_thread(session, meeting_id, now)
                if meeting is None:
                    continue
                coming = await events.rsvp_count(session, meeting_id)
                local_day = meeting.starts_at.astimezone(self.bot.zone).strftime("%d %b %Y")
                name = thread_name(meeting, local_day)
                message = thread_message(meeting, themes, coming)
            sent = await events.open_thread(self.bot.port, channel_id, name, message)
            if sent is None:
                log.warning("could not open the thread for meeting %s; will retry", meeting_id)
            async with self.bot.db.transaction() as session:
                await events.record_thread(session, meeting_id, sent, channel_id)

    async def follow_up(self) -> None:
        now = self.bot.clock()
        async with self.bot.db.transaction() as session:
            due = await events.follow_ups_due(session, now)
        for meeting_id in due:
            async with self.bot.db.transaction() as session:
                claimed = await events.claim_follow_up(session, meeting_id, now)
                if claimed is None:
                    continue
                meeting, thread_id = claimed
                message = follow_up_message(
                    meeting,
                    in_thread=thread_id is not None,
                    button=AttendanceButton(meeting.id).as_port(),
                )
            target = thread_id or self.bot.config.channels.coordinators
            try:
                await self.bot.port.post(target, message)
            except port.PortError as exc:
                log.warning("could not post the follow-up of meeting %s: %s", meeting_id, exc)
                async with self.bot.db.transaction() as session:
                    await events.release_follow_up(session, meeting_id)

    def sweep_soon(self) -> None:
        """Sweep shortly, once: after a meeting changed (moved, cancelled, new facilitator)."""
        if self._soon is not None and not self._soon.done():
            return
        self._soon = self.bot.background(self._sweep_now(), name="events-sweep-soon")

    async def _sweep_now(self) -> None:
        await asyncio.sleep(0)
        try:
            await self.sweep()
        except Exception:
            log.exception("the events sweep after a change failed; the next round tries again")

    # --- gateway -----------------------------------------------------------------------

    def _hook_rsvps(self) -> None:
        """See every RSVP on the gateway, raw. discord.py drops a scheduled-event user add
        or remove whose user is not cached, and the bot does not cache the whole member
        list (it would grow with the server), so the raw ids are read here and handed on
        as ``cop_rsvp`` before discord.py's own parser runs."""
        parsers = self.bot._connection.parsers
        for kind, added in (
            ("GUILD_SCHEDULED_EVENT_USER_ADD", True),
            ("GUILD_SCHEDULED_EVENT_USER_REMOVE", False),
        ):
            original = parsers.get(kind)
            if getattr(original, "cop_rsvp", False):
                original = getattr(original, "original", None)

            def parse(data: Any, original: Any = original, added: bool = added) -> None:
                try:
                    ids = (
                        int(data["guild_id"]),
                        int(data["guild_scheduled_event_id"]),
                        int(data["user_id"]),
                    )
                except (KeyError, TypeError, ValueError):
                    ids = None
                if ids is not None:
                    self.bot.dispatch("cop_rsvp", *ids, added)
                if original is not None:
                    original(data)

            parse.cop_rsvp = True  # type: ignore[attr-defined]
            parse.original = original  # type: ignore[attr-defined]
            parsers[kind] = parse

    @commands.Cog.listener()
    async def on_cop_rsvp(self, guild_id: int, event_id: int, user_id: int, added: bool) -> None:
        if guild_id != self.bot.config.discord.guild_id:
            return
        async with self.bot.db.transaction() as session:
            if added:
                await events.add_rsvp(session, event_id, user_id, self.bot.clock())
            else:
                await events.remove_rsvp(session, event_id, user_id)

    @commands.Cog.listener()
    async def on_cop_meetings_changed(self) -> None:
        self.sweep_soon()
