"""Closing the bot stops the event handlers still running, before it returns: none
outlives the bot and works on under a database that is being closed."""

from __future__ import annotations

import asyncio

from tests.e2e.harness import World


async def test_close_cancels_a_running_event_handler_and_waits_for_it(world: World) -> None:
    bot = await world.start_bot()
    started = asyncio.Event()
    stages: list[str] = []

    async def on_slow_catch_up() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
            stages.append("finished")
        except asyncio.CancelledError:
            await asyncio.sleep(0.05)  # its clean-up takes a moment, and close waits for it
            stages.append("cleaned up")
            raise

    bot.add_listener(on_slow_catch_up)
    bot.dispatch("slow_catch_up")
    await asyncio.wait_for(started.wait(), 5)
    await world.stop_bot()
    assert stages == ["cleaned up"]
    leftovers = [t for t in asyncio.all_tasks() if t.get_name() == "discord.py: on_slow_catch_up"]
    assert all(t.done() for t in leftovers)
