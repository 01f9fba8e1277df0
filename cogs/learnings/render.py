"""Embeds and text for learnings: one learning in full, a page of them, confirmations,
and a learning as a forum post.

Everything a member typed is shown escaped (no markdown, no mentions). Nothing here
logs what a member typed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import discord

from bot.models import SharingLevel
from bot.services.forum import thread_name as forum_thread_name
from bot.services.learnings.knowledge import PostContent
from bot.services.learnings.store import LearningView, Page
from bot.services.learnings.text import LEVEL_MEANINGS, LEVEL_WORDS
from bot.timeutil import show
from bot.ui import safe

COLOUR = discord.Colour.dark_teal()
FIELD_VALUE_MAX = 1024
EMBED_TOTAL_MAX = 5800
MESSAGE_MAX = 2000

LEVEL_LABELS: dict[SharingLevel, str] = {
    SharingLevel.PRIVATE: "private: only me",
    SharingLevel.GROUP: "group: members can read it in the bot",
    SharingLevel.DIGEST_ANONYMOUS: "digest-anonymous: in digests, no name",
    SharingLevel.DIGEST_NAMED: "digest-named: in digests, with my name",
}


def day(moment: datetime, zone: Any) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {local.strftime('%b %Y')}"


def chunks(text: str, size: int) -> list[str]:
    """Split escaped text into pieces of at most ``size``, never right after a backslash."""
    pieces = []
    while len(text) > size:
        cut = text.rfind(" ", size // 2, size)
        if cut <= 0:
            cut = size
        while cut > 1 and text[cut - 1] == "\\":
            cut -= 1
        pieces.append(text[:cut])
        text = text[cut:]
    pieces.append(text)
    return pieces


def level_line(level: SharingLevel) -> str:
    return f"`{level.value}`: {LEVEL_MEANINGS[level]}"


def level_words(level: SharingLevel) -> str:
    """Who may see one of your learnings, in plain words: "only you", "members",
    "digest, anonymous", "digest, with your name"."""
    return LEVEL_WORDS[level]


def post_link(post_id: int | None) -> str | None:
    return f"in the forum: <#{post_id}>" if post_id is not None else None


def from_consult(consult_id: int) -> str:
    """Shown to a learning's author only: the consult it was recorded from."""
    return f"from consult #{consult_id}"


def learning_embed(view: LearningView, zone: Any) -> discord.Embed:
    """One learning in full."""
    if view.mine:
        who = f"by {safe(view.author)} (you)" if view.author else "yours"
    elif view.author is None:
        who = "anonymous"
    else:
        who = f"by {safe(view.author)}"
    meta = [f"#{view.id}", day(view.created_at, zone), who]
    if view.mine:
        meta.append(f"seen by: {level_words(view.sharing)}")
    elif view.sharing is not SharingLevel.GROUP:
        meta.append(f"`{view.sharing.value}`")
    link = post_link(view.post_id)
    if link:
        meta.append(link)
    if view.mine and view.consult_id is not None:
        meta.append(from_consult(view.consult_id))
    embed = discord.Embed(
        title=safe(view.text.title)[:256] or f"Learning #{view.id}",
        description=" · ".join(meta),
        colour=COLOUR,
    )
    if view.meeting_starts_at is not None:
        embed.description = (embed.description or "") + (
            f"\nFrom the meeting of {show(view.meeting_starts_at, 'D')}"
        )
    size = len(embed.title or "") + len(embed.description or "")
    for label, value in (
        ("What happened", view.text.happened),
        ("What I learned", view.text.learned),
        ("What I would do next time", view.text.next_time),
        ("Themes", ", ".join(view.text.tags)),
    ):
        if not value:
            continue
        for n, piece in enumerate(chunks(safe(value), FIELD_VALUE_MAX)):
            name = label if n == 0 else f"{label} (continued)"
            if size + len(name) + len(piece) > EMBED_TOTAL_MAX:
                embed.add_field(
                    name="…", value="(too long to show here; `/mydata export` has it all)"
                )
                return embed
            embed.add_field(name=name, value=piece, inline=False)
            size += len(name) + len(piece)
    return embed


