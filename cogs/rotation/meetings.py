"""/meeting series|add|cancel|list|calendar: the group's schedule."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import audience, coordinator_only
from bot.mentions import NO_PINGS, only_users
from bot.models import Member
from bot.services import meetings as meeting_service
from bot.services import rotation
from bot.services.when import Recurrence
from bot.services.rotation import RotationRules
from bot.timeutil import show
from cogs.rotation.render import (
    NO_MEETINGS,
    local_date,
    meeting_list_embed,
    mention,
)
from cogs.rotation.render import when as when_text

if TYPE_CHECKING:
    from bot.client import CopBot

log = logging.getLogger(__name__)


async def meeting_autocomplete(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Upcoming meetings as choices; the value is the local date (what commands parse)."""
    bot: CopBot = interaction.client
    now = bot.clock()
    async with bot.db.transaction() as session:
        meetings = await meeting_service.upcoming_meetings(session, now, limit=50)
    typed = current.strip().lower()
    choices = []
    for meeting in meetings:
        local = meeting.starts_at.astimezone(bot.zone)
        value = local.date().isoformat()
        facilitator = meeting.facilitator
        who = f" · {facilitator.display_name}" if facilitator and facilitator.display_name else ""
        label = f"{local:%a %d %b %Y, %H:%M}{who}"
        if typed and typed not in value and typed not in label.lower():
            continue
        choices.append(app_commands.Choice(name=label[:100], value=value))
        if len(choices) == 25:
            break
    return choices


