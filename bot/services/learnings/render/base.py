"""What every digest format shares: the themes, the entries (one by one, or a batch's
columns), the summary, and the renderer base with its markup variant."""

from __future__ import annotations

import functools
import operator
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.models import SharingLevel
from bot.services.learnings.render import words
from bot.services.learnings.request import DigestRequest
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
        return self.name or words.NO_THEME


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


TYPED_PIECES = 5
"""How many pieces ``typed_pieces`` gives an entry."""


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
            ("Period", f"{words.day(r.start)} to {words.day(r.end)} ({r.zone.key})"),
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


@dataclass(frozen=True)
class Markup:
    """How a markup format (Markdown, HTML) writes entries: ``escape_entry`` escapes one
    entry's six typed pieces (``_typed``), ``escape_pieces`` many joined by NULs,
    ``escape_name`` an author's name, ``day`` writes a day; from ``layout`` come
    ``write`` (an entry put together from its escaped pieces, its byline, its day, its
    meeting's day and its review note), ``meeting`` and ``review``."""

    escape_entry: Callable[[tuple[str, ...]], list[str]]
    escape_pieces: Callable[[str, list[str]], list[str]]
    escape_name: Callable[[str], str]
    day: Callable[[date], str]
    layout: EntryLayout
    write: Callable[..., str] = field(init=False)
    meeting: Callable[[date | None], str] = field(init=False)
    review: Callable[[Sequence[str], bool], str] = field(init=False)

    def __post_init__(self) -> None:
        layout = self.layout
        object.__setattr__(self, "write", entry_writer(layout))
        object.__setattr__(self, "meeting", _meeting_line(self.day))
        object.__setattr__(self, "review", _review_note(layout))


class MarkupRenderer(Renderer):
    """Markdown and HTML: each entry from what its author typed, escaped."""

    markup: Markup

    def __init__(self, request: DigestRequest) -> None:
        super().__init__(request)
        self._names: dict[str | None, str] = {None: ""}
        """Authors' names as ``_who`` escaped them (they repeat)."""

    def entry(self, e: DigestEntry) -> str:
        m = self.markup
        title, happened, learned, next_time, tags, author = m.escape_entry(_typed(e))
        return m.write(
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

    def groups(self, columns: EntryColumns, typed: list[str]) -> list[str]:
        m = self.markup
        escaped = self._escaped(typed)
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
                self._who(columns),
                map(m.day, columns.days),
                map(m.meeting, columns.meeting_days),
                reviews,
            )
        )
        return ["".join(texts[start:stop]) for _, start, stop in columns.runs]

    def _escaped(self, typed: list[str]) -> list[str] | None:
        """``typed`` escaped in one pass: the pieces joined by NULs, escaped and split
        back by the markup's ``escape_pieces`` (one call for the many instead of several
        for each: most of the time in escaping is per call). None when someone typed a NUL
        or a carriage return: those entries go through ``entry`` (``escape_pieces`` must
        neither add nor drop a NUL: one more piece than joined means someone typed it)."""
        raw = "\x00".join(typed)
        if "\r" in raw:
            return None
        escaped = self.markup.escape_pieces(raw, typed)
        return escaped if len(escaped) == len(typed) else None

    def _who(self, columns: EntryColumns) -> list[str]:
        """Each entry's byline: "anonymous", or its author's name escaped (names repeat,
        so each is escaped once an export)."""
        names = self._names
        for name in set(columns.authors).difference(names):
            names[name] = self.markup.escape_name(name or "")
        return [
            "anonymous" if anonymous else names[name]
            for anonymous, name in zip(columns.anonymous, columns.authors, strict=True)
        ]


SECTIONS = ("What happened", "What I learned", "What I would do next time")
"""The headings of an entry's three texts, in Markdown and HTML."""
_MEETING = " · from the meeting of "


@dataclass(frozen=True)
class EntryLayout:
    """How a markup format lays an entry out, as templates of its markup: ``entry`` the
    whole, with ``{number}``, ``{title}``, ``{byline}`` (day · who, meeting), ``{tags}``,
    ``{texts}`` and ``{review}`` in that order; ``tags`` the tags' part, around
    ``{tags}``; ``text`` each of the three texts' part, ``{heading}`` (from
    ``SECTIONS``) and ``{text}``; ``review`` the note under an entry flagged for review,
    around ``{note}``, with each name in it written by ``review_name``. A part is left
    out when what it holds is empty."""

    entry: str
    tags: str
    text: str
    review: str
    review_name: Callable[[str], str]
    line_break: str | None = None
    """What a line break inside one of the three texts is written as (None: as it is)."""
    tagged_by_list: bool = False
    """Whether the tags' part is there when the entry has tags (``text.tags``), rather
    than when their escaped text is not empty."""


def _literals(template: str, *names: str) -> list[str]:
    """The text of ``template`` before, between and after its fields, which must be
    ``names`` in that order."""
    parsed = list(string.Formatter().parse(template))
    found = [name for _, name, _, _ in parsed if name is not None]
    if found != list(names):
        raise ValueError(f"{template!r} has the fields {found}, not {list(names)}")
    literals = [literal for literal, _, _, _ in parsed]
    return literals if parsed[-1][1] is None else [*literals, ""]


def entry_writer(layout: EntryLayout) -> Callable[..., str]:
    """``Markup.write`` for ``layout``: one entry from its escaped pieces, as one f-string
    (no ``+`` inside: each would copy the text once more), the layout's parts held in
    the closure. This runs for every entry."""
    opening, after_number, after_title, after_byline, gap, after_texts, closing = _literals(
        layout.entry, "number", "title", "byline", "tags", "texts", "review"
    )
    tags_label, after_tags = _literals(layout.tags, "tags")
    before_heading, after_heading, after_text = _literals(layout.text, "heading", "text")
    happened_heading, learned_heading, next_time_heading = (
        f"{before_heading}{title}{after_heading}" for title in SECTIONS
    )
    line_break, tagged_by_list = layout.line_break, layout.tagged_by_list

    def write(
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
        if line_break is not None:  # a replace that finds nothing still costs a pass
            if "\n" in happened:
                happened = happened.replace("\n", line_break)
            if "\n" in learned:
                learned = learned.replace("\n", line_break)
            if "\n" in next_time:
                next_time = next_time.replace("\n", line_break)
        tagged = text.tags if tagged_by_list else tags
        return (
            f"{opening}{number}{after_number}{title}{after_title}{day} · {who}{meeting}"
            f"{after_byline}{tags_label if tagged else ''}{tags}{after_tags if tagged else ''}"
            f"{gap}{happened_heading if happened else ''}{happened}"
            f"{after_text if happened else ''}{learned_heading if learned else ''}{learned}"
            f"{after_text if learned else ''}{next_time_heading if next_time else ''}"
            f"{next_time}{after_text if next_time else ''}{after_texts}{review}{closing}"
        )

    return write


def _meeting_line(day_text: Callable[[date], str]) -> Callable[[date | None], str]:
    """The byline's "from the meeting of" part for a meeting day (or none), with the day
    written by ``day_text`` (cached: days repeat)."""

    @functools.lru_cache(maxsize=4096)
    def meeting(day: date | None) -> str:
        return _MEETING + day_text(day) if day else ""

    return meeting


def _review_note(layout: EntryLayout) -> Callable[[Sequence[str], bool], str]:
    """The note under an entry flagged for review, as ``layout`` writes it."""
    opening, closing = _literals(layout.review, "note")
    name = layout.review_name

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


_FIRST = operator.itemgetter(slice(0, 1))
