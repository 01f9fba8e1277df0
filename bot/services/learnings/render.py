"""The digest as Markdown, CSV or HTML, piece by piece: entries as they are read, the
header (which holds the counts) once they all have been. Everything a member typed is
escaped for its format."""

from __future__ import annotations

import csv
import functools
import html
import io
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.models import SharingLevel
from bot.services.learnings.request import DigestFormat, DigestRequest
from bot.services.learnings.text import LearningText


@dataclass
class Theme:
    name: str | None
    """None for entries without tags."""
    count: int = 0
    flagged: list[int] = field(default_factory=list)
    """Numbers (within the theme) of the entries flagged for review."""

    @property
    def label(self) -> str:
        return self.name or NO_THEME


# --- entries and renderers ----------------------------------------------------------------


@dataclass(slots=True)
class DigestEntry:
    number: int
    theme: str | None
    text: LearningText
    anonymous: bool
    author: str | None
    """The author's name for ``digest-named`` entries; always None for anonymous ones."""
    day: date
    meeting_day: date | None
    flags: tuple[str, ...]

    @property
    def sharing(self) -> str:
        return (
            SharingLevel.DIGEST_ANONYMOUS.value
            if self.anonymous
            else SharingLevel.DIGEST_NAMED.value
        )


@dataclass(slots=True)
class EntryColumns:
    """Entries column by column, in the order they are written: a run of entries per
    theme (``runs``: the theme, and where its entries start and stop). What the stream
    hands the renderer for each batch it reads (no object per entry)."""

    numbers: list[int]
    texts: list[LearningText]
    anonymous: list[bool]
    authors: list[str | None]
    """The author's name for ``digest-named`` entries; None for anonymous ones."""
    days: list[date]
    meeting_days: list[date | None]
    flags: dict[int, tuple[str, ...]]
    """By position; the few entries flagged for review."""
    runs: list[tuple[str | None, int, int]]

    @classmethod
    def of(cls, entries: Sequence[DigestEntry]) -> EntryColumns:
        """``entries`` as columns, a run for each stretch of one theme."""
        runs: list[tuple[str | None, int, int]] = []
        for at, e in enumerate(entries):
            if runs and runs[-1][0] == e.theme:
                runs[-1] = (e.theme, runs[-1][1], at + 1)
            else:
                runs.append((e.theme, at, at + 1))
        return cls(
            [e.number for e in entries],
            [e.text for e in entries],
            [e.anonymous for e in entries],
            [e.author for e in entries],
            [e.day for e in entries],
            [e.meeting_day for e in entries],
            {at: e.flags for at, e in enumerate(entries) if e.flags},
            runs,
        )

    def entry(self, at: int, theme: str | None) -> DigestEntry:
        return DigestEntry(
            self.numbers[at],
            theme,
            self.texts[at],
            self.anonymous[at],
            self.authors[at],
            self.days[at],
            self.meeting_days[at],
            self.flags.get(at, ()),
        )


@dataclass
class DigestStats:
    entries: int = 0
    themes: list[Theme] = field(default_factory=list)
    """In the file's order: most entries first, then by name; untagged last."""
    skipped: int = 0

    @property
    def flagged(self) -> list[str]:
        """Flagged entries as ``theme #n``, in the file's order."""
        return [f"{t.label} #{n}" for t in self.themes for n in t.flagged]


@functools.lru_cache(maxsize=4096)
def _day(d: date) -> str:
    return f"{d.day} {d.strftime('%b %Y')}"


NO_THEME = "(no theme)"
CHATHAM = (
    "Shared under the Chatham House rule: use what you read here, but do not reveal who "
    "said it or where they work. Anonymous entries carry no name or organisation; named "
    "entries carry only the name their author agreed to show."
)
LEFT_OUT = (
    "{n} entries could not be decrypted (they failed their integrity check) and were left "
    "out; tell the bot's operator."
)


TYPED_PIECES = 5
"""How many pieces ``typed_pieces`` gives an entry."""


