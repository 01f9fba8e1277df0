"""The digest's fast paths give what the plain ones give: the batch name check never
misses what the exact one finds, the CSV rows are what ``csv.writer`` writes, a group of
entries renders as each entry alone does, and a day is the community's day even in a
zone half an hour off UTC."""

from __future__ import annotations

import csv
import html
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.learnings import flags
from bot.services.learnings.flags import NameMatcher
from bot.services.learnings.render import RENDERERS, TYPED_PIECES, DigestEntry, typed_pieces
from bot.services.learnings.render.as_csv import _csv_field
from bot.services.learnings.render.as_html import _h_fast, _h_pieces
from bot.services.learnings.render.as_markdown import _md_piece_list, _md_pieces
from bot.services.learnings.request import DigestFormat, DigestRequest
from bot.services.learnings.text import LearningText
from bot.timeutil import LocalDays

MEMBERS = [
    (1, "Ana Alvarez", "Rocky Council"),
    (2, "Ben Brooks", "CQ Health"),
    (3, "Zoë Straße", "Örtliche Hilfe e.V."),
    (4, "Kim", "Org 7 Partners"),
]
WORDS = [
    "ben", "Ben", "BEN", "benefit", "Brooks", "rocky", "Council", "Rocky-Council", "cq",
    "health", "Zoë", "ZOË", "strasse", "STRASSE", "Straße", "örtliche", "hilfe", "e.V.",
    "kim", "Kim's", "org", "7", "partners", "<@12>", "<@!3>", "Ana", "alvarez", "the",
    "1.", "-", "> ", "=", "@here", "&", "<b>", '"', ",", "*", "_", "#",
]  # fmt: skip
SEPARATORS = [" ", "  ", "\n", "\r\n", "\r", "\t", ", ", ". ", "-", "’", "—", "\u00a0", "\x00"]
text = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=12).map(
    lambda pairs: "".join(w + s for w, s in pairs)
) | st.text(max_size=30)
learning = st.builds(
    LearningText,
    text,
    text,
    text,
    text,
    st.lists(st.sampled_from(["trust", "Ben", "a,b", '"q"', "=x", "é"]), max_size=3).map(tuple),
)


def request(fmt: DigestFormat) -> DigestRequest:
    return DigestRequest(
        date(2026, 1, 1), date(2026, 1, 31), fmt, (), ZoneInfo("UTC"), "CoP", datetime.now(UTC)
    )


ENGINES = ["hyperscan", "automaton"]


def matcher_with(engine: str) -> NameMatcher:
    """A matcher for ``MEMBERS`` that finds trigger words with ``engine``: Hyperscan, or
    the Aho-Corasick automaton that serves where Hyperscan has no wheel or the names
    are very many."""
    matcher = NameMatcher(MEMBERS)
    if engine == "automaton":
        matcher._scanner = flags._Automaton(sorted(matcher._triggers))
    assert type(matcher._scanner) is {"hyperscan": flags._Hyperscan}.get(engine, flags._Automaton)
    return matcher


def test_the_automaton_serves_without_hyperscan_or_past_its_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert type(NameMatcher(MEMBERS)._scanner) is flags._Hyperscan
    monkeypatch.setattr(flags, "_HYPERSCAN_TRIGGERS", 3)
    assert type(NameMatcher(MEMBERS)._scanner) is flags._Automaton
    monkeypatch.undo()
    monkeypatch.setattr(flags, "_HYPERSCAN", False)
    assert type(NameMatcher(MEMBERS)._scanner) is flags._Automaton


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=300, deadline=None)
@given(texts=st.lists(learning, max_size=8), exclude=st.sampled_from([None, 1, 2, 3, 4]))
def test_suspects_hold_every_text_the_exact_check_flags(
    engine: str, texts: list[LearningText], exclude: int | None
) -> None:
    matcher = matcher_with(engine)
    suspects = matcher.suspects(["\n".join(t.text_fields()) for t in texts])
    flagged = [i for i, t in enumerate(texts) if matcher.find(t.text_fields(), exclude)]
    assert set(flagged) <= set(suspects)
    assert matcher.suspects(typed_pieces(texts), per=TYPED_PIECES) == suspects


@pytest.mark.parametrize("engine", ENGINES)
def test_suspects_skip_texts_that_only_contain_a_name_inside_a_word(engine: str) -> None:
    matcher = matcher_with(engine)
    texts = ["a real benefit", "Ben said so", "kimono, councils", "met <@5>", "Rocky  council"]
    assert matcher.suspects(texts) == [1, 3, 4]
    texts = ["Zoëx and örtliche HILFE", "the STRASSE—", "«Zoë»", "zoëstrasse"]
    assert matcher.suspects(texts) == [0, 1, 2]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=2, max_size=6))
def test_csv_fields_are_what_csv_writer_writes(fields: list[str]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n").writerow(fields)
    assert ",".join(map(_csv_field, fields)) + "\r\n" == buffer.getvalue()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(learning, st.booleans(), st.sampled_from(["Ben Brooks", "A\r", "x\x00y", "- z"])),
        max_size=6,
    ),
    st.sampled_from(list(DigestFormat)),
)
def test_a_group_of_entries_renders_as_each_entry_alone(
    rows: list[tuple[LearningText, bool, str]], fmt: DigestFormat
) -> None:
    entries = [
        DigestEntry(
            number=n,
            theme=t.theme,
            text=t,
            anonymous=anonymous,
            author=None if anonymous else author,
            day=date(2026, 1, 2),
            meeting_day=date(2025, 12, 30) if n % 2 else None,
            flags=("Ben",) if n % 3 == 0 else (),
        )
        for n, (t, anonymous, author) in enumerate(rows, start=1)
    ]
    renderer = RENDERERS[fmt](request(fmt))
    assert renderer.entries(entries) == "".join(renderer.entry(e) for e in entries)


