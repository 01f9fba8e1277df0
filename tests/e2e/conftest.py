from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import World


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    """The sample community on a running emulator; call ``await world.start_bot()``."""
    w = World(tmp_path)
    await w.start()
    try:
        yield w
    finally:
        await w.close()


@pytest.fixture
async def world_factory(tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    """Build a world with config sections overridden: ``await world_factory(rotation={...})``."""
    worlds: list[World] = []

    async def build(**sections: dict[str, Any]) -> World:
        w = World(tmp_path, **sections)
        await w.start()
        worlds.append(w)
        return w

    try:
        yield build
    finally:
        for w in worlds:
            await w.close()
