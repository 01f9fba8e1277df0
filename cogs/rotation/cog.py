"""/meeting and /roster: the group's schedule and the fair facilitation rotation.

Slash commands only; the buttons are in ``components``, the text in ``render``, the
decisions in ``bot.services.rotation``.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import TypeVar

import discord
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checks import audience
from bot.client import CopBot
from bot.commands import coordinator_command
from bot.errors import DomainError, InvalidInput, NotFound
from bot.mentions import NO_PINGS, only_users
from bot.models import Meeting, Member, RosterPostStatus
from bot.services import events, members, rotation
from bot.services.rotation import PostOutcome, PostSchedule, RotationRules, Slot
from bot.services.rotation import series as meeting_service
from bot.timeutil import show
from bot.ui import CopCog, CopInteraction, send
from cogs.events import open_picker, status_lines
from cogs.rotation.choices import meeting_autocomplete, my_meeting_autocomplete
from cogs.rotation.components import SwapButton, swap_buttons
from cogs.rotation.render import (
    NO_MEETINGS,
    NOBODY_IN_ROTATION,
    ROSTER_HINT,
    handed_over,
    ledger_embed,
    local_date,
    meeting_list_embed,
    mention,
    moved_text,
    roster_message,
    roster_text,
    swap_request_text,
)
from cogs.rotation.render import when as when_text

log = logging.getLogger(__name__)

ROSTER_JOB_ID = "rotation:roster-post"
PLAN_JOB_ID = "rotation:plan"

MeetingMinutes = app_commands.Range[int, 15, 600]
"""How long a meeting lasts, in minutes."""
PLACE_HELP = "Where: a room and address, or a video-call link"
MEETING_DATE_HELP = "The meeting's date, e.g. 2026-03-17 (pick from the list)"

T = TypeVar("T")


def meeting_date_option(func: T) -> T:
    """The command's ``date`` option names an upcoming meeting, picked from a list."""
    described = app_commands.describe(date=MEETING_DATE_HELP)(func)
    return app_commands.autocomplete(date=meeting_autocomplete)(described)


async def roster_post_tick(bot: CopBot) -> None:
    """APScheduler job: post the roster if a slot is due (decided from the database)."""
    cog = bot.get_cog("Roster")
    if isinstance(cog, Roster):
        await bot.wait_until_ready()
        await cog.post_if_due()


async def plan_tick(bot: CopBot) -> None:
    """APScheduler job: keep the series' meetings and the roster planned ahead."""
    cog = bot.get_cog("Roster")
    if isinstance(cog, Roster):
        await cog.refresh_plan()


def _rules(bot: CopBot) -> RotationRules:
    return RotationRules.from_config(bot.config)


@asynccontextmanager
async def _changing(bot: CopBot) -> AsyncIterator[AsyncSession]:
    """A unit of work that changes meetings or turns; once it is committed, listeners
    (the events mirror) hear ``cop_meetings_changed``. Nothing is heard if it fails."""
    async with bot.db.transaction() as session:
        yield session
    bot.dispatch("cop_meetings_changed")


async def _post_notice(
    bot: CopBot, channel_id: int, text: str, users: list[int], what: str
) -> None:
    """Post ``text`` in a channel, pinging only ``users``; a failure is logged as ``what``
    (the command's own answer has gone already)."""
    try:
        channel = await bot.text_channel(channel_id)
        await channel.send(text, allowed_mentions=only_users(users) if users else NO_PINGS)
    except (discord.HTTPException, TypeError):
        log.warning("could not %s", what, exc_info=True)


