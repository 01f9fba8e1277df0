"""Property: in the digest, position reveals nothing about who wrote an anonymous entry.

Within a theme, named entries come first and anonymous ones apart after them. The order
depends only on each learning's encryption nonce (random bytes drawn when its text is
sealed), never on the recording order or the author: recording the same learnings in
another order, with the anonymous ones written by other people, gives the very same
file. (The old order, by recording time, put alice's anonymous entry straight before
her named one when she recorded them together; shuffling the recording order moves it.)
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import shutil
from collections import deque
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.crypto import Keyring, generate_key, parse_key
from bot.db import Database
from bot.models import SharingLevel
from bot.services.learnings import anonymity_order, store, stream
from bot.services.learnings.request import DigestFormat, DigestRequest
from bot.services.learnings.text import LearningText
from tests.builders import add_member

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
KEY = parse_key(generate_key())
AUTHORS = ("Alice Archer", "Ben Brooks", "Cal Chen")
THEMES = ("trust", "funding")

# (author, anonymous, theme index, nonce of the content token)
entry = st.tuples(
    st.integers(min_value=0, max_value=len(AUTHORS) - 1),
    st.booleans(),
    st.integers(min_value=0, max_value=len(THEMES) - 1),
    st.binary(min_size=12, max_size=12),
)


@pytest.fixture(scope="module")
def template(migrated_template: Path) -> Path:
    """The session's migrated, empty database (tests/conftest.py), copied for each example."""
    return migrated_template


async def _digest(
    path: Path,
    entries: list[tuple[int, bool, int, bytes]],
    recording: list[int],
    authors: list[int],
) -> str:
    """Record ``entries`` in the order ``recording`` (indexes), entry n by ``authors[n]``,
    each sealed with its own nonce; return the CSV digest."""
    nonces: deque[bytes] = deque()
    keyring = Keyring([KEY], random_bytes=lambda n: nonces.popleft())
    database = Database.from_url(f"sqlite+aiosqlite:///{path}")
    try:
        async with database.transaction() as session:
            members = [
                await add_member(
                    session, name, None, user_id=100 + n, organisation="", first_seen_at=NOW
                )
                for n, name in enumerate(AUTHORS)
            ]
            for minute, n in enumerate(recording):
                _, anonymous, theme, nonce = entries[n]
                nonces.extend([nonce, bytes(12)])  # the content token's, then the tags'
                text = LearningText(f"entry {n}", "", f"learned {n}", "", (THEMES[theme],))
                level = SharingLevel.DIGEST_ANONYMOUS if anonymous else SharingLevel.DIGEST_NAMED
                await store.add_learning(
                    session,
                    keyring,
                    members[authors[n]],
                    text,
                    NOW + timedelta(minutes=minute),
                    sharing=level,
                )
        request = DigestRequest(
            date(2026, 3, 10), date(2026, 3, 10), DigestFormat.CSV, (), ZoneInfo("UTC"), "CoP", NOW
        )
        out = bytearray()
        async with database.transaction() as session:
            await stream.write_digest(session, keyring, request, out.extend)
        return out.decode("utf-8")
    finally:
        await database.dispose()


def _fresh(template: Path, path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, path)
    return path


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entries=st.lists(entry, min_size=1, max_size=10, unique_by=lambda e: e[3]),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_digest_position_cannot_be_linked_to_an_anonymous_entrys_author(
    template: Path,
    tmp_path: Path,
    entries: list[tuple[int, bool, int, bytes]],
    seed: int,
) -> None:
    shuffle = random.Random(seed)
    first_order = list(range(len(entries)))
    first_authors = [e[0] for e in entries]
    second_order = first_order[:]
    shuffle.shuffle(second_order)
    second_authors = [
        shuffle.randrange(len(AUTHORS)) if anonymous else who for who, anonymous, _, _ in entries
    ]
    one = asyncio.run(
        _digest(_fresh(template, tmp_path / "one.sqlite3"), entries, first_order, first_authors)
    )
    two = asyncio.run(
        _digest(_fresh(template, tmp_path / "two.sqlite3"), entries, second_order, second_authors)
    )
    assert one == two  # nothing in the file depends on recording order or anonymous authors
    rows = list(csv.DictReader(io.StringIO(one.lstrip("\ufeff"))))
    assert len(rows) == len(entries)
    for theme in THEMES:
        kinds = [row["sharing"] for row in rows if row["theme"] == theme]
        assert kinds == sorted(kinds, key=lambda k: k == "digest-anonymous")  # named first
    for row in rows:
        if row["sharing"] == "digest-anonymous":
            assert row["author"] == ""


def test_anonymity_order_puts_named_first_then_follows_the_key_only() -> None:
    items = [("a1", True, b"\x09"), ("n1", False, b"\x05"), ("a2", True, b"\x01")]
    items += [("n2", False, b"\x00")]
    ordered = anonymity_order(items, anonymous=lambda i: i[1], key=lambda i: i[2])
    assert [i[0] for i in ordered] == ["n2", "n1", "a2", "a1"]
