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
        async with db.transaction() as session:
            await outbound.enqueue_many(
                session,
                NOW,
                kind=OutboundKind.LEARNING_PROMPT,
                key="bench",
                user_ids=users,
                template="bench",
            )
        enqueue = time.perf_counter() - started

        fake_time = FakeTime()
        box = outbound.Outbox(
            db,
            FakePort(),
            lambda: NOW,
            ZONE,
            outbound.OutboxSettings(dm_per_second=1e9),
            sleep=fake_time.sleep,
            monotonic=fake_time.monotonic,
        )
        box.register("bench", render)
        started = time.perf_counter()
        summary = await box.drain()
        drain = time.perf_counter() - started

        bare = FakePort()
        started = time.perf_counter()
        async with db.transaction() as session:
            for i, user in enumerate(users):
                rendering = outbound.Rendering(
                    i, user, OutboundKind.LEARNING_PROMPT, {}, NOW, NOW, False
                )
                message = await render(session, rendering)
                await bare.member(user)
                await bare.dm(user, outbound.decorate(message, i, late_since=None))
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
                rendering = outbound.Rendering(
                    i, user, OutboundKind.LEARNING_PROMPT, {}, NOW, NOW, False
                )
                message = await render(session, rendering)
                await bare.dm(user, outbound.decorate(message, i, late_since=None))
        commit_floor = time.perf_counter() - started
        await db.dispose()

        paced_db = await fresh(tmp, "paced.sqlite3")
        async with paced_db.transaction() as session:
            await outbound.enqueue_many(
                session,
                NOW,
                kind=OutboundKind.LEARNING_PROMPT,
                key="burst",
                user_ids=users[:500],
                template="bench",
            )
        paced_time = FakeTime()
        paced = outbound.Outbox(
            paced_db,
            FakePort(),
            lambda: NOW,
            ZONE,
            outbound.OutboxSettings(),
            sleep=paced_time.sleep,
            monotonic=paced_time.monotonic,
        )
        paced.register("bench", render)
        await paced.drain()
        await paced_db.dispose()

    n = args.dms
    print(f"outbound path, {n:,} DMs")
    print(f"  floor: one bulk INSERT of the rows   {insert_floor:6.2f} s")
    print(
        f"  enqueue_many (keys checked)          {enqueue:6.2f} s   "
        f"({enqueue / insert_floor:.1f}x floor)"
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