class Renderer:
    """Turns the digest into text, piece by piece. Entries are rendered as they are read;
    the header (which holds the counts) once they all have been."""

    def __init__(self, request: DigestRequest) -> None:
        self.request = request
        self._names: dict[str | None, str] = {None: ""}
        """Authors' names as ``_who`` escaped them (they repeat)."""

    def summary_lines(
        self, stats: DigestStats, escape: Callable[[str], str]
    ) -> list[tuple[str, str]]:
        """(label, value) pairs; ``escape`` is applied to what people typed (the tags)."""
        r = self.request
        themes = len(stats.themes)
        rows = [
            ("Period", f"{_day(r.start)} to {_day(r.end)} ({r.zone.key})"),
            (
                "Entries",
                f"{stats.entries} in {themes} {'theme' if themes == 1 else 'themes'}",
            ),
        ]
        if r.tags:
            rows.append(("Only tags", escape(", ".join(r.tags))))
        rows.append(("Exported", r.now.astimezone(r.zone).strftime("%Y-%m-%d %H:%M %Z")))
        return rows

    def header(self, stats: DigestStats) -> str:
        raise NotImplementedError

    def theme_start(self, theme: Theme, index: int) -> str:
        return ""

    def entry(self, entry: DigestEntry) -> str:
        raise NotImplementedError

    def entries(self, entries: Sequence[DigestEntry]) -> str:
        """Several entries, in order."""
        columns = EntryColumns.of(entries)
        return "".join(self.groups(columns, typed_pieces(columns.texts)))

    def groups(self, columns: EntryColumns, typed: list[str]) -> list[str]:
        """Each run of ``columns``, its entries rendered as ``entry`` renders each.
        ``typed`` is what all of them hold (``typed_pieces`` of ``columns.texts``), for
        renderers that escape it in one pass."""
        entry = self.entry
        return [
            "".join([entry(columns.entry(at, theme)) for at in range(start, stop)])
            for theme, start, stop in columns.runs
        ]

    def theme_end(self, theme: Theme) -> str:
        return ""

    def footer(self, stats: DigestStats) -> str:
        return ""

    def _escaped(
        self, typed: list[str], escape: Callable[[str, list[str]], list[str]]
    ) -> list[str] | None:
        """``typed`` escaped in one pass: the pieces joined by NULs, escaped and split back
        by ``escape`` (one call for the many instead of several for each: most of the time
        in escaping is per call). None when someone typed a NUL or a carriage return:
        those entries go through ``entry`` (``escape`` must neither add nor drop a NUL:
        one more piece than joined means someone typed it)."""
        raw = "\x00".join(typed)
        if "\r" in raw:
            return None
        escaped = escape(raw, typed)
        return escaped if len(escaped) == len(typed) else None

    def _who(self, columns: EntryColumns, escape_name: Callable[[str], str]) -> list[str]:
        """Each entry's byline: "anonymous", or its author's name escaped (names repeat,
        so each is escaped once an export)."""
        names = self._names
        for name in set(columns.authors).difference(names):
            names[name] = escape_name(name or "")
        return [
            "anonymous" if anonymous else names[name]
            for anonymous, name in zip(columns.anonymous, columns.authors, strict=True)
        ]


@dataclass(frozen=True)
class Markup:
    """How a markup format (Markdown, HTML) writes entries: ``escape_entry`` escapes one
    entry's six typed pieces (``_typed``), ``escape_pieces`` many joined by NULs,
    ``escape_name`` an author's name; ``write`` puts an entry together from its escaped
    pieces, its byline, its day, its meeting's day and its review note."""

    escape_entry: Callable[[tuple[str, ...]], list[str]]
    escape_pieces: Callable[[str, list[str]], list[str]]
    escape_name: Callable[[str], str]
    write: Callable[..., str]
    day: Callable[[date], str]
    meeting: Callable[[date | None], str]
    review: Callable[[Sequence[str], bool], str]


