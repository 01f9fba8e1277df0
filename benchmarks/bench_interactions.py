"""Interaction round trips through the project's Discord emulator.

Measures the time from the emulator sending INTERACTION_CREATE to it receiving the bot's
callback, for cop-bot's ``/about`` and for a bare discord.py bot that answers a constant on
the same emulator (the framework's floor); one at a time and 50 in flight.

    .venv/bin/python benchmarks/bench_interactions.py [--rounds 300]

Target: ``/about`` within 1.5x the floor at p50 and p99.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from emulator import DiscordEmulator
from tests.e2e.harness import World

IN_FLIGHT = 50


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def measure(
    emu: DiscordEmulator, guild_id: int, user_id: int, rounds: int
) -> dict[str, list[float]]:
    async def one() -> float:
        start = time.perf_counter()
        it = await emu.invoke_command(guild_id, user_id, "about")
        await it.wait_response(timeout=30)
        return (time.perf_counter() - start) * 1000

    for _ in range(50):  # warm up
        await one()
    gc.collect()
    serial = [await one() for _ in range(rounds)]
    parallel: list[float] = []
    for _ in range(max(1, rounds // IN_FLIGHT)):
        parallel.extend(await asyncio.gather(*(one() for _ in range(IN_FLIGHT))))
    return {"one at a time": serial, f"{IN_FLIGHT} in flight": parallel}


class FloorBot(discord.Client):
    def __init__(self, guild_id: int) -> None:
        super().__init__(intents=discord.Intents.none(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.guild_id = guild_id

        @self.tree.command(name="about", description="constant")
        async def about(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.send_message("constant", ephemeral=True)

    async def setup_hook(self) -> None:
        self.tree.copy_global_to(guild=discord.Object(self.guild_id))
        await self.tree.sync(guild=discord.Object(self.guild_id))


async def run_floor(tmp: Path, rounds: int) -> dict[str, list[float]]:
    world = World(tmp / "floor")
    await world.start()
    world.emu.point_discord_here()
    client = FloorBot(world.guild.id)
    task = asyncio.create_task(client.start(world.emu.bot_token))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 15)
        return await measure(world.emu, world.guild.id, world.ana.id, rounds)
    finally:
        await client.close()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await world.close()


async def run_copbot(tmp: Path, rounds: int) -> dict[str, list[float]]:
    (tmp / "cop").mkdir()
    world = World(tmp / "cop")
    await world.start()
    try:
        await world.start_bot()
        return await measure(world.emu, world.guild.id, world.ana.id, rounds)
    finally:
        await world.close()


async def main(rounds: int) -> int:
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        (tmp / "floor").mkdir()
        floor = await run_floor(tmp, rounds)
        cop = await run_copbot(tmp, rounds)
    print(f"interaction round trips, ms ({rounds} one at a time; {IN_FLIGHT} in flight)")
    print(f"{'case':<28}{'p50':>9}{'p99':>9}{'p50/floor':>11}{'p99/floor':>11}")
    worst = 0.0
    for mode in floor:
        f50, f99 = percentile(floor[mode], 50), percentile(floor[mode], 99)
        c50, c99 = percentile(cop[mode], 50), percentile(cop[mode], 99)
        print(f"{'floor, ' + mode:<28}{f50:>9.2f}{f99:>9.2f}")
        print(f"{'/about, ' + mode:<28}{c50:>9.2f}{c99:>9.2f}{c50 / f50:>11.2f}{c99 / f99:>11.2f}")
        worst = max(worst, c50 / f50, c99 / f99)
        _ = statistics.mean(cop[mode])
    verdict = "met" if worst <= 1.5 else "NOT met"
    print(
        f"target: /about within 1.5x the floor at p50 and p99: {verdict} (worst ratio {worst:.2f})"
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=300)
    sys.exit(asyncio.run(main(parser.parse_args().rounds)))
