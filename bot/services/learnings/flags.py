"""The review flag: finding members' names, organisations and Discord mentions in what a
learning says, with one matcher built once per export.

An export asks first which of a batch of texts could name anyone (``NameMatcher.suspects``:
one compiled multi-literal matcher over the whole batch); only those few go through the
exact word-by-word ``NameMatcher.find``.

The matcher is Hyperscan (``hyperscan``: SIMD, case-insensitive for ASCII, so most text
is scanned as it is, several GB/s) where its wheel exists (x86-64, macOS, Windows) and
the server's names are not too many to compile quickly; otherwise an Aho-Corasick
automaton (``ahocorasick_rs``) over casefolded text. Both find the same words."""

from __future__ import annotations

import bisect
import functools
import importlib.util
import itertools
import re
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Member, MemberStatus

_HYPERSCAN = importlib.util.find_spec("hyperscan") is not None
"""Whether Hyperscan is installed (it has no wheel for Linux on ARM). The matchers' libraries
are imported when an export first builds one, not when the bot starts: a bot that never
exports a digest would carry 2.5 MB of them for nothing."""

_MENTION = re.compile(r"<@!?\d+>")
_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_UNICODE_PUNCTUATION = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00ab\u00bb"
_ASCII_SEPARATORS = bytes.maketrans(_PUNCTUATION.encode("ascii"), b" " * len(_PUNCTUATION))
_UNICODE_SEPARATORS = str.maketrans(dict.fromkeys(_UNICODE_PUNCTUATION, " "))
_WORD_EDGES = frozenset(" \t\n\r\x0b\x0c" + _PUNCTUATION + _UNICODE_PUNCTUATION)
"""What ends a word for ``_words``: ASCII whitespace (``bytes.split``) and the punctuation
it turns into spaces."""
_DFA_TRIGGERS = 5000
"""Up to this many trigger words the automaton is a DFA (the fastest); past it, a compact
NFA, so a server with many thousands of members does not pay tens of MB for it."""
_HYPERSCAN_TRIGGERS = 10_000
"""Up to this many trigger words Hyperscan compiles in well under a second and a few MB;
past it (a server of many thousands of members) the automaton is leaner."""


class _Scanner:
    """Finds every occurrence of the trigger words in UTF-8 bytes: (start, end) pairs.
    ``caseless`` scanners match ASCII letters in either case, so ASCII text needs no
    folding first."""

    caseless = False

    def hits(self, data: bytes) -> list[tuple[int, int]]:
        raise NotImplementedError


class _Automaton(_Scanner):
    """Aho-Corasick over casefolded text (``ahocorasick_rs``)."""

    def __init__(self, triggers: list[bytes]) -> None:
        import ahocorasick_rs  # on first use: see _HYPERSCAN

        self._automaton = ahocorasick_rs.BytesAhoCorasick(
            triggers,
            implementation=(
                ahocorasick_rs.Implementation.DFA
                if len(triggers) <= _DFA_TRIGGERS
                else ahocorasick_rs.Implementation.ContiguousNFA
            ),
        )

    def hits(self, data: bytes) -> list[tuple[int, int]]:
        return [
            (start, end)
            for _, start, end in self._automaton.find_matches_as_indexes(data, overlapping=True)
        ]


class _Hyperscan(_Scanner):
    """Hyperscan's literal matcher, ASCII-caseless."""

    caseless = True

    def __init__(self, triggers: list[bytes]) -> None:
        import hyperscan  # on first use: see _HYPERSCAN

        self._lengths = [len(t) for t in triggers]
        self._database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        self._database.compile(
            expressions=triggers,
            ids=list(range(len(triggers))),
            elements=len(triggers),
            flags=hyperscan.HS_FLAG_CASELESS,
            literal=True,
        )
        self._scratch = hyperscan.Scratch(self._database)

    def hits(self, data: bytes) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        lengths = self._lengths

        def on_match(index: int, _start: int, end: int, _flags: int, _context: object) -> None:
            found.append((end - lengths[index], end))

        self._database.scan(data, match_event_handler=on_match, scratch=self._scratch)
        return found


def _scanner(triggers: list[bytes]) -> _Scanner | None:
    if not triggers:
        return None
    if _HYPERSCAN and len(triggers) <= _HYPERSCAN_TRIGGERS:
        return _Hyperscan(triggers)
    return _Automaton(triggers)


@functools.lru_cache(maxsize=1024)
def _capitalised(part: str) -> re.Pattern[str]:
    """``part`` as a whole word, as written (compiled when a text first needs it: a server
    of thousands would otherwise hold thousands of patterns)."""
    return re.compile(rf"(?<!\w){re.escape(part)}(?!\w)")


def _edge_before(text: bytes, at: int) -> bool:
    """Whether a word of ``_words`` may start at byte ``at`` of UTF-8 ``text``."""
    return at == 0 or text[max(0, at - 4) : at].decode("utf-8", "ignore")[-1:] in _WORD_EDGES


def _edge_after(text: bytes, at: int) -> bool:
    """Whether a word of ``_words`` may end at byte ``at`` of UTF-8 ``text``."""
    return at == len(text) or text[at : at + 4].decode("utf-8", "ignore")[:1] in _WORD_EDGES


def _words(text: str) -> list[bytes]:
    """Casefolded words (UTF-8), punctuation removed; bytes.translate keeps it fast."""
    folded = text.casefold()
    if not folded.isascii():
        folded = folded.translate(_UNICODE_SEPARATORS)
    return folded.encode("utf-8").translate(_ASCII_SEPARATORS).split()


