"""The outbound path at size: what the durable queue costs per DM.

1. Enqueue: ``enqueue_many`` of N DMs (one batch, idempotency keys checked) against the floor
   of inserting the same rows with one bulk INSERT.
2. Send: the Outbox draining N DMs (claim committed, render, send through a fake port,
   record; pacing switched off) against two floors: rendering and sending the same N
   through the same fake port with no database, and the same plus the one commit per group
   of claims that a claim-before-send queue cannot avoid.
3. Pacing: at the default 2 DMs a second, how long (on a fake clock) a burst of 500 takes.

    .venv/bin/python benchmarks/bench_outbound.py [--dms 5000]

Prints figures and their ratios to the floors measured in the same run; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import port
from bot.db import Database, migrate
from bot.models import OutboundItem, OutboundKind, OutboundStatus
from bot.services import outbound
from tests.fakes import FakePort

NOW = datetime(2026, 3, 2, tzinfo=UTC)
ZONE = ZoneInfo("Australia/Brisbane")


async def render(session: AsyncSession, item: outbound.Rendering) -> port.Message:
    return port.Message(cards=(port.Card(title="What did you learn?", description="…"),))


class FakeTime:
    def __init__(self) -> None:
        self.t = 0.0

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


async def fresh(tmp: Path, name: str) -> Database:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp / name}")
    await migrate(db.engine)
    return db


async def enqueue(db: Database, key: str, user_ids: list[int]) -> None:
    async with db.transaction() as session:
        await outbound.enqueue_many(
            session,
            NOW,
            kind=OutboundKind.LEARNING_PROMPT,
            key=key,
            user_ids=user_ids,
            template="bench",
        )


def outbox(db: Database, settings: outbound.OutboxSettings, clock: FakeTime) -> outbound.Outbox:
    """An Outbox sending through a fake port on a fake clock, with the bench template."""
    box = outbound.Outbox(
        db,
        FakePort(),
        lambda: NOW,
        ZONE,
        settings,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
    )
    box.register("bench", render)
    return box


async def prompt(session: AsyncSession, i: int, user: int) -> port.Message:
    """The message the Outbox sends as item ``i``, rendered and decorated the same way."""
    rendering = outbound.Rendering(i, user, OutboundKind.LEARNING_PROMPT, {}, NOW, NOW, False)
    return outbound.decorate(await render(session, rendering), i, late_since=None)


def rows(users: list[int]) -> list[dict[str, Any]]:
    return [
        {
            "key": f"bench:{u}",
            "batch_id": None,
            "kind": OutboundKind.LEARNING_PROMPT,
            "user_id": u,
            "template": "bench",
            "params": {},
            "status": OutboundStatus.PENDING,
            "due_at": NOW,
            "next_attempt_at": NOW,
            "attempts": 0,
            "reason": "",
            "quiet_delayed": False,
            "created_at": NOW,
        }
        for u in users
    ]


async def main(args: Any) -> None:
    users = [900_000_000_000_000_000 + i for i in range(args.dms)]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        floor_db = await fresh(tmp, "floor.sqlite3")
        started = time.perf_counter()
        async with floor_db.transaction() as session:
            await session.execute(sa.insert(OutboundItem), rows(users))
        insert_floor = time.perf_counter() - started
        await floor_db.dispose()

        db = await fresh(tmp, "queue.sqlite3")
        started = time.perf_counter()
        await enqueue(db, "bench", users)
        enqueue_time = time.perf_counter() - started

        box = outbox(db, outbound.OutboxSettings(dm_per_second=1e9), FakeTime())
        started = time.perf_counter()
        summary = await box.drain()
        drain = time.perf_counter() - started

        bare = FakePort()
        started = time.perf_counter()
        async with db.transaction() as session:
            for i, user in enumerate(users):
                message = await prompt(session, i, user)
                await bare.member(user)
                await bare.dm(user, message)
        send_floor = time.perf_counter() - started

        # The least a queue that commits its claim before sending must do: one committed
        # write per group of claims (claim_batch), around the same sends.
        group = outbound.OutboxSettings().claim_batch
        bare = FakePort()
        started = time.perf_counter()
        for start in range(0, len(users), group):
            async with db.transaction() as session:
                await session.execute(
                    sa.update(OutboundItem)
                    .where(OutboundItem.user_id.in_(users[start : start + group]))
                    .values(attempts=OutboundItem.attempts)
                )
            for i, user in enumerate(users[start : start + group], start):
                await bare.dm(user, await prompt(session, i, user))
        commit_floor = time.perf_counter() - started
        await db.dispose()

        paced_db = await fresh(tmp, "paced.sqlite3")
        await enqueue(paced_db, "burst", users[:500])
        paced_time = FakeTime()
        await outbox(paced_db, outbound.OutboxSettings(), paced_time).drain()
        await paced_db.dispose()

    n = args.dms
    print(f"outbound path, {n:,} DMs")
    print(f"  floor: one bulk INSERT of the rows   {insert_floor:6.2f} s")
    print(
        f"  enqueue_many (keys checked)          {enqueue_time:6.2f} s   "
        f"({enqueue_time / insert_floor:.1f}x floor)"
    )
    print(f"  floor: render + send, no database    {send_floor:6.2f} s")
    print(f"  floor: the same + one commit per {group}   {commit_floor:6.2f} s")
    print(
        f"  drain (claim, render, send, record)  {drain:6.2f} s   "
        f"({drain / send_floor:.1f}x the no-database floor, {drain / commit_floor:.1f}x the "
        f"commit floor; {summary.sent:,} sent, {n / drain:,.0f} DMs/s before pacing, "
        f"{n / drain / 2:,.0f}x the default pace)"
    )
    print(
        f"  a burst of 500 at the default 2 DMs/s spreads over {paced_time.t:,.0f} s "
        "(fake clock): never hundreds at once"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dms", type=int, default=5_000)
    asyncio.run(main(parser.parse_args()))
