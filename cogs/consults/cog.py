"""/ask and /consult: bring a challenge to the community, list consults, mute invitations,
the ledger; the weekly post; posts deleted by hand recorded as closed."""

from __future__ import annotations

import functools
import logging
from datetime import timedelta
from typing import Literal

import discord
from apscheduler.triggers.interval import IntervalTrigger
from discord import app_commands
from discord.ext import commands

from bot import port
from bot.client import CopBot
from bot.errors import InvalidInput, quote
from bot.models import ConsultStatus
from bot.services import consults
from bot.ui import CopInteraction, send
from cogs.consults import render
from cogs.consults.components import DYNAMIC_ITEMS, AskModal, asking_member, publish
from cogs.consults.post import forum_problem, render_invitation_dm, sync_tags, tell_coordinators

log = logging.getLogger(__name__)

WEEKLY_JOB_ID = "consults-weekly"
LATE_AFTER = timedelta(hours=2)
"""The weekly job wakes hourly: a post later than this after its time says it is late."""


class Consults(commands.Cog):
    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.outbox.register(
            consults.INVITATION_TEMPLATE, functools.partial(render_invitation_dm, self.bot)
        )
        self.bot.scheduler.add_job(
            weekly_post,
            IntervalTrigger(hours=1),
            args=[self.bot],
            id=WEEKLY_JOB_ID,
            replace_existing=True,
        )

    async def cog_unload(self) -> None:
        if self.bot.scheduler.get_job(WEEKLY_JOB_ID) is not None:
            self.bot.scheduler.remove_job(WEEKLY_JOB_ID)

    # --- listeners ----------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_ready(self) -> None:
        """Keep the forum's tags, and post consults saved while it could not take them."""
        if self.bot.config.channels.forum is None:
            return  # consults are not used: nobody is told until someone tries /ask
        channel, problem = forum_problem(self.bot)
        if channel is None:
            await tell_coordinators(self.bot, problem or "consults are not set up")
            return
        await sync_tags(self.bot, channel)  # the forum keeps a tag for each theme
        async with self.bot.db.transaction() as session:
            waiting = [c.id for c in await consults.unposted(session)]
        for consult_id in waiting:
            await publish(self.bot, consult_id, recover=True)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """A consult's post deleted by hand: the consult is recorded as closed."""
        async with self.bot.db.transaction() as session:
            row = await consults.close_deleted(session, payload.thread_id, self.bot.clock())
        if row is not None:
            log.info("consult %s closed: its forum post was deleted", row.id)

    # --- /ask ---------------------------------------------------------------------------

    @app_commands.command(name="ask", description="Bring a partnering challenge to the community")
    @app_commands.guild_only()
    async def ask(self, interaction: CopInteraction) -> None:
        channel, problem = forum_problem(self.bot)
        if channel is None:
            await tell_coordinators(self.bot, problem or "consults are not set up")
            await send(interaction, render.NOT_SET_UP)
            return
        async with self.bot.db.transaction() as session:
            await asking_member(session, interaction.user.id)
        await interaction.response.send_modal(AskModal(self.bot.config.consults.themes))

    # --- /consult -----------------------------------------------------------------------

    consult = app_commands.Group(
        name="consult", description="Consults: open ones, yours, the ledger"
    )

    @consult.command(name="list", description="Consults, open or resolved, optionally with a theme")
    @app_commands.describe(
        status="open (default) or resolved", theme="only consults with this theme"
    )
    async def list_(
        self,
        interaction: CopInteraction,
        status: Literal["open", "resolved"] = "open",
        theme: str | None = None,
    ) -> None:
        wanted = consults.normalise_theme(theme) if theme else None
        if wanted is not None and wanted not in self.bot.config.consults.themes:
            raise consults_invalid_theme(theme or "", self.bot.config.consults.themes)
        async with self.bot.db.transaction() as session:
            reader = await asking_member(session, interaction.user.id)
            views = await consults.list_consults(
                session, self.bot.data_keyring, reader, status=ConsultStatus(status), theme=wanted
            )
        title = f"**{status.capitalize()} consults**" + (f" on `{wanted}`" if wanted else "")
        await send(
            interaction,
            render.consult_list(
                title,
                views,
                self.bot.config.discord.guild_id,
                f"No {status} consults" + (f" on `{wanted}`." if wanted else "."),
            ),
        )

    @list_.autocomplete("theme")
    async def _theme_choices(
        self, interaction: CopInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.casefold().strip()
        return [
            app_commands.Choice(name=t, value=t)
            for t in self.bot.config.consults.themes
            if typed in t
        ][:25]

    @consult.command(name="mine", description="The consults you asked, named or anonymous")
    async def mine(self, interaction: CopInteraction) -> None:
        async with self.bot.db.transaction() as session:
            member = await asking_member(session, interaction.user.id)
            views = await consults.my_consults(session, self.bot.data_keyring, member)
        await send(
            interaction,
            render.consult_list(
                "**Your consults** (only you see the anonymous ones listed here)",
                views,
                self.bot.config.discord.guild_id,
                "You haven't asked any consults yet. Use `/ask` to bring one to the community.",
            ),
        )

    @consult.command(name="mute", description="Stop (or resume) invitations to help with consults")
    @app_commands.describe(on="True: no more invitations; False: invite me again")
    async def mute(self, interaction: CopInteraction, on: bool = True) -> None:
        async with self.bot.db.transaction() as session:
            member = await asking_member(session, interaction.user.id)
            changed = await consults.set_muted(session, member, on, self.bot.clock())
        if on:
            text = (
                "You won't be invited to help with consults."
                if changed
                else "Consult invitations were already muted."
            )
            text += " Use `/consult mute on:False` to be invited again."
        else:
            text = (
                "You can be invited to help with consults again."
                if changed
                else "Consult invitations were not muted."
            )
        await send(interaction, text)

    @consult.command(name="ledger", description="Who has been invited, helped and been thanked")
    async def ledger(self, interaction: CopInteraction) -> None:
        async with self.bot.db.transaction() as session:
            await asking_member(session, interaction.user.id)
            rows = await consults.ledger(session)
        await send(interaction, render.ledger_text(rows))


def consults_invalid_theme(theme: str, themes: tuple[str, ...]) -> InvalidInput:
    return InvalidInput(
        f"{quote(theme)} isn't one of the community's themes. Use one of: {', '.join(themes)}."
    )


async def weekly_post(bot: CopBot) -> None:
    """Once a week, the open consults no one has offered to help with (none: no post)."""
    cfg = bot.config.consults
    hour, minute = cfg.hour_minute
    now = bot.clock()
    async with bot.db.transaction() as session:
        claim = await consults.claim_week(session, now, bot.zone, cfg.weekday, hour, minute)
        if claim is None:
            return
        views = await consults.unhelped_open(session, bot.data_keyring)
        claim_id = claim.id
    if not views:
        return
    channel = cfg.weekly_channel or bot.config.channels.announcements
    try:
        sent = await bot.port.post(
            channel,
            port.Message(
                content=render.weekly_post(
                    views,
                    bot.config.discord.guild_id,
                    late=now - consults.week_slot(now, bot.zone, cfg.weekday, hour, minute)
                    > LATE_AFTER,
                )
            ),
        )
    except port.PortError as exc:
        log.warning(
            "consults: the weekly post failed (%s); it will be tried again", type(exc).__name__
        )
        async with bot.db.transaction() as session:
            await consults.release_week(session, claim_id)
        return
    async with bot.db.transaction() as session:
        await consults.finish_week(session, claim_id, sent.message_id)
