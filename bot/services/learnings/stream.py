"""Streaming the digest: one pass reads the range's consenting learnings, a few hundred
at a time (the next batch is read while the current one is decrypted and rendered), and
spools each rendered entry under its theme; the file is then yielded in chunks: the
header with the themes and their counts, each theme's entries, the review summary.

Only ``digest-anonymous`` and ``digest-named`` learnings are ever read here (the query
says so, and each learning's text is cryptographically bound to its sharing level, so a
row whose level was changed outside the bot cannot be decrypted into an export).
Anonymous entries carry no name and no organisation; named ones carry their author's
name. An entry whose text names a member or an organisation (other than a named entry's
own author) is flagged for review.

The spool keeps small exports in memory and encrypts anything larger into an anonymous
temporary file with a throw-away key, so memory stays flat and no plain text touches
the disk. The caller hashes and writes the chunks as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import DecryptionError, Keyring
from bot.models import Learning, Member, SharingLevel
from bot.services.learnings.flags import member_matcher
from bot.services.learnings.order import order_by
from bot.services.learnings.render import (
    RENDERERS,
    TYPED_PIECES,
    DigestStats,
    EntryColumns,
    Theme,
    typed_pieces,
)
from bot.services.learnings.request import DigestRequest
from bot.services.learnings.text import DIGEST_LEVELS, ContentOpener, LearningText
from bot.timeutil import LocalDays

CHUNK = 400
"""Learnings read, decrypted and rendered per round trip."""


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
        sealed = self._aead.encrypt(nonce, data, None)
        self._file.seek(0, os.SEEK_END)
        self._chunks.setdefault(theme, []).append((self._file.tell(), len(sealed)))
        self._file.write(nonce)  # nonce, then the sealed text: no copy to join them
        self._file.write(sealed)

    def read(self, theme: str | None) -> Iterator[bytes]:
        """The theme's text, in the order it was added."""
        for offset, length in self._chunks.get(theme, []):
            assert self._file is not None
            self._file.seek(offset)
            nonce = self._file.read(12)
            yield self._aead.decrypt(nonce, self._file.read(length), None)
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


@dataclass(slots=True)
class Opened:
    """One consenting learning, decrypted."""

    author_id: int
    anonymous: bool
    text: LearningText
    created_at: datetime
    meeting_at: datetime | None


@dataclass
class ReadCounts:
    seen: int = 0
    skipped: int = 0
    """Rows whose text could not be decrypted (left out)."""


def digest_query(
    request: DigestRequest,
) -> Select[int, SharingLevel, bytes, datetime, datetime | None]:
    """The range's consenting learnings, in the digest's order, streamed in batches."""
    since, until = request.window
    return (
        select(
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
        .order_by(*order_by())
        .execution_options(yield_per=CHUNK)
    )


async def opened_batches(
    session: AsyncSession, keyring: Keyring, request: DigestRequest, counts: ReadCounts
) -> AsyncIterator[list[Opened]]:
    """The range's consenting learnings, decrypted, a batch at a time (the next batch is
    read while this one is used). The floor of every export: reading and decrypting."""
    opener = ContentOpener(keyring)
    anonymous_level = SharingLevel.DIGEST_ANONYMOUS
    result = await session.stream(digest_query(request))
    async for partition in _prefetched(result.partitions()):
        batch: list[Opened] = []
        append = batch.append
        for author_id, sharing, content, created_at, meeting_at in partition:
            try:
                text = opener(author_id, sharing, content)
            except DecryptionError:
                counts.skipped += 1
                continue
            append(Opened(author_id, sharing == anonymous_level, text, created_at, meeting_at))
        counts.seen += len(partition)
        yield batch


async def iter_digest(
    session: AsyncSession,
    keyring: Keyring,
    request: DigestRequest,
    stats: DigestStats,
    progress: Progress | None = None,
    expected: int | None = None,
) -> AsyncIterator[bytes]:
    """The digest file, chunk by chunk (UTF-8); ``stats`` fills in as it goes.

    One pass reads the range's consenting learnings in the order of ``order.order_by``
    (``opened_batches``), flags the names in each, renders it and spools it under its
    theme; then the file is assembled: the header with the counts, each theme's
    entries, and the review summary."""
    renderer = RENDERERS[request.format](request)
    render = renderer.groups
    zone = request.zone
    names = {
        i: n or "a member" for i, n in await session.execute(select(Member.id, Member.display_name))
    }
    matcher = await member_matcher(session)
    find = matcher.find
    wanted = set(request.tags)
    themes: dict[str | None, Theme] = {}
    local_days = LocalDays(zone, *request.window)
    spool = Spool()
    counts = ReadCounts()
    try:
        async for batch in opened_batches(session, keyring, request, counts):
            # The batch's entries by theme (in the order read within each), so that each
            # theme's entries are one run of the pieces escaped together.
            by_theme: dict[str | None, list[Opened]] = {}
            name: str | None
            for row in batch:
                if wanted:
                    matching = [t for t in row.text.tags if t in wanted]
                    if not matching:
                        continue
                    name = matching[0]
                else:
                    name = row.text.theme
                rows = by_theme.get(name)
                if rows is None:
                    by_theme[name] = [row]
                else:
                    rows.append(row)
            numbers: list[int] = []
            runs: list[tuple[str | None, int, int]] = []
            for name, rows in by_theme.items():
                theme = themes.get(name)
                if theme is None:
                    theme = themes[name] = Theme(name)
                start = len(numbers)
                numbers.extend(range(theme.count + 1, theme.count + 1 + len(rows)))
                theme.count += len(rows)
                runs.append((name, start, len(numbers)))
            ordered = [row for rows in by_theme.values() for row in rows]
            texts = [row.text for row in ordered]
            typed = typed_pieces(texts)
            columns = EntryColumns(
                numbers=numbers,
                texts=texts,
                anonymous=[row.anonymous for row in ordered],
                authors=[
                    None if row.anonymous else names.get(row.author_id, "a member")
                    for row in ordered
                ],
                days=local_days.many([row.created_at for row in ordered]),
                meeting_days=[
                    None if row.meeting_at is None else local_days(row.meeting_at)
                    for row in ordered
                ],
                flags={},
                runs=runs,
            )
            # The few entries that may name someone: checked exactly, flagged in their theme
            for at in matcher.suspects(typed, per=TYPED_PIECES):
                row = ordered[at]
                found = find(row.text.text_fields(), None if row.anonymous else row.author_id)
                if found:
                    columns.flags[at] = tuple(found)
                    themes[_run_theme(runs, at)].flagged.append(numbers[at])
            for (name, _, _), text in zip(runs, render(columns, typed), strict=True):
                spool.add(name, text)
            if progress is not None:
                progress(counts.seen, max(counts.seen, expected or 0))
        stats.skipped = counts.skipped
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


def _run_theme(runs: list[tuple[str | None, int, int]], at: int) -> str | None:
    """The theme of the run that holds position ``at``."""
    return next(name for name, start, stop in runs if start <= at < stop)


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
