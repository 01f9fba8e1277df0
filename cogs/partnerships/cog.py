"""/offers, /connections and /partnership (slash commands only), and the capability's
background job."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from enum import Enum

import discord
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checks import audience, is_coordinator
from bot.client import CopBot
from bot.commands import RecordNumber, coordinator_command
from bot.errors import NotAllowed, StartupError
from bot.models import Member, PartnershipStatus
from bot.services import partnerships
from bot.services.members import member_by_user
from bot.services.partnerships import jobs, log, rounds
from bot.ui import CopCog, CopInteraction, persistent_view, send
from cogs.partnerships import render
from cogs.partnerships.components import (
    DYNAMIC_ITEMS,
    OffersForm,
    ProposeButton,
    ProposeForm,
    acting_member,
    register_renderers,
)

log_ = logging.getLogger(__name__)


class PartnershipStatusChoice(Enum):
    active = "active"
    paused = "paused"
    complete = "complete"


JOB_ID = "partnerships-tick"


async def tick(bot: CopBot) -> None:
    """Rounds, check-ins and buddies: decided by the service, sent by the outbox."""
    config = bot.config
    async with bot.db.transaction() as session:
        result = await jobs.tick(
            session,
            bot.clock(),
            schedule=config.connections.schedule,
            zone=bot.zone,
            cross_town=config.connections.cross_town,
            buddies=config.partnerships.buddies,
            first_meeting_roles=config.partnerships.first_meeting_roles,
            pack_before=timedelta(days=config.reminders.facilitator_pack_days_before),
        )
    if result.rounds:
        log_.info("connection rounds made: %s", result.rounds)
    if result.queued:
        bot.outbox.wake()


class Partnerships(CopCog):
    offers = app_commands.Group(name="offers", description="What you can offer and look for")
    connections = app_commands.Group(
        name="connections", description="Connection rounds: be paired with a member each round"
    )
    partnership = app_commands.Group(
        name="partnership", description="Partnerships: propose, list, update"
    )

    persistent_items = DYNAMIC_ITEMS

    async def cog_load(self) -> None:
        if problems := partnerships.config_problems(self.bot.config):
            raise StartupError(problems[0])
        await super().cog_load()
        register_renderers(self.bot)
        self.schedule(JOB_ID, tick, IntervalTrigger(minutes=10), args=[self.bot], grace_seconds=600)

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        await tick(self.bot)

    @asynccontextmanager
    async def _as_member(
        self, interaction: CopInteraction
    ) -> AsyncIterator[tuple[AsyncSession, Member]]:
        """A unit of work for a member's command: its session and the presser's member row
        (anyone who is not a member is refused)."""
        async with self.bot.db.transaction() as session:
            yield session, await acting_member(session, interaction.user.id)

    # --- /offers ------------------------------------------------------------------------

    @offers.command(name="edit", description="Say what you can offer and what you're looking for")
    @audience("member")
    async def offers_edit(self, interaction: CopInteraction) -> None:
        async with self._as_member(interaction) as (session, me):
            current = await partnerships.get_offers(session, self.bot.data_keyring, me)
        await interaction.response.send_modal(OffersForm(current))

    @offers.command(name="show", description="A member's offers and needs (yours by default)")
    @app_commands.describe(member="Whose (default: yours)")
    @audience("member")
    async def offers_show(
        self, interaction: CopInteraction, member: discord.Member | None = None
    ) -> None:
        async with self._as_member(interaction) as (session, me):
            target = me
            if member is not None:
                found = await member_by_user(session, member.id)
                if found is None or not found.is_active:
                    raise NotAllowed(f"{member.display_name} isn't a member of the community.")
                target = found
            offers = await partnerships.get_offers(session, self.bot.data_keyring, target)
        name = (member or interaction.user).display_name
        await send(interaction, embed=render.offers_embed(name, offers))

    # --- /connections -------------------------------------------------------------------

    @connections.command(name="join", description="Be paired with another member each round")
    @audience("member")
    async def connections_join(self, interaction: CopInteraction) -> None:
        async with self._as_member(interaction) as (session, me):
            new = await rounds.opt_in(session, me, self.bot.clock())
        schedule = self.bot.config.connections.schedule
        when = f" Rounds start {schedule}." if schedule else " Rounds are not scheduled yet."
        await send(
            interaction,
            ("You're in." if new else "You were already in.")
            + when
            + " Leave any time with `/connections leave`.",
        )

    @connections.command(name="leave", description="Stop being paired in connection rounds")
    @audience("member")
    async def connections_leave(self, interaction: CopInteraction) -> None:
        async with self._as_member(interaction) as (session, me):
            left = await rounds.opt_out(session, me)
        await send(
            interaction,
            "You're out of the connection rounds." if left else "You weren't in the rounds.",
        )

    @connections.command(name="summary", description="How the connection rounds are going (counts)")
    @app_commands.guild_only()
    @coordinator_command()
    async def connections_summary(self, interaction: CopInteraction) -> None:
        async with self.bot.db.transaction() as session:
            summary = await rounds.summary(session)
        await send(interaction, render.summary_text(summary))

    # --- /partnership -------------------------------------------------------------------

    @partnership.command(name="suggest", description="One member who fits what you offer and need")
    @audience("member")
    async def suggest(self, interaction: CopInteraction) -> None:
        async with self._as_member(interaction) as (session, me):
            found = await partnerships.suggest(session, me, self.bot.clock())
            if found is not None:
                name, other_id = found.member.display_name or "a member", found.member.id
        if found is None:
            await send(
                interaction,
                "Nobody fits yet. Add what you offer and look for with `/offers edit`, and "
                "interests with `/profile edit`.",
            )
            return
        await send(
            interaction,
            f"Meet **{discord.utils.escape_markdown(name)}**: "
            f"{discord.utils.escape_markdown(found.reason)}",
            view=persistent_view(ProposeButton(other_id)),
        )

    @partnership.command(name="propose", description="Propose a partnership to a member")
    @app_commands.describe(member="Who to partner with")
    @audience("member")
    async def propose(self, interaction: CopInteraction, member: discord.Member) -> None:
        async with self._as_member(interaction) as (session, me):
            other = await member_by_user(session, member.id)
            if other is None or not other.is_active:
                raise NotAllowed(f"{member.display_name} isn't a member of the community.")
            if other.id == me.id:
                raise NotAllowed("A partnership takes two people: choose someone else.")
            other_id = other.id
        await interaction.response.send_modal(ProposeForm(other_id))

    @partnership.command(name="list", description="Your partnerships")
    @audience("member")
    async def list_(self, interaction: CopInteraction) -> None:
        async with self._as_member(interaction) as (session, me):
            views = await log.list_for(session, self.bot.data_keyring, me)
        await send(interaction, embed=render.partnership_list(views))

    @partnership.command(name="update", description="Set a partnership's status or add a note")
    @app_commands.describe(
        partnership="Its number, from /partnership list",
        status="active, paused or complete",
        note="A short note on how it is going",
    )
    @audience("member")
    async def update(
        self,
        interaction: CopInteraction,
        partnership: RecordNumber,
        status: PartnershipStatusChoice | None = None,
        note: app_commands.Range[str, 0, 300] = "",
    ) -> None:
        async with self._as_member(interaction) as (session, me):
            row = await log.update_status(
                session,
                self.bot.data_keyring,
                partnership,
                me,
                status=PartnershipStatus(status.value) if status else None,
                note=note,
                now=self.bot.clock(),
            )
            state = row.status.value
        await send(interaction, f"Partnership **#{partnership}** is {state}.")

    @partnership.command(name="outcome", description="Record a completed partnership as an outcome")
    @app_commands.describe(partnership="Its number, from /partnership list")
    @audience("member")
    async def outcome(self, interaction: CopInteraction, partnership: RecordNumber) -> None:
        async with self._as_member(interaction) as (session, me):
            added = await log.make_outcome(
                session, self.bot.data_keyring, partnership, me, self.bot.clock()
            )
            outcome_id = added.outcome.id
            to_ask = [m.display_name or "your partner" for m in added.to_ask]
        asked = (
            f" {discord.utils.escape_markdown(', '.join(to_ask))} can agree to be named with "
            "`/outcome list`."
            if to_ask
            else ""
        )
        await send(interaction, f"Recorded as outcome **#{outcome_id}**.{asked}")

    @partnership.command(name="show", description="One partnership (its partners and coordinators)")
    @app_commands.describe(partnership="Its number")
    @audience("member")
    async def show(self, interaction: CopInteraction, partnership: RecordNumber) -> None:
        async with self._as_member(interaction) as (session, me):
            view = await log.view(
                session,
                self.bot.data_keyring,
                partnership,
                me,
                coordinator=is_coordinator(interaction.user, self.bot.config),
            )
        await send(interaction, render.partnership_line(view))


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Partnerships(bot))
