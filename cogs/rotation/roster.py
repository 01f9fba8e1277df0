"""/roster show|unavailable|available|swap|volunteer|assign|missed|post|ledger, the
automatic roster post, and leavers dropping out of the rotation."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.ext import commands

from bot.checks import audience, coordinator_only
from bot.errors import DomainError, InvalidInput, NotFound
from bot.mentions import NO_PINGS, only_users
from bot.models import Member, RosterPostStatus
from bot.services import meetings as meeting_service
from bot.services import members, rotation
from bot.services.rotation import PostSchedule, RotationRules, Slot
from bot.timeutil import show
from cogs.rotation.meetings import meeting_autocomplete
from cogs.rotation.render import (
    NO_MEETINGS,
    NOBODY_IN_ROTATION,
    ROSTER_HINT,
    ledger_embed,
    mention,
    roster_people,
    roster_text,
    when,
)
from cogs.rotation.swaps import swap_buttons, swap_request_text

if TYPE_CHECKING:
    from bot.client import CopBot

log = logging.getLogger(__name__)

ROSTER_JOB_ID = "rotation:roster-post"
PLAN_JOB_ID = "rotation:plan"


@dataclass(frozen=True)
class PostOutcome:
    slot_key: str
    status: RosterPostStatus
    message_id: int | None


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


async def my_meeting_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """The presser's own upcoming turns first, then every upcoming meeting."""
    bot: CopBot = interaction.client
    now = bot.clock()
    async with bot.db.transaction() as session:
        meetings = await meeting_service.upcoming_meetings(session, now, limit=50)
    mine = [m for m in meetings if m.facilitator and m.facilitator.user_id == interaction.user.id]
    choices = []
    for meeting in mine:
        local = meeting.starts_at.astimezone(bot.zone)
        value = local.date().isoformat()
        if current.strip() and current.strip().lower() not in value:
            continue
        choices.append(
            app_commands.Choice(name=f"{local:%a %d %b %Y, %H:%M} · your turn", value=value)
        )
    if choices:
        return choices[:25]
    return await meeting_autocomplete(interaction, current)


