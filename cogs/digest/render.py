"""Text for /digest and /exports: the export's summary, the history's embed (digests and
impact reports), sizes and days."""

from __future__ import annotations

from typing import Any

import discord

from bot.services.learnings.record import ExportView
from bot.services.learnings.request import DigestRequest
from bot.services.learnings.stream import DigestOutcome
from bot.services.report import REPORT_FORMAT
from bot.timeutil import show
from bot.ui import safe

COLOUR = discord.Colour.dark_teal()


def size_text(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def day_text(d: Any) -> str:
    return f"{d.day} {d.strftime('%b %Y')}"


def progress_text(total: int, done: int) -> str:
    percent = done * 100 // max(1, total)
    return f"Exporting the digest… {done:,} of {total:,} entries ({percent}%)."


def summary(request: DigestRequest, outcome: DigestOutcome, record_id: int, zipped: bool) -> str:
    what = f"{request.format.value}" + (
        f"; tags: {safe(', '.join(request.tags))}" if request.tags else ""
    )
    lines = [
        f"**Learnings digest, {day_text(request.start)} to {day_text(request.end)}** ({what}): "
        f"{outcome.entries} {'entry' if outcome.entries == 1 else 'entries'} in "
        f"{len(outcome.themes)} {'theme' if len(outcome.themes) == 1 else 'themes'}."
    ]
    if outcome.flagged:
        numbers = safe("; ".join(outcome.flagged[:20]))
        more = "…" if len(outcome.flagged) > 20 else ""
        lines.append(
            f"⚠️ {len(outcome.flagged)} flagged for review ({numbers}{more}): they name "
            "a member, an organisation or a Discord user. Check them before the digest goes "
            "beyond the coordinators."
        )
    if outcome.skipped:
        lines.append(
            f"{outcome.skipped} entries were left out because they could not be decrypted "
            "(or were withdrawn during the export); tell the bot's operator if this repeats."
        )
    if zipped:
        lines.append("The file was zipped to fit Discord's upload limit.")
    lines.append(f"Recorded as export **#{record_id}** · SHA-256 `{outcome.sha256}`")
    return "\n".join(lines)


def export_kind(view: ExportView) -> str:
    """What the row is: an impact report (``/report``) or a digest in its format."""
    return "impact report" if view.format == REPORT_FORMAT else f"digest ({view.format})"


def history_embed(views: list[ExportView], page: int, pages: int) -> discord.Embed:
    embed = discord.Embed(title="Exports: digests and impact reports", colour=COLOUR)
    if not views:
        embed.description = (
            "Nothing has been exported yet. Use `/digest export` for a digest or `/report` "
            "for an impact report."
        )
    else:
        embed.description = f"Newest first · page {page} of {pages}."
    for v in views:
        who = f"<@{v.by_user_id}> ({safe(v.by)})" if v.by_user_id else safe(v.by)
        if v.format == REPORT_FORMAT:
            title = f"Impact report #{v.id}"
            what = f"**{v.entries}** {'chart' if v.entries == 1 else 'charts'}"
        else:
            tags = f"tags: {safe(', '.join(v.tags))}" if v.tags else "all themes"
            title = f"Export #{v.id}"
            what = f"{tags} · **{v.entries}** entries" + (
                f" ({v.flagged} flagged)" if v.flagged else ""
            )
        embed.add_field(
            name=f"{title} · {day_text(v.start)} to {day_text(v.end)}"[:256],
            value=(
                f"{show(v.exported_at, 'f')} by {who}\n"
                f"{export_kind(v)} · {what} · {size_text(v.size)}\nSHA-256 `{v.sha256}`"
            )[:1024],
            inline=False,
        )
    return embed
