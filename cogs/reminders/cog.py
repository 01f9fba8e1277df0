"""/reminder add|list|cancel|status and /remindme; the cog also starts and stops the
reminder sender (``bot.services.reminders.ReminderSender``) and registers the learning
prompt's renderer on the outbound path."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.checks import audience, coordinator_only, has_role, is_coordinator
from bot.errors import InvalidInput
from bot.mentions import NO_PINGS
from bot.models import Meeting, ReminderKind
from bot.services import outbound, partnerships, rotation
from bot.services import reminders as svc
from bot.services.learnings import shareable_themes
from bot.timeutil import show
from cogs.reminders import render
from cogs.reminders.components import BUTTONS, DYNAMIC_ITEMS

if TYPE_CHECKING:
    from bot.client import CopBot

log = logging.getLogger(__name__)

MAX_LISTED = 20
WHEN_HELP = (
    "When: `2026-12-01 09:00`, `in 2 hours`, `tomorrow at 9:00`, or repeating like "
    "`every 2 weeks on Monday at 09:00`"
)


def _member_only(interaction: discord.Interaction[Any]) -> bool:
    config = interaction.client.config
    user = interaction.user
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    if has_role(user, config.roles.member) or is_coordinator(user, config):
        return True
    raise app_commands.CheckFailure(
        "Reminders are for members of the community. Use `/join` to apply."
    )


def _snippet(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    flat = discord.utils.escape_markdown(discord.utils.escape_mentions(flat))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Reminders(commands.Cog):
    reminder = app_commands.Group(
        name="reminder", description="Reminders: set one for a channel, list and cancel them."
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot
        self.engine = svc.ReminderSender(
            bot.db,
            bot.port,
            bot.clock,
            bot.config,
            bot.scheduler,
            render.Look(
                bot.config.community.name, bot.config.reminders.themes_lookback_days, BUTTONS
            ),
            keyring=lambda: bot.data_keyring,
            outbox=bot.outbox,
            standby=self._standby,
            themes=self._themes,
            roles=partnerships.first_meeting_roles_at,
        )

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.outbox.register(svc.LEARNING_TEMPLATE, self._learning_prompt)
        await self.engine.rebuild()

    async def cog_unload(self) -> None:
        self.engine.stop()
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    async def _standby(
        self, session: AsyncSession, meeting_id: int, exclude: set[int], now: datetime
    ) -> int | None:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None:
            return None
        member = await rotation.standby_for(
            session, meeting, now, rotation.RotationRules.from_config(self.bot.config)
        )
        if member is None or member.user_id in exclude:
            return None
        return member.user_id

    async def _learning_prompt(
        self, session: AsyncSession, item: outbound.Rendering
    ) -> port.Message | None:
        """The learning prompt, written when the outbound path sends it; None (skipped)
        when the meeting is gone or was cancelled meanwhile."""
        meeting_id = item.params.get("meeting_id")
        if not isinstance(meeting_id, int):
            return None
        facts = await svc.meeting_facts(session, meeting_id)
        if facts is None or facts.cancelled:
            return None
        return render.learning_prompt(facts, self.bot.config.community.name, BUTTONS)

    async def _themes(
        self, session: AsyncSession, since: datetime, until: datetime
    ) -> list[tuple[str, int]]:
        if self.bot.keyring is None:
            return []
        themes = await shareable_themes(session, self.bot.keyring, since, until)
        return [
            (discord.utils.escape_markdown(discord.utils.escape_mentions(name)), n)
            for name, n in themes
        ]

    # --- custom reminders ----------------------------------------------------------------

    def _confirmation(self, info: svc.ReminderInfo, where: str) -> str:
        due = info.next_due or info.reminder.first_at
        repeats = "" if info.schedule == "once" else f", repeating {info.schedule}"
        return (
            f"Reminder `#{info.id}` is set: {where} {show(due, 'F')} ({show(due, 'R')}){repeats}. "
            f"Cancel it with `/reminder cancel {info.id}`."
        )

    @reminder.command(name="add", description="Post a reminder in a channel, once or repeating.")
    @app_commands.describe(
        channel="The channel to post it in",
        when=WHEN_HELP,
        text="What the reminder says (user mentions ping; @everyone and roles never do)",
    )
    @coordinator_only()
    async def add(
        self,
        interaction: discord.Interaction[CopBot],
        channel: discord.TextChannel,
        when: str,
        text: str,
    ) -> None:
        config = self.bot.config
        now = self.bot.clock()
        schedule = svc.parse_when(when, self.bot.zone, now)
        svc.clean_text(text, config.reminders.text_max_length)
        me = channel.guild.me
        if me is not None:
            perms = channel.permissions_for(me)
            if not (perms.view_channel and perms.send_messages and perms.embed_links):
                raise InvalidInput(
                    f"I can't post in {channel.mention}. Give me View Channel, Send Messages "
                    "and Embed Links there, or pick another channel."
                )
        async with self.bot.db.transaction() as session:
            info, planned = await svc.add_reminder(
                session,
                keyring=self.bot.data_keyring,
                kind=ReminderKind.CHANNEL,
                owner_user_id=interaction.user.id,
                channel_id=channel.id,
                schedule=schedule,
                text=text,
                now=now,
                settings=self.engine.settings,
                text_limit=config.reminders.text_max_length,
            )
        self.engine.apply(planned)
        await interaction.response.send_message(
            self._confirmation(info, f"in {channel.mention}"),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(name="remindme", description="Get a reminder by DM, once or repeating.")
    @app_commands.describe(when=WHEN_HELP, text="What to remind you of")
    @app_commands.check(_member_only)
    @audience("member")
    async def remindme(
        self, interaction: discord.Interaction[CopBot], when: str, text: str
    ) -> None:
        config = self.bot.config
        now = self.bot.clock()
        schedule = svc.parse_when(when, self.bot.zone, now)
        async with self.bot.db.transaction() as session:
            info, planned = await svc.add_reminder(
                session,
                keyring=self.bot.data_keyring,
                kind=ReminderKind.PERSONAL,
                owner_user_id=interaction.user.id,
                schedule=schedule,
                text=text,
                now=now,
                settings=self.engine.settings,
                text_limit=config.reminders.text_max_length,
                personal_limit=config.reminders.personal_max_active,
            )
        self.engine.apply(planned)
        await interaction.response.send_message(
            self._confirmation(info, "I'll DM you"), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @reminder.command(
        name="list", description="Your reminders, and the channels' for coordinators."
    )
    @app_commands.check(_member_only)
    @audience("member")
    async def list_(self, interaction: discord.Interaction[CopBot]) -> None:
        coordinator = is_coordinator(interaction.user, self.bot.config)
        async with self.bot.db.transaction() as session:
            infos = await svc.list_reminders(
                session, self.bot.data_keyring, user_id=interaction.user.id, coordinator=coordinator
            )
        if not infos:
            await interaction.response.send_message(
                "You have no reminders. Set one with `/remindme`"
                + (" or `/reminder add`." if coordinator else "."),
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        lines = []
        for info in infos[:MAX_LISTED]:
            r = info.reminder
            where = "DM to you" if r.kind is ReminderKind.PERSONAL else f"<#{r.channel_id}>"
            due = (
                f"{show(info.next_due, 'f')} ({show(info.next_due, 'R')})"
                if info.next_due
                else "no time left"
            )
            repeats = "" if info.schedule == "once" else f" · {info.schedule}"
            lines.append(f"`#{r.id}` · {where} · {due}{repeats}\n> {_snippet(info.text)}")
        if len(infos) > MAX_LISTED:
            lines.append(f"…and {len(infos) - MAX_LISTED} more.")
        embed = discord.Embed(
            title="Reminders", description="\n".join(lines)[:4096], colour=discord.Colour.teal()
        )
        embed.set_footer(text="Cancel one with /reminder cancel <number>.")
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @reminder.command(name="cancel", description="Cancel one of your reminders (or a channel's).")
    @app_commands.describe(reminder="The reminder's number, from /reminder list")
    @app_commands.check(_member_only)
    @audience("member")
    async def cancel(self, interaction: discord.Interaction[CopBot], reminder: int) -> None:
        coordinator = is_coordinator(interaction.user, self.bot.config)
        async with self.bot.db.transaction() as session:
            row, settled = await svc.cancel_reminder(
                session,
                reminder,
                user_id=interaction.user.id,
                coordinator=coordinator,
                now=self.bot.clock(),
            )
        self.engine.unschedule(settled)
        await interaction.response.send_message(
            f"Reminder `#{row.id}` is cancelled; it won't be sent again.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @cancel.autocomplete("reminder")
    async def _cancel_choices(
        self, interaction: discord.Interaction[CopBot], current: str
    ) -> list[app_commands.Choice[int]]:
        coordinator = is_coordinator(interaction.user, self.bot.config)
        async with self.bot.db.transaction() as session:
            infos = await svc.list_reminders(
                session, self.bot.data_keyring, user_id=interaction.user.id, coordinator=coordinator
            )
        choices = []
        for info in infos:
            label = f"#{info.id} · {' '.join(info.text.split())}"[:100]
            if current.strip() and current.strip().lstrip("#") not in label:
                continue
            choices.append(app_commands.Choice(name=label, value=info.id))
        return choices[:25]

    @reminder.command(name="status", description="How reminder delivery is going (coordinators).")
    @coordinator_only()
    async def status(self, interaction: discord.Interaction[CopBot]) -> None:
        now = self.bot.clock()
        async with self.bot.db.transaction() as session:
            c = await svc.counts(session, now - timedelta(days=30))
        next_due = (
            f"{show(c.next_due, 'f')} ({show(c.next_due, 'R')})"
            if c.next_due
            else "nothing planned"
        )
        lines = [
            f"**Planned:** {c.planned} (next {next_due})",
            f"**Last 30 days:** {c.sent} sent, {c.pending} waiting or retrying, "
            f"{c.failed} not delivered, {c.missed} missed while the bot was offline",
            f"**Failed attempts** (retried automatically): {c.failures}",
        ]
        await interaction.response.send_message(
            embed=discord.Embed(
                title="Reminder delivery",
                description="\n".join(lines),
                colour=discord.Colour.teal(),
            ),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
