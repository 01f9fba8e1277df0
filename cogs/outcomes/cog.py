"""/outcome: record the outcomes of the community's work (slash commands only)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot.checks import audience, has_role, is_coordinator
from bot.client import CopBot
from bot.commands import RecordNumber
from bot.errors import InvalidInput
from bot.mentions import NO_PINGS
from bot.models import Member, MemberStatus, OutcomeKind
from bot.services import outcomes
from bot.services.members import active_member, add_member, member_by_user
from bot.services.when import parse_day
from bot.ui import CopInteraction, bot_of, send
from cogs.outcomes import render
from cogs.outcomes.components import ConsentButton, OutcomeForm, consent_view

log = logging.getLogger(__name__)

KIND_CHOICES = [
    app_commands.Choice(name=label, value=kind.value)
    for kind, label in outcomes.KIND_LABELS.items()
]
PAGE_SIZE = 5


async def _recorder(interaction: CopInteraction, session: Any) -> Member:
    """The member row of a member or coordinator; anyone else is refused politely."""
    bot = bot_of(interaction)
    user = interaction.user
    person = user if isinstance(user, discord.Member) else None
    if person is None and bot.guild is not None:
        person = bot.guild.get_member(user.id)
    allowed = person is not None and (
        has_role(person, bot.config.roles.member) or is_coordinator(person, bot.config)
    )
    member = (
        await member_by_user(session, user.id)
        if allowed
        else await active_member(
            session,
            user.id,
            "Outcomes are recorded by members of the Community of Practice. Use `/join` to "
            "apply, or ask a coordinator to record it.",
        )
    )
    if member is None:
        member = await add_member(
            session,
            user.id,
            getattr(person, "display_name", user.name),
            bot.clock(),
            status=MemberStatus.ACTIVE,
        )
    return member


@asynccontextmanager
async def _recording(interaction: CopInteraction) -> AsyncIterator[tuple[AsyncSession, Member]]:
    """A unit of work for an outcome command: its session and the member row of whoever
    used it (see ``_recorder``)."""
    async with bot_of(interaction).db.transaction() as session:
        yield session, await _recorder(interaction, session)


def _date(text: str, zone: ZoneInfo, now: datetime) -> date:
    """A day typed in any form the one time language reads; today when empty."""
    if not text.strip():
        return now.astimezone(zone).date()
    return parse_day(text, zone, now)


class OutcomesCog(commands.Cog, name="Outcomes"):
    outcome = app_commands.Group(
        name="outcome", description="Record what the community's work has achieved"
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    def _today(self) -> date:
        return self.bot.clock().astimezone(self.bot.zone).date()

    def _draft(
        self, kind: OutcomeKind, shareable: bool, values: dict[str, str]
    ) -> outcomes.OutcomeDraft:
        """The outcome form's values, checked."""
        return outcomes.validate(
            kind=kind,
            happened_on=_date(values["date"], self.bot.zone, self.bot.clock()),
            title=values["title"],
            description=values["description"],
            link=values["link"],
            shareable=shareable,
            today=self._today(),
        )

    @outcome.command(name="add", description="Record an outcome: a grant, a talk, a partnership…")
    @app_commands.describe(
        kind="What kind of outcome it is",
        person1="Someone involved (they are asked before being named)",
        person2="Someone else involved",
        person3="Someone else involved",
        shareable="May its title appear in the community's report? (default yes)",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @audience("member")
    async def add(
        self,
        interaction: CopInteraction,
        kind: app_commands.Choice[str],
        person1: discord.Member | None = None,
        person2: discord.Member | None = None,
        person3: discord.Member | None = None,
        shareable: bool = True,
    ) -> None:
        people = [p for p in (person1, person2, person3) if p is not None]
        if any(p.bot for p in people):
            raise InvalidInput("Name people, not bots, as involved in an outcome.")
        async with self.bot.db.transaction() as session:
            await _recorder(interaction, session)  # only those who may record get the form

        async def submitted(
            modal_interaction: discord.Interaction[Any], values: dict[str, str]
        ) -> None:
            await self._save(modal_interaction, OutcomeKind(kind.value), people, shareable, values)

        await interaction.response.send_modal(OutcomeForm(submitted))

    async def _save(
        self,
        interaction: discord.Interaction[Any],
        kind: OutcomeKind,
        people: list[discord.Member],
        shareable: bool,
        values: dict[str, str],
    ) -> None:
        bot = self.bot
        keyring = bot.data_keyring
        draft = self._draft(kind, shareable, values)
        now = bot.clock()
        async with _recording(interaction) as (session, author):
            rows = []
            for person in people:
                row = await member_by_user(session, person.id)
                if row is None:
                    row = await add_member(
                        session,
                        person.id,
                        person.display_name,
                        now,
                        status=MemberStatus.APPLICANT,
                    )
                rows.append(row)
            result = await outcomes.add_outcome(session, keyring, author, draft, rows, now)
            outcome_id = result.outcome.id
            to_ask = [(m.id, m.user_id, m.display_name or "a member") for m in result.to_ask]
            author_name = author.display_name or interaction.user.display_name
        asked, unreachable = [], []
        for member_id, user_id, name in to_ask:
            try:
                user = bot.get_user(user_id) or await bot.fetch_user(user_id)
                await user.send(
                    render.consent_request(draft.title, outcomes.KIND_LABELS[kind], author_name),
                    view=consent_view(outcome_id, member_id),
                    allowed_mentions=NO_PINGS,
                )
                asked.append(name)
            except discord.HTTPException:
                log.info("outcome %s: could not DM a named person", outcome_id)
                unreachable.append(name)
        await send(interaction, render.added(outcome_id, asked, unreachable))

    @outcome.command(name="list", description="The community's outcomes, newest first")
    @app_commands.describe(page="Which page", mine="Only the ones you recorded")
    @audience("member")
    async def list_(
        self,
        interaction: CopInteraction,
        page: app_commands.Range[int, 1, 10_000] = 1,
        mine: bool = False,
    ) -> None:
        keyring = self.bot.data_keyring
        async with _recording(interaction) as (session, viewer):
            views, total = await outcomes.list_outcomes(
                session,
                keyring,
                viewer,
                mine_only=mine,
                limit=PAGE_SIZE,
                offset=(page - 1) * PAGE_SIZE,
            )
            waiting = await outcomes.awaiting_answer(session, keyring, viewer)
        pages = max(1, -(-total // PAGE_SIZE))
        if page > pages and total:
            raise InvalidInput(f"There are only {pages} pages of outcomes. Try `page:{pages}`.")
        embed = render.outcome_list(views, total, page, pages)
        view = None
        if waiting:
            first_id, first_title = waiting[0]
            embed.add_field(
                name="Waiting for your answer",
                value="May the community name you in "
                f"**{discord.utils.escape_markdown(first_title[:100])}**?"
                + (f" ({len(waiting) - 1} more after this one)" if len(waiting) > 1 else ""),
                inline=False,
            )
            view = consent_view(first_id, viewer.id)
        if view is None:
            await send(interaction, embed=embed)
        else:
            await send(interaction, embed=embed, view=view)

    @outcome.command(name="edit", description="Change an outcome you recorded")
    @app_commands.describe(outcome="The outcome's number, from /outcome list")
    @audience("member")
    async def edit(self, interaction: CopInteraction, outcome: RecordNumber) -> None:
        keyring = self.bot.data_keyring
        async with _recording(interaction) as (session, author):
            row = await outcomes.own_outcome(session, outcome, author)
            kind, shareable = row.kind, row.shareable
            text = outcomes.open_text(keyring, row)
            defaults = {**text, "date": row.happened_on.isoformat()}

        async def submitted(
            modal_interaction: discord.Interaction[Any], values: dict[str, str]
        ) -> None:
            draft = self._draft(kind, shareable, values)
            async with _recording(modal_interaction) as (session, me):
                await outcomes.edit_outcome(session, keyring, outcome, me, draft, self.bot.clock())
            await send(modal_interaction, f"Outcome **#{outcome}** is updated.")

        await interaction.response.send_modal(OutcomeForm(submitted, defaults=defaults))

    @outcome.command(name="delete", description="Delete an outcome you recorded")
    @app_commands.describe(outcome="The outcome's number, from /outcome list")
    @audience("member")
    async def delete(self, interaction: CopInteraction, outcome: RecordNumber) -> None:
        async with _recording(interaction) as (session, author):
            await outcomes.delete_outcome(session, outcome, author)
        await send(interaction, f"Outcome **#{outcome}** is deleted, with everyone named in it.")


async def setup(bot: CopBot) -> None:
    bot.add_dynamic_items(ConsentButton)
    await bot.add_cog(OutcomesCog(bot))