class MarkupRenderer(Renderer):
    """Markdown and HTML: each entry from what its author typed, escaped."""

    markup: Markup

    def entry(self, e: DigestEntry) -> str:
        m = self.markup
        title, happened, learned, next_time, tags, author = m.escape_entry(_typed(e))
        return str(
            m.write(
                e.number,
                title,
                happened,
                learned,
                next_time,
                tags,
                e.text,
                "anonymous" if e.anonymous else author,
                m.day(e.day),
                m.meeting(e.meeting_day),
                m.review(e.flags, e.anonymous) if e.flags else "",
            )
        )

    def groups(self, columns: EntryColumns, typed: list[str]) -> list[str]:
        m = self.markup
        escaped = self._escaped(typed, m.escape_pieces)
        if escaped is None:
            return Renderer.groups(self, columns, typed)
        reviews = [""] * len(columns.numbers)
        for at, flags in columns.flags.items():
            reviews[at] = m.review(flags, columns.anonymous[at])
        texts = list(
            map(
                m.write,
                columns.numbers,
                *(escaped[n::TYPED_PIECES] for n in range(TYPED_PIECES)),
                columns.texts,
                self._who(columns, m.escape_name),
                map(m.day, columns.days),
                map(m.meeting, columns.meeting_days),
                reviews,
            )
        )
        return ["".join(texts[start:stop]) for _, start, stop in columns.runs]


SECTIONS = ("What happened", "What I learned", "What I would do next time")
"""The headings of an entry's three texts, in Markdown and HTML."""
_MEETING = " · from the meeting of "


def _meeting_line(day_text: Callable[[date], str]) -> Callable[[date | None], str]:
    """The byline's "from the meeting of" part for a meeting day (or none), with the day
    written by ``day_text`` (cached: days repeat)."""

    @functools.lru_cache(maxsize=4096)
    def meeting(day: date | None) -> str:
        return _MEETING + day_text(day) if day else ""

    return meeting


def _review_note(
    opening: str, name: Callable[[str], str], closing: str
) -> Callable[[Sequence[str], bool], str]:
    """The note under an entry flagged for review, in a markup: ``opening``, the names
    each written by ``name``, ``closing``."""

    def review(flags: Sequence[str], anonymous: bool) -> str:
        return (
            f"{opening}{'anonymous ' if anonymous else ''}entry mentions "
            f"{', '.join(map(name, flags))}.{closing}"
        )

    return review


def typed_pieces(texts: Iterable[LearningText]) -> list[str]:
    """What members typed in these learnings, five pieces each: title, what happened,
    what was learned, what to do next time, the tags (the authors' names apart)."""
    typed: list[str] = []
    add = typed.extend
    join_tags = ", ".join
    for t in texts:
        add((t.title, t.happened, t.learned, t.next_time, join_tags(t.tags)))
    return typed


def _typed(e: DigestEntry) -> tuple[str, str, str, str, str, str]:
    """What people typed in an entry: title, what happened, what was learned, what to do
    next time, the tags, the author's name (empty for anonymous entries)."""
    t = e.text
    return (t.title, t.happened, t.learned, t.next_time, ", ".join(t.tags), e.author or "")


def _entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


# Markdown ---------------------------------------------------------------------------------

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


_FIRST = operator.itemgetter(slice(0, 1))
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
    return md(theme.name) if theme.name else NO_THEME


def _code(text: str) -> str:
    """Text inside a Markdown code span (shown literally; no backticks or line breaks)."""
    return " ".join(text.replace("`", "'").split())


def review_sentence(flagged: Sequence[str]) -> str:
    if not flagged:
        return "No entry names a member or an organisation."
    numbers = "; ".join(flagged)
    subject = (
        f"Entry {numbers} names" if len(flagged) == 1 else f"These {len(flagged)} entries name"
    )
    if len(flagged) > 1:
        subject = f"{subject} ({numbers})"
    return (
        f"{subject} a member, an organisation or a Discord user. Check, and remove what "
        "would identify anyone, before this digest goes beyond the coordinators."
    )


