"""Embeds and text for /outcome."""

from __future__ import annotations

import discord

from bot.services.outcomes import KIND_LABELS, OutcomeView
from bot.ui import safe

COLOUR = discord.Colour.dark_gold()


def outcome_line(view: OutcomeView) -> str:
    when = f"{view.happened_on:%d %b %Y}"
    head = f"**#{view.id} · {safe(view.title, 100)}** · {KIND_LABELS[view.kind]} · {when}"
    parts = [head]
    if view.named:
        parts.append(f"with {safe(', '.join(view.named), 300)}")
    if view.pending:
        parts.append(f"{view.pending} still to answer")
    if view.mine:
        parts.append("recorded by you" + ("" if view.shareable else " · not in the report"))
    return " · ".join(parts)


def outcome_list(views: list[OutcomeView], total: int, page: int, pages: int) -> discord.Embed:
    if not views:
        return discord.Embed(
            title="Outcomes",
            description="No outcomes recorded yet. Record one with `/outcome add`.",
            colour=COLOUR,
        )
    lines = []
    for view in views:
        line = outcome_line(view)
        if view.description:
            line += f"\n> {safe(view.description, 200)}"
        if view.link:
            line += f"\n<{view.link}>"
        lines.append(line)
    embed = discord.Embed(title="Outcomes", description="\n\n".join(lines)[:4000], colour=COLOUR)
    embed.set_footer(text=f"Page {page} of {pages} · {total} in all · newest first")
    return embed


def consent_request(title: str, kind_label: str, author: str) -> str:
    return (
        f"{safe(author, 100)} recorded an outcome of the Community of Practice's work and named "
        f"you as involved: **{safe(title, 100)}** ({kind_label}).\n"
        "May the community name you in it (in `/outcome list` and in its report to funders)? "
        "Nobody is named without saying yes; you can change your mind later with `/outcome list`.\n"
        "-# Choose which messages you get from the bot with `/notifications`."
    )


def added(view_id: int, asked: list[str], unreachable: list[str]) -> str:
    text = f"Recorded outcome **#{view_id}**. Thank you for telling the community's story."
    if asked:
        text += f" {safe(', '.join(asked), 300)} will be asked whether they agree to be named."
    if unreachable:
        text += (
            f" I couldn't DM {safe(', '.join(unreachable), 300)}; they can answer in "
            "`/outcome list`."
        )
    return text
