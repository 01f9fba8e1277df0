"""Database plumbing: the engine, the session factory, the declarative base,
a UTC datetime column type, migrations, SQLite backups, and the owner-only files that
hold member data (the database, backups, exports, the key file).

The schema comes only from the Alembic migrations in the ``migrations`` package, which
ships in the wheel and is found with ``importlib.resources``; nothing here calls
``create_all``.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import DateTime, MetaData, event, inspect
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator


def migrations_dir() -> Path:
    """The installed ``migrations`` package (env.py, script.py.mako, versions/)."""
    return Path(str(files("migrations")))


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime. Refuses naive values; always returns aware UTC.

    SQLite has no time zones, so values are stored as naive UTC there and made aware
    again on the way out. PostgreSQL stores ``timestamptz``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} refused: use an aware UTC datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


INTEGER_MAX = 2**31 - 1
"""The largest value of an ``Integer`` column (every table's own ``id``) on PostgreSQL."""


def fits_integer(value: int) -> bool:
    """Whether ``value`` can be compared with an ``Integer`` column, such as an ``id``.

    A number someone typed (``/reminder cancel 99999999999``) may be bigger: SQLite
    simply finds no row, but PostgreSQL refuses the query, so look such numbers up only
    when this is true, and treat them as not found otherwise.
    """
    return -INTEGER_MAX - 1 <= value <= INTEGER_MAX


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    # The driver's own transaction handling (an implicit BEGIN before the first write only)
    # is switched off: _begin_immediate says BEGIN for every transaction instead.
    dbapi_connection.isolation_level = None


def _begin_immediate(conn: Connection) -> None:
    """Every SQLite transaction takes the write lock when it begins.

    SQLite lets one connection write at a time. A deferred transaction that has read and
    then wants to write cannot wait for the lock: when another connection holds it, or has
    committed since the read, SQLite answers "database is locked" at once, whatever the
    busy timeout. Taking the lock at BEGIN makes every transaction wait its turn (up to the
    busy timeout) instead, so two tasks that write at once are serialised, never refused.
    It also gives savepoints (``begin_nested``) a real enclosing transaction.
    """
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, tuple | list):
        return type(value)(_without_nul(v) for v in value)
    if isinstance(value, dict):
        return {k: _without_nul(v) for k, v in value.items()}
    return value


