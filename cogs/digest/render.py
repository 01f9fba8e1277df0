"""Text for /digest: the export's summary, the history's embed, sizes and days."""

from __future__ import annotations

from typing import Any

import discord

from bot.services.learnings.record import ExportView
from bot.services.learnings.request import DigestRequest
from bot.services.learnings.stream import DigestOutcome
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


def history_embed(views: list[ExportView], page: int, pages: int) -> discord.Embed:
    embed = discord.Embed(title="Digest exports", colour=COLOUR)
    if not views:
        embed.description = "No digest has been exported yet. Use `/digest export` to make one."
    else:
        embed.description = f"Newest first · page {page} of {pages}."
    for v in views:
        tags = f"tags: {safe(', '.join(v.tags))}" if v.tags else "all themes"
        who = f"<@{v.by_user_id}> ({safe(v.by)})" if v.by_user_id else safe(v.by)
        embed.add_field(
            name=f"Export #{v.id} · {day_text(v.start)} to {day_text(v.end)}"[:256],
            value=(
                f"{show(v.exported_at, 'f')} by {who}\n"
                f"{v.format} · {tags} · **{v.entries}** entries"
                + (f" ({v.flagged} flagged)" if v.flagged else "")
                + f" · {size_text(v.size)}\nSHA-256 `{v.sha256}`"
            )[:1024],
            inline=False,
        )
    return embed
