"""Onboarding: /join and its checks, coordinator review, the day-one welcome, profiles,
/connect, arrival pointers, and renewal.

The sweep (an APScheduler job, also run when the bot connects) catches what happened
while the bot was down: people who joined or left, reviews and welcomes left undone,
renewal prompts due and memberships lapsed. ``Onboarding.run_sweep`` is what it calls.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy import select

from bot.checks import audience, coordinator_only, is_coordinator
from bot.mentions import NO_PINGS
from bot.models import Member, MemberStatus, Standing
from bot.services.onboarding import lifecycle
from bot.services.onboarding.forms import INTERESTS_MAX, NAME_MAX, ORGANISATION_MAX, ROLE_MAX
from bot.services.onboarding.matching import Match, suggest_connection
from bot.services.onboarding.renewals import open_due_renewals
from bot.ui import CopModal, OwnerOnlyView
from cogs.onboarding import flows, render
from cogs.onboarding.form import FormButton, FormSelect, JoinModal
from cogs.onboarding.review import RenewalButton, ReviewButton

if TYPE_CHECKING:
    from bot.client import CopBot

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "onboarding-sweep"
MEMBER_CHUNK_TIMEOUT = 30
DYNAMIC_ITEMS = (FormSelect, FormButton, ReviewButton, RenewalButton)


@dataclass
class SweepReport:
    welcomed: int = 0
    departed: int = 0
    reviews_posted: int = 0
    welcomes_finished: int = 0
    renewals_opened: int = 0
    prompts_sent: int = 0
    lapsed: int = 0


class ProfileModal(CopModal, title="Edit your profile"):
    def __init__(self, member: Member) -> None:
        # discord.py keeps pending modals by custom_id alone: one per person.
        super().__init__(custom_id=f"onb:profile-modal:{member.user_id}", timeout=None)
        self.name: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            custom_id="name",
            label="Name you like to be called",
            max_length=NAME_MAX,
            default=member.display_name[:NAME_MAX] or None,
        )
        self.organisation: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            custom_id="organisation",
            label="Organisation",
            max_length=ORGANISATION_MAX,
            default=member.organisation[:ORGANISATION_MAX] or None,
        )
        self.job_role: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            custom_id="job_role",
            label="Your role",
            max_length=ROLE_MAX,
            default=member.job_role[:ROLE_MAX] or None,
        )
        self.interests: discord.ui.TextInput[ProfileModal] = discord.ui.TextInput(
            custom_id="interests",
            label="Partnering interests, separated by commas",
            style=discord.TextStyle.paragraph,
            max_length=INTERESTS_MAX,
            default=", ".join(member.interests)[:INTERESTS_MAX] or None,
        )
        for item in (self.name, self.organisation, self.job_role, self.interests):
            self.add_item(item)

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        bot: CopBot = interaction.client
        async with bot.db.transaction() as session:
            member = await lifecycle.edit_profile(
                session,
                interaction.user.id,
                name=self.name.value,
                organisation=self.organisation.value,
                job_role=self.job_role.value,
                interests=self.interests.value,
            )
            embed = render.profile_embed(member)
        await interaction.response.send_message(
            "Saved. This is your profile now:",
            embed=embed,
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )


def connect_embed(match: Match, interest: str | None) -> discord.Embed:
    person = match.member
    shared = ", ".join(render.safe(t, 40) for t in match.shared[:5])
    about = ", ".join(
        p for p in (render.safe(person.job_role, 200), render.safe(person.organisation, 200)) if p
    )
    lines = [f"<@{person.user_id}>" + (f": {about}" if about else "")]
    if shared:
        lines.append(f"**You share:** {shared}")
    if person.locality:
        lines.append(f"**Works in:** {render.where_text(person.locality, person.locality_note)}")
    lines.append(
        "Say hello in a DM, or find them at the next meeting. Partnerships here are built one "
        "person at a time."
    )
    title = f"Meet {render.safe(person.display_name, 200)}"
    return discord.Embed(title=title[:256], description="\n".join(lines), colour=render.COLOUR)


class ConnectView(OwnerOnlyView):
    def __init__(self, bot: CopBot, owner_id: int, interest: str | None) -> None:
        super().__init__(owner_id, timeout=600)
        self.bot = bot
        self.interest = interest

    @discord.ui.button(label="Suggest someone else", style=discord.ButtonStyle.secondary)
    async def another(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[ConnectView]
    ) -> None:
        async with self.bot.db.transaction() as session:
            member = await lifecycle.active_member(session, interaction.user.id)
            match = await suggest_connection(session, member, self.interest, self.bot.clock())
        await interaction.response.edit_message(
            embed=connect_embed(match, self.interest), view=self, allowed_mentions=NO_PINGS
        )


class Onboarding(commands.Cog):
    onboarding = app_commands.Group(
        name="onboarding", description="Applications to join (coordinators).", guild_only=True
    )
    profile = app_commands.Group(name="profile", description="Members' profiles.", guild_only=True)

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self._sweep_lock = asyncio.Lock()
        self.connected_sweep_done = asyncio.Event()
        """Set once the sweep that runs when the bot connects has finished."""

    async def cog_load(self) -> None:
        self.bot.connect_work.append(self.connected_sweep_done)
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.scheduler.add_job(
            self.run_sweep,
            "interval",
            minutes=self.bot.config.onboarding.sweep_interval_minutes,
            id=SWEEP_JOB_ID,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=300,
        )

    async def cog_unload(self) -> None:
        self.bot.connect_work.remove(self.connected_sweep_done)
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)
        if self.bot.scheduler.get_job(SWEEP_JOB_ID) is not None:
            self.bot.scheduler.remove_job(SWEEP_JOB_ID)

    # --- /join ----------------------------------------------------------------------

    @app_commands.command(name="join", description="Apply to join the Community of Practice.")
    @app_commands.guild_only()
    @audience("everyone")
    async def join(self, interaction: discord.Interaction[CopBot]) -> None:
        async with self.bot.db.transaction() as session:
            await lifecycle.ensure_can_apply(session, interaction.user.id)
            answers = await lifecycle.starting_answers(
                session, interaction.user.id, interaction.user.display_name
            )
        await interaction.response.send_modal(JoinModal(answers, interaction.user.id))

    # --- coordinators ---------------------------------------------------------------

    @onboarding.command(name="pending", description="List the applications waiting for a decision.")
    @coordinator_only()
    async def pending(self, interaction: discord.Interaction[CopBot]) -> None:
        async with self.bot.db.transaction() as session:
            applications = await lifecycle.pending_applications(session)
        await interaction.response.send_message(
            embed=render.pending_embed(applications, self.bot.config),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @onboarding.command(name="show", description="Show one person's onboarding record.")
    @app_commands.describe(member="The person to look up")
    @coordinator_only()
    async def show(self, interaction: discord.Interaction[CopBot], member: discord.User) -> None:
        async with self.bot.db.transaction() as session:
            record = await lifecycle.member_record(session, member.id)
        await interaction.response.send_message(
            embed=render.record_embed(record, self.bot.config),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    # --- profiles and connections ---------------------------------------------------

    @profile.command(name="show", description="Show a member's profile (yours if you name nobody).")
    @app_commands.describe(member="Whose profile to show (default: yours)")
    async def profile_show(
        self, interaction: discord.Interaction[CopBot], member: discord.User | None = None
    ) -> None:
        target = member or interaction.user
        async with self.bot.db.transaction() as session:
            found = await lifecycle.profile_for(
                session,
                interaction.user.id,
                target.id,
                viewer_is_coordinator=is_coordinator(interaction.user, self.bot.config),
            )
            embed = render.profile_embed(found)
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @profile.command(name="edit", description="Change your name, organisation, role and interests.")
    async def profile_edit(self, interaction: discord.Interaction[CopBot]) -> None:
        async with self.bot.db.transaction() as session:
            member = await lifecycle.profile_owner(session, interaction.user.id)
        await interaction.response.send_modal(ProfileModal(member))

    @app_commands.command(
        name="connect", description="Meet a member who shares your interests, one at a time."
    )
    @app_commands.describe(interest="An interest to match on, like co-design (default: yours)")
    @app_commands.guild_only()
    async def connect(
        self,
        interaction: discord.Interaction[CopBot],
        interest: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        async with self.bot.db.transaction() as session:
            member = await lifecycle.active_member(session, interaction.user.id)
            match = await suggest_connection(session, member, interest, self.bot.clock())
        await interaction.response.send_message(
            embed=connect_embed(match, interest),
            view=ConnectView(self.bot, interaction.user.id, interest),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    # --- arrivals and leavers -------------------------------------------------------

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.guild.id != self.bot.config.discord.guild_id or member.bot:
            return
        await flows.welcome_arrival(self.bot, member)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if payload.guild_id != self.bot.config.discord.guild_id or payload.user.bot:
            return
        await flows.handle_departure(self.bot, payload.user.id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        try:
            await self.run_sweep()
        finally:
            self.connected_sweep_done.set()

    # --- the sweep ------------------------------------------------------------------

    async def run_sweep(self) -> SweepReport:
        """Catch up on everything the database says is due. Safe to run at any time and
        any number of times; runs one at a time."""
        async with self._sweep_lock:
            report = SweepReport()
            await self.bot.wait_until_ready()
            for step in (
                self._sweep_members,
                self._sweep_reviews,
                self._sweep_renewals,
            ):
                try:
                    await step(report)
                except Exception:
                    log.exception("onboarding sweep step %s failed", step.__name__)
            if any(vars(report).values()):
                log.info("onboarding sweep: %s", report)
            return report

    async def _sweep_members(self, report: SweepReport) -> None:
        config = self.bot.config
        guild = self.bot.guild
        if guild is None:
            return
        if not guild.chunked:
            try:
                await asyncio.wait_for(guild.chunk(), MEMBER_CHUNK_TIMEOUT)
            except TimeoutError:
                log.warning(
                    "the member list of %s did not arrive in %ss; sweeping the members "
                    "known so far",
                    guild.name,
                    MEMBER_CHUNK_TIMEOUT,
                )
        member_roles = {config.roles.member, config.roles.coordinator}
        present = {m.id: m for m in guild.members if not m.bot}
        role_holders = [
            lifecycle.ExistingMember(m.id, m.display_name, m.joined_at)
            for m in present.values()
            if any(r.id == config.roles.member for r in m.roles)
        ]
        async with self.bot.db.transaction() as session:
            adopted = await lifecycle.adopt_existing_members(
                session, role_holders, self.bot.clock()
            )
        if adopted:
            log.info("recorded %d existing member-role holders as members", len(adopted))
        async with self.bot.db.transaction() as session:
            rows = await session.execute(
                select(Member, Standing.welcomed_at).outerjoin(
                    Standing, Standing.member_id == Member.id
                )
            )
            known = {m.user_id: (m.in_guild, m.status, welcomed) for m, welcomed in rows.all()}
        for user_id, person in present.items():
            in_guild, status, welcomed = known.get(user_id, (False, None, None))
            if in_guild and (welcomed is not None or status is MemberStatus.ACTIVE):
                continue
            if status is not MemberStatus.ACTIVE and any(
                r.id in member_roles for r in person.roles
            ):
                continue  # members from before the bot: never pointed to /join
            if await flows.welcome_arrival(self.bot, person):
                report.welcomed += 1
        for user_id, (in_guild, status, _) in known.items():
            if in_guild and user_id not in present and status is not MemberStatus.ERASED:
                await flows.handle_departure(self.bot, user_id)
                report.departed += 1

    async def _sweep_reviews(self, report: SweepReport) -> None:
        now = self.bot.clock()
        async with self.bot.db.transaction() as session:
            unposted = [
                a.id
                for a in await lifecycle.applications_without_review_post(session)
                if a.submitted_at <= now - lifecycle.WELCOME_RETRY_AFTER
            ]
            unwelcomed = [a.id for a in await lifecycle.approvals_not_welcomed(session, now)]
        for application_id in unposted:
            if await flows.post_review(self.bot, application_id) is not None:
                report.reviews_posted += 1
        for application_id in unwelcomed:
            result = await flows.welcome_new_member(self.bot, application_id)
            if result.intro_posted or result.role_granted:
                report.welcomes_finished += 1

    async def _sweep_renewals(self, report: SweepReport) -> None:
        async with self.bot.db.transaction() as session:
            opened = await open_due_renewals(session, self.bot.config, self.bot.clock())
        report.renewals_opened = len(opened)
        report.prompts_sent = await flows.deliver_renewal_prompts(self.bot)
        report.lapsed = await flows.lapse_overdue(self.bot)


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Onboarding(bot))
