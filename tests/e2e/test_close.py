"""Closing the bot stops the work still running before it returns: event handlers,
background work and scheduled jobs are cancelled and awaited, so none outlives the bot and
works on under a database that is being closed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.client import CopBot
from tests.e2e.harness import World

Slow = Callable[[], Coroutine[Any, Any, None]]


def dispatched(bot: CopBot, slow: Slow) -> None:
    async def on_slow_catch_up() -> None:
        await slow()

    bot.add_listener(on_slow_catch_up)
    bot.dispatch("slow_catch_up")


def in_background(bot: CopBot, slow: Slow) -> None:
    bot.background(slow(), name="slow-sweep")


def scheduled(bot: CopBot, slow: Slow) -> None:
    bot.scheduler.add_job(slow, "date", run_date=datetime.now(UTC), id="slow-job")


@pytest.mark.parametrize("start", [dispatched, in_background, scheduled])
async def test_close_cancels_running_work_and_waits_for_it(
    world: World, start: Callable[[CopBot, Slow], None]
) -> None:
    bot = await world.start_bot()
    started = asyncio.Event()
    stages: list[str] = []

    async def slow() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
            stages.append("finished")
        except asyncio.CancelledError:
            await asyncio.sleep(0.05)  # its clean-up takes a moment, and close waits for it
            stages.append("cleaned up")
            raise

    start(bot, slow)
    await asyncio.wait_for(started.wait(), 5)
    await world.stop_bot()
    assert stages == ["cleaned up"]
