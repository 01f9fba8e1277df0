"""/digest (coordinators): export the learnings digest for a period; /exports history: every
digest export and impact report (``/digest history`` is the same list).

Only ``digest-anonymous`` and ``digest-named`` learnings are exported (see
``bot.services.learnings.stream``). The file is attached to an ephemeral reply; a large
export shows its progress by editing the deferred reply as it goes.
"""

from __future__ import annotations

import io

import discord
from discord import app_commands

from bot.checks import coordinator_only, has_role
from bot.client import CopBot
from bot.errors import DomainError
from bot.mentions import NO_PINGS
from bot.services.digest_export import Exporter, export_for_discord
from bot.services.learnings.request import (
    DigestRequest,
    parse_format,
    parse_range,
    parse_tag_filter,
)
from bot.ui import CopCog, CopInteraction
from cogs.digest.components import HistoryButton, show_history
from cogs.digest.progress import ProgressReporter
from cogs.digest.render import summary

FORMAT_CHOICES = [
    app_commands.Choice(name="markdown (default)", value="markdown"),
    app_commands.Choice(name="csv", value="csv"),
    app_commands.Choice(name="html (prints well)", value="html"),
]


class Digest(CopCog):
    digest = app_commands.Group(
        name="digest", description="Coordinators: export the learnings digest; see past exports."
    )

    persistent_items = (HistoryButton,)

    @digest.command(name="export", description="Export shareable learnings for a period as a file.")
    @app_commands.rename(start="from", end="to")
    @app_commands.describe(
        start="The first day, YYYY-MM-DD, like 2026-03-01.",
        end="The last day (included), YYYY-MM-DD, like 2026-03-31.",
        format="markdown (the default), csv, or html (a page that prints well).",
        tags="Only these themes or tags, comma-separated, like: trust, funding.",
    )
    @app_commands.choices(format=FORMAT_CHOICES)
    @coordinator_only()
    async def export(
        self,
        interaction: CopInteraction,
        start: str,
        end: str,
        format: app_commands.Choice[str] | None = None,
        tags: str | None = None,
    ) -> None:
        bot = self.bot
        first, last = parse_range(start, end, bot.zone, bot.clock())
        request = DigestRequest(
            start=first,
            end=last,
            format=parse_format(format.value if format else None),
            tags=parse_tag_filter(tags),
            zone=bot.zone,
            community=bot.config.community.name,
            now=bot.clock(),
        )
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            await self._export(interaction, request)
        except DomainError as problem:
            await interaction.edit_original_response(
                content=problem.message, attachments=[], allowed_mentions=NO_PINGS
            )

    async def _export(self, interaction: CopInteraction, request: DigestRequest) -> None:
        bot = self.bot
        person = interaction.user
        exporter = Exporter(
            person.id, person.display_name, has_role(person, bot.config.roles.member)
        )
        reporter = ProgressReporter(interaction)
        async with bot.db.transaction() as session:
            exported = await export_for_discord(
                session,
                bot.data_keyring,
                request,
                bot.config.learnings,
                exporter,
                bot.clock(),
                start_progress=reporter.start,
            )
        await reporter.finish()
        await interaction.edit_original_response(
            content=summary(request, exported.outcome, exported.record_id, exported.zipped),
            attachments=[discord.File(io.BytesIO(exported.data), filename=exported.filename)],
            allowed_mentions=NO_PINGS,
        )

    exports = app_commands.Group(
        name="exports",
        description="Coordinators: every digest export and impact report, with its SHA-256.",
    )

    @exports.command(
        name="history",
        description="Every digest export and impact report: who, when, what, and its SHA-256.",
    )
    @app_commands.describe(page="Which page (default: the newest).")
    @coordinator_only()
    async def history(
        self, interaction: CopInteraction, page: app_commands.Range[int, 1] = 1
    ) -> None:
        await show_history(interaction, page, False)

    digest_history = digest.command(name="history", description="The same as /exports history.")(
        history.callback
    )


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Digest(bot))
