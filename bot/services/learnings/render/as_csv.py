"""The digest as CSV, rows as ``csv.writer`` writes them, no cell a spreadsheet runs as a
formula."""

from __future__ import annotations

import csv
import io
from datetime import date

from bot.models import SharingLevel
from bot.services.learnings.render import words
from bot.services.learnings.render.base import (
    _FIRST,
    TYPED_PIECES,
    DigestEntry,
    DigestStats,
    EntryColumns,
    Renderer,
)

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
                    field(_cell(e.theme)) if e.theme else words.NO_THEME,
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
            theme = field(_cell(name)) if name else words.NO_THEME
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
