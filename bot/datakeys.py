"""The data key: where it comes from, checking it against the database, and rotation.

- ``COP_DATA_KEY`` holds one key, or several separated by commas, newest first.
- Otherwise the key file (``learnings.key_file``; by default ``cop.key`` beside the SQLite
  database) holds them, one per line, newest first. It is created with mode 0600 on the
  first run, and the log tells the operator to back it up.
- At start the bot refuses, with one line, to run when the database holds encrypted
  data and the key is missing or is not the one that data was encrypted with. It never
  creates a new key while encrypted data exists.
- ``python -m bot rotate-key`` re-encrypts everything with the newest key.
- Text that versions before migration 0014 stored in plain text (unavailability reasons,
  reminder texts) is encrypted when the bot starts (:func:`seal_plain_texts`), and a
  SQLite file is then rewritten so none of it lingers in free pages or the write-ahead log.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import AppConfig
from bot.crypto import DecryptionError, KeyFormatError, Keyring, generate_key, parse_key
from bot.db import Database, sqlite_path, write_private
from bot.errors import StartupError
from bot.models import DigestExport, Learning
from bot.services import consults, outcomes, partnerships, reminders, rotation, sealed
from bot.services.learnings.request import filters_aad
from bot.services.learnings.text import content_aad, tags_aad

log = logging.getLogger(__name__)

KEY_ENV = "COP_DATA_KEY"


@dataclass(frozen=True)
class KeySource:
    """Where the keys were read from, for messages (never the keys themselves)."""

    keyring: Keyring | None
    label: str
    path: Path | None = None


def _parse_many(texts: Sequence[str], where: str) -> Keyring:
    keys = []
    for n, text in enumerate(texts, start=1):
        try:
            keys.append(parse_key(text))
        except KeyFormatError as exc:
            raise StartupError(
                f"Key {n} in {where} {exc}; fix it (generate one with "
                "`python -m bot rotate-key --print-new-key`) and start again."
            ) from None
    return Keyring(keys)


def read_key_file(path: Path) -> list[str]:
    lines = path.read_text(encoding="ascii").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


def load_keys(config: AppConfig, environ: Mapping[str, str] | None = None) -> KeySource:
    """The keyring from ``COP_DATA_KEY`` or the key file; ``keyring`` is None when
    neither exists. Raises ``StartupError`` for a malformed key."""
    env = os.environ if environ is None else environ
    path = config.learnings.resolved_key_file(config.database.url)
    texts = [t.strip() for t in env.get(KEY_ENV, "").split(",") if t.strip()]
    if texts:
        return KeySource(_parse_many(texts, KEY_ENV), KEY_ENV)
    if path.exists():
        try:
            texts = read_key_file(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise StartupError(
                f"The data key file {path} cannot be read ({exc.__class__.__name__}); "
                "check its permissions and start again."
            ) from None
        if not texts:
            raise StartupError(
                f"The data key file {path} is empty; restore it from your backup "
                f"(or set {KEY_ENV}) and start again."
            )
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning(
                "The data key file %s can be read by other users (mode %o); run `chmod 600 %s`.",
                path,
                mode,
                path,
            )
        return KeySource(_parse_many(texts, str(path)), str(path), path)
    return KeySource(None, f"{KEY_ENV} or {path}", path)


def write_key_file(path: Path, keys: Sequence[str]) -> None:
    """Write keys (newest first) atomically, readable by the owner only."""
    header = (
        "# cop-bot data keys, newest first. Keep a backup of this file somewhere safe:\n"
        "# without it the learnings in the database cannot be read.\n"
    )
    write_private(path, (header + "".join(f"{k}\n" for k in keys)).encode("ascii"))


# --- the database side ----------------------------------------------------------------

SEALED_CAPABILITIES = (
    ("consults", consults),
    ("outcomes", outcomes),
    ("partnership log entries and offer texts", partnerships),
    ("reminder texts", reminders),
    ("unavailability reasons", rotation),
)
"""Capabilities with encrypted columns of their own, each with the words ``rotate-key``
counts its rows in: each offers ``key_ids_in_use`` and ``reencrypt`` (built on
``bot.services.sealed``)."""


async def key_ids_in_use(session: AsyncSession) -> dict[str, int]:
    """Each key id the database holds encrypted data under, with how many rows use it."""
    counts = await sealed.key_id_counts(session, Learning, DigestExport)
    for _, capability in SEALED_CAPABILITIES:
        for ident, count in (await capability.key_ids_in_use(session)).items():
            counts[ident] = counts.get(ident, 0) + count
    return counts


async def has_encrypted_data(session: AsyncSession) -> bool:
    for ident in (Learning.id, DigestExport.id):
        if await session.scalar(select(ident).limit(1)) is not None:
            return True
    for _, capability in SEALED_CAPABILITIES:
        if await capability.key_ids_in_use(session):
            return True
    return False


async def check_keyring(session: AsyncSession, keyring: Keyring, label: str) -> None:
    """Raise ``StartupError`` unless the keyring opens everything the database holds:
    every key id in use must be present, and a sample under each must decrypt."""
    in_use = await key_ids_in_use(session)
    missing = {ident: n for ident, n in in_use.items() if not keyring.holds(ident)}
    if missing:
        total = sum(missing.values())
        raise StartupError(
            f"The data key in {label} is not the one the database's encrypted learnings use "
            f"({total} encrypted records need key {', '.join(sorted(missing))}); restore the "
            f"right key (several go newest first, comma-separated in {KEY_ENV}) and start again."
        )
    for ident in in_use:
        row = (
            await session.execute(
                select(Learning.author_id, Learning.sharing, Learning.content)
                .where(Learning.key_id == ident)
                .limit(1)
            )
        ).first()
        if row is not None:
            token, aad = row.content, content_aad(row.author_id, row.sharing)
        else:
            token = await session.scalar(
                select(DigestExport.filters).where(DigestExport.key_id == ident).limit(1)
            )
            if token is None:
                continue
            aad = filters_aad()
        try:
            keyring.decrypt(token, aad)
        except DecryptionError:
            raise StartupError(
                f"The data key in {label} does not open the database's encrypted learnings "
                f"(key {ident} fails its check); restore the right key and start again."
            ) from None


async def open_checked_keyring(config: AppConfig, db: Database) -> Keyring:
    """The data key for a command-line tool: it must exist and open the database."""
    source = load_keys(config)
    if source.keyring is None:
        raise StartupError(
            f"There is no data key: set {KEY_ENV} or restore {source.path} from your backup."
        )
    async with db.sessions() as session:
        await check_keyring(session, source.keyring, source.label)
    return source.keyring


async def prepare_keyring(
    config: AppConfig, db: Database, environ: Mapping[str, str] | None = None
) -> Keyring:
    """Load the data key and check it against the database, creating a key file on the
    first run. Raises ``StartupError`` with the one line the operator reads."""
    source = load_keys(config, environ)
    async with db.sessions() as session:
        if source.keyring is None:
            if await has_encrypted_data(session):
                raise StartupError(
                    "The database holds encrypted learnings but there is no data key: set "
                    f"{KEY_ENV} or restore {source.path} from your backup, then start again."
                )
            assert source.path is not None
            write_key_file(source.path, [generate_key()])
            log.warning(
                "Created a new data key in %s (mode 0600). Back it up somewhere safe now: "
                "without it the learnings in the database cannot be read.",
                source.path,
            )
            keyring = load_keys(config, environ).keyring or Keyring.generate()
        else:
            await check_keyring(session, source.keyring, source.label)
            keyring = source.keyring
    await seal_plain_texts(db, keyring)
    return keyring


# --- text older versions stored in plain text -------------------------------------------


PLAIN_SEALERS = (rotation.seal_plain, reminders.seal_plain)
"""Each encrypts its capability's rows still holding plain text (written before migration
0014) and empties the plain column: ``seal(session, keyring) -> rows changed``."""


async def seal_plain_texts(db: Database, keyring: Keyring) -> int:
    """Encrypt member text an older version stored in plain text; returns how many rows.

    On SQLite the file is then vacuumed and its write-ahead log checkpointed and
    truncated, so the old plain bytes do not linger in free pages or the log. (Backups
    taken before the upgrade still hold them; PostgreSQL reclaims the old row versions
    at its next vacuum.)"""
    async with db.transaction() as session:
        sealed = 0
        for seal in PLAIN_SEALERS:
            sealed += await seal(session, keyring)
    if sealed:
        log.info("Encrypted %d texts that an older version had stored in plain text.", sealed)
        path = sqlite_path(db.engine.url.render_as_string(hide_password=False))
        if path is not None:
            await asyncio.to_thread(_scrub_sqlite, path)
    return sealed


def _scrub_sqlite(path: Path) -> None:
    """Rewrite the SQLite file without its free pages and empty its write-ahead log."""
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA busy_timeout=5000")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


# --- rotation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RotationResult:
    key_id: str
    counts: dict[str, int]
    """How many rows were re-encrypted, by kind ("learnings", "export records", ...)."""


def _reseal_learning(row: Learning, keyring: Keyring) -> None:
    row.content = keyring.reencrypt(row.content, content_aad(row.author_id, row.sharing))
    row.tags = keyring.reencrypt(row.tags, tags_aad(row.author_id, row.sharing))


def _reseal_export(record: DigestExport, keyring: Keyring) -> None:
    record.filters = keyring.reencrypt(record.filters, filters_aad())


async def reencrypt_all(
    session: AsyncSession, keyring: Keyring, batch: int = sealed.BATCH
) -> RotationResult:
    """Re-encrypt every encrypted value not yet under the keyring's newest key."""
    counts = {
        "learnings": await sealed.reseal_stale(session, Learning, keyring, _reseal_learning, batch),
        "export records": await sealed.reseal_stale(
            session, DigestExport, keyring, _reseal_export, batch
        ),
    }
    for kind, capability in SEALED_CAPABILITIES:
        counts[kind] = await capability.reencrypt(session, keyring, batch)
    return RotationResult(keyring.primary_id, counts)