def excerpt(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def list_field(view: LearningView, zone: Any, *, limit: int) -> tuple[str, str]:
    """One learning in a page: for its author, who may see it in plain words (never
    "anonymous" for their own); for other readers, its author unless anonymous."""
    name = f"#{view.id} · {safe(excerpt(view.text.title, 80))}"
    bits = [day(view.created_at, zone)]
    if view.mine:
        bits.append(f"seen by: {level_words(view.sharing)}")
    elif view.author is None:
        bits.append("anonymous")
    else:
        bits.append(f"by {safe(view.author)}")
    if view.text.tags:
        bits.append(safe(", ".join(view.text.tags)))
    link = post_link(view.post_id)
    if link:
        bits.append(link)
    if view.mine and view.consult_id is not None:
        bits.append(from_consult(view.consult_id))
    value = " · ".join(bits)
    if view.text.learned:
        value += "\n" + safe(excerpt(view.text.learned, limit))
    return name[:256], value[:FIELD_VALUE_MAX]


def page_embed(kind: str, page: Page, tag: str | None, zone: Any) -> discord.Embed:
    if kind == "mine":
        title = "Your learnings"
        empty = (
            "You haven't recorded any learnings yet. Use `/learning add` to record one: it "
            "takes under a minute."
        )
    else:
        title = "Learnings shared with the group" + (f" · tag {safe(tag)}" if tag else "")
        empty = (
            f"No one has shared a learning tagged `{safe(tag)}` yet. Try `/learning browse` "
            "without a tag."
            if tag
            else "No one has shared a learning with the group yet."
        )
    embed = discord.Embed(title=title, colour=COLOUR)
    if not page.items:
        embed.description = empty
        return embed
    embed.description = (
        f"{page.total} in all · page {page.page} of {page.pages}. Pick one below to read it "
        "in full."
    )
    limit = max(80, 700 // max(1, len(page.items)))
    for item in page.items:
        name, value = list_field(item, zone, limit=limit)
        embed.add_field(name=name, value=value, inline=False)
    return embed


def saved_text(row_id: int, title: str, level: SharingLevel, *, created: bool) -> str:
    what = "Saved" if created else "Updated"
    text = f"{what} learning **#{row_id}** · {safe(title)}. It is {level_line(level)}."
    if level is SharingLevel.PRIVATE:
        text += (
            "\nWho may see it? Choose below (you can change it any time with `/learning share`)."
        )
    return text


# --- the forum ------------------------------------------------------------------------


def thread_name(content: PostContent) -> str:
    return forum_thread_name(content.text.title, fallback="A learning")


def post_text(content: PostContent) -> str:
    """The forum post of a learning, under Discord's 2,000 characters. Member text is
    escaped, and the post pings no one (the caller also passes ``NO_PINGS``)."""
    t = content.text
    by = "Shared anonymously" if content.author is None else f"Shared by {safe(content.author)}"
    head = f"{by} · learning #{content.learning_id}"
    if t.tags:
        head += f" · {safe(', '.join(t.tags))}"
    parts = [head]
    budget = MESSAGE_MAX - len(head) - 80
    for label, value in (
        ("What happened", t.happened),
        ("What I learned", t.learned),
        ("What I would do next time", t.next_time),
    ):
        if not value or budget <= 0:
            continue
        shown = safe(value)
        if len(shown) > budget:
            shown = safe(excerpt(value, max(20, budget // 2)))
        piece = f"**{label}**\n{shown}"
        parts.append(piece)
        budget -= len(piece) + 2
    parts.append("_Shared under the Chatham House rule._")
    return "\n\n".join(parts)[:MESSAGE_MAX]


def flags_question(learning_id: int, flags: tuple[str, ...]) -> str:
    names = ", ".join(f"`{f.replace('`', 'ˋ')[:60]}`" for f in flags[:10])
    return (
        f"Learning **#{learning_id}** mentions {names}. Everyone who can read the forum "
        "will see it. Publish it anyway, or edit it first (`/learning edit`)?"
    )
