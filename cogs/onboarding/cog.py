"""Onboarding's slash commands and gateway listeners: /join, /onboarding (coordinators),
/profile and /connect; arrivals and leavers; the sweep's schedule.

What happens is decided in ``bot.services.onboarding``; this module parses Discord
input, owns each unit of work and renders the answer.
"""

from __future__ import annotations

import asyncio
import logging

import discord
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.checks import audience, coordinator_only, is_coordinator
from bot.client import CopBot
from bot.services import outbound
from bot.services.onboarding import flows, invites, lifecycle
from bot.services.onboarding.sweep import Sweep, SweepReport
from bot.ui import CopCog, CopInteraction, send
from cogs.onboarding import render
from cogs.onboarding.adapter import DiscordMemberList, outreach
from cogs.onboarding.components import (
    DYNAMIC_ITEMS,
    ConnectView,
    InviteConfirmView,
    JoinModal,
    ProfileModal,
    suggest,
)

log = logging.getLogger(__name__)

SWEEP_JOB_ID = "onboarding-sweep"
COORDINATORS = discord.Permissions(manage_guild=True)
"""Who sees coordinator commands in the picker until an admin widens it (Server Settings
→ Integrations); the coordinator role is still checked when one runs."""


class Onboarding(CopCog):
    onboarding = app_commands.Group(
        name="onboarding",
        description="Applications to join (coordinators).",
        guild_only=True,
        default_permissions=COORDINATORS,
    )
    profile = app_commands.Group(name="profile", description="Members' profiles.", guild_only=True)

    persistent_items = DYNAMIC_ITEMS

    def __init__(self, bot: CopBot) -> None:
        super().__init__(bot)
        self.members = DiscordMemberList(bot)
        self.sweep = Sweep(outreach(bot), self.members)
        self.connected_sweep_done = asyncio.Event()
        """Set once the sweep that runs when the bot connects has finished."""
        self.last_report: SweepReport | None = None

    async def cog_load(self) -> None:
        texts, config = render.Texts(self.bot.config), self.bot.config

        async def renewal(session: AsyncSession, item: outbound.Rendering) -> port.Message | None:
            return await flows.render_renewal_prompt(session, item, texts, config)

        async def invitation(
            session: AsyncSession, item: outbound.Rendering
        ) -> port.Message | None:
            return await invites.render_invitation(session, item, texts)

        self.bot.outbox.register(flows.RENEWAL_TEMPLATE, renewal)
        self.bot.outbox.register(invites.INVITE_TEMPLATE, invitation)
        self.bot.connect_work.append(self.connected_sweep_done)
        await super().cog_load()
        self.schedule(
            SWEEP_JOB_ID,
            self.run_sweep,
            IntervalTrigger(minutes=self.bot.config.onboarding.sweep_interval_minutes),
            grace_seconds=300,
        )

    async def cog_unload(self) -> None:
        self.bot.connect_work.remove(self.connected_sweep_done)
        await super().cog_unload()

    # --- /join ----------------------------------------------------------------------

    @app_commands.command(name="join", description="Apply to join the Community of Practice.")
    @app_commands.guild_only()
    @audience("everyone")
    async def join(self, interaction: CopInteraction) -> None:
        async with self.bot.db.transaction() as session:
            await lifecycle.ensure_can_apply(session, interaction.user.id)
            answers = await lifecycle.starting_answers(
                session, interaction.user.id, interaction.user.display_name
            )
        await interaction.response.send_modal(JoinModal(answers, interaction.user.id))

    # --- coordinators ---------------------------------------------------------------

    @onboarding.command(name="pending", description="List the applications waiting for a decision.")
    @coordinator_only()
    async def pending(self, interaction: CopInteraction) -> None:
        async with self.bot.db.transaction() as session:
            page = await lifecycle.pending_applications(session)
        await send(interaction, embed=render.pending_embed(page, self.bot.config))

    @onboarding.command(
        name="invite", description="Invite people in the server to apply, paced, after a preview."
    )
    @app_commands.describe(role="Invite holders of this role (default: everyone not yet a member)")
    @coordinator_only()
    async def invite(self, interaction: CopInteraction, role: discord.Role | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        candidates: list[int] | None = None
        audience = "everyone not yet a member"
        if role is not None:
            census = await self.members.census()
            if census is None or not census.complete:
                await send(
                    interaction,
                    "I couldn't read the server's member list just now, so I can't tell who "
                    "holds that role. Please try again in a minute.",
                )
                return
            candidates = [p.user_id for p in census.people if role.id in p.role_ids]
            audience = f"holders of {render.safe(role.name, 80)}"
        async with self.bot.db.transaction() as session:
            plan = await invites.plan_invites(session, candidates)
        text = render.invite_preview_text(
            plan.count, plan.skipped, audience, self.bot.config.notifications.dm_per_second
        )
        view = (
            InviteConfirmView(self.bot, interaction.user.id, candidates, audience)
            if plan.count
            else discord.utils.MISSING
        )
        await send(interaction, text, view=view)

    @onboarding.command(name="show", description="Show one person's onboarding record.")
    @app_commands.describe(member="The person to look up")
    @coordinator_only()
    async def show(self, interaction: CopInteraction, member: discord.User) -> None:
        async with self.bot.db.transaction() as session:
            record = await lifecycle.member_record(session, member.id)
        await send(interaction, embed=render.record_embed(record, self.bot.config))

    # --- profiles and connections ---------------------------------------------------

    @profile.command(name="show", description="Show a member's profile (yours if you name nobody).")
    @app_commands.describe(member="Whose profile to show (default: yours)")
    async def profile_show(
        self, interaction: CopInteraction, member: discord.User | None = None
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
        await send(interaction, embed=embed)

    @profile.command(name="edit", description="Change your name, organisation, role and interests.")
    async def profile_edit(self, interaction: CopInteraction) -> None:
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
        interaction: CopInteraction,
        interest: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        match, reason = await suggest(self.bot, interaction.user.id, interest)
        await send(
            interaction,
            embed=render.connect_embed(match, reason),
            view=ConnectView(self.bot, interaction.user.id, interest, match.member.id),
        )

    # --- arrivals and leavers -------------------------------------------------------

    @commands.Cog.listener()
    async def on_member_join(self, member: discord.Member) -> None:
        if member.guild.id != self.bot.config.discord.guild_id or member.bot:
            return
        await flows.welcome_arrival(outreach(self.bot), member.id, member.display_name)

    @commands.Cog.listener()
    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        if payload.guild_id != self.bot.config.discord.guild_id or payload.user.bot:
            return
        await flows.handle_departure(outreach(self.bot), payload.user.id)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        try:
            await self.run_sweep(on_connect=True)
        finally:
            self.connected_sweep_done.set()

    async def run_sweep(self, *, on_connect: bool = False) -> SweepReport:
        """Catch up on everything the database says is due (``bot.services.onboarding.sweep``)."""
        await self.bot.wait_until_ready()
        report = await self.sweep.run(on_connect=on_connect)
        self.last_report = report
        quiet = ("first_connect", "join_post", "cpu_seconds")
        if any(v for k, v in vars(report).items() if k not in quiet):
            log.info("onboarding sweep: %s", report)
        return report
