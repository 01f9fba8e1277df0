"""``python -m bot restore FILE``: a round trip, and each refusal (the bot running, a key
that does not match, a newer schema, a file that is not a database). ``restore_backup`` is
the CLI's synchronous function; these async tests call it in a thread."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import AppConfig
from bot.crypto import Keyring, generate_key
from bot.datakeys import prepare_keyring, write_key_file
from bot.db import Database, backup_sqlite, database_lock, sqlite_path
from bot.models import Learning, Member, MemberStatus, SharingLevel
from bot.runner import RestoreRefused, prepare_database, restore_backup, run_bot
from bot.services.learnings.text import content_aad, tags_aad
from bot.services.members import add_member
from tests.builders import write_config
from tests.conftest import FakeClock, sqlite_only
from tests.ops.cli import run_cli

pytestmark = sqlite_only


async def _add(db: Database, keyring: Keyring, user_id: int, now: datetime) -> None:
    """A member and one encrypted learning of theirs."""
    async with db.transaction() as session:
        member = await add_member(
            session, user_id, f"Member {user_id}", now, status=MemberStatus.ACTIVE
        )
        sharing = SharingLevel.GROUP
        session.add(
            Learning(
                author_id=member.id,
                sharing=sharing,
                content=keyring.encrypt(b'{"title": "x"}', content_aad(member.id, sharing)),
                tags=keyring.encrypt(b"[]", tags_aad(member.id, sharing)),
                key_id=keyring.primary_id,
                created_at=now,
                updated_at=now,
                sharing_changed_at=now,
            )
        )


async def _members(config: AppConfig) -> list[int]:
    db = Database.from_url(config.database.url)
    try:
        async with db.sessions() as session:
            return list(await session.scalars(select(Member.user_id).order_by(Member.user_id)))
    finally:
        await db.dispose()


async def _backup_with_one_member(config: AppConfig, clock: FakeClock) -> Path:
    """Start as the bot does (a key file is made), add Ana, back up, then add Ben."""
    db = await prepare_database(config, clock)
    try:
        keyring = await prepare_keyring(config, db)
        await _add(db, keyring, 101, clock())
        clock.advance(minutes=1)
        backup = backup_sqlite(config.database.url, config.database.backup_dir, clock())
        assert backup is not None
        await _add(db, keyring, 102, clock())
    finally:
        await db.dispose()
    return backup


async def test_restore_round_trip_brings_back_the_backup_and_saves_the_current(
    config: AppConfig, clock: FakeClock
) -> None:
    backup = await _backup_with_one_member(config, clock)
    assert await _members(config) == [101, 102]
    clock.advance(minutes=1)

    restored = await asyncio.to_thread(restore_backup, config, backup, clock)

    assert await _members(config) == [101]
    assert restored.saved_current is not None
    with sqlite3.connect(restored.saved_current) as saved:
        assert sorted(r[0] for r in saved.execute("select user_id from members")) == [101, 102]
    saved.close()
    database = sqlite_path(config.database.url)
    assert database is not None
    assert database.stat().st_mode & 0o077 == 0
    assert not database.with_name(database.name + ".restoring").exists()


async def test_restore_refuses_while_the_bot_holds_the_database(
    config: AppConfig, clock: FakeClock
) -> None:
    backup = await _backup_with_one_member(config, clock)
    with database_lock(config.database.url), pytest.raises(RestoreRefused) as info:
        await asyncio.to_thread(restore_backup, config, backup, clock)
    assert "stop it first" in str(info.value)
    assert await _members(config) == [101, 102]


async def test_running_bot_holds_the_lock_restore_checks(
    config: AppConfig, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The lock restore tests is the one ``run`` takes: with it held, a bot will not start."""
    # The demo (run earlier in the same process by its tests) quiets the root logger.
    caplog.set_level(logging.ERROR, logger="bot.runner")
    with database_lock(config.database.url):
        code = await run_bot(config, "token-not-used", clock)
    assert code == 1
    assert "already running on this database" in caplog.text


async def test_restore_refuses_a_backup_the_key_does_not_open(
    config: AppConfig, clock: FakeClock
) -> None:
    backup = await _backup_with_one_member(config, clock)
    key_file = config.learnings.resolved_key_file(config.database.url)
    write_key_file(key_file, [generate_key()])
    with pytest.raises(RestoreRefused) as info:
        await asyncio.to_thread(restore_backup, config, backup, clock)
    assert "does not open" in str(info.value)
    assert "Nothing was changed" in str(info.value)
    assert await _members(config) == [101, 102]


async def test_restore_refuses_a_backup_from_a_newer_schema(
    config: AppConfig, clock: FakeClock
) -> None:
    backup = await _backup_with_one_member(config, clock)
    with sqlite3.connect(backup) as conn:
        conn.execute("update alembic_version set version_num = '9999_future'")
    conn.close()
    with pytest.raises(RestoreRefused) as info:
        await asyncio.to_thread(restore_backup, config, backup, clock)
    assert "newer cop-bot" in str(info.value)
    assert await _members(config) == [101, 102]


@pytest.mark.e2e  # starts `python -m bot`
def test_restore_cli_refuses_a_file_that_is_not_a_database_in_one_line(tmp_path: Path) -> None:
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello\n" * 100)
    config = write_config(
        tmp_path / "config.toml", tmp_path / "cop.sqlite3", backup_dir=tmp_path / "backups"
    )
    result = run_cli("restore", str(not_a_db), "--config", str(config), timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"restore: {not_a_db} is not a SQLite database; pick a file from {tmp_path / 'backups'}."
    ]
