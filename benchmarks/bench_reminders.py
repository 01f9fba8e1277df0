"""Reminders at scale: 10,000 scheduled reminders.

1. Rebuild at start: with 10,000 active reminders in the database, the time the engine takes
   to plan what is missing and give every planned occurrence its APScheduler job (what
   happens when the bot starts), plus the scheduler taking them into its job store.
2. Firing lateness: the real bot on the project's Discord emulator, on the real clock, with
   the same 10,000 reminders scheduled; ``--fire`` of them come due over the next
   ``--window`` seconds and the rest later. Lateness is the time from a reminder's due time
   to the emulator receiving its message. Only the reminders cog is loaded, so other
   capabilities' jobs don't blur the figure.

    .venv/bin/python benchmarks/bench_reminders.py [--reminders 10000] [--fire 2000] [--window 60]

Each figure is also printed as a ratio to a floor measured in the same run: the rebuild
against reading the planned occurrences' ids and times (what it must at least read); firing
lateness against the round trip of a plain post through the port to the same emulator.

Targets: rebuild under 3 s; p99 firing lateness under 1 s. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bot import port
from bot.client import CopBot
from bot.config import parse_config
from bot.crypto import Keyring
from bot.db import Database, migrate
from bot.models import (
    OccurrenceStatus,
    Reminder,
    ReminderKind,
    ReminderOccurrence,
    ReminderStatus,
)
from bot.services import reminders as svc
from bot.services.reminders.text import seal_text
from bot.timeutil import utcnow
from cogs.reminders.components import BUTTONS
from cogs.reminders.render import Look
from tests.e2e.harness import World

CHANNELS = 10
ZONE = "Australia/Brisbane"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def fill(
    db: Database,
    settings: svc.EngineSettings,
    now: datetime,
    count: int,
    fire: int,
    window: float,
    channels: list[int],
    lead: float,
    keyring: Keyring,
) -> dict[str, datetime]:
    """``count`` channel reminders: ``fire`` due within ``window`` seconds after ``lead``
    seconds, the rest spread over the next 30 days (a fifth of them weekly)."""
    due: dict[str, datetime] = {}
    async with db.transaction() as session:
        rows = []
        for n in range(count):
            if n < fire:
                at = now + timedelta(seconds=lead + window * n / max(1, fire))
            else:
                at = now + timedelta(days=1 + 29 * (n - fire) / max(1, count - fire))
            weekly = n >= fire and n % 5 == 0
            rows.append(
                Reminder(
                    kind=ReminderKind.CHANNEL,
                    owner_user_id=1,
                    channel_id=channels[n % len(channels)],
                    first_at=at,
                    rule=f"FREQ=WEEKLY;BYDAY={'MO'};BYHOUR=9;BYMINUTE=0" if weekly else None,
                    timezone=ZONE,
                    status=ReminderStatus.ACTIVE,
                    created_at=now,
                )
            )
        session.add_all(rows)
        await session.flush()
        for n, r in enumerate(rows):
            seal_text(keyring, r, f"Benchmark reminder {n}")
            due[f"Benchmark reminder {n}"] = r.first_at
        await svc.plan_custom(session, now, settings)
    return due


async def bench_rebuild(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        config = parse_config(
            {
                "discord": {"guild_id": 1},
                "database": {"url": url, "backup_dir": str(Path(tmp) / "backups")},
                "roles": {"coordinator": 2, "member": 3},
                "channels": {"welcome": 4, "roster": 5, "coordinators": 6, "announcements": 7},
            }
        )
        db = Database.from_url(url)
        await migrate(db.engine)
        settings = svc.EngineSettings.from_config(config)
        now = utcnow()
        started = time.perf_counter()
        keyring = Keyring.generate()
        await fill(db, settings, now, count, 0, 0, list(range(100, 100 + CHANNELS)), 60, keyring)
        filled = time.perf_counter() - started

        bot = CopBot(config, db, extensions=[])
        engine = svc.ReminderSender(
            db,
            bot.port,
            bot.clock,
            config,
            bot.scheduler,
            Look(config.community.name, 90, BUTTONS),
            keyring=lambda: keyring,
        )
        started = time.perf_counter()
        jobs = await engine.rebuild()
        planned = time.perf_counter() - started
        bot.scheduler.start(paused=True)
        stored = time.perf_counter() - started
        bot.scheduler.shutdown(wait=False)
        started = time.perf_counter()
        async with db.transaction() as session:
            planned_rows = await session.execute(
                select(ReminderOccurrence.id, ReminderOccurrence.due_at).where(
                    ReminderOccurrence.status == OccurrenceStatus.PLANNED
                )
            )
            planned_rows.all()
        floor = time.perf_counter() - started
        await db.dispose()
    print(f"rebuild at start, {count:,} reminders ({filled:.1f} s to create them)")
    print(f"  floor: read the planned rows:  {floor:6.2f} s")
    print(
        f"  plan + schedule {jobs:,} jobs:       {planned:6.2f} s   ({planned / floor:.1f}x floor)"
    )
    print(
        f"  ... and into the job store:    {stored:6.2f} s   ({stored / floor:.1f}x floor; "
        "target < 3 s)"
    )


async def bench_firing(count: int, fire: int, window: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp))
        await world.start()
        channels = [world.emu.add_channel(world.guild.id, f"bench-{n}").id for n in range(CHANNELS)]
        try:
            # The database is filled before the bot starts, so its start-up rebuild is real.
            config = world.config
            db = Database.from_url(config.database.url)
            await migrate(db.engine)
            lead = 15.0  # time for the bot to start before the first reminder is due
            keyring = Keyring.generate()
            due = await fill(
                db,
                svc.EngineSettings.from_config(config),
                utcnow(),
                count,
                fire,
                window,
                channels,
                lead,
                keyring,
            )
            await db.dispose()
            started = time.perf_counter()
            await world.start_bot(extensions=["cogs.reminders"], keyring=keyring)
            ready = time.perf_counter() - started
            deadline = time.monotonic() + lead + window + 120
            texts = {f"Benchmark reminder {n}" for n in range(fire)}
            received: dict[str, datetime] = {}
            while time.monotonic() < deadline and len(received) < fire:
                await asyncio.sleep(0.5)
                for cid in channels:
                    for m in world.emu.messages_in(cid):
                        if m.content in texts and m.content not in received:
                            received[m.content] = m.created_at
            lateness = [(received[text] - due[text]).total_seconds() for text in received]
            duplicates = sum(
                1 for cid in channels for m in world.emu.messages_in(cid) if m.content in texts
            ) - len(received)
            floor = await post_round_trips(world, channels[0], 50)
        finally:
            await world.close()
    print(
        f"firing on the real clock: {fire:,} of {count:,} reminders due over {window:g} s "
        f"(bot ready in {ready:.1f} s)"
    )
    if not lateness:
        print("  nothing arrived")
        return
    print(f"  delivered: {len(lateness):,}/{fire:,}   duplicates: {duplicates}")
    print(
        f"  lateness p50 {statistics.median(lateness) * 1000:7.1f} ms   "
        f"p99 {percentile(lateness, 99) * 1000:7.1f} ms   "
        f"max {max(lateness) * 1000:7.1f} ms   (target p99 < 1 s)"
    )
    base = statistics.median(floor)
    print(
        f"  floor: a plain post's round trip p50 {base * 1000:7.1f} ms; lateness p50 is "
        f"{statistics.median(lateness) / base:.1f}x, p99 {percentile(lateness, 99) / base:.1f}x"
    )


async def post_round_trips(world: World, channel_id: int, n: int) -> list[float]:
    """The floor for lateness: posting through the port until the emulator has the message."""
    bot = world.bot
    assert bot is not None
    times = []
    for i in range(n):
        started = time.perf_counter()
        await bot.port.post(channel_id, port.Message(content=f"floor {i}"))
        times.append(time.perf_counter() - started)
    return times


async def main(args: Any) -> None:
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    await bench_rebuild(args.reminders)
    await bench_firing(args.reminders, args.fire, args.window)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--fire", type=int, default=2_000)
    parser.add_argument("--window", type=float, default=60.0)
    asyncio.run(main(parser.parse_args()))
