"""Shared fixtures: configs, and real SQLite files whose schema the migrations build."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import AppConfig, parse_config
from bot.db import Database, migrate

GUILD_ID = 900000000000000001


def make_config_data(tmp_path: Path, **sections: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "discord": {"guild_id": GUILD_ID},
        "database": {
            "url": f"sqlite+aiosqlite:///{tmp_path / 'cop.sqlite3'}",
            "backup_dir": str(tmp_path / "backups"),
        },
        "roles": {"coordinator": 910000000000000001, "member": 910000000000000002},
        "channels": {
            "welcome": 920000000000000001,
            "roster": 920000000000000002,
            "coordinators": 920000000000000003,
            "announcements": 920000000000000004,
        },
    }
    for name, values in sections.items():
        data[name] = {**data.get(name, {}), **values}
    return data


@pytest.fixture
def config_factory(tmp_path: Path) -> Callable[..., AppConfig]:
    """Build a valid config for this test, with sections overridden by keyword."""

    def build(**sections: dict[str, Any]) -> AppConfig:
        return parse_config(make_config_data(tmp_path, **sections))

    return build


@pytest.fixture
def config(config_factory: Callable[..., AppConfig]) -> AppConfig:
    return config_factory()


@pytest.fixture
async def db(config: AppConfig) -> AsyncIterator[Database]:
    """A real SQLite file, migrated to head."""
    database = Database.from_url(config.database.url, hide_parameters=True)
    await migrate(database.engine)
    try:
        yield database
    finally:
        await database.dispose()


class FakeClock:
    """A controllable clock: aware UTC, moves only when told."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 2, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> None:
        assert moment.tzinfo is not None
        self.now = moment


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
