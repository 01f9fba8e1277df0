from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from bot.config import AppConfig
from bot.db import (
    Base,
    Database,
    alembic_config,
    current_revisions,
    downgrade,
    migrate,
    table_names,
)

ROOT = Path(__file__).resolve().parent.parent


async def test_migrations_up_down_up(config: AppConfig) -> None:
    database = Database.from_url(config.database.url)
    try:
        await migrate(database.engine)
        heads = set(ScriptDirectory.from_config(alembic_config(config.database.url)).get_heads())
        assert await current_revisions(database.engine) == heads
        tables = set(await table_names(database.engine))
        assert set(Base.metadata.tables) <= tables
        await downgrade(database.engine, "base")
        assert set(await table_names(database.engine)) <= {"alembic_version"}
        await migrate(database.engine)
        assert set(Base.metadata.tables) <= set(await table_names(database.engine))
    finally:
        await database.dispose()


def test_migrations_single_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_alembic_check_is_clean(database_url: str) -> None:
    """``alembic check`` finds nothing to generate in a database at head: the
    migrations build exactly what the models describe (on SQLite, and on PostgreSQL
    with ``COP_TEST_DATABASE_URL``)."""
    url = database_url
    for args in (["upgrade", "head"], ["check"]):
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "alembic", "-x", f"url={url}", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