class Roster(commands.Cog):
    """The facilitation rotation."""

    roster = app_commands.Group(
        name="roster", description="Who facilitates which meeting, shared fairly."
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    @property
    def rules(self) -> RotationRules:
        return RotationRules.from_config(self.bot.config)

    async def cog_load(self) -> None:
        from cogs.rotation.swaps import SwapButton

        self.bot.add_dynamic_items(SwapButton)
        self.bot.scheduler.add_job(
            roster_post_tick,
            IntervalTrigger(minutes=1),
            id=ROSTER_JOB_ID,
            replace_existing=True,
            args=[self.bot],
            next_run_time=datetime.now(UTC) + timedelta(seconds=5),
            coalesce=True,
            misfire_grace_time=60,
        )
        self.bot.scheduler.add_job(
            plan_tick,
            IntervalTrigger(hours=1),
            id=PLAN_JOB_ID,
            replace_existing=True,
            args=[self.bot],
            next_run_time=datetime.now(UTC) + timedelta(seconds=2),
            coalesce=True,
            misfire_grace_time=3600,
        )

    async def cog_unload(self) -> None:
        for job_id in (ROSTER_JOB_ID, PLAN_JOB_ID):
            if self.bot.scheduler.get_job(job_id) is not None:
                self.bot.scheduler.remove_job(job_id)

    # --- helpers -------------------------------------------------------------------

    async def _me(self, session: Any, user: discord.abc.User) -> Member:
        found = await members.member_by_user(session, user.id)
        return rotation.require_in_rotation(found, mention=user.mention, you=True)

    async def _them(self, session: Any, user: discord.abc.User) -> Member:
        found = await members.member_by_user(session, user.id)
        return rotation.require_in_rotation(found, mention=user.mention, you=False)

    async def refresh_plan(self) -> None:
        try:
            async with self.bot.db.transaction() as session:
                await rotation.plan(session, self.bot.clock(), self.rules)
        except Exception:
            log.exception("could not refresh the roster plan")

    # --- commands ------------------------------------------------------------------

    @roster.command(name="show", description="Show the next meetings and who facilitates them.")
    @app_commands.describe(count="How many meetings to show (default from config)")
    @audience("everyone")
    async def show_(
        self,
        interaction: discord.Interaction[Any],
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
        when="A date or range, e.g. 2026-03-17 or 2026-03-17 to 2026-04-07",
        reason="Why (optional; only you and the bot see it)",
    )
    async def unavailable(
        self, interaction: discord.Interaction[Any], when: str, reason: str | None = None
    ) -> None:
        bot = self.bot
        now = bot.clock()
        first, last = meeting_service.parse_day_range(when, bot.zone, now)
        async with bot.db.transaction() as session:
            me = await self._me(session, interaction.user)
            result = await rotation.mark_unavailable(
                session, me, first, last, reason or "", now, self.rules
            )
            handed = [
                f"{show(m.starts_at, 'D')} now goes to {mention(m.facilitator)}"
                for m in result.released
            ]
        span = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        text = f"You're marked unavailable for `{span}`. Your place in the rotation is kept."
        if handed:
            text += " Your turn " + "; ".join(handed) + "."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @roster.command(name="available", description="Undo being marked unavailable.")
    @app_commands.describe(when="A date or range to clear, e.g. 2026-03-17 to 2026-04-07")
    async def available(self, interaction: discord.Interaction[Any], when: str) -> None:
        bot = self.bot
        now = bot.clock()
        first, last = meeting_service.parse_day_range(when, bot.zone, now)
        async with bot.db.transaction() as session:
            me = await self._me(session, interaction.user)
            cleared = await rotation.clear_unavailable(session, me, first, last, now, self.rules)
        if not cleared:
            raise NotFound(
                f"You weren't marked unavailable on `{when.strip()}`, so there's nothing to clear."
            )
        await interaction.response.send_message(
            "Done: you're available again on those days.", ephemeral=True, allowed_mentions=NO_PINGS
        )

    @roster.command(name="swap", description="Ask another member to take your turn.")
    @app_commands.describe(
        date="The date of your turn, e.g. 2026-03-17 (pick from the list)",
        member="The member you'd like to take it",
    )
    @app_commands.autocomplete(date=my_meeting_autocomplete)
    async def swap(
        self, interaction: discord.Interaction[Any], date: str, member: discord.Member
    ) -> None:
        bot = self.bot
        now = bot.clock()
        async with bot.db.transaction() as session:
            me = await self._me(session, interaction.user)
            meeting = await meeting_service.find_meeting(session, date, bot.zone, now)
            if member.id == interaction.user.id:
                target = me
            else:
                target = await self._them(session, member)
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
    @app_commands.describe(date="The meeting's date, e.g. 2026-03-17 (pick from the list)")
    @app_commands.autocomplete(date=meeting_autocomplete)
    async def volunteer(self, interaction: discord.Interaction[Any], date: str) -> None:
        bot = self.bot
        now = bot.clock()
        async with bot.db.transaction() as session:
            me = await self._me(session, interaction.user)
            meeting = await meeting_service.find_meeting(session, date, bot.zone, now)
            await rotation.volunteer(session, meeting, me, now, self.rules)
            co = meeting.co_facilitator
        extra = f" {mention(co)} will co-facilitate with you." if co else ""
        await interaction.response.send_message(
            f"Thank you! You'll facilitate the meeting on {when(meeting)}.{extra}",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @roster.command(name="assign", description="Set who facilitates a meeting.")
    @app_commands.describe(
        date="The meeting's date, e.g. 2026-03-17 (pick from the list)",
        member="The member who will facilitate",
    )
    @app_commands.autocomplete(date=meeting_autocomplete)
    @coordinator_only()
    async def assign(
        self, interaction: discord.Interaction[Any], date: str, member: discord.Member
    ) -> None:
        bot = self.bot
        now = bot.clock()
        async with bot.db.transaction() as session:
            target = await self._them(session, member)
            meeting = await meeting_service.find_meeting(session, date, bot.zone, now)
            before = meeting.facilitator
            await rotation.assign(session, meeting, target, now, self.rules)
        await interaction.response.send_message(
            f"{member.mention} now facilitates the meeting on {when(meeting)}"
            + (f" (instead of {mention(before)})." if before and before.id != target.id else "."),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        try:
            channel = await bot.text_channel(bot.config.channels.roster)
            await channel.send(
                f"{member.mention}, a coordinator has asked you to facilitate the meeting on "
                f"{when(meeting)}. If you can't, use `/roster swap` or `/roster unavailable`.",
                allowed_mentions=only_users([member.id]),
            )
        except (discord.HTTPException, TypeError):
            log.warning("could not tell the assigned member in the roster channel", exc_info=True)

    @roster.command(name="missed", description="Record that a facilitator missed their turn.")
    @app_commands.describe(
        date="The past meeting's date, e.g. 2026-03-03",
        stand_in="Who facilitated instead, if anyone (they get the credit)",
    )
    @coordinator_only()
    async def missed(
        self,
        interaction: discord.Interaction[Any],
        date: str,
        stand_in: discord.Member | None = None,
    ) -> None:
        bot = self.bot
        now = bot.clock()
        day = meeting_service.parse_day(date, bot.zone, now)
        async with bot.db.transaction() as session:
            found = [
                m
                for m in await meeting_service.meetings_on(session, day, bot.zone)
                if m.starts_at <= now
            ]
            if not found:
                raise NotFound(
                    f"There's no past meeting on `{day.isoformat()}`. Check the date with "
                    "`/roster ledger` or `/meeting list`."
                )
            helper = await self._them(session, stand_in) if stand_in is not None else None
            assignment = await rotation.record_missed(session, found[-1], helper, now)
            who = mention(assignment.member)
        text = f"Recorded that {who} missed their turn on `{day.isoformat()}`"
        text += f"; {stand_in.mention} stood in and gets the credit." if stand_in else "."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @roster.command(name="post", description="Post the roster in the roster channel now.")
    @coordinator_only()
    async def post(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        outcome = await self.post_roster(Slot(f"manual:{interaction.id}", self.bot.clock()))
        if outcome is None or outcome.status is RosterPostStatus.SKIPPED:
            raise InvalidInput(NO_MEETINGS)
        verb = "Updated" if outcome.status is RosterPostStatus.EDITED else "Posted"
        await interaction.followup.send(
            f"{verb} the roster in <#{self.bot.config.channels.roster}>.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @roster.command(name="ledger", description="Show the shared facilitation workload.")
    @audience("everyone")
    async def ledger(self, interaction: discord.Interaction[Any]) -> None:
        bot = self.bot
        async with bot.db.transaction() as session:
            rows = await rotation.ledger(session, bot.clock(), self.rules)
        await interaction.response.send_message(embed=ledger_embed(rows), allowed_mentions=NO_PINGS)

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
        """Claim ``slot`` (at most once), then post or edit the roster for it."""
        bot = self.bot
        config = bot.config
        channel_id = config.channels.roster
        now = bot.clock()
        async with bot.db.transaction() as session:
            claimed = await rotation.claim_slot(session, slot, now)
            if claimed is None:
                return None
            meetings = await rotation.roster(session, now, config.rotation.post_count, self.rules)
            if not meetings:
                claimed.status = RosterPostStatus.SKIPPED
                claimed.posted_at = now
                log.info("roster slot %s skipped: no upcoming meetings", slot.key)
                return PostOutcome(slot.key, RosterPostStatus.SKIPPED, None)
            previous = (
                await rotation.previous_post(session, channel_id)
                if config.rotation.post_edit_previous
                else None
            )
            previous_id = previous.message_id if previous is not None else None
            post_id = claimed.id
            in_rotation = await rotation.pool_size(session, now)
            text = roster_text(
                meetings,
                heading=f"**Facilitation roster**: the next {len(meetings)} meeting"
                + ("s" if len(meetings) != 1 else ""),
                footer=ROSTER_HINT if in_rotation else NOBODY_IN_ROTATION,
            )
            users = roster_people(meetings)
        # The claim is committed: a crash from here on can lose this post, never double it.
        mentions = only_users(users) if users else NO_PINGS
        try:
            channel = await bot.text_channel(channel_id)
            status = RosterPostStatus.SENT
            message: discord.Message | None = None
            if previous_id is not None:
                try:
                    old = await channel.fetch_message(previous_id)
                    message = await old.edit(content=text, allowed_mentions=mentions)
                    status = RosterPostStatus.EDITED
                except discord.NotFound:
                    message = None
            if message is None:
                message = await channel.send(text, allowed_mentions=mentions)
                status = RosterPostStatus.SENT
        except (discord.HTTPException, TypeError):
            log.warning(
                "the roster post for %s failed; it will be retried", slot.key, exc_info=True
            )
            async with bot.db.transaction() as session:
                await rotation.release_slot(session, post_id)
            return None
        async with bot.db.transaction() as session:
            await rotation.finish_post(
                session,
                post_id,
                status=status,
                channel_id=channel_id,
                message_id=message.id,
                now=bot.clock(),
            )
        return PostOutcome(slot.key, status, message.id)

    # --- leavers -------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_member_remove(self, member: discord.Member) -> None:
        if member.guild.id != self.bot.config.discord.guild_id:
            return
        now = self.bot.clock()
        async with self.bot.db.transaction() as session:
            row = await members.member_by_user(session, member.id)
            if row is None:
                return
            row.in_guild = False
            changed = await rotation.reassign_future_turns(session, row, now, self.rules)
        if changed:
            log.info("member %s left; %d upcoming turn(s) reassigned", row.id, len(changed))