class Meetings(commands.Cog):
    """The meeting schedule."""

    meeting = app_commands.Group(
        name="meeting", description="The group's meetings: schedule, list and calendar."
    )

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    @property
    def rules(self) -> RotationRules:
        return RotationRules.from_config(self.bot.config)

    async def _announce(self, text: str, users: list[int]) -> None:
        try:
            channel = await self.bot.text_channel(self.bot.config.channels.announcements)
            await channel.send(text, allowed_mentions=only_users(users) if users else NO_PINGS)
        except (discord.HTTPException, TypeError):
            log.warning("could not post to the announcements channel", exc_info=True)

    @meeting.command(name="series", description="Set the recurring meeting schedule.")
    @app_commands.describe(
        when="When meetings repeat, e.g. 'every 4 weeks on Tuesday at 10:00' or "
        "'the first Wednesday of each month at 14:00'",
        place="Where: a room and address, or a video-call link",
        duration="How long each meeting lasts, in minutes (default from config)",
    )
    @coordinator_only()
    async def series(
        self,
        interaction: discord.Interaction[Any],
        when: str,
        place: str,
        duration: app_commands.Range[int, 15, 600] | None = None,
    ) -> None:
        bot = self.bot
        now = bot.clock()
        rules = self.rules
        async with bot.db.transaction() as session:
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
        recurrence: Recurrence = change.recurrence
        schedule = recurrence.describe()
        lines = [
            f"Meetings are now **{schedule}**"
            + (f", at {place.strip()}." if place.strip() else ".")
        ]
        if upcoming:
            lines.append("Next: " + "; ".join(when_short(m) for m in upcoming) + ".")
        if change.kept:
            lines.append(f"{change.kept} upcoming meeting(s) at the same times kept their roster.")
        if change.dropped:
            lines.append(f"{change.dropped} meeting(s) from the old schedule were dropped.")
        lines.append("The group has been told in the announcements channel.")
        await interaction.response.send_message(
            "\n".join(lines), ephemeral=True, allowed_mentions=NO_PINGS
        )
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
        place="Where: a room and address, or a video-call link",
        title="What the meeting is, if it is special (optional)",
        duration="How long it lasts, in minutes (default from config)",
    )
    @coordinator_only()
    async def add(
        self,
        interaction: discord.Interaction[Any],
        when: str,
        place: str,
        title: str | None = None,
        duration: app_commands.Range[int, 15, 600] | None = None,
    ) -> None:
        bot = self.bot
        now = bot.clock()
        starts_at = meeting_service.parse_when(when, bot.zone, now)
        async with bot.db.transaction() as session:
            meeting = await meeting_service.add_meeting(
                session,
                starts_at=starts_at,
                place=place,
                title=title or "",
                duration_minutes=duration or bot.config.rotation.meeting_minutes,
                now=now,
                zone=bot.zone,
            )
            await rotation.plan(session, now, self.rules)
            meeting_id = meeting.id
            facilitator = meeting.facilitator
        await interaction.response.send_message(
            f"Added a meeting on {show(starts_at)} (`{local_date(meeting, bot.zone)}`)"
            + (f" at {meeting.place}" if meeting.place else "")
            + f". Facilitator: {mention(facilitator)}.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
        log.info("meeting %s added by %s", meeting_id, interaction.user.id)

    @meeting.command(name="cancel", description="Cancel one meeting and tell the group.")
    @app_commands.describe(
        date="The meeting's date, e.g. 2026-03-17 (pick from the list)",
        reason="Why, for the group (optional)",
    )
    @app_commands.autocomplete(date=meeting_autocomplete)
    @coordinator_only()
    async def cancel(
        self, interaction: discord.Interaction[Any], date: str, reason: str | None = None
    ) -> None:
        bot = self.bot
        now = bot.clock()
        async with bot.db.transaction() as session:
            meeting = await meeting_service.find_meeting(session, date, bot.zone, now)
            people = [m for m in (meeting.facilitator, meeting.co_facilitator) if m is not None]
            await meeting_service.cancel_meeting(session, meeting, reason=reason or "", now=now)
            await rotation.plan(session, now, self.rules)
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
        await interaction.response.send_message(
            f"Cancelled the meeting on {show(meeting.starts_at)}; the group has been told.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @meeting.command(name="list", description="Show the upcoming meetings.")
    @app_commands.describe(count="How many meetings to show (default 10)")
    @audience("everyone")
    async def list_(
        self, interaction: discord.Interaction[Any], count: app_commands.Range[int, 1, 25] = 10
    ) -> None:
        bot = self.bot
        now = bot.clock()
        async with bot.db.transaction() as session:
            await rotation.plan(session, now, self.rules)
            meetings = await meeting_service.upcoming_meetings(
                session, now, limit=count, include_cancelled=True
            )
            series = await meeting_service.active_series(session)
            schedule = (
                meeting_service.series_recurrence(series).describe() if series is not None else None
            )
        await interaction.response.send_message(
            embed=meeting_list_embed(meetings, bot.zone, schedule),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @meeting.command(
        name="calendar", description="Get the upcoming meetings as a calendar (.ics) file."
    )
    @audience("everyone")
    async def calendar(self, interaction: discord.Interaction[Any]) -> None:
        bot = self.bot
        now = bot.clock()
        guild = interaction.guild

        def name_of(member: Member) -> str:
            if member.display_name:
                return member.display_name
            found = guild.get_member(member.user_id) if guild is not None else None
            return found.display_name if found is not None else "a member"

        async with bot.db.transaction() as session:
            await rotation.plan(session, now, self.rules)
            meetings = await meeting_service.upcoming_meetings(session, now, include_cancelled=True)
            data = meeting_service.build_calendar(
                meetings,
                zone=bot.zone,
                community=bot.config.community.name,
                name_of=name_of,
                now=now,
            )
        if not meetings:
            await interaction.response.send_message(
                NO_MEETINGS, ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        file = discord.File(io.BytesIO(data), filename="cop-meetings.ics")
        await interaction.response.send_message(
            f"The next {len(meetings)} meetings, with their facilitators. Import the file into "
            "your calendar app (times are in the community's time zone).",
            file=file,
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )


def when_short(meeting: Any) -> str:
    return show(meeting.starts_at, "f")