def _strip_nul(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> tuple[str, Any]:
    """PostgreSQL refuses NUL characters in text, which SQLite stores: drop them from every
    text parameter so that the same input behaves alike on both. (Learning text is
    encrypted bytes and is not touched.)"""
    return statement, _without_nul(parameters)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


OWNER_ONLY = 0o600
"""The mode of every file that holds member data: the database, its -wal and -shm files
(SQLite gives them the database file's mode), backups, exports and the key file."""


def create_private(path: Path) -> None:
    """Create ``path`` (and its folder, mode 0700) readable by the owner only, if missing."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, OWNER_ONLY)
    os.close(fd)


@contextmanager
def replacing_private(path: Path) -> Iterator[BinaryIO]:
    """A binary handle on a new file, readable by the owner only from its first byte, that
    atomically replaces ``path`` when the block ends without an error (flushed and synced
    first). The folder is created if missing. On an error the half-written file is removed,
    ``path`` is left as it was, and the error propagates."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, OWNER_ONLY)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through :func:`replacing_private`."""
    with replacing_private(path) as handle:
        handle.write(data)


def readable_by_others(paths: list[Path]) -> list[Path]:
    """The files among ``paths`` that exist and that other users may read or write."""
    found = []
    for path in paths:
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            continue
        if mode & 0o077:
            found.append(path)
    return found


def sqlite_files(url: str) -> list[Path]:
    """The database file and its -wal and -shm companions (for SQLite URLs)."""
    path = sqlite_path(url)
    if path is None:
        return []
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    path = sqlite_path(url)
    if path is not None:
        create_private(path)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
    else:
        event.listen(engine.sync_engine, "before_cursor_execute", _strip_nul, retval=True)
    return engine


@dataclass(frozen=True)
class Database:
    """The engine and its session factory. Built once from config, owned by the Bot."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> Database:
        engine = create_engine(url, **kwargs)
        return cls(engine, async_sessionmaker(engine, expire_on_commit=False))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits on success, rolls back on error."""
        async with self.sessions.begin() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


# --- migrations -------------------------------------------------------------------


def alembic_config(url: str) -> Any:
    """Alembic's settings, built here rather than read from alembic.ini (which is only for
    the ``alembic`` command line in a checkout), so an installed wheel can migrate."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["database_url"] = url
    return cfg


def _upgrade(connection: Connection, url: str, revision: str) -> None:
    from alembic import command

    cfg = alembic_config(url)
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


def _downgrade(connection: Connection, url: str, revision: str) -> None:
    from alembic import command

    cfg = alembic_config(url)
    cfg.attributes["connection"] = connection
    command.downgrade(cfg, revision)


async def migrate(engine: AsyncEngine, revision: str = "heads") -> None:
    """Upgrade the database to ``revision`` (default: the newest)."""
    url = engine.url.render_as_string(hide_password=False)
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, url, revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    url = engine.url.render_as_string(hide_password=False)
    async with engine.begin() as conn:
        await conn.run_sync(_downgrade, url, revision)


def _current_heads(connection: Connection) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())


async def current_revisions(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return await conn.run_sync(_current_heads)


async def schema_is_current(db: Database) -> bool:
    """Whether the database is at the newest migration (Alembic loaded only here)."""
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config(str(db.engine.url))).get_heads())
    return await current_revisions(db.engine) == heads


async def table_names(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return await conn.run_sync(lambda c: inspect(c).get_table_names())


# --- backups ----------------------------------------------------------------------


def _backup_name(source: Path, stamp: str) -> str:
    return f"{source.stem}-{stamp}{source.suffix or '.sqlite3'}"


def backup_sqlite(url: str, backup_dir: Path, now: datetime) -> Path | None:
    """Copy a SQLite database with the online backup API to a timestamped file, readable
    by the owner only.

    Returns the new file, or None when there is nothing to back up (another database
    kind, or no file yet).
    """
    source = sqlite_path(url)
    if source is None or not source.exists():
        return None
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = backup_dir / _backup_name(source, stamp)
    create_private(target)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return target


def list_backups(url: str, backup_dir: Path) -> list[Path]:
    """This database's backups in ``backup_dir``, oldest first (the names sort by time)."""
    source = sqlite_path(url)
    if source is None or not backup_dir.is_dir():
        return []
    pattern = _backup_name(source, "*")
    return sorted(p for p in backup_dir.glob(pattern) if p.is_file())


def prune_backups(url: str, backup_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups of this database; return those deleted."""
    backups = list_backups(url, backup_dir)
    old = backups[: max(len(backups) - keep, 0)]
    for path in old:
        path.unlink(missing_ok=True)
    return old


# --- one bot per database ---------------------------------------------------------------


class DatabaseInUse(Exception):
    """Another process (a running bot, or a restore) holds the database's lock."""

    def __init__(self, lock: Path) -> None:
        super().__init__(str(lock))
        self.lock = lock


@contextmanager
def database_lock(url: str) -> Iterator[Path | None]:
    """Hold ``<database>.lock`` exclusively while the body runs: the running bot holds it,
    so ``restore`` (and a second bot) can tell that the database is in use. The operating
    system releases it when the process ends, however it ends. Yields None for databases
    other than SQLite files."""
    path = sqlite_path(url)
    if path is None:
        yield None
        return
    lock = path.with_name(path.name + ".lock")
    create_private(lock)
    fd = os.open(lock, os.O_RDWR)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(lock) from None
        yield lock
    finally:
        os.close(fd)


def sqlite_revision(path: Path) -> str | None:
    """The Alembic revision a SQLite file is at (None: no ``alembic_version`` table).
    Raises ``sqlite3.DatabaseError`` when the file is not a SQLite database."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        row = (
            conn.execute("select version_num from alembic_version").fetchone()
            if "alembic_version" in tables
            else None
        )
    conn.close()
    return None if row is None else str(row[0])


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    return {rev.revision for rev in script.walk_revisions()}