_PIECE = "\n\x00\n"


def _breaks(escaped: str) -> str:
    """Markdown line breaks (two spaces) where the text has them."""
    return escaped.replace("\n", "  \n") if "\n" in escaped else escaped


def md_block(text: str) -> str:
    """A multi-line paragraph whose line breaks survive."""
    return _breaks(md(text))


_NL = "\n"
_NL2 = "\n\n"
_BREAK = "  \n"
"""A Markdown line break (``_breaks``, inlined in ``MarkdownRenderer._entry``)."""
_MD_TAGS = "Tags: "
_MD_HAPPENED, _MD_LEARNED, _MD_NEXT_TIME = (f"**{title}**  \n" for title in SECTIONS)
_md_meeting = _meeting_line(_day)
_md_review = _review_note(
    "> ⚠️ **Review before sharing:** this ", lambda name: f"`{_code(name)}`", "\n\n"
)


def _md_entry(
    number: int,
    title: str,
    happened: str,
    learned: str,
    next_time: str,
    tags: str,
    text: LearningText,
    who: str,
    day: str,
    meeting: str,
    review: str,
) -> str:
    """One entry in Markdown, from its escaped pieces (``text`` is unused: HTML's
    ``_h_entry`` needs it). One f-string, each optional part's
    label and ending empty when it is absent (no ``+`` inside: each would copy the text
    once more). This runs for every entry."""
    if _NL in happened:  # _breaks, inlined (a replace that finds nothing costs a pass)
        happened = happened.replace(_NL, _BREAK)
    if _NL in learned:
        learned = learned.replace(_NL, _BREAK)
    if _NL in next_time:
        next_time = next_time.replace(_NL, _BREAK)
    return (
        f"### {number}. {title}\n\n_{day} · {who}{meeting}_  \n"
        f"{_MD_TAGS if tags else ''}{tags}{_NL if tags else ''}\n"
        f"{_MD_HAPPENED if happened else ''}{happened}{_NL2 if happened else ''}"
        f"{_MD_LEARNED if learned else ''}{learned}{_NL2 if learned else ''}"
        f"{_MD_NEXT_TIME if next_time else ''}{next_time}{_NL2 if next_time else ''}"
        f"{review}"
    )


def _md_escape_entry(typed: tuple[str, ...]) -> list[str]:
    """One entry's pieces escaped in one pass (each piece starts on a line of its own, so
    line-start escapes apply to it), then split back; NULs typed are dropped."""
    if "\x00" in "".join(typed):
        typed = tuple(piece.replace("\x00", "") for piece in typed)
    return md(_PIECE.join(typed)).split(_PIECE)


class MarkdownRenderer(MarkupRenderer):
    markup = Markup(
        _md_escape_entry, _md_piece_list, _md_name, _md_entry, _day, _md_meeting, _md_review
    )

    def header(self, stats: DigestStats) -> str:
        lines = [f"# {md(self.request.community)}: learnings digest", ""]
        lines += [f"**{label}:** {value}  " for label, value in self.summary_lines(stats, md)]
        lines += ["", f"> {CHATHAM}", ""]
        if stats.themes:
            lines += ["## Themes", "", "| Theme | Entries |", "|---|---:|"]
            lines += [f"| {_md_theme(t)} | {t.count} |" for t in stats.themes]
            lines.append("")
        return "\n".join(lines) + "\n"

    def theme_start(self, theme: Theme, index: int) -> str:
        return f"## {_md_theme(theme)} ({_entries(theme.count)})\n\n"

    def footer(self, stats: DigestStats) -> str:
        lines = ["---", "", "## Review", "", review_sentence([md(f) for f in stats.flagged])]
        if stats.skipped:
            lines += ["", LEFT_OUT.format(n=stats.skipped)]
        return "\n".join(lines) + "\n"


