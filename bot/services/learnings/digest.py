"""The coordinators' digest: a period's consenting learnings as Markdown, CSV or HTML.

Only ``digest-anonymous`` and ``digest-named`` learnings are ever read here (the query
says so, and each learning's text is cryptographically bound to its sharing level, so a
row whose level was changed outside the bot cannot be decrypted into an export).
Anonymous entries carry no name and no organisation; named ones carry their author's
name. An entry whose text names a member or an organisation (other than a named entry's
own author) is flagged for review.

Exports stream: one pass reads the range's consenting learnings in order, a few hundred at
a time (the next batch is read while the current one is decrypted and rendered), and
spools each rendered entry under its theme; the file is then yielded in chunks: the
header with the themes and their counts, each theme's entries, the review summary. The
spool keeps small exports in memory and encrypts anything larger into an anonymous
temporary file with a throw-away key, so memory stays flat and no plain text touches the
disk. The caller hashes and writes the chunks as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import functools
import hashlib
import html
import inspect
import io
import itertools
import os
import re
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import IO, Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import DecryptionError, Keyring
from bot.errors import InvalidInput
from bot.models import DigestExport, Learning, Member, MemberStatus, SharingLevel
from bot.services.learnings.store import (
    DIGEST_LEVELS,
    MAX_TAG_LENGTH,
    MAX_TAGS,
    LearningText,
    open_content,
    split_tags,
)
from bot.timeutil import local_midnight_utc, parse_date

FILTERS_AAD = b"cop-bot/digest-export/filters"
CHUNK = 400
"""Entries read, decrypted and rendered per round trip in the second pass."""


class DigestFormat(StrEnum):
    MARKDOWN = "markdown"
    CSV = "csv"
    HTML = "html"

    @property
    def extension(self) -> str:
        return {"markdown": "md", "csv": "csv", "html": "html"}[self.value]

    @property
    def media_type(self) -> str:
        return {
            "markdown": "text/markdown; charset=utf-8",
            "csv": "text/csv; charset=utf-8",
            "html": "text/html; charset=utf-8",
        }[self.value]


def filters_aad() -> bytes:
    return FILTERS_AAD


# --- parsing what the coordinator typed ---------------------------------------------------


def parse_range(start_text: str, end_text: str) -> tuple[date, date]:
    start, end = parse_date(start_text), parse_date(end_text)
    if end < start:
        raise InvalidInput(
            f"The range `{start}` to `{end}` ends before it starts; put the earlier date "
            f"first, like `/digest export {end} {start}`."
        )
    return start, end


def parse_format(text: str | None) -> DigestFormat:
    cleaned = (text or "markdown").strip().casefold().lstrip(".")
    aliases = {"md": "markdown", "htm": "html", "": "markdown"}
    try:
        return DigestFormat(aliases.get(cleaned, cleaned))
    except ValueError:
        raise InvalidInput(
            f"`{cleaned[:20]}` isn't a digest format. Use `markdown` (the default), `csv` "
            "or `html`."
        ) from None


def parse_tag_filter(text: str | None) -> tuple[str, ...]:
    tags = split_tags(text or "")
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidInput(
                f"The tag `{tag[:MAX_TAG_LENGTH]}…` is longer than {MAX_TAG_LENGTH} characters; "
                "give tags separated by commas, like `trust, funding`."
            )
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"You gave {len(tags)} tags; filter on {MAX_TAGS} or fewer.")
    return tuple(tags)


# --- the request ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRequest:
    start: date
    end: date
    format: DigestFormat
    tags: tuple[str, ...]
    zone: ZoneInfo
    community: str
    now: datetime

    @property
    def window(self) -> tuple[datetime, datetime]:
        """``[start of start, start of the day after end)`` in the community's zone, as UTC."""
        return (
            local_midnight_utc(self.start, self.zone),
            local_midnight_utc(self.end + timedelta(days=1), self.zone),
        )

    def filename(self) -> str:
        return f"learnings-digest-{self.start}-to-{self.end}.{self.format.extension}"


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


