"""Property: whatever members write and however they share it, no ``private`` or ``group``
learning ever appears in any export format, every consenting one does, and no anonymous
entry carries its author's name."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.crypto import Keyring
from bot.db import Database
from bot.models import SharingLevel
from bot.services.learnings import store, stream
from bot.services.learnings import text as ltext
from bot.services.learnings.request import DigestFormat, DigestRequest
from tests.builders import add_member

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
KEYRING = Keyring.generate()
AUTHORS = ("Ana Alvarez", "Ben Brooks", "Cal Chen")

# Free text: anything printable (markdown, mentions, formula starts, HTML, newlines).
free_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00")
    | st.sampled_from(list("\n\t=+-@<>&*_`#|[]()\"'")),
    max_size=60,
)
learning = st.tuples(
    st.sampled_from(list(SharingLevel)),
    st.integers(min_value=0, max_value=len(AUTHORS) - 1),
    free_text,
    free_text,
    st.lists(st.sampled_from(["trust", "funding", "=cmd", "@here", "<b>x</b>"]), max_size=3),
)


@pytest.fixture(scope="module")
def template(migrated_template: Path) -> Path:
    """The session's migrated, empty database (tests/conftest.py), copied for each example."""
    return migrated_template


def _marker(n: int) -> str:
    return f"MARK{n:04d}X"


async def _run(path: Path, entries: list[tuple[SharingLevel, int, str, str, list[str]]]) -> None:
    database = Database.from_url(f"sqlite+aiosqlite:///{path}")
    try:
        async with database.transaction() as session:
            authors = [
                await add_member(
                    session,
                    name,
                    None,
                    user_id=100 + n,
                    organisation=f"Org{n} Unlimited",
                    first_seen_at=NOW,
                )
                for n, name in enumerate(AUTHORS)
            ]
            for n, (level, who, title, body, tags) in enumerate(entries):
                text = ltext.LearningText(
                    title=f"{title[:40]} {_marker(n)}",
                    happened=body,
                    learned=f"{_marker(n)} {body}",
                    next_time="",
                    tags=tuple(dict.fromkeys(tags)),
                )
                await store.add_learning(
                    session,
                    KEYRING,
                    authors[who],
                    text,
                    NOW + timedelta(minutes=n),
                    sharing=level,
                )
        for fmt in DigestFormat:
            request = DigestRequest(
                date(2026, 3, 1), date(2026, 3, 31), fmt, (), ZoneInfo("UTC"), "CoP", NOW
            )
            out = bytearray()
            async with database.transaction() as session:
                outcome = await stream.write_digest(session, KEYRING, request, out.extend)
            document = out.decode("utf-8")
            consenting = [n for n, e in enumerate(entries) if e[0] in ltext.DIGEST_LEVELS]
            assert outcome.entries == len(consenting)
            for n, (level, *_rest) in enumerate(entries):
                if level in ltext.DIGEST_LEVELS:
                    assert _marker(n) in document, (fmt, level)
                else:
                    assert _marker(n) not in document, (fmt, level)
            named_authors = {AUTHORS[e[1]] for e in entries if e[0] is SharingLevel.DIGEST_NAMED}
            for n, name in enumerate(AUTHORS):
                if name not in named_authors:
                    assert name not in document
                    assert f"Org{n} Unlimited" not in document
            if fmt is DigestFormat.CSV:
                rows = list(csv.DictReader(io.StringIO(document.lstrip("\ufeff"))))
                assert len(rows) == len(consenting)
                for row in rows:
                    for cell in row.values():
                        assert not cell or cell.lstrip(" ")[:1] not in set("=+-@\t\r")
                    if row["sharing"] == "digest-anonymous":
                        assert row["author"] == ""
    finally:
        await database.dispose()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=st.lists(learning, max_size=12))
def test_no_private_or_group_entry_ever_reaches_an_export(
    template: Path, tmp_path: Path, entries: list[tuple[SharingLevel, int, str, str, list[str]]]
) -> None:
    path = tmp_path / "example.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, path)
    asyncio.run(_run(path, entries))