# HTML -------------------------------------------------------------------------------------


def h(text: str) -> str:
    return html.escape(text, quote=True)


def _h_fast(text: str) -> str:
    """``h``, each of its five replacements made only when its character occurs (a
    ``str.replace`` that finds nothing still costs a pass; ``in`` is a memchr), in
    ``html.escape``'s order: ``&`` first."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "'" in text:
        text = text.replace("'", "&#x27;")
    return text


def _h_pieces(joined: str, pieces: list[str]) -> list[str]:
    """``_h_fast(joined).split("\x00")``: ``pieces`` (what was joined) themselves when
    nothing needed escaping."""
    escaped = _h_fast(joined)
    return pieces if escaped is joined else escaped.split("\x00")


@functools.lru_cache(maxsize=4096)
def _h_day(d: date) -> str:
    return h(_day(d))


_CSS = """
:root { color-scheme: light; }
body { font: 11pt/1.45 Georgia, 'Times New Roman', serif; color: #1b1b1b; margin: 2.2em auto;
       max-width: 46em; padding: 0 1.2em; }
h1 { font-size: 1.7em; margin-bottom: .2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid #2a6f6f; padding-bottom: .15em; margin-top: 2em; }
h3 { font-size: 1.05em; margin: 0 0 .2em; }
.meta { color: #555; font-size: .9em; margin: 0 0 .5em; }
.summary { border-collapse: collapse; margin: .6em 0; }
.summary th { text-align: left; padding-right: 1em; }
table.themes { border-collapse: collapse; margin: .5em 0 1em; }
table.themes td, table.themes th { border: 1px solid #bbb; padding: .2em .6em; }
table.themes td.n { text-align: right; }
.rule { border-left: 4px solid #2a6f6f; padding: .4em .8em; background: #f3f8f8; }
article { border: 1px solid #ddd; border-radius: 4px; padding: .8em 1em; margin: .8em 0; }
article h4 { font-size: .85em; text-transform: uppercase; letter-spacing: .04em; color: #2a6f6f;
             margin: .7em 0 .1em; }
article p.text { white-space: pre-wrap; margin: 0; }
.tags { font-size: .85em; color: #444; }
.flag { border-left: 4px solid #b35c00; background: #fff4e5; padding: .3em .6em; margin-top: .6em; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  article { break-inside: avoid; page-break-inside: avoid; }
  .flag, .rule { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


_HTML_TAGS = '<p class="tags">Tags: '
_HTML_HAPPENED, _HTML_LEARNED, _HTML_NEXT_TIME = (
    f'<h4>{title}</h4><p class="text">' for title in SECTIONS
)
_HTML_P_END = "</p>"
_h_meeting = _meeting_line(_h_day)
_h_review = _review_note(
    '<p class="flag"><strong>Review before sharing:</strong> this ',
    lambda name: f"<code>{h(name)}</code>",
    "</p>",
)


def _h_entry(
    number: int,
    title: str,
    happened: str,
    learned: str,
    next_time: str,
    tags: str,
    text: LearningText,
    who: str,
    day: str,
    meeting: str,
    review: str,
) -> str:
    """One entry in HTML, from its escaped pieces (one f-string, as ``_md_entry``)."""
    tagged = text.tags
    return (
        f'<article><h3>{number}. {title}</h3><p class="meta">{day} · {who}{meeting}</p>'
        f"{_HTML_TAGS if tagged else ''}{tags}{_HTML_P_END if tagged else ''}"
        f"{_HTML_HAPPENED if happened else ''}{happened}{_HTML_P_END if happened else ''}"
        f"{_HTML_LEARNED if learned else ''}{learned}{_HTML_P_END if learned else ''}"
        f"{_HTML_NEXT_TIME if next_time else ''}{next_time}"
        f"{_HTML_P_END if next_time else ''}{review}</article>\n"
    )


class HtmlRenderer(MarkupRenderer):
    markup = Markup(
        lambda typed: list(map(h, typed)),
        _h_pieces,
        _h_fast,
        _h_entry,
        _h_day,
        _h_meeting,
        _h_review,
    )

    def header(self, stats: DigestStats) -> str:
        title = f"{self.request.community}: learnings digest"
        rows = "".join(
            f"<tr><th>{h(label)}</th><td>{value}</td></tr>"
            for label, value in self.summary_lines(stats, h)
        )
        themes = "".join(
            f'<tr><td><a href="#theme-{n}">{h(t.label)}</a></td><td class="n">{t.count}</td></tr>'
            for n, t in enumerate(stats.themes, start=1)
        )
        theme_table = (
            f'<h2>Themes</h2><table class="themes"><tr><th>Theme</th><th>Entries</th></tr>'
            f"{themes}</table>"
            if themes
            else ""
        )
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{h(title)}</title><style>{_CSS}</style></head><body>\n"
            f'<h1>{h(title)}</h1><table class="summary">{rows}</table>'
            f'<p class="rule">{h(CHATHAM)}</p>{theme_table}\n'
        )

    def theme_start(self, theme: Theme, index: int) -> str:
        return f'<section><h2 id="theme-{index}">{h(theme.label)} ({_entries(theme.count)})</h2>\n'

    def theme_end(self, theme: Theme) -> str:
        return "</section>\n"

    def footer(self, stats: DigestStats) -> str:
        text = review_sentence(stats.flagged)
        extra = f"<p>{h(LEFT_OUT.format(n=stats.skipped))}</p>" if stats.skipped else ""
        return f"<h2>Review</h2><p>{h(text)}</p>{extra}\n</body></html>\n"


# CSV --------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "theme",
    "entry",
    "date",
    "sharing",
    "author",
    "title",
    "what_happened",
    "what_i_learned",
    "what_i_would_do_next_time",
    "tags",
    "meeting_date",
    "review",
)
_FORMULA_FIRST = frozenset("=+-@\t\r\n＝＋－＠")


def safe_cell(value: object) -> object:
    """A CSV cell no spreadsheet will run as a formula: text starting with = + - @ (or a
    tab or carriage return, even after spaces) gets a leading apostrophe."""
    if not isinstance(value, str) or not value:
        return value
    first = value[0]
    if first == " ":
        first = value.lstrip(" ")[:1]
    return "'" + value if first in _FORMULA_FIRST else value


_LOOK_FIRST = _FORMULA_FIRST | {" "}


def _cell(value: str) -> str:
    """``safe_cell`` for text, with the common case (a harmless first character) fast."""
    return safe_cell(value) if value[:1] in _LOOK_FIRST else value  # type: ignore[return-value]


def _csv_field(value: str) -> str:
    """One field as ``csv.writer`` writes it (``QUOTE_MINIMAL``, ``doublequote``): quoted
    only when it holds a comma, a quote or a line break, its quotes doubled."""
    if '"' in value:
        return '"' + value.replace('"', '""') + '"'
    if "," in value or "\n" in value or "\r" in value:
        return '"' + value + '"'
    return value


class CsvRenderer(Renderer):
    """Rows as ``csv.writer`` (``QUOTE_MINIMAL``, ``\\r\\n``) writes them; the header goes
    through ``csv.writer`` itself, the entries through ``_csv_field`` (the same rules,
    several times faster)."""

    def header(self, stats: DigestStats) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerow(
            [safe_cell(c) for c in CSV_COLUMNS]
        )
        return "\ufeff" + buffer.getvalue()

    def entry(self, e: DigestEntry) -> str:
        t = e.text
        field = _csv_field
        return (
            ",".join(
                (
                    field(_cell(e.theme)) if e.theme else NO_THEME,
                    str(e.number),
                    e.day.isoformat(),
                    e.sharing,
                    "" if e.anonymous or not e.author else field(_cell(e.author)),
                    field(_cell(t.title)),
                    field(_cell(t.happened)),
                    field(_cell(t.learned)),
                    field(_cell(t.next_time)),
                    field(_cell(", ".join(t.tags))) if t.tags else "",
                    e.meeting_day.isoformat() if e.meeting_day else "",
                    field("mentions " + ", ".join(e.flags)) if e.flags else "",
                )
            )
            + "\r\n"
        )

    def groups(self, columns: EntryColumns, typed: list[str]) -> list[str]:
        """The same as ``entry`` for each. What repeats (the theme, the authors, the days,
        the tags) is written once; the four texts of every entry go in as they are when
        none of them holds a quote, comma or line break or starts with what ``safe_cell``
        looks at (one test over the batch), or else each entry's four when none of them
        does (one test over the four instead of four calls)."""
        field = _csv_field
        look = _LOOK_FIRST
        texts = typed[0::TYPED_PIECES] + typed[1::TYPED_PIECES]
        texts += typed[2::TYPED_PIECES] + typed[3::TYPED_PIECES]
        joined = "\x00".join(texts)
        plain = not (
            '"' in joined or "," in joined or "\n" in joined or "\r" in joined
        ) and look.isdisjoint("".join(map(_FIRST, texts)))
        authors: dict[str | None, str] = {None: ""}
        days: dict[date | None, str] = {None: ""}
        tag_cells: dict[str, str] = {"": ""}
        reviews = [""] * len(columns.numbers)
        for at, flags in columns.flags.items():
            reviews[at] = field("mentions " + ", ".join(flags))
        named = SharingLevel.DIGEST_NAMED.value
        anonymous_level = SharingLevel.DIGEST_ANONYMOUS.value
        rendered: list[str] = []
        for name, start, stop in columns.runs:
            theme = field(_cell(name)) if name else NO_THEME
            rows: list[str] = []
            add = rows.append
            for (
                number,
                title,
                happened,
                learned,
                next_time,
                tag_text,
                anonymous,
                author_name,
                entry_day,
                meeting_day,
                review,
            ) in zip(
                columns.numbers[start:stop],
                *(
                    typed[TYPED_PIECES * start + n : TYPED_PIECES * stop : TYPED_PIECES]
                    for n in range(TYPED_PIECES)
                ),
                columns.anonymous[start:stop],
                columns.authors[start:stop],
                columns.days[start:stop],
                columns.meeting_days[start:stop],
                reviews[start:stop],
                strict=True,
            ):
                if not plain:
                    four = "\x00".join((title, happened, learned, next_time))
                    if (
                        '"' in four
                        or "," in four
                        or "\n" in four
                        or "\r" in four
                        or title[:1] in look
                        or happened[:1] in look
                        or learned[:1] in look
                        or next_time[:1] in look
                    ):
                        title = field(_cell(title))
                        happened = field(_cell(happened))
                        learned = field(_cell(learned))
                        next_time = field(_cell(next_time))
                author_key = None if anonymous else author_name
                author = authors.get(author_key)
                if author is None:
                    author = authors[author_key] = field(_cell(author_key)) if author_key else ""
                day = days.get(entry_day)
                if day is None:
                    day = days[entry_day] = entry_day.isoformat()
                meeting = days.get(meeting_day)
                if meeting is None:
                    meeting = days[meeting_day] = meeting_day.isoformat()
                tags = tag_cells.get(tag_text)
                if tags is None:
                    tags = tag_cells[tag_text] = field(_cell(tag_text))
                add(
                    f"{theme},{number},{day},{anonymous_level if anonymous else named},"
                    f"{author},{title},{happened},{learned},{next_time},{tags},{meeting},"
                    f"{review}\r\n"
                )
            rendered.append("".join(rows))
        return rendered


RENDERERS: dict[DigestFormat, type[Renderer]] = {
    DigestFormat.MARKDOWN: MarkdownRenderer,
    DigestFormat.CSV: CsvRenderer,
    DigestFormat.HTML: HtmlRenderer,
}