async def count_candidates(session: AsyncSession, request: DigestRequest) -> int:
    """How many consenting learnings were recorded in the range (before any tag filter,
    which needs decryption): the export's upper bound, for progress."""
    since, until = request.window
    count = await session.scalar(
        select(func.count())
        .select_from(Learning)
        .where(
            Learning.sharing.in_(DIGEST_LEVELS),
            Learning.created_at >= since,
            Learning.created_at < until,
        )
    )
    return int(count or 0)


# --- naming members: the review flag ------------------------------------------------------


_MENTION = re.compile(r"<@!?\d+>")
_ASCII_SEPARATORS = bytes.maketrans(b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", b" " * 32)
_UNICODE_SEPARATORS = str.maketrans(
    dict.fromkeys("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00ab\u00bb", " ")
)


def _words(text: str) -> list[bytes]:
    """Casefolded words (UTF-8), punctuation removed; bytes.translate keeps it fast."""
    folded = text.casefold()
    if not folded.isascii():
        folded = folded.translate(_UNICODE_SEPARATORS)
    return folded.encode("utf-8").translate(_ASCII_SEPARATORS).split()


class NameMatcher:
    """Finds members' names and organisations in text, fast enough for 100,000 entries.

    Full names and organisations match case-insensitively, as whole words in order;
    single parts of a name (three letters or more) match only as capitalised whole words,
    so "Ben" is caught but "grace" in "a period of grace" is not. The text is split into
    words once; set operations in C rule out almost every name before any search."""

    def __init__(self, members: Iterable[tuple[int, str, str]]) -> None:
        phrases: dict[tuple[bytes, ...], tuple[str, set[int]]] = {}
        self._parts: dict[bytes, tuple[re.Pattern[str], set[int]]] = {}
        """A name part, casefolded -> (its capitalised whole-word pattern, owners)."""
        for member_id, name, organisation in members:
            for phrase in (name, organisation):
                words = tuple(_words(phrase))
                if not words or len(b" ".join(words)) < 3:
                    continue
                _, owners = phrases.setdefault(words, (" ".join(phrase.split()), set()))
                owners.add(member_id)
            for part in re.split(r"[\W_]+", name):
                if len(part) >= 3 and part[0].isupper() and not part.isdigit():
                    key = part.casefold().encode("utf-8")
                    if key not in self._parts:
                        pattern = re.compile(rf"(?<!\w){re.escape(part)}(?!\w)")
                        self._parts[key] = (pattern, set())
                    self._parts[key][1].add(member_id)
        # Indexed by the first word (one-word phrases) or the first two words (longer
        # ones), so a text is only searched for phrases whose start it contains.
        self._singles: dict[bytes, tuple[str, set[int]]] = {}
        self._longer: dict[tuple[bytes, bytes], list[tuple[bytes, str, set[int]]]] = {}
        for words, (shown, owners) in sorted(phrases.items(), key=lambda i: -len(i[0])):
            if len(words) == 1:
                self._singles[words[0]] = (shown, owners)
            else:
                self._longer.setdefault((words[0], words[1]), []).append(
                    (b" " + b" ".join(words) + b" ", shown, owners)
                )
        self._second_words = frozenset(pair[1] for pair in self._longer)

    def find(self, texts: Sequence[str], exclude: int | None = None) -> list[str]:
        """The names, organisations and Discord mentions in ``texts`` (once each),
        leaving out those that belong only to member ``exclude``."""
        found: list[str] = []
        seen: set[str] = set()

        def note(shown: str, owners: set[int]) -> None:
            if exclude is not None and owners <= {exclude}:
                return
            key = shown.casefold()
            if key not in seen:
                seen.add(key)
                found.append(shown)

        text = "\n".join(texts)
        folded = _words(text)
        present = set(folded)
        if not self._singles.keys().isdisjoint(present):
            for word in present.intersection(self._singles):
                note(*self._singles[word])
        if not self._second_words.isdisjoint(present):
            spaced = b""
            for pair in set(itertools.pairwise(folded)).intersection(self._longer):
                spaced = spaced or b" " + b" ".join(folded) + b" "
                for needle, shown, owners in self._longer[pair]:
                    if needle in spaced:
                        note(shown, owners)
        if not self._parts.keys().isdisjoint(present):
            for key in present.intersection(self._parts):
                pattern, owners = self._parts[key]
                match = pattern.search(text)
                if match is not None:
                    note(match.group(0), owners)
        if "<@" in text:
            for match in _MENTION.finditer(text):
                note(match.group(0), set())
        return found


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


class Renderer:
    """Turns the digest into text, piece by piece. Entries are rendered as they are read;
    the header (which holds the counts) once they all have been."""

    def __init__(self, request: DigestRequest) -> None:
        self.request = request

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

    def theme_end(self, theme: Theme) -> str:
        return ""

    def footer(self, stats: DigestStats) -> str:
        return ""


def _entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


# Markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_{}[]<>()#+!|~&"})
_MD_LINE_START = re.compile(r"^(\s*)([-=>]|\d+[.)])", re.MULTILINE)
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_LINE_START_CHARS = frozenset(" \t-=>")


def md(text: str) -> str:
    """Text shown literally in Markdown: no formatting, links, images, HTML or pings."""
    escaped = text.translate(_MD_SPECIAL)
    if escaped[:1] in _LINE_START_CHARS or "\n" in escaped or escaped[:1].isdigit():
        escaped = _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    if "@" in escaped:
        escaped = _MASS_MENTION.sub("@\u200b\\1", escaped)
    if "\r" in escaped:
        escaped = escaped.replace("\r\n", "\n").replace("\r", "\n")
    return escaped


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


def md_block(text: str) -> str:
    """A multi-line paragraph whose line breaks survive."""
    escaped = md(text)
    return escaped.replace("\n", "  \n") if "\n" in escaped else escaped


class MarkdownRenderer(Renderer):
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

    def entry(self, e: DigestEntry) -> str:
        t = e.text
        # One escaping pass over everything typed (each piece starts on a line of its own,
        # so line-start escapes apply to it), then split back.
        title, happened, learned, next_time, tags, author = md(
            _PIECE.join(
                (t.title, t.happened, t.learned, t.next_time, ", ".join(t.tags), e.author or "")
                if "\x00" not in "".join((t.title, t.happened, t.learned, t.next_time))
                else (
                    t.title.replace("\x00", ""),
                    t.happened.replace("\x00", ""),
                    t.learned.replace("\x00", ""),
                    t.next_time.replace("\x00", ""),
                    ", ".join(t.tags),
                    e.author or "",
                )
            )
        ).split(_PIECE)
        meta = f"_{_day(e.day)} · {'anonymous' if e.anonymous else author}"
        if e.meeting_day:
            meta += f" · from the meeting of {_day(e.meeting_day)}"
        parts = [f"### {e.number}. {title}", "", meta + "_  "]
        if tags:
            parts.append("Tags: " + tags)
        parts.append("")
        for label, value in (
            ("What happened", happened),
            ("What I learned", learned),
            ("What I would do next time", next_time),
        ):
            if value:
                parts += [f"**{label}**  ", value.replace("\n", "  \n"), ""]
        if e.flags:
            parts += [
                "> ⚠️ **Review before sharing:** this "
                f"{'anonymous ' if e.anonymous else ''}entry mentions "
                + ", ".join(f"`{_code(f)}`" for f in e.flags)
                + ".",
                "",
            ]
        return "\n".join(parts) + "\n"

    def footer(self, stats: DigestStats) -> str:
        lines = ["---", "", "## Review", "", review_sentence([md(f) for f in stats.flagged])]
        if stats.skipped:
            lines += ["", LEFT_OUT.format(n=stats.skipped)]
        return "\n".join(lines) + "\n"


# HTML -------------------------------------------------------------------------------------


def h(text: str) -> str:
    return html.escape(text, quote=True)


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


class HtmlRenderer(Renderer):
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

    def entry(self, e: DigestEntry) -> str:
        who = "anonymous" if e.anonymous else h(e.author or "")
        meta = f"{h(_day(e.day))} · {who}"
        if e.meeting_day:
            meta += f" · from the meeting of {h(_day(e.meeting_day))}"
        parts = [f'<article><h3>{e.number}. {h(e.text.title)}</h3><p class="meta">{meta}</p>']
        if e.text.tags:
            parts.append(f'<p class="tags">Tags: {h(", ".join(e.text.tags))}</p>')
        for label, value in (
            ("What happened", e.text.happened),
            ("What I learned", e.text.learned),
            ("What I would do next time", e.text.next_time),
        ):
            if value:
                parts.append(f'<h4>{label}</h4><p class="text">{h(value)}</p>')
        if e.flags:
            names = ", ".join(f"<code>{h(f)}</code>" for f in e.flags)
            parts.append(
                f'<p class="flag"><strong>Review before sharing:</strong> this '
                f"{'anonymous ' if e.anonymous else ''}entry mentions {names}.</p>"
            )
        parts.append("</article>\n")
        return "".join(parts)

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


class CsvRenderer(Renderer):
    def __init__(self, request: DigestRequest) -> None:
        super().__init__(request)
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")

    def _row(self, cells: Sequence[object]) -> str:
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow([safe_cell(c) for c in cells])
        return self._buffer.getvalue()

    def header(self, stats: DigestStats) -> str:
        return "\ufeff" + self._row(CSV_COLUMNS)

    def entry(self, e: DigestEntry) -> str:
        return self._row(
            (
                e.theme or NO_THEME,
                e.number,
                e.day.isoformat(),
                e.sharing,
                "" if e.anonymous else (e.author or ""),
                e.text.title,
                e.text.happened,
                e.text.learned,
                e.text.next_time,
                ", ".join(e.text.tags),
                e.meeting_day.isoformat() if e.meeting_day else "",
                ("mentions " + ", ".join(e.flags)) if e.flags else "",
            )
        )


RENDERERS: dict[DigestFormat, type[Renderer]] = {
    DigestFormat.MARKDOWN: MarkdownRenderer,
    DigestFormat.CSV: CsvRenderer,
    DigestFormat.HTML: HtmlRenderer,
}


# --- the second pass ----------------------------------------------------------------------

Progress = Callable[[int, int], None]


SPOOL_FLUSH_BYTES = 256 * 1024


class Spool:
    """Rendered entries, kept per theme until the counts for the header are known.

    Small exports stay in memory. Past ``SPOOL_FLUSH_BYTES`` a theme's text goes to an
    anonymous temporary file, encrypted with a key that exists only in this object, so
    no plain text of a learning ever touches the disk and memory stays flat."""

    def __init__(self) -> None:
        self._aead = AESGCM(AESGCM.generate_key(bit_length=256))
        self._file: IO[bytes] | None = None
        self._buffers: dict[str | None, list[str]] = {}
        self._sizes: dict[str | None, int] = {}
        self._chunks: dict[str | None, list[tuple[int, int]]] = {}

    def add(self, theme: str | None, text: str) -> None:
        buffer = self._buffers.setdefault(theme, [])
        buffer.append(text)
        size = self._sizes.get(theme, 0) + len(text)
        self._sizes[theme] = size
        if size >= SPOOL_FLUSH_BYTES:
            self._flush(theme)

    def _flush(self, theme: str | None) -> None:
        data = "".join(self._buffers.pop(theme, [])).encode("utf-8")
        self._sizes[theme] = 0
        if not data:
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        nonce = os.urandom(12)
        sealed = nonce + self._aead.encrypt(nonce, data, None)
        self._file.seek(0, os.SEEK_END)
        self._chunks.setdefault(theme, []).append((self._file.tell(), len(sealed)))
        self._file.write(sealed)

    def read(self, theme: str | None) -> Iterator[bytes]:
        """The theme's text, in the order it was added."""
        for offset, length in self._chunks.get(theme, []):
            assert self._file is not None
            self._file.seek(offset)
            sealed = self._file.read(length)
            yield self._aead.decrypt(sealed[:12], sealed[12:], None)
        rest = "".join(self._buffers.get(theme, []))
        if rest:
            yield rest.encode("utf-8")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._buffers.clear()


async def _prefetched(source: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """``source``, with its next item fetched while the current one is processed (the
    database reads in its own thread while Python decrypts and renders)."""
    pending: asyncio.Future[Any] = asyncio.ensure_future(anext(source))
    try:
        while True:
            try:
                item = await pending
            except StopAsyncIteration:
                return
            pending = asyncio.ensure_future(anext(source))
            yield item
    finally:
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending


async def iter_digest(
    session: AsyncSession,
    keyring: Keyring,
    request: DigestRequest,
    stats: DigestStats,
    progress: Progress | None = None,
    expected: int | None = None,
) -> AsyncIterator[bytes]:
    """The digest file, chunk by chunk (UTF-8); ``stats`` fills in as it goes.

    One pass reads the range's consenting learnings in order, decrypts each once,
    renders it and spools it under its theme; then the file is assembled: the header
    with the counts, each theme's entries, and the review summary."""
    renderer = RENDERERS[request.format](request)
    zone = request.zone
    members = (
        await session.execute(
            select(Member.id, Member.display_name, Member.organisation, Member.status)
        )
    ).all()
    names = {i: n or "a member" for i, n, _, _ in members}
    matcher = NameMatcher(
        (i, n or "", o or "") for i, n, o, status in members if status != MemberStatus.ERASED
    )
    wanted = set(request.tags)
    since, until = request.window
    query = (
        select(
            Learning.id,
            Learning.author_id,
            Learning.sharing,
            Learning.content,
            Learning.created_at,
            Learning.meeting_starts_at,
        )
        .where(
            Learning.sharing.in_(DIGEST_LEVELS),
            Learning.created_at >= since,
            Learning.created_at < until,
        )
        .order_by(Learning.created_at, Learning.id)
        .execution_options(yield_per=CHUNK)
    )
    themes: dict[str | None, Theme] = {}
    spool = Spool()
    seen = 0
    try:
        result = await session.stream(query)
        async for partition in _prefetched(result.partitions()):
            for _, author_id, sharing, content, created_at, meeting_at in partition:
                seen += 1
                try:
                    text = open_content(keyring, author_id, sharing, content)
                    tags = text.tags
                    if wanted:
                        matching = [t for t in tags if t in wanted]
                        if not matching:
                            continue
                        name: str | None = matching[0]
                    else:
                        name = tags[0] if tags else None
                except DecryptionError:
                    stats.skipped += 1
                    continue
                theme = themes.get(name)
                if theme is None:
                    theme = themes[name] = Theme(name)
                theme.count += 1
                anonymous = sharing == SharingLevel.DIGEST_ANONYMOUS
                flags = matcher.find(text.text_fields(), exclude=None if anonymous else author_id)
                if flags:
                    theme.flagged.append(theme.count)
                spool.add(
                    name,
                    renderer.entry(
                        DigestEntry(
                            number=theme.count,
                            theme=name,
                            text=text,
                            anonymous=anonymous,
                            author=None if anonymous else names.get(author_id, "a member"),
                            day=created_at.astimezone(zone).date(),
                            meeting_day=meeting_at.astimezone(zone).date() if meeting_at else None,
                            flags=tuple(flags),
                        )
                    ),
                )
            if progress is not None:
                progress(seen, max(seen, expected or 0))
        stats.themes = sorted(
            themes.values(), key=lambda t: (t.name is None, -t.count, t.name or "")
        )
        stats.entries = sum(t.count for t in stats.themes)
        yield renderer.header(stats).encode("utf-8")
        for index, theme in enumerate(stats.themes, start=1):
            yield renderer.theme_start(theme, index).encode("utf-8")
            for chunk in spool.read(theme.name):
                yield chunk
            yield renderer.theme_end(theme).encode("utf-8")
        yield renderer.footer(stats).encode("utf-8")
    finally:
        spool.close()


@dataclass(frozen=True)
class DigestOutcome:
    entries: int
    themes: list[Theme]
    flagged: list[str]
    skipped: int
    sha256: str
    size: int


class TooLarge(Exception):
    """The digest outgrew the size allowed for this way of exporting."""


async def write_digest(
    session: AsyncSession,
    keyring: Keyring,
    request: DigestRequest,
    write: Callable[[bytes], Awaitable[object] | object],
    *,
    progress: Progress | None = None,
    expected: int | None = None,
    max_bytes: int | None = None,
) -> DigestOutcome:
    """Stream the digest into ``write``, hashing as it goes."""
    digest = hashlib.sha256()
    size = 0
    stats = DigestStats()
    async for chunk in iter_digest(session, keyring, request, stats, progress, expected):
        if not chunk:
            continue
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise TooLarge
        digest.update(chunk)
        pending = write(chunk)
        if inspect.isawaitable(pending):
            await pending
    return DigestOutcome(
        stats.entries, stats.themes, stats.flagged, stats.skipped, digest.hexdigest(), size
    )


# --- the record ---------------------------------------------------------------------------


async def record_export(
    session: AsyncSession,
    keyring: Keyring,
    *,
    by: Member | None,
    via: str,
    request: DigestRequest,
    outcome: DigestOutcome,
    now: datetime,
) -> DigestExport:
    record = DigestExport(
        exported_by_id=by.id if by else None,
        via=via[:200],
        exported_at=now,
        range_start=request.start,
        range_end=request.end,
        format=request.format.value,
        filters=keyring.encrypt_json({"tags": list(request.tags)}, FILTERS_AAD),
        key_id=keyring.primary_id,
        entry_count=outcome.entries,
        flagged_count=len(outcome.flagged),
        size_bytes=outcome.size,
        sha256=outcome.sha256,
    )
    session.add(record)
    await session.flush()
    return record


@dataclass(frozen=True)
class ExportView:
    id: int
    exported_at: datetime
    by: str
    by_user_id: int | None
    start: date
    end: date
    format: str
    tags: tuple[str, ...]
    entries: int
    flagged: int
    size: int
    sha256: str


async def export_history(
    session: AsyncSession, keyring: Keyring, page: int, page_size: int
) -> tuple[list[ExportView], int, int]:
    """Recorded exports, newest first: (this page, page number, pages)."""
    total = (await session.scalar(select(func.count()).select_from(DigestExport))) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    rows = await session.execute(
        select(DigestExport, Member)
        .outerjoin(Member, Member.id == DigestExport.exported_by_id)
        .order_by(DigestExport.exported_at.desc(), DigestExport.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    views = []
    for record, member in rows:
        try:
            filters: dict[str, Any] = keyring.decrypt_json(record.filters, FILTERS_AAD)
            tags = tuple(str(t) for t in filters.get("tags", []))
        except DecryptionError:
            tags = ("(unreadable)",)
        if member is None:
            by, user_id = record.via, None
        elif member.status is MemberStatus.ERASED:
            by, user_id = "a member whose data was erased", None
        else:
            by, user_id = member.display_name or "a coordinator", member.user_id
        views.append(
            ExportView(
                id=record.id,
                exported_at=record.exported_at,
                by=by,
                by_user_id=user_id,
                start=record.range_start,
                end=record.range_end,
                format=record.format,
                tags=tags,
                entries=record.entry_count,
                flagged=record.flagged_count,
                size=record.size_bytes,
                sha256=record.sha256,
            )
        )
    return views, page, pages


async def exports_by(session: AsyncSession, member: Member) -> list[dict[str, Any]]:
    """The exports a member made, for their ``/mydata export``."""
    rows = await session.scalars(
        select(DigestExport)
        .where(DigestExport.exported_by_id == member.id)
        .order_by(DigestExport.id)
    )
    return [
        {
            "id": r.id,
            "exported_at": r.exported_at.isoformat(),
            "range": [r.range_start.isoformat(), r.range_end.isoformat()],
            "format": r.format,
            "entries": r.entry_count,
            "sha256": r.sha256,
        }
        for r in rows
    ]