class Meetings(CopCog):
    """The meeting schedule."""

    meeting = app_commands.Group(
        name="meeting", description="The group's meetings: schedule, list and calendar."
    )

    async def _announce(self, text: str, users: list[int]) -> None:
        await _post_notice(
            self.bot,
            self.bot.config.channels.announcements,
            text,
            users,
            "post to the announcements channel",
        )

    @meeting.command(name="series", description="Set the recurring meeting schedule.")
    @app_commands.describe(
        when="When meetings repeat, e.g. 'every 4 weeks on Tuesday at 10:00' or "
        "'every second Thursday at 10am'",
        place=PLACE_HELP,
        duration="How long each meeting lasts, in minutes (default from config)",
    )
    @coordinator_command()
    async def series(
        self,
        interaction: CopInteraction,
        when: str,
        place: str,
        duration: MeetingMinutes | None = None,
    ) -> None:
        bot = self.bot
        now = bot.clock()
        rules = _rules(bot)
        async with _changing(bot) as session:
            change = await meeting_service.set_series(
                session,
                phrase=when,
                place=place,
                duration_minutes=duration or bot.config.rotation.meeting_minutes,
                zone=bot.zone,
                now=now,
                horizon_days=rules.horizon_days,
                created_by=interaction.user.id,
            )
            upcoming = (await rotation.plan(session, now, rules))[:3]
        schedule = change.recurrence.describe()
        lines = [
            f"Meetings are now **{schedule}**"
            + (f", at {place.strip()}." if place.strip() else ".")
        ]
        if upcoming:
            lines.append("Next: " + "; ".join(show(m.starts_at, "f") for m in upcoming) + ".")
        if change.kept:
            lines.append(f"{change.kept} upcoming meeting(s) at the same times kept their roster.")
        if change.dropped:
            lines.append(f"{change.dropped} meeting(s) from the old schedule were dropped.")
        lines.append("The group has been told in the announcements channel.")
        await send(interaction, "\n".join(lines))
        first = f" The first is {when_text(upcoming[0])}." if upcoming else ""
        where = f" at {place.strip()}" if place.strip() else ""
        await self._announce(
            f"📅 **Meeting schedule:** {schedule}{where}.{first} "
            "See who facilitates with `/roster show`, and get the calendar with "
            "`/meeting calendar`.",
            [],
        )

    @meeting.command(name="add", description="Add a one-off meeting.")
    @app_commands.describe(
        when="Date and time in the community's time zone, e.g. 2026-03-17 10:00",
        place=PLACE_HELP,
        title="What the meeting is, if it is special (optional)",
        duration="How long it lasts, in minutes (default from config)",
    )
    @coordinator_command()
    async def add(
        self,
        interaction: CopInteraction,
        when: str,
        place: str,
        title: str | None = None,
        duration: MeetingMinutes | None = None,
    ) -> None:
        bot = self.bot
        now = bot.clock()
        starts_at = meeting_service.parse_when(when, bot.zone, now)
        async with _changing(bot) as session:
            meeting = await meeting_service.add_meeting(
                session,
                starts_at=starts_at,
                place=place,
                title=title or "",
                duration_minutes=duration or bot.config.rotation.meeting_minutes,
                now=now,
                zone=bot.zone,
            )
            await rotation.plan(session, now, _rules(bot))
            meeting_id = meeting.id
            facilitator = meeting.facilitator
        await send(
            interaction,
            f"Added a meeting on {show(starts_at)} (`{local_date(meeting, bot.zone)}`)"
            + (f" at {meeting.place}" if meeting.place else "")
            + f". Facilitator: {mention(facilitator)}.",
        )
        log.info("meeting %s added by %s", meeting_id, interaction.user.id)

    @meeting.command(name="cancel", description="Cancel one meeting and tell the group.")
    @app_commands.describe(reason="Why, for the group (optional)")
    @meeting_date_option
    @coordinator_command()
    async def cancel(
        self, interaction: CopInteraction, date: str, reason: str | None = None
    ) -> None:
        bot = self.bot
        now = bot.clock()
        async with _changing(bot) as session:
            meeting = await meeting_service.find_meeting(session, date, bot.zone, now)
            people = [m for m in (meeting.facilitator, meeting.co_facilitator) if m is not None]
            await meeting_service.cancel_meeting(session, meeting, reason=reason or "", now=now)
            await rotation.plan(session, now, _rules(bot))
        users = [p.user_id for p in people]
        named = " and ".join(mention(p) for p in people)
        because = f" Reason: {meeting.cancel_reason}" if meeting.cancel_reason else ""
        facilitators = (
            f" {named}: no need to prepare; your place in the rotation is unchanged."
            if people
            else ""
        )
        await self._announce(
            f"❌ **The meeting on {show(meeting.starts_at)} is cancelled.**{because}{facilitators}",
            users,
        )
        await send(
            interaction,
            f"Cancelled the meeting on {show(meeting.starts_at)}; the group has been told.",
        )

    @meeting.command(name="list", description="Show the upcoming meetings.")
    @app_commands.describe(count="How many meetings to show (default 10)")
    @audience("everyone")
    async def list_(
        self, interaction: CopInteraction, count: app_commands.Range[int, 1, 25] = 10
    ) -> None:
        bot = self.bot
        now = bot.clock()
        async with bot.db.transaction() as session:
            await rotation.ensure_planned(session, now, _rules(bot))
            meetings = await meeting_service.upcoming_meetings(
                session, now, limit=count, include_cancelled=True
            )
            series = await meeting_service.active_series(session)
            schedule = (
                meeting_service.series_recurrence(series).describe() if series is not None else None
            )
            coming = await events.rsvp_counts(session, [m.id for m in meetings])
        await send(interaction, embed=meeting_list_embed(meetings, bot.zone, schedule, coming))

    @meeting.command(name="attendance", description="Record or correct who came to a meeting.")
    @app_commands.describe(date="The meeting's date, e.g. 2026-03-03")
    async def attendance(self, interaction: CopInteraction, date: str) -> None:
        bot = self.bot
        async with bot.db.transaction() as session:
            _, found = await meeting_service.started_meeting(session, date, bot.zone, bot.clock())
        await open_picker(interaction, found.id)

    @meeting.command(name="status", description="Whether meetings show as server events.")
    @coordinator_command()
    async def status(self, interaction: CopInteraction) -> None:
        bot = self.bot
        now = bot.clock()
        async with bot.db.transaction() as session:
            noted = [p.message for p in await events.problems(session)]
            mirrored = await events.mirrored_count(session, now)
        await send(interaction, status_lines(bot.config.events.enabled, mirrored, noted))

    @meeting.command(
        name="calendar", description="Get the upcoming meetings as a calendar (.ics) file."
    )
    @audience("everyone")
    async def calendar(self, interaction: CopInteraction) -> None:
        bot = self.bot
        now = bot.clock()
        guild = interaction.guild

        def name_of(member: Member) -> str:
            if member.display_name:
                return member.display_name
            found = guild.get_member(member.user_id) if guild is not None else None
            return found.display_name if found is not None else "a member"

        async with bot.db.transaction() as session:
            await rotation.ensure_planned(session, now, _rules(bot))
            meetings = await meeting_service.upcoming_meetings(session, now, include_cancelled=True)
            data = meeting_service.build_calendar(
                meetings,
                zone=bot.zone,
                community=bot.config.community.name,
                name_of=name_of,
                now=now,
            )
        if not meetings:
            await send(interaction, NO_MEETINGS)
            return
        file = discord.File(io.BytesIO(data), filename="cop-meetings.ics")
        await send(
            interaction,
            f"The next {len(meetings)} meetings, with their facilitators. Import the file into "
            "your calendar app (times are in the community's time zone).",
            file=file,
        )


