"""Consults on Discord: the forum post, invitation and reply messages, lists and notes.

Everything a member typed is shown with ``safe`` (no markdown, no mentions); an anonymous
asker is never named, only "the asker".
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.models import ConsultStatus, Member
from bot.services.consults import (
    ANONYMOUS_NAME,
    ERASURE_NOTE,
    ConsultText,
    ConsultView,
    LedgerRow,
)
from bot.ui import safe

COLOUR = discord.Colour.teal()
NOT_SET_UP = (
    "Consults are not set up yet: the community's forum channel isn't configured or the bot "
    "can't post in it. A coordinator has been told; please try again later."
)


def thread_link(guild_id: int, thread_id: int) -> str:
    return f"https://discord.com/channels/{guild_id}/{thread_id}"


def post_embed(
    consult_id: int, text: ConsultText, themes: Sequence[str], asker: str | None
) -> discord.Embed:
    """The forum post's first message: the challenge, as the asker wrote it."""
    embed = discord.Embed(title=safe(text.title, 256), colour=COLOUR)
    embed.add_field(name="What is happening", value=safe(text.happening, 1024), inline=False)
    if text.tried:
        embed.add_field(name="What I have tried", value=safe(text.tried, 1024), inline=False)
    embed.add_field(name="What would help", value=safe(text.would_help, 1024), inline=False)
    embed.add_field(name="Themes", value=", ".join(themes) or "—", inline=False)
    who = safe(asker, 100) if asker else f"{ANONYMOUS_NAME} (anonymous)"
    embed.set_footer(text=f"Consult #{consult_id} · asked by {who} · Chatham House rule applies")
    return embed


def post_intro(anonymous: bool) -> str:
    if anonymous:
        return (
            "A member brings a challenge to the community. They asked anonymously: reply with "
            "**Reply to the asker** and your reply reaches them by DM."
        )
    return "A member brings a challenge to the community. Reply in this post."


def invitation_text(user_ids: Sequence[int], themes: Sequence[str]) -> str:
    mentions = " ".join(f"<@{u}>" for u in user_ids)
    return (
        f"{mentions} you're invited to help with this consult: it matches your interests "
        f"({', '.join(themes)}). Press **I'll help** or **Not this time** (nobody else sees "
        "a no)."
    )


def reply_text(name: str, text: str) -> str:
    return f"**{safe(name, 80)}** replied to the asker:\n{safe(text)}"


def asker_reply_text(text: str) -> str:
    return f"**The asker** replied:\n{safe(text)}"


def reply_dm(title: str, name: str, text: str, link: str) -> str:
    return (
        f"**{safe(name, 80)}** replied to your consult *{safe(title, 100)}* ({link}):\n"
        f'{safe(text)}\n\nPress **Reply** to answer; it is posted as "the asker".'
    )


def invitation_dm(title: str, themes: Sequence[str], link: str) -> str:
    return (
        f"You're invited to help with a consult that matches your interests "
        f"({', '.join(themes)}): *{safe(title, 100)}*. Open it to answer: {link}\n"
        "You can stop these with `/consult mute`."
    )


def resolved_note() -> str:
    return "This consult is resolved. Thank you to everyone who helped."


def closed_erased_title() -> str:
    return "Removed at its author's request"


def erasure_note() -> str:
    return ERASURE_NOTE


def _status(view: ConsultView) -> str:
    if view.status is ConsultStatus.OPEN:
        return f"open, {view.helpers} helping" if view.helpers else "open, no helper yet"
    return view.status.value


def consult_line(view: ConsultView, guild_id: int) -> str:
    where = f" · {thread_link(guild_id, view.thread_id)}" if view.thread_id else " · not posted yet"
    mine = " · yours" if view.mine else ""
    who = "anonymous" if view.anonymous else safe(view.asker or "a member", 60)
    stamp = discord.utils.format_dt(view.created_at, "d")
    return (
        f"**#{view.id}** {safe(view.title, 90)} — {', '.join(view.themes)} · {who} · "
        f"{_status(view)} · {stamp}{mine}{where}"
    )


def consult_list(title: str, views: Sequence[ConsultView], guild_id: int, empty: str) -> str:
    if not views:
        return empty
    lines = [title]
    for view in views:
        line = consult_line(view, guild_id)
        if sum(len(x) + 1 for x in lines) + len(line) > 1900:
            lines.append(f"…and {len(views) - len(lines) + 1} more.")
            break
        lines.append(line)
    return "\n".join(lines)


LATE_NOTE = "(Late: the bot was offline at the usual time.)"


def weekly_post(views: Sequence[ConsultView], guild_id: int, *, late: bool = False) -> str:
    head = (
        "**Consults waiting for a helper.** Nobody has offered to help with these yet; if "
        "you know something about one, open it and reply:"
    )
    if late:
        head = f"{head} {LATE_NOTE}"
    return consult_list(head, views, guild_id, "")


def ledger_text(rows: Sequence[LedgerRow]) -> str:
    if not rows:
        return "Nobody has been invited to a consult yet."
    lines = ["**Consult ledger** (invited · helped · thanked)"]
    for row in rows[:40]:
        name = safe(row.member.display_name or "a member", 60)
        lines.append(f"{name}: {row.invited} · {row.helped} · {row.thanked}")
    if len(rows) > 40:
        lines.append(f"…and {len(rows) - 40} more.")
    return "\n".join(lines)


def helper_names(helpers: Sequence[Member]) -> str:
    return ", ".join(safe(m.display_name or "a member", 60) for m in helpers)