def test_a_day_is_the_communitys_day_in_a_zone_half_an_hour_off() -> None:
    adelaide = ZoneInfo("Australia/Adelaide")  # +10:30 in January
    days = LocalDays(adelaide, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    assert days(datetime(2026, 1, 9, 13, 20, tzinfo=UTC)) == date(2026, 1, 9)
    assert days(datetime(2026, 1, 9, 13, 30, tzinfo=UTC)) == date(2026, 1, 10)
    assert days(datetime(2026, 1, 9, 13, 29, 59, 999999, tzinfo=UTC)) == date(2026, 1, 9)


ZONES = [
    "Australia/Brisbane",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Australia/Lord_Howe",  # half an hour of daylight saving
    "America/Havana",  # clocks change at midnight
    "America/Santiago",  # clocks go back across midnight
    "Asia/Kolkata",
    "Pacific/Kiritimati",  # +14
    "Pacific/Apia",  # skipped a whole day
    "UTC",
]


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.datetimes(  # hypothesis takes naive bounds; the values are UTC
        datetime(2010, 1, 1),  # noqa: DTZ001
        datetime(2030, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.integers(0, 400),
    st.lists(st.integers(-3 * 86400, 500 * 86400), max_size=30),
)
def test_local_days_are_each_instants_day_in_the_zone(
    name: str, since: datetime, span: int, offsets: list[int]
) -> None:
    zone = ZoneInfo(name)
    days = LocalDays(zone, since, since + timedelta(days=span))
    moments = [since + timedelta(seconds=s) for s in offsets]
    expected = [m.astimezone(zone).date() for m in moments]
    assert days.many(moments) == expected
    assert [days(m) for m in moments] == expected


@pytest.mark.parametrize("name", ZONES)
def test_local_days_are_right_all_through_a_year_of_clock_changes(name: str) -> None:
    zone = ZoneInfo(name)
    since = datetime(2024, 1, 1, tzinfo=UTC)
    days = LocalDays(zone, since, datetime(2025, 1, 1, tzinfo=UTC))
    moments = [since + timedelta(minutes=13 * n) for n in range(366 * 24 * 60 // 13)]
    assert days.many(moments) == [m.astimezone(zone).date() for m in moments]


def test_a_csv_group_writes_what_csv_writer_writes_for_each_kind_of_entry() -> None:
    texts = [
        LearningText("Plain title", "Met the council.", "Listen first.", "Ask early.", ()),
        LearningText("=SUM(A1)", "  -1 said", "a, b", 'say "hi"', ("trust", "a,b")),
        LearningText("Two\nlines", "", "\r", "@here", ("=x",)),
        LearningText("Plain again", "Met the council.", "Listen first.", "Ask.", ("trust",)),
    ]
    entries = [
        DigestEntry(
            number=n,
            theme=t.theme,
            text=t,
            anonymous=n == 2,
            author=None if n == 2 else "Ben Brooks",
            day=date(2026, 1, n),
            meeting_day=date(2025, 12, 30) if n % 2 else None,
            flags=("Ben",) if n == 3 else (),
        )
        for n, t in enumerate(texts, start=1)
    ]
    renderer = RENDERERS[DigestFormat.CSV](request(DigestFormat.CSV))
    rendered = renderer.entries(entries)
    assert rendered == "".join(renderer.entry(e) for e in entries)
    rows = list(csv.reader(io.StringIO(rendered, newline="")))
    assert [row[5] for row in rows] == ["Plain title", "'=SUM(A1)", "Two\nlines", "Plain again"]
    assert [row[4] for row in rows] == ["Ben Brooks", "", "Ben Brooks", "Ben Brooks"]
    assert [row[2] for row in rows] == ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
    assert [row[10] for row in rows] == ["2025-12-30", "", "2025-12-30", ""]
    assert rows[1][6:10] == ["'  -1 said", "a, b", 'say "hi"', "trust, a,b"]
    assert rows[2][11] == "mentions Ben"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("&<>\"'a \x00é&amp;"), max_size=40) | st.text())
def test_the_batch_html_escape_is_html_escape(typed: str) -> None:
    assert _h_fast(typed) == html.escape(typed, quote=True)


piece = st.lists(
    st.sampled_from(
        [
            "1.",
            "12)",
            "3 ",
            "-",
            "=",
            ">",
            " ",
            "\t",
            "\n",
            "\u3000",
            "\u0663.",
            "x",
            "*",
            "@here",
            "\x00",
        ]
    ),
    max_size=5,
).map("".join) | st.text(alphabet=st.characters(blacklist_characters="\r\x00"), max_size=8)


@settings(max_examples=400, deadline=None)
@given(st.lists(piece, min_size=1, max_size=8))
def test_the_markdown_pieces_fast_path_is_the_regex_one(pieces: list[str]) -> None:
    joined = "\x00".join(pieces)
    assert _md_piece_list(joined, list(pieces)) == _md_pieces(joined).split("\x00")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("&<>\"'a é"), max_size=6), min_size=1))
def test_the_html_pieces_are_each_piece_escaped(pieces: list[str]) -> None:
    assert _h_pieces("\x00".join(pieces), list(pieces)) == [html.escape(p) for p in pieces]
