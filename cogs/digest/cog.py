"""/digest (coordinators): export the learnings digest for a period; /exports history: every
digest export and impact report (``/digest history`` is the same list).

Only ``digest-anonymous`` and ``digest-named`` learnings are exported (see
``bot.services.learnings.stream``). The file is attached to an ephemeral reply; a large
export shows its progress by editing the deferred reply as it goes.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import zipfile

import discord
from discord import app_commands

from bot.checks import coordinator_only, has_role
from bot.client import CopBot
from bot.errors import DomainError, InvalidInput
from bot.mentions import NO_PINGS
from bot.services.learnings.record import record_export
from bot.services.learnings.request import (
    DigestRequest,
    count_candidates,
    parse_format,
    parse_range,
    parse_tag_filter,
)
from bot.services.learnings.store import record_for_role_holder
from bot.services.learnings.stream import TooLarge, write_digest
from bot.ui import CopCog, CopInteraction, safe
from cogs.digest.components import HistoryButton, show_history
from cogs.digest.render import summary

FORMAT_CHOICES = [
    app_commands.Choice(name="markdown (default)", value="markdown"),
    app_commands.Choice(name="csv", value="csv"),
    app_commands.Choice(name="html (prints well)", value="html"),
]


class ProgressReporter:
    """Edits the deferred reply as the export goes, every tenth, never two edits at once
    (the export does not wait for Discord)."""

    def __init__(self, interaction: CopInteraction, total: int) -> None:
        self.interaction = interaction
        self.total = total
        self.step = -1
        self.task: asyncio.Task[None] | None = None

    def text(self, done: int) -> str:
        percent = done * 100 // max(1, self.total)
        return f"Exporting the digest… {done:,} of {self.total:,} entries ({percent}%)."

    async def _edit(self, text: str) -> None:
        with contextlib.suppress(discord.HTTPException):  # a courtesy; the result still comes
            await self.interaction.edit_original_response(content=text, allowed_mentions=NO_PINGS)

    async def start(self) -> None:
        self.step = 0
        await self._edit(self.text(0))

    def update(self, done: int, total: int) -> None:
        step = done * 10 // max(1, total)
        if step <= self.step or (self.task is not None and not self.task.done()):
            return
        self.step = step
        self.task = asyncio.create_task(self._edit(self.text(done)))

    async def finish(self) -> None:
        if self.task is not None:
            await asyncio.gather(self.task, return_exceptions=True)


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
        settings = bot.config.learnings
        keyring = bot.data_keyring
        buffer = io.BytesIO()
        reporter: ProgressReporter | None = None
        tagged = f" tagged {safe(', '.join(request.tags))}" if request.tags else ""
        nothing = InvalidInput(
            f"No learnings{tagged} recorded from {request.start} to {request.end} were "
            "shared for the digest, so there is nothing to export. Try a wider range."
        )
        async with bot.db.transaction() as session:
            expected = await count_candidates(session, request)
            if expected == 0:
                raise nothing
            if expected > settings.progress_threshold:
                reporter = ProgressReporter(interaction, expected)
                await reporter.start()
            try:
                outcome = await write_digest(
                    session,
                    keyring,
                    request,
                    buffer.write,
                    progress=reporter.update if reporter else None,
                    expected=expected,
                    max_bytes=int(settings.max_export_mb * 1024 * 1024),
                )
            except TooLarge:
                raise InvalidInput(
                    f"This digest is over {settings.max_export_mb:g} MB, too big to send here. "
                    "Narrow the range or the tags, or run `python -m bot export-digest "
                    f"--from {request.start} --to {request.end}` on the bot's server."
                ) from None
            if outcome.entries == 0:
                raise nothing
            data = buffer.getvalue()
            filename = request.filename()
            zipped = False
            limit = int(settings.attachment_limit_mb * 1024 * 1024)
            if len(data) > limit:
                packed = io.BytesIO()
                with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
                    archive.writestr(filename, data)
                data, filename, zipped = packed.getvalue(), filename + ".zip", True
                if len(data) > limit:
                    raise InvalidInput(
                        "Even zipped, this digest is over Discord's "
                        f"{settings.attachment_limit_mb:g} MB limit. Narrow the range or the "
                        "tags, or run `python -m bot "
                        f"export-digest --from {request.start} --to {request.end}` on the bot's "
                        "server."
                    )
            person = interaction.user
            coordinator = await record_for_role_holder(
                session,
                person.id,
                person.display_name,
                bot.clock(),
                active=has_role(person, bot.config.roles.member),
            )
            record = await record_export(
                session,
                keyring,
                by=coordinator,
                via="discord",
                request=request,
                outcome=outcome,
                now=bot.clock(),
            )
            record_id = record.id
        if reporter is not None:
            await reporter.finish()
        await interaction.edit_original_response(
            content=summary(request, outcome, record_id, zipped),
            attachments=[discord.File(io.BytesIO(data), filename=filename)],
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

    @digest.command(name="history", description="The same as /exports history.")
    @app_commands.describe(page="Which page (default: the newest).")
    @coordinator_only()
    async def digest_history(
        self, interaction: CopInteraction, page: app_commands.Range[int, 1] = 1
    ) -> None:
        await show_history(interaction, page, False)


async def setup(bot: CopBot) -> None:
    await bot.add_cog(Digest(bot))
