"""Shared fixtures: configs, real databases whose schema the migrations build, and the
emulated world for end-to-end tests.

By default each test gets its own SQLite file: a copy of a template that the migrations
built once per session (migrating takes 0.1 to 0.5 s; copying a file, a millisecond). With
``COP_TEST_DATABASE_URL`` set to a PostgreSQL URL
(``postgresql+asyncpg://user:password@host:port/postgres``, a role that may create
databases), each test gets its own fresh PostgreSQL database instead, migrated and dropped
after the test; ``make test-postgres`` runs the service tests that way.

Tests that drive the emulator or the demo are marked ``e2e`` here, so ``-m "not e2e"`` is
the quick inner loop.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.config import AppConfig, parse_config
from bot.crypto import Keyring
from bot.db import Database, migrate, sqlite_path
from emulator.facade import VALIDATE_ENV
from tests.e2e.harness import World

# Every emulator in the test run (and the demo it starts) checks request bodies against
# Discord's OpenAPI spec and refuses those that break it.
os.environ.setdefault(VALIDATE_ENV, "1")

TEST_DATABASE_ENV = "COP_TEST_DATABASE_URL"


def _test_server_url() -> str | None:
    url = os.environ.get(TEST_DATABASE_ENV, "").strip()
    if not url:
        return None
    if make_url(url).get_backend_name() != "postgresql":
        raise pytest.UsageError(
            f"{TEST_DATABASE_ENV} must be a postgresql+asyncpg:// URL (unset it for SQLite)"
        )
    return url


POSTGRES_URL = _test_server_url()
"""The PostgreSQL server the tests make their databases on; None: SQLite files."""

sqlite_only = pytest.mark.skipif(
    POSTGRES_URL is not None, reason=f"SQLite-specific; {TEST_DATABASE_ENV} is set"
)

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


async def _admin(server_url: str) -> Any:
    import asyncpg

    dsn = make_url(server_url).set(drivername="postgresql")
    return await asyncpg.connect(dsn.render_as_string(hide_password=False))


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """This test's own empty database: a SQLite file in ``tmp_path``, or (with
    ``COP_TEST_DATABASE_URL``) a new PostgreSQL database, dropped afterwards."""
    if POSTGRES_URL is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'cop.sqlite3'}"
        return
    name = f"cop_test_{uuid.uuid4().hex}"
    admin = await _admin(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await _admin(POSTGRES_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
def config_factory(tmp_path: Path, database_url: str) -> Callable[..., AppConfig]:
    """Build a valid config for this test, with sections overridden by keyword."""

    def build(**sections: dict[str, Any]) -> AppConfig:
        sections["database"] = {"url": database_url, **sections.get("database", {})}
        if POSTGRES_URL is not None:
            # The key file's default sits beside a SQLite file; keep it in tmp_path too.
            key_file = str(tmp_path / "cop.key")
            sections["learnings"] = {"key_file": key_file, **sections.get("learnings", {})}
        return parse_config(make_config_data(tmp_path, **sections))

    return build


@pytest.fixture
def config(config_factory: Callable[..., AppConfig]) -> AppConfig:
    return config_factory()


E2E_DIRS = frozenset({"e2e", "emulator", "demo"})
E2E_FIXTURES = frozenset({"world", "world_factory", "emu"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``e2e`` every test that runs the emulator, the demo or a browser: those in
    tests/e2e, tests/emulator and tests/demo, in files named ``test_e2e*``, using the
    emulator's fixtures, or marked ``browser``."""
    root = Path(__file__).parent
    for item in items:
        path = Path(str(item.path))
        parts = path.relative_to(root).parts if path.is_relative_to(root) else ()
        fixtures = set(getattr(item, "fixturenames", ()))
        if (
            (len(parts) > 1 and parts[0] in E2E_DIRS)
            or path.name.startswith("test_e2e")
            or fixtures & E2E_FIXTURES
            or item.get_closest_marker("browser") is not None
        ):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database at the newest schema, built once per session; ``db`` copies
    it for each test."""
    path = tmp_path_factory.mktemp("template") / "cop.sqlite3"

    async def build() -> None:
        database = Database.from_url(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate(database.engine)
        finally:
            await database.dispose()

    # In a thread of its own: the first test to ask may already be inside an event loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, build()).result()
    return path


@pytest.fixture
async def db(config: AppConfig, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """This test's own database (see ``database_url``), migrated to head: on SQLite a copy
    of the session's migrated template."""
    target = sqlite_path(config.database.url)
    if target is not None:
        template: Path = request.getfixturevalue("migrated_template")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, target)
    database = Database.from_url(config.database.url, hide_parameters=True)
    if target is None:
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


@pytest.fixture
def keyring() -> Keyring:
    """A fresh data key, for tests that seal member text."""
    return Keyring.generate()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """The sample community on a running emulator; call ``await world.start_bot()``."""
    w = World(tmp_path)
    await w.start()
    try:
        yield w
        w.emu.assert_no_invalid_bodies()
    finally:
        await w.close()


@pytest.fixture
async def world_factory(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[World]]]:
    """Build a world with config sections overridden: ``await world_factory(rotation={...})``."""
    worlds: list[World] = []

    async def build(**sections: dict[str, Any]) -> World:
        w = World(tmp_path, **sections)
        await w.start()
        worlds.append(w)
        return w

    try:
        yield build
        for w in worlds:
            w.emu.assert_no_invalid_bodies()
    finally:
        for w in worlds:
            await w.close()
