"""The shared helper behind the data key's start-up check and ``rotate-key``
(``bot.services.sealed``): counting the key ids sealed rows use, and resealing the rows not
yet under the newest key a batch at a time; and ``reencrypt_all`` counting every kind."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select

from bot.crypto import Keyring, generate_key
from bot.datakeys import SEALED_CAPABILITIES, reencrypt_all
from bot.db import Database
from bot.models import Reminder, Unavailability
from bot.services import rotation, sealed
from bot.services.rotation.reasons import reason_aad
from tests.builders import away_in_april

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


async def _unavailable(db: Database, keyring: Keyring, name: str, reason: str) -> int:
    return (await away_in_april(db, keyring, name, reason, NOW)).id


@contextmanager
def _selects_of(db: Database, table: str) -> Iterator[list[str]]:
    """The SELECT statements sent on ``table`` while the block runs."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        statement = str(args[2])
        if statement.lstrip().upper().startswith("SELECT") and f"FROM {table}" in statement:
            seen.append(statement)

    engine = db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_key_id_counts_counts_each_key_across_models_and_skips_unsealed(
    db: Database,
) -> None:
    old_key, new_key = generate_key(), generate_key()
    old, new = Keyring.from_texts([old_key]), Keyring.from_texts([new_key])
    for n in range(3):
        await _unavailable(db, old, f"Old{n}", f"Reason {n}")
    await _unavailable(db, new, "New", "Newer reason")
    await _unavailable(db, new, "Nothing", "")  # no reason: nothing sealed, no key id
    async with db.transaction() as session:
        counts = await sealed.key_id_counts(session, Unavailability, Reminder)
    assert counts == {old.primary_id: 3, new.primary_id: 1}


async def test_reseal_stale_rewrites_only_stale_rows_in_batches(db: Database) -> None:
    old_key, new_key = generate_key(), generate_key()
    old = Keyring.from_texts([old_key])
    both, new = Keyring.from_texts([new_key, old_key]), Keyring.from_texts([new_key])
    stale = {await _unavailable(db, old, f"Old{n}", f"Reason {n}"): f"Reason {n}" for n in range(5)}
    current = await _unavailable(db, new, "New", "Already new")
    unsealed = await _unavailable(db, old, "Nothing", "")
    async with db.transaction() as session:
        before = (
            await session.scalars(select(Unavailability).where(Unavailability.member_id == current))
        ).one()
        current_token = before.reason_sealed
    resealed: list[int] = []

    def reseal(row: Unavailability, keyring: Keyring) -> None:
        resealed.append(row.member_id)
        assert row.reason_sealed is not None
        row.reason_sealed = keyring.reencrypt(row.reason_sealed, reason_aad(row.member_id))

    with _selects_of(db, Unavailability.__tablename__) as selects:
        async with db.transaction() as session:
            done = await sealed.reseal_stale(session, Unavailability, both, reseal, batch=2)
    assert done == 5
    assert sorted(resealed) == sorted(stale)  # each stale row once, no other row
    assert len(selects) == 4  # batches of 2, 2 and 1, then an empty one that ends the loop
    async with db.transaction() as session:
        rows = {r.member_id: r for r in (await session.scalars(select(Unavailability))).all()}
        for member_id, reason in stale.items():
            assert rows[member_id].key_id == new.primary_id
            assert rotation.open_reason(new, rows[member_id]) == reason
        assert rows[current].reason_sealed == current_token  # already current: untouched
        assert (rows[unsealed].key_id, rows[unsealed].reason_sealed) == (None, None)
        assert await sealed.key_id_counts(session, Unavailability) == {new.primary_id: 6}


async def test_rewrite_each_stops_when_no_row_matches(db: Database) -> None:
    keyring = Keyring.generate()
    ids = [await _unavailable(db, keyring, f"M{n}", f"Reason {n}") for n in range(3)]
    cleared: list[int] = []

    def clear(row: Unavailability) -> None:
        cleared.append(row.member_id)
        row.reason_sealed, row.key_id = None, None

    async with db.transaction() as session:
        which = Unavailability.key_id.is_not(None)
        assert await sealed.rewrite_each(session, Unavailability, which, clear, batch=2) == 3
        assert await sealed.rewrite_each(session, Unavailability, which, clear, batch=2) == 0
    assert cleared == sorted(ids)  # primary-key order, each once


async def test_reencrypt_all_counts_every_kind(db: Database) -> None:
    old_key, new_key = generate_key(), generate_key()
    old = Keyring.from_texts([old_key])
    both = Keyring.from_texts([new_key, old_key])
    await _unavailable(db, old, "Ana", "Away at Emu Park")
    await _unavailable(db, old, "Ben", "Away at Yeppoon")
    async with db.transaction() as session:
        result = await reencrypt_all(session, both)
    kinds = ["learnings", "export records", *(kind for kind, _ in SEALED_CAPABILITIES)]
    assert list(result.counts) == kinds
    assert result.counts["unavailability reasons"] == 2
    assert sum(result.counts.values()) == 2
    assert result.key_id == both.primary_id
    async with db.transaction() as session:  # a second run finds nothing left to do
        again = await reencrypt_all(session, both)
    assert sum(again.counts.values()) == 0
