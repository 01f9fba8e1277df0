"""The bot settling into servers of 6, 5,000 and 50,000 people, against the emulator.

The real bot runs as its own process (``python -m bot``'s code path: config file,
migrations, every cog), so its RSS is its own; the emulator runs here. For each size,
20% of the people hold the member role. Printed per size:

- time until settled after the first connect (login, command sync, the first sweep);
- CPU seconds of that first sweep;
- RSS of the bot once settled;
- DMs sent on the first connect (and DM channels opened);
- p50 / p99 of ``/roster show``, ``/connect`` and ``/about``, and each p50 as a ratio of
  the 6-person server's, measured in the same run: every size's bot stays up once settled,
  and the commands go to each size in turn, round by round, so a busy machine weighs on
  every size alike.

    .venv/bin/python benchmarks/bench_large_guild.py [--sizes 6,5000,50000] [--rounds 40]

``BENCH_PROFILE=/tmp/bot.prof`` profiles the bot process while the commands run.

Targets: 0 unsolicited DMs; sweep CPU < 5 s at 5,000 and < 30 s at 50,000; RSS < 120 MB at
5,000 and < 300 MB at 50,000; each command's p50 within 1.5x the 6-person server's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bot.config import load_config  # noqa: E402
from bot.db import Database  # noqa: E402
from bot.models import Member, MemberStatus  # noqa: E402

if TYPE_CHECKING:  # the emulator side only: the bot's child process must not load it
    from tests.e2e.harness import World

COMMANDS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("roster show", {}),
    ("connect", {"interest": "co-design"}),
    ("about", {}),
)
SMALL = 6
"""The sample community's own people (World): the floor every size is compared with."""
TARGETS = {
    "sweep_cpu": {5000: 5.0, 50000: 30.0},
    "rss_mb": {5000: 120.0, 50000: 300.0},
}
RATIO_TARGET = 1.5


# --- the bot's side (a child process) -------------------------------------------------


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def child(config_path: Path) -> None:
    """Run the real bot until stdin closes; print one JSON line once it is settled."""
    import logging

    from bot.client import CopBot
    from bot.endpoints import point_discord_at
    from bot.runner import prepare_database, start_in_background, stop_in_background

    logging.basicConfig(level=logging.WARNING)
    config = load_config(config_path)
    db = await prepare_database(config, isolated=True)  # as `run` does
    point_discord_at(config.discord.api_base_url, config.discord.gateway_url)
    bot = CopBot(config, db, guild_ready_timeout=0.05)
    started = time.perf_counter()
    task = await start_in_background(bot, os.environ["DISCORD_TOKEN"], 900)
    settled = time.perf_counter() - started
    gc.collect()
    cog: Any = bot.get_cog("Onboarding")
    report = cog.last_report
    print(
        json.dumps(
            {
                "settled_s": settled,
                "sweep_cpu": report.cpu_seconds if report else float("nan"),
                "rss_mb": rss_mb(),
                "adopted": report.adopted if report else -1,
                "recorded": report.recorded if report else -1,
            }
        ),
        flush=True,
    )
    profile_to = os.environ.get("BENCH_PROFILE")
    profiler = None
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    if profiler is not None and profile_to:
        profiler.disable()
        profiler.dump_stats(profile_to)
    await stop_in_background(bot, task, 10)
    await db.dispose()


# --- the emulator's side ------------------------------------------------------------


def toml(data: dict[str, dict[str, Any]]) -> str:
    lines = []
    for section, values in data.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines) + "\n"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


@dataclass
class Result:
    size: int
    settled_s: float = 0.0
    sweep_cpu: float = 0.0
    rss_mb: float = 0.0
    dms: int = 0
    dm_channels: int = 0
    latencies: dict[str, list[float]] = field(default_factory=dict)

    def p(self, command: str, q: float) -> float:
        return percentile(self.latencies[command], q)


def populate(world: World, size: int) -> None:
    """Grow the sample community to ``size`` people, 20% of them holding the member role."""
    extra = max(0, size - SMALL)
    holders = extra // 5
    emu = world.emu
    emu.add_members(world.guild.id, holders, roles=[world.member_role.id], name_prefix="m")
    emu.add_members(world.guild.id, extra - holders, name_prefix="p")


async def give_interests(db_url: str, user_ids: list[int]) -> None:
    """A few members list interests, so /connect has someone to suggest."""
    db = Database.from_url(db_url)
    try:
        async with db.transaction() as session:
            for member in await session.scalars(select(Member).where(Member.user_id.in_(user_ids))):
                member.interests = ["co-design", "rural health"]
                member.organisation = "Somewhere"
            count = await session.scalar(
                select(Member.id).where(Member.status == MemberStatus.ACTIVE).limit(1)
            )
            assert count is not None, "no member was recognised"
    finally:
        await db.dispose()


@dataclass
class Running:
    """One size's emulator (here) and bot (its own process), settled."""

    world: World
    proc: asyncio.subprocess.Process
    result: Result