Owners = int | frozenset[int]
"""Whose name or organisation a phrase is: one member's id (nearly always), or several."""
_NOBODY: Owners = frozenset()


def _owners(ids: set[int]) -> Owners:
    """``ids`` as ``Owners``: a lone id needs no set (50,000 sets are tens of MB)."""
    return next(iter(ids)) if len(ids) == 1 else frozenset(ids)


class NameMatcher:
    """Finds members' names and organisations in text, fast enough for 100,000 entries.

    Full names and organisations match case-insensitively, as whole words in order;
    single parts of a name (three letters or more) match only as capitalised whole words,
    so "Ben" is caught but "grace" in "a period of grace" is not. The text is split into
    words once; set operations in C rule out almost every name before any search."""

    def __init__(self, members: Iterable[tuple[int, str, str]]) -> None:
        phrases: dict[tuple[bytes, ...], tuple[str, set[int]]] = {}
        parts: dict[bytes, tuple[str, set[int]]] = {}
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
                    parts.setdefault(key, (part, set()))[1].add(member_id)
        self._parts: dict[bytes, tuple[str, Owners]] = {
            key: (part, _owners(ids)) for key, (part, ids) in parts.items()
        }
        """A name part, casefolded -> (the part as first written, owners)."""
        del parts
        # Indexed by the first word (one-word phrases) or the first two words (longer
        # ones), so a text is only searched for phrases whose start it contains.
        self._singles: dict[bytes, tuple[str, Owners]] = {}
        self._longer: dict[tuple[bytes, bytes], list[tuple[bytes, str, Owners]]] = {}
        for words, (shown, ids) in sorted(phrases.items(), key=lambda i: -len(i[0])):
            whose = _owners(ids)
            if len(words) == 1:
                self._singles[words[0]] = (shown, whose)
            else:
                self._longer.setdefault((words[0], words[1]), []).append(
                    (b" " + b" ".join(words) + b" ", shown, whose)
                )
        self._second_words = frozenset(pair[1] for pair in self._longer)
        self._triggers = self._second_words.union(self._singles, self._parts)
        """Every word without which nothing can match."""
        self._scanner = _scanner(sorted(self._triggers))
        """Finds the trigger words in (casefolded) UTF-8, all of them in one pass."""

    def suspects(self, texts: Sequence[str], per: int = 1) -> list[int]:
        """The indexes of the texts in which ``find`` could find anything, in order. A
        text is ``per`` consecutive pieces of ``texts`` (together, what ``find`` gets,
        however they were split). One pass over all of them: a text in which no trigger
        word stands as a whole word and no ``<@`` occurs names nobody, so only the few
        others need ``find``."""
        whole = "\n".join(texts)
        found: set[int] = set()
        scanner = self._scanner
        if scanner is not None:
            if whole.isascii():
                # casefold is lower for ASCII, and a caseless scanner needs neither
                folded = whole.encode("ascii") if scanner.caseless else whole.lower().encode()
                lengths = map(len, texts)
            else:
                pieces = [text.casefold().encode("utf-8") for text in texts]
                folded = b"\n".join(pieces)
                lengths = map(len, pieces)
            hits = scanner.hits(folded)
            if hits:
                starts = list(itertools.accumulate(lengths, lambda at, n: at + n + 1, initial=0))
                for start, end in hits:
                    if _edge_before(folded, start) and _edge_after(folded, end):
                        found.add((bisect.bisect_right(starts, start) - 1) // per)
        if "<" in whole and "<@" in whole:  # memchr for the rare "<" first: much faster
            found.update(i // per for i, text in enumerate(texts) if "<@" in text)
        return sorted(found)

    def find(self, texts: Sequence[str], exclude: int | None = None) -> list[str]:
        """The names, organisations and Discord mentions in ``texts`` (once each),
        leaving out those that belong only to member ``exclude``."""
        found: list[str] = []
        seen: set[str] = set()

        def note(shown: str, owners: Owners) -> None:
            if owners == exclude:  # only a lone owner is an int; a mention has none
                return
            key = shown.casefold()
            if key not in seen:
                seen.add(key)
                found.append(shown)

        text = "\n".join(texts)
        folded = _words(text)
        mentions = "<" in text and "<@" in text
        if self._triggers.isdisjoint(folded) and not mentions:
            return found  # the common case, decided in C without building a set
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
                part, owners = self._parts[key]
                match = _capitalised(part).search(text)
                if match is not None:
                    note(match.group(0), owners)
        if mentions:
            for match in _MENTION.finditer(text):
                note(match.group(0), _NOBODY)
        return _in_order_said(found, text)


def _in_order_said(found: list[str], text: str) -> list[str]:
    """``found`` in the order ``text`` first says each (then by name), so a review note
    reads the same in every run: the sets the names were found through have no order."""
    if len(found) < 2:
        return found
    folded = text.casefold()

    def said_at(shown: str) -> tuple[int, str]:
        at = folded.find(shown.casefold())
        return (at if at >= 0 else len(folded), shown)

    return sorted(found, key=said_at)


async def member_matcher(session: AsyncSession) -> NameMatcher:
    """A matcher for every member whose data was not erased."""
    rows = await session.execute(
        select(Member.id, Member.display_name, Member.organisation).where(
            Member.status != MemberStatus.ERASED
        )
    )
    return NameMatcher((i, n or "", o or "") for i, n, o in rows)