class Roster(CopCog):
    """The facilitation rotation."""

    roster = app_commands.Group(
        name="roster", description="Who facilitates which meeting, shared fairly."
    )

    persistent_items = (SwapButton,)

    @property
    def rules(self) -> RotationRules:
        return _rules(self.bot)

    async def cog_load(self) -> None:
        await super().cog_load()
        # Each job may run up to one interval late, and runs once soon after start.
        for job_id, tick, every, first_after in (
            (ROSTER_JOB_ID, roster_post_tick, timedelta(minutes=1), 5),
            (PLAN_JOB_ID, plan_tick, timedelta(hours=1), 2),
        ):
            self.schedule(
                job_id,
                tick,
                IntervalTrigger(seconds=every.total_seconds()),
                args=[self.bot],
                grace_seconds=int(every.total_seconds()),
                first_after=first_after,
            )

    # --- helpers -------------------------------------------------------------------

    async def _in_rotation(
        self, session: AsyncSession, user: discord.abc.User, *, you: bool
    ) -> Member:
        """``user``'s member row, refused (addressed to ``you`` or by mention) if they
        are not in the rotation."""
        found = await members.member_by_user(session, user.id)
        return rotation.require_in_rotation(found, mention=user.mention, you=you)

    async def _turn(
        self, session: AsyncSession, user: discord.abc.User, date: str, now: datetime, *, you: bool
    ) -> tuple[Member, Meeting]:
        """``user``'s member row (refused as in ``_in_rotation``), then the meeting on
        ``date`` (refused if there is none)."""
        member = await self._in_rotation(session, user, you=you)
        return member, await meeting_service.find_meeting(session, date, self.bot.zone, now)

    async def refresh_plan(self) -> None:
        try:
            async with self.bot.db.transaction() as session:
                await rotation.plan(session, self.bot.clock(), self.rules)
        except Exception:
            log.exception("could not refresh the roster plan")

    async def _tell_moved(self, moved: list[rotation.TurnMoved], skip: set[int]) -> None:
        """Tell members whose announced turn moved, in the roster channel."""
        moved = [m for m in moved if m.member.id not in skip]
        if moved:
            await _post_notice(
                self.bot,
                self.bot.config.channels.roster,
                moved_text(moved),
                [m.member.user_id for m in moved],
                "tell members their turn moved",
            )

    # --- commands ------------------------------------------------------------------

    @roster.command(name="show", description="Show the next meetings and who facilitates them.")
    @app_commands.describe(count="How many meetings to show (default from config)")
    @audience("everyone")
    async def show_(
        self,
        interaction: CopInteraction,
        count: app_commands.Range[int, 1, 20] | None = None,
    ) -> None:
        bot = self.bot
        now = bot.clock()
        async with bot.db.transaction() as session:
            meetings = await rotation.roster(
                session, now, count or bot.config.rotation.post_count, self.rules
            )
            in_rotation = await rotation.pool_size(session, now)
        if not meetings:
            raise InvalidInput(NO_MEETINGS)
        footer = ROSTER_HINT if in_rotation else NOBODY_IN_ROTATION
        text = roster_text(meetings, heading="**Facilitation roster**", footer=footer)
        await interaction.response.send_message(text, allowed_mentions=NO_PINGS)

    @roster.command(name="unavailable", description="Mark yourself unavailable to facilitate.")
    @app_commands.describe(
        when="A date or range, e.g. 2026-03-17 or 2026-03-17..2026-04-07",
        reason="Why (optional; only you and the bot see it)",
    )
    async def unavailable(
        self, interaction: CopInteraction, when: str, reason: str | None = None
    ) -> None:
        bot = self.bot
        now = bot.clock()
        first, last = meeting_service.parse_day_range(when, bot.zone, now)
        async with _changing(bot) as session:
            me = await self._in_rotation(session, interaction.user, you=True)
            result = await rotation.mark_unavailable(
                session, me, first, last, reason or "", now, self.rules, keyring=bot.data_keyring
            )
            handed = handed_over(result.released)
        span = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        text = f"You're marked unavailable for `{span}`. Your place in the rotation is kept."
        if handed:
            text += " Your turn " + "; ".join(handed) + "."
        await send(interaction, text)

    @roster.command(name="available", description="Undo being marked unavailable.")
    @app_commands.describe(when="A date or range to clear, e.g. 2026-03-17..2026-04-07")
    async def available(self, interaction: CopInteraction, when: str) -> None:
        bot = self.bot
        now = bot.clock()
        first, last = meeting_service.parse_day_range(when, bot.zone, now)
        async with _changing(bot) as session:
            me = await self._in_rotation(session, interaction.user, you=True)
            cleared = await rotation.clear_unavailable(session, me, first, last, now, self.rules)
        if not cleared:
            raise NotFound(
                "You weren't marked unavailable on those days, so there's nothing to clear. "
                "See `/mydata` for what you marked."
            )
        await send(interaction, "Done: you're available again on those days.")

    @roster.command(
        name="availability",
        description="Say when you can facilitate, e.g. I can't do Mondays, or not before 10:00.",
    )
    @app_commands.describe(
        rule="e.g. I can't do Mondays · not before 10:00 · not after 4pm · any (to clear)"
    )
    async def availability(self, interaction: CopInteraction, rule: str) -> None:
        bot = self.bot
        now = bot.clock()
        async with _changing(bot) as session:
            me = await self._in_rotation(session, interaction.user, you=True)
            parsed, released = await rotation.set_standing_availability(
                session, me, rule, now, self.rules
            )
            handed = handed_over(released)
        if parsed.is_empty:
            text = "Done: you can facilitate any day and time again."
        else:
            text = f"Got it: you'll only be given turns {parsed.describe()}."
        if handed:
            text += " Turns that no longer fit: " + "; ".join(handed) + "."
        await send(interaction, text)

    @roster.command(name="swap", description="Ask another member to take your turn.")
    @app_commands.describe(
        date="The date of your turn, e.g. 2026-03-17 (pick from the list)",
        member="The member you'd like to take it",
    )
    @app_commands.autocomplete(date=my_meeting_autocomplete)
    async def swap(self, interaction: CopInteraction, date: str, member: discord.Member) -> None:
        bot = self.bot
        now = bot.clock()
        async with bot.db.transaction() as session:
            me, meeting = await self._turn(session, interaction.user, date, now, you=True)
            if member.id == interaction.user.id:
                target = me
            else:
                target = await self._in_rotation(session, member, you=False)
            swap = await rotation.request_swap(
                session, requester=me, target=target, meeting=meeting, now=now, rules=self.rules
            )
            view = await rotation.swap_view(session, swap.id)
        await interaction.response.send_message(
            swap_request_text(view),
            view=swap_buttons(swap.id),
            allowed_mentions=only_users([member.id]),
        )
        message = await interaction.original_response()
        async with bot.db.transaction() as session:
            await rotation.set_swap_message(session, swap.id, message.channel.id, message.id)

    @roster.command(name="volunteer", description="Put yourself forward to facilitate a meeting.")
    @meeting_date_option
    async def volunteer(self, interaction: CopInteraction, date: str) -> None:
        bot = self.bot
        now = bot.clock()
        async with _changing(bot) as session:
            me, meeting = await self._turn(session, interaction.user, date, now, you=True)
            result = await rotation.volunteer(session, meeting, me, now, self.rules)
            co = meeting.co_facilitator
        extra = f" {mention(co)} will co-facilitate with you." if co else ""
        await send(
            interaction, f"Thank you! You'll facilitate the meeting on {when_text(meeting)}.{extra}"
        )
        await self._tell_moved(result.moved, {me.id})

    @roster.command(name="assign", description="Set who facilitates a meeting.")
    @app_commands.describe(member="The member who will facilitate")
    @meeting_date_option
    @coordinator_command()
    async def assign(self, interaction: CopInteraction, date: str, member: discord.Member) -> None:
        bot = self.bot
        now = bot.clock()
        async with _changing(bot) as session:
            target, meeting = await self._turn(session, member, date, now, you=False)
            before = meeting.facilitator
            result = await rotation.assign(session, meeting, target, now, self.rules)
        await send(
            interaction,
            f"{member.mention} now facilitates the meeting on {when_text(meeting)}"
            + (f" (instead of {mention(before)})." if before and before.id != target.id else "."),
        )
        await _post_notice(
            bot,
            bot.config.channels.roster,
            f"{member.mention}, a coordinator has asked you to facilitate the meeting on "
            f"{when_text(meeting)}. If you can't, use `/roster swap` or `/roster unavailable`.",
            [member.id],
            "tell the assigned member in the roster channel",
        )
        await self._tell_moved(result.moved, {target.id})

    @roster.command(
        name="cofacilitator", description="Name the co-facilitator of a meeting (coordinators)."
    )
    @app_commands.describe(member="The member who will co-facilitate")
    @meeting_date_option
    @coordinator_command()
    async def cofacilitator(
        self, interaction: CopInteraction, date: str, member: discord.Member
    ) -> None:
        bot = self.bot
        now = bot.clock()
        async with _changing(bot) as session:
            target, meeting = await self._turn(session, member, date, now, you=False)
            await rotation.name_co_facilitator(session, meeting, target, now, self.rules)
            facilitator = meeting.facilitator
        await send(
            interaction,
            f"{member.mention} will co-facilitate the meeting on {when_text(meeting)} with "
            f"{mention(facilitator)}.",
        )

    @roster.command(name="missed", description="Record that a facilitator missed their turn.")
    @app_commands.describe(
        date="The past meeting's date, e.g. 2026-03-03",
        stand_in="Who facilitated instead, if anyone (they get the credit)",
    )
    @coordinator_command()
    async def missed(
        self,
        interaction: CopInteraction,
        date: str,
        stand_in: discord.Member | None = None,
    ) -> None:
        bot = self.bot
        now = bot.clock()
        async with bot.db.transaction() as session:
            day, found = await meeting_service.started_meeting(session, date, bot.zone, now)
            helper = None
            if stand_in is not None:
                helper = await self._in_rotation(session, stand_in, you=False)
            assignment = await rotation.record_missed(session, found, helper, now)
            who = mention(assignment.member)
        text = f"Recorded that {who} missed their turn on `{day.isoformat()}`"
        text += f"; {stand_in.mention} stood in and gets the credit." if stand_in else "."
        await send(interaction, text)

    @roster.command(name="post", description="Post the roster in the roster channel now.")
    @coordinator_command()
    async def post(self, interaction: CopInteraction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.post_roster(Slot(f"manual:{interaction.id}", self.bot.clock()))
        if outcome is None or outcome.status is RosterPostStatus.SKIPPED:
            raise InvalidInput(NO_MEETINGS)
        verb = "Updated" if outcome.status is RosterPostStatus.EDITED else "Posted"
        await send(interaction, f"{verb} the roster in <#{self.bot.config.channels.roster}>.")

    @roster.command(name="ledger", description="Show the shared facilitation workload.")
    @audience("everyone")
    async def ledger(self, interaction: CopInteraction) -> None:
        bot = self.bot
        async with bot.db.transaction() as session:
            rows = await rotation.ledger(session, bot.clock(), self.rules)
            total = await rotation.rotation_size(session)
        await interaction.response.send_message(
            embed=ledger_embed(rows, total), allowed_mentions=NO_PINGS
        )

    # --- the roster post -----------------------------------------------------------

    async def post_if_due(self) -> PostOutcome | None:
        """Post the roster if the schedule says a slot is due and it has not gone out.

        What is due comes from the bot's clock and the ``roster_posts`` table, so this is
        safe to call any number of times, from the scheduler or from tests.
        """
        schedule = PostSchedule.from_config(self.bot.config)
        if schedule.mode == "off":
            return None
        now = self.bot.clock()
        async with self.bot.db.transaction() as session:
            slot = await rotation.due_slot(session, now, schedule, self.bot.zone)
        if slot is None:
            return None
        try:
            return await self.post_roster(slot)
        except DomainError:
            return None

    async def post_roster(self, slot: Slot) -> PostOutcome | None:
        """Claim ``slot`` (at most once), then post or edit the roster for it: decided by
        the service, delivered through the bot's port."""
        bot = self.bot
        config = bot.config
        channel_id = config.channels.roster
        async with bot.db.transaction() as session:
            plan = await rotation.prepare_post(
                session,
                slot,
                bot.clock(),
                rules=self.rules,
                count=config.rotation.post_count,
                channel_id=channel_id,
                edit_previous=config.rotation.post_edit_previous,
            )
            if plan is None:
                return None
            message = roster_message(plan)
        # The claim is committed: a crash from here on can lose this post, never double it.
        outcome = await rotation.deliver_post(bot.port, plan, channel_id, message)
        async with bot.db.transaction() as session:
            await rotation.record_post(session, plan, outcome, channel_id, bot.clock())
        return outcome

    # --- leavers -------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A member left: their upcoming turns go to others. The raw event fires whether
        or not the member was cached (the bot does not cache the whole member list)."""
        if payload.guild_id != self.bot.config.discord.guild_id:
            return
        now = self.bot.clock()
        async with self.bot.db.transaction() as session:
            row = await members.member_by_user(session, payload.user.id)
            if row is None:
                return
            row.in_guild = False
            changed = await rotation.reassign_future_turns(session, row, now, self.rules)
        if changed:
            log.info("member %s left; %d upcoming turn(s) reassigned", row.id, len(changed))
            self.bot.dispatch("cop_meetings_changed")