async def measure(running: list[Running], rounds: int) -> None:
    """Each command's latency on every size, interleaved: round by round, command by
    command, one size after the other, so that whatever else the machine is doing weighs
    on every size alike and the ratios to the small server hold."""

    async def one(world: World, name: str, options: dict[str, Any]) -> float:
        start = time.perf_counter()
        it = await world.emu.invoke_command(world.guild.id, world.cora.id, name, options or None)
        await it.wait_reply(timeout=60)
        return (time.perf_counter() - start) * 1000

    for name, options in COMMANDS:
        for r in running:
            for _ in range(10):
                await one(r.world, name, options)
            r.result.latencies[name] = []
    gc.collect()
    for _ in range(rounds):
        for name, options in COMMANDS:
            for r in running:
                r.result.latencies[name].append(await one(r.world, name, options))


async def start_size(tmp: Path, size: int) -> Running:
    """The emulator with ``size`` people and the bot settled in it, its figures taken."""
    (tmp / f"size{size}").mkdir()
    from tests.e2e.harness import World  # here, so the child measures the bot alone

    world = World(tmp / f"size{size}")
    populate(world, size)
    await world.start()
    result = Result(size)
    proc: asyncio.subprocess.Process | None = None
    try:
        data = world.config_data()
        path = world.tmp_path / "config.toml"
        path.write_text(toml(data))
        env = {**os.environ, "DISCORD_TOKEN": world.emu.bot_token}
        env.pop("COP_DATA_KEY", None)
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--child",
            str(path),
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 900)
        if not line:
            raise RuntimeError(f"the bot exited before settling at {size} people")
        figures = json.loads(line)
        result.settled_s = figures["settled_s"]
        result.sweep_cpu = figures["sweep_cpu"]
        result.rss_mb = figures["rss_mb"]
        result.dms = sum(len(world.emu.dms_to(u)) for u in list(world.emu.users))
        result.dm_channels = len(world.emu.requests_to("POST", "/users/@me/channels"))
        await give_interests(data["database"]["url"], [u.id for u in world.members])
    except BaseException:
        await stop_size(world, proc)
        raise
    return Running(world, proc, result)


async def stop_size(world: World, proc: asyncio.subprocess.Process | None) -> None:
    if proc is not None:
        with contextlib.suppress(Exception):
            assert proc.stdin is not None
            proc.stdin.close()
            await asyncio.wait_for(proc.wait(), 30)
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    await world.close()


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(results: list[Result]) -> None:
    small = results[0]
    print()
    print(
        f"{'people':>8} {'settled s':>10} {'sweep CPU s':>12} {'RSS MB':>8} {'RSS +MB':>8} "
        f"{'DMs':>5} {'DM ch':>6}"
    )
    for r in results:
        print(
            f"{r.size:>8} {r.settled_s:>10.2f} {r.sweep_cpu:>12.2f} {r.rss_mb:>8.1f} "
            f"{r.rss_mb - small.rss_mb:>8.1f} {r.dms:>5} {r.dm_channels:>6}"
        )
    print("(RSS +MB: over the 6-person server's, what the server's size costs)")
    print()
    print(f"{'people':>8} {'command':<12} {'p50 ms':>8} {'p99 ms':>8} {'p50 / small':>12}")
    for r in results:
        for name, _ in COMMANDS:
            ratio = r.p(name, 50) / small.p(name, 50)
            print(
                f"{r.size:>8} /{name:<11} {r.p(name, 50):>8.1f} {r.p(name, 99):>8.1f} "
                f"{ratio:>11.2f}x"
            )
    print()
    print("targets:")
    for r in results:
        checks = [f"DMs {r.dms} (0): {verdict(r.dms == 0 and r.dm_channels == 0)}"]
        if r.size in TARGETS["sweep_cpu"]:
            limit = TARGETS["sweep_cpu"][r.size]
            checks.append(
                f"sweep CPU {r.sweep_cpu:.2f}s (<{limit:g}): {verdict(r.sweep_cpu < limit)}"
            )
        if r.size in TARGETS["rss_mb"]:
            limit = TARGETS["rss_mb"][r.size]
            checks.append(f"RSS {r.rss_mb:.0f}MB (<{limit:g}): {verdict(r.rss_mb < limit)}")
        if r is not small:
            for name, _ in COMMANDS:
                ratio = r.p(name, 50) / small.p(name, 50)
                checks.append(f"/{name} p50 {ratio:.2f}x: {verdict(ratio <= RATIO_TARGET)}")
        print(f"  {r.size:>6}: " + "; ".join(checks))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="6,5000,50000")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        await child(args.child)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    if sizes[0] != SMALL:
        sizes.insert(0, SMALL)
    running: list[Running] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            for size in sizes:  # one at a time, so each settles with the machine to itself
                print(f"{size} people…", file=sys.stderr, flush=True)
                running.append(await start_size(Path(tmp), size))
            print("commands, every size in turn…", file=sys.stderr, flush=True)
            await measure(running, args.rounds)
        finally:
            for r in running:
                await stop_size(r.world, r.proc)
    report([r.result for r in running])


if __name__ == "__main__":
    asyncio.run(main())
