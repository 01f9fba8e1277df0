"""/report (coordinators): the community's impact report as an HTML file and a chart."""

from __future__ import annotations

import contextlib
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import coordinator_only
from bot.client import CopBot
from bot.mentions import NO_PINGS
from bot.services import report
from bot.services.members import member_by_user
from bot.services.when import parse_day
from bot.ui import CopInteraction


def _date(text: str | None, fallback: date, zone: ZoneInfo, now: datetime) -> date:
    """A day typed in any form the one time language reads; ``fallback`` when empty."""
    if text is None or not text.strip():
        return fallback
    return parse_day(text, zone, now)


class ReportCog(commands.Cog, name="Report"):
    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    async def _progress(self, interaction: CopInteraction, text: str) -> None:
        with contextlib.suppress(discord.HTTPException):  # a courtesy; the result still comes
            await interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)

    @app_commands.command(
        name="report", description="The community's impact report, with charts (coordinators)"
    )
    @app_commands.describe(
        start="First day, YYYY-MM-DD (default: a year ago)",
        end="Last day, YYYY-MM-DD (default: today)",
    )
    @app_commands.rename(start="from", end="to")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    @coordinator_only()
    async def report_command(
        self,
        interaction: CopInteraction,
        start: app_commands.Range[str, 1, 40] | None = None,
        end: app_commands.Range[str, 1, 40] | None = None,
    ) -> None:
        bot = self.bot
        today = bot.clock().astimezone(bot.zone).date()
        last = _date(end, today, bot.zone, bot.clock())
        first = _date(start, last - timedelta(days=365), bot.zone, bot.clock())
        report.make_period(first, last, bot.zone, today)  # a bad range is told at once
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._progress(interaction, "Gathering the numbers…")
        keyring = bot.data_keyring
        now = bot.clock()
        async with bot.db.transaction() as session:
            data, rendered = await report.make_report(
                session, keyring, bot.config, first, last, now
            )
            await self._progress(interaction, "Drawing the charts… done. Recording the report…")
            by = await member_by_user(session, interaction.user.id)
            record = await report.record_report(
                session,
                keyring,
                by=by,
                via=f"/report by {interaction.user.id}",
                period=data.period,
                rendered=rendered,
                now=now,
            )
            record_id = record.id
        name = f"cop-report-{first.isoformat()}-to-{last.isoformat()}"
        files = [
            discord.File(io.BytesIO(rendered.html), filename=f"{name}.html"),
            discord.File(io.BytesIO(rendered.headline_png), filename=f"{name}-membership.png"),
        ]
        summary = (
            f"**Impact report, {first:%d %b %Y} to {last:%d %b %Y}**: {rendered.charts} charts"
            + (" (nothing was recorded in this period)" if data.empty else "")
            + f". Open the HTML file in a browser; it prints to A4.\n"
            f"Recorded as export **#{record_id}** · SHA-256 `{rendered.sha256}`"
        )
        await interaction.edit_original_response(
            content=summary, attachments=files, allowed_mentions=NO_PINGS
        )


async def setup(bot: CopBot) -> None:
    await bot.add_cog(ReportCog(bot))
