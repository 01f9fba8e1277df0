from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import AppConfig
from bot.db import Database, backup_sqlite, sqlite_path
from tests.builders import write_config
from tests.conftest import FakeClock

ROOT = Path(__file__).resolve().parent.parent


async def test_backup_copies_a_migrated_database(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    target = backup_sqlite(config.database.url, config.database.backup_dir, clock())
    assert target is not None
    assert target.name == "cop-20260302T000000000000Z.sqlite3"
    with sqlite3.connect(target) as copy:
        tables = {
            row[0] for row in copy.execute("select name from sqlite_master where type='table'")
        }
    assert {"members", "alembic_version"} <= tables


def test_backup_with_no_file_yet_returns_none(config: AppConfig, clock: FakeClock) -> None:
    assert sqlite_path(config.database.url) is not None
    assert backup_sqlite(config.database.url, config.database.backup_dir, clock()) is None


@pytest.mark.e2e  # starts `python -m bot`
def test_backup_cli_says_where(tmp_path: Path) -> None:
    db_file = tmp_path / "cop.sqlite3"
    with sqlite3.connect(db_file) as conn:
        conn.execute("create table t (x)")
    config = write_config(tmp_path / "config.toml", db_file, backup_dir=tmp_path / "b")
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bot", "backup", "--config", str(config)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Backed up to" in result.stdout
    assert len(list((tmp_path / "b").iterdir())) == 1
