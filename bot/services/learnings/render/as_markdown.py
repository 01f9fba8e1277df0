"""The digest in Markdown: everything a member typed escaped, so nothing becomes
formatting, a link, HTML or a ping."""

from __future__ import annotations

import re

from bot.services.learnings.render import words
from bot.services.learnings.render.base import (
    _FIRST,
    DigestStats,
    EntryLayout,
    Markup,
    MarkupRenderer,
    Theme,
)

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+!|~&"})
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_LINE_START_CHARS = frozenset(" \t-=>")


_MD_FIRST_LINE_START = re.compile(r"([^\S\n]*)(?=[-=>]|\d+[.)])")
_MD_LINE_START = re.compile(r"\n([^\S\n]*)(?=[-=>]|\d+[.)])")


def _escape_line_starts(text: str) -> str:
    """A backslash before what would start a list, quote or heading rule on any line.
    (The pattern for the lines after the first starts with a newline, which the regex
    engine finds fast; one anchored at every line start would be tried at every
    position.)"""
    first = _MD_FIRST_LINE_START.match(text)
    if first is not None:
        text = first.group(1) + "\\" + text[first.end(1) :]
    return _MD_LINE_START.sub(r"\n\1\\", text) if "\n" in text else text


def md(text: str) -> str:
    """Text shown literally in Markdown: no formatting, links, images, HTML or pings."""
    escaped = text.translate(_MD_SPECIAL)
    if escaped[:1] in _LINE_START_CHARS or "\n" in escaped or escaped[:1].isdigit():
        escaped = _escape_line_starts(escaped)
    return _md_mentions_and_breaks(escaped)


def _md_mentions_and_breaks(escaped: str) -> str:
    if "@" in escaped:
        escaped = _MASS_MENTION.sub("@\u200b\\1", escaped)
    if "\r" in escaped:
        escaped = escaped.replace("\r\n", "\n").replace("\r", "\n")
    return escaped


_MD_PIECE_START = re.compile(r"\x00([^\S\n]*)(?=[-=>]|\d+[.)])")


_MD_MAY_START = re.compile(r"[^\S\n]|[-=>\d]")
"""What a piece that needs a backslash at its start starts with (``_MD_PIECE_START``)."""
_MD_SPECIAL_CHARS = tuple(chr(c) for c in _MD_SPECIAL)


def _md_piece_list(joined: str, pieces: list[str]) -> list[str]:
    """``_md_pieces(joined).split("\x00")``, faster: ``translate`` only when a character
    it changes occurs, and the pieces' starts (gathered in C) looked at one by one only
    when one of them could need a backslash, instead of a regex over all the text.
    ``pieces`` are what was joined (taken as they are, not split again, when nothing in
    the joined text changed and none of them holds a NUL; changed in place)."""
    escaped = (
        joined.translate(_MD_SPECIAL)
        if any(map(joined.__contains__, _MD_SPECIAL_CHARS))
        else joined
    )
    escaped = _md_mentions_and_breaks(_escape_line_starts(escaped))
    if escaped is not joined or joined.count("\x00") != len(pieces) - 1:
        pieces = escaped.split("\x00")
    if _MD_MAY_START.search("".join(map(_FIRST, pieces))):
        may_start = _MD_MAY_START.match
        start = _MD_FIRST_LINE_START.match
        for i, first in enumerate(map(_FIRST, pieces)):
            if first and may_start(first) is not None:
                piece = pieces[i]
                found = start(piece)
                if found is not None:
                    pieces[i] = found.group(1) + "\\" + piece[found.end(1) :]
    return pieces


def _md_pieces(joined: str) -> str:
    """``md`` over pieces of text joined by NULs, each piece escaped as if it started a
    line of its own (as ``MarkdownRenderer.entry`` escapes them)."""
    escaped = _escape_line_starts(joined.translate(_MD_SPECIAL))
    return _md_mentions_and_breaks(_MD_PIECE_START.sub("\x00\\1\\\\", escaped))


def _md_name(name: str) -> str:
    """An author's name as ``MarkdownRenderer.entry`` escapes it: as a piece of its own
    that starts a line (carriage returns, which ``entry`` leaves to ``md``, included)."""
    return md(_PIECE.join(("", name.replace("\x00", "")))).split(_PIECE)[1]


def _md_theme(theme: Theme) -> str:
    return md(theme.name) if theme.name else words.NO_THEME


def _code(text: str) -> str:
    """Text inside a Markdown code span (shown literally; no backticks or line breaks)."""
    return " ".join(text.replace("`", "'").split())


_PIECE = "\n\x00\n"


def _breaks(escaped: str) -> str:
    """Markdown line breaks (two spaces) where the text has them."""
    return escaped.replace("\n", "  \n") if "\n" in escaped else escaped


def md_block(text: str) -> str:
    """A multi-line paragraph whose line breaks survive."""
    return _breaks(md(text))


_MD_LAYOUT = EntryLayout(
    entry="### {number}. {title}\n\n_{byline}_  \n{tags}\n{texts}{review}",
    tags="Tags: {tags}\n",
    text="**{heading}**  \n{text}\n\n",
    review="> ⚠️ **Review before sharing:** this {note}\n\n",
    review_name=lambda name: f"`{_code(name)}`",
    line_break="  \n",  # as _breaks writes it
)


def _md_escape_entry(typed: tuple[str, ...]) -> list[str]:
    """One entry's pieces escaped in one pass (each piece starts on a line of its own, so
    line-start escapes apply to it), then split back; NULs typed are dropped."""
    if "\x00" in "".join(typed):
        typed = tuple(piece.replace("\x00", "") for piece in typed)
    return md(_PIECE.join(typed)).split(_PIECE)


class MarkdownRenderer(MarkupRenderer):
    markup = Markup(_md_escape_entry, _md_piece_list, _md_name, words.day, _MD_LAYOUT)

    def header(self, stats: DigestStats) -> str:
        lines = [f"# {md(self.request.community)}: learnings digest", ""]
        lines += [f"**{label}:** {value}  " for label, value in self.summary_lines(stats, md)]
        lines += ["", f"> {words.CHATHAM}", ""]
        if stats.themes:
            lines += ["## Themes", "", "| Theme | Entries |", "|---|---:|"]
            lines += [f"| {_md_theme(t)} | {t.count} |" for t in stats.themes]
            lines.append("")
        return "\n".join(lines) + "\n"

    def theme_start(self, theme: Theme, index: int) -> str:
        return f"## {_md_theme(theme)} ({words.entries(theme.count)})\n\n"

    def footer(self, stats: DigestStats) -> str:
        lines = ["---", "", "## Review", "", words.review_sentence([md(f) for f in stats.flagged])]
        if stats.skipped:
            lines += ["", words.LEFT_OUT.format(n=stats.skipped)]
        return "\n".join(lines) + "\n"
