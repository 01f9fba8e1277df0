"""The forum channel's tags, kept from the community's themes, and forum-post naming.

Shared by consults (``/ask``) and the knowledge base (published learnings). Plain
functions with no Discord import: the cog reads the forum's ``available_tags``, turns
them into :class:`Tag`, asks :func:`plan_tags` what the list should be, and (if
``changed``) edits the channel with that list; then :func:`tag_ids_for` gives the tag ids
for a post's themes.

Discord's limits (checked against its docs and OpenAPI spec): a forum holds at most 20
tags, a tag's name is 1–20 characters, a post carries at most 5 tags, a thread's name is
1–100 characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.tags import normalise_tag

MAX_FORUM_TAGS = 20
TAG_NAME_MAX = 20
MAX_APPLIED_TAGS = 5
THREAD_NAME_MAX = 100

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    {"a", "an", "and", "or", "the", "of", "in", "on", "for", "with", "to", "at", "by"}
)


def _words(name: str) -> frozenset[str]:
    return frozenset(
        w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w
        for w in _WORD.findall(normalise_tag(name))
        if w not in _STOPWORDS and len(w) > 2
    )


@dataclass(frozen=True)
class Tag:
    """A forum tag: ``id`` None for one not created yet."""

    name: str
    id: int | None = None
    moderated: bool = False
    emoji_id: int | None = None
    emoji_name: str | None = None


@dataclass(frozen=True)
class TagPlan:
    tags: list[Tag]
    """The forum's whole tag list to set (existing tags first, unchanged)."""
    added: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    """Themes that did not fit (the forum already holds 20 tags)."""

    @property
    def changed(self) -> bool:
        return bool(self.added)


def tag_name(theme: str) -> str:
    """A theme as a tag name (at most 20 characters)."""
    return normalise_tag(theme)[:TAG_NAME_MAX].strip() or "other"


def plan_tags(existing: Sequence[Tag], themes: Iterable[str]) -> TagPlan:
    """Keep every existing tag (posts may carry it) and add a tag for each theme that
    has none, while the forum has room."""
    tags = list(existing)
    have = {normalise_tag(t.name) for t in tags}
    added: list[str] = []
    left_out: list[str] = []
    for theme in themes:
        name = tag_name(theme)
        if name in have:
            continue
        if len(tags) >= MAX_FORUM_TAGS:
            left_out.append(name)
            continue
        tags.append(Tag(name))
        have.add(name)
        added.append(name)
    return TagPlan(tags, added, left_out)


def match_theme(theme: str, names: Iterable[str]) -> str | None:
    """The tag name that fits a (possibly free-form) theme: the same name, else the one
    sharing the most meaningful words; None when nothing fits."""
    wanted = normalise_tag(theme)
    candidates = list(names)
    for name in candidates:
        if normalise_tag(name) == wanted or normalise_tag(name) == tag_name(wanted):
            return name
    words = _words(wanted)
    if not words:
        return None
    best, best_shared = None, 0
    for name in candidates:
        shared = len(words & _words(name))
        if shared > best_shared:
            best, best_shared = name, shared
    return best


def tag_ids_for(themes: Iterable[str], available: Sequence[Tag]) -> list[int]:
    """The ids of the forum's tags for these themes (at most 5, in the themes' order);
    themes with no tag are skipped."""
    by_name = {normalise_tag(t.name): t.id for t in available if t.id is not None}
    ids: list[int] = []
    for theme in themes:
        name = match_theme(theme, by_name)
        ident = by_name.get(name) if name is not None else None
        if ident is not None and ident not in ids:
            ids.append(ident)
        if len(ids) == MAX_APPLIED_TAGS:
            break
    return ids


def thread_name(title: str, *, prefix: str = "", fallback: str = "A question") -> str:
    """A forum post's name: one line, 1–100 characters, cut at a word with an ellipsis."""
    text = " ".join(f"{prefix}{' '.join(title.split())}".split()) or fallback
    if len(text) <= THREAD_NAME_MAX:
        return text
    cut = text[: THREAD_NAME_MAX - 1]
    space = cut.rfind(" ")
    if space > THREAD_NAME_MAX // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


__all__ = [
    "MAX_APPLIED_TAGS",
    "MAX_FORUM_TAGS",
    "TAG_NAME_MAX",
    "THREAD_NAME_MAX",
    "Tag",
    "TagPlan",
    "match_theme",
    "plan_tags",
    "tag_ids_for",
    "tag_name",
    "thread_name",
]
