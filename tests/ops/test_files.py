"""Owner-only files: the database and its -wal/-shm, backups, the key file and the one
writer of exports and keys; a warning
at start for any that others can read; and backup retention."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.config import AppConfig
from bot.datakeys import prepare_keyring
from bot.db import backup_sqlite, list_backups, replacing_private, sqlite_path, write_private
from bot.runner import backup_and_prune, prepare_database, warn_if_readable_by_others
from tests.conftest import FakeClock, sqlite_only

pytestmark = sqlite_only


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """A umask that lets everyone read new files, so only explicit modes protect them."""
    old = os.umask(0o022)
    yield
    os.umask(old)


async def test_first_run_creates_owner_only_database_key_and_backup(
    config: AppConfig, clock: FakeClock
) -> None:
    db = await prepare_database(config, clock)
    try:
        await prepare_keyring(config, db)
        database = sqlite_path(config.database.url)
        assert database is not None
        files = [database, database.with_name(database.name + "-wal")]
        files.append(database.with_name(database.name + "-shm"))
        existing = [p for p in files if p.exists()]
        assert database in existing
        assert {p.name: _mode(p) for p in existing} == {p.name: 0o600 for p in existing}
        key = config.learnings.resolved_key_file(config.database.url)
        assert _mode(key) == 0o600
    finally:
        await db.dispose()

    backup = backup_sqlite(config.database.url, config.database.backup_dir, clock())
    assert backup is not None
    assert _mode(backup) == 0o600
    assert _mode(backup.parent) == 0o700


async def test_start_warns_in_one_line_about_files_others_can_read(
    config: AppConfig, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    db = await prepare_database(config, clock)
    await db.dispose()
    database = sqlite_path(config.database.url)
    assert database is not None
    assert warn_if_readable_by_others(config) == []
    database.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="bot.runner"):
        loose = warn_if_readable_by_others(config)
    assert loose == [database]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(database) in warnings[0]
    assert "chmod 600" in warnings[0]


async def test_backups_beyond_backup_keep_are_pruned_oldest_first(
    config_factory: Callable[..., AppConfig], clock: FakeClock
) -> None:
    config = config_factory(database={"backup_keep": 3})
    db = await prepare_database(config, clock)
    await db.dispose()
    made = []
    for _ in range(6):
        clock.advance(hours=1)
        backup = backup_and_prune(config, clock)
        assert backup is not None
        made.append(backup)
    kept = list_backups(config.database.url, config.database.backup_dir)
    assert kept == made[-3:]
    assert not any(p.exists() for p in made[:-3])


def test_backup_keep_defaults_to_ten(config: AppConfig) -> None:
    assert config.database.backup_keep == 10


def test_write_private_replaces_the_file_owner_only_with_the_exact_bytes(tmp_path: Path) -> None:
    path = tmp_path / "new folder" / "export.csv"
    data = b"a,b\r\n\x00\xff caf\xc3\xa9\n"
    write_private(path, data)
    assert path.read_bytes() == data
    assert _mode(path) == 0o600

    path.chmod(0o644)
    write_private(path, b"second")
    assert path.read_bytes() == b"second"
    assert _mode(path) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["export.csv"]


def _write_half_then_fail(path: Path) -> None:
    with replacing_private(path) as handle:
        handle.write(b"half a new ")
        raise RuntimeError("disk on fire")


def test_replacing_private_leaves_the_old_file_when_the_writing_fails(tmp_path: Path) -> None:
    path = tmp_path / "cop.key"
    path.write_bytes(b"old key\n")
    with pytest.raises(RuntimeError, match="disk on fire"):
        _write_half_then_fail(path)
    assert path.read_bytes() == b"old key\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cop.key"]
