"""Digest export of 100,000 learnings as Markdown, CSV and HTML, against its floor.

Fills a fresh SQLite file (migrated schema, real encryption) with consenting learnings
and some private and group ones, then, in the same run and interleaved:

- the floor: reading and decrypting the same rows the export reads (the same query, in
  batches) and discarding them;
- each format, exported the way ``/digest export`` and ``python -m bot export-digest``
  do (one streaming pass, names flagged, entries rendered and spooled by theme, the file
  hashed and written in chunks as they come).

    .venv/bin/python benchmarks/bench_digest_export.py [--learnings 100000] [--repeat 3]

Target: each format within 1.5 times the floor, and under 250 MB. Absolute times on a
shared machine are not stable, so each figure is the median of ``--repeat`` rounds and
the ratios are judged. Peak memory is measured in one more run of each under
``tracemalloc`` (which slows Python down, so times are taken without it); the process's
peak RSS is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.crypto import Keyring
from bot.db import Database, migrate
from bot.models import Learning, Member, MemberStatus, SharingLevel
from bot.services.learnings.request import DigestFormat, DigestRequest
from bot.services.learnings.stream import ReadCounts, opened_batches, write_digest
from bot.services.learnings.text import content_aad, tags_aad

THEMES = [
    "trust", "funding", "co-design", "governance", "first nations", "health", "housing",
    "evaluation", "power", "conflict", "resourcing", "youth", "agriculture", "mining",
]  # fmt: skip
WORDS = [
    "partners",
    "met",
    "again",
    "and",
    "the",
    "council",
    "listened",
    "while",
    "the",
    "broker",
    "reframed",
    "the",
    "shared",
    "interest",
    "so",
    "that",
    "every",
    "organisation",
    "could",
    "see",
    "its",
    "own",
    "benefit",
    "in",
    "the",
    "outcome",
    "and",
    "agreed",
    "to",
    "a",
    "small",
    "first",
    "step",
    "before",
    "money",
    "changed",
    "hands",
]
CONSENTING = (SharingLevel.DIGEST_ANONYMOUS, SharingLevel.DIGEST_NAMED)
WITHHELD = (SharingLevel.PRIVATE, SharingLevel.GROUP)
START = datetime(2025, 1, 1, tzinfo=UTC)


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


async def fill(db: Database, keyring: Keyring, count: int, members: int, withheld: int) -> None:
    """``count`` consenting learnings, plus ``withheld`` private or group ones."""
    rng = random.Random(5)
    async with db.transaction() as session:
        await session.execute(
            insert(Member),
            [
                {
                    "user_id": 10_000 + n,
                    "display_name": f"Member Number{n}",
                    "organisation": f"Organisation {n} Partnerships",
                    "job_role": "Broker",
                    "locality": "Rockhampton",
                    "locality_note": "",
                    "interests": [],
                    "status": MemberStatus.ACTIVE,
                    "first_seen_at": START,
                    "in_guild": True,
                }
                for n in range(members)
            ],
        )
    batch = []
    levels = [CONSENTING[n % 2] for n in range(count)] + [WITHHELD[n % 2] for n in range(withheld)]
    rng.shuffle(levels)
    for n, level in enumerate(levels):
        author = 1 + n % members
        created = START + timedelta(minutes=5 * n)
        tags = rng.sample(THEMES, rng.randint(0, 3))
        body = {  # as text.seal writes it: the tags inside the content too
            "title": sentence(rng, 6),
            "happened": sentence(rng, 60),
            "learned": sentence(rng, 50),
            "next_time": sentence(rng, 30),
            "tags": tags,
        }
        batch.append(
            {
                "author_id": author,
                "sharing": level,
                "content": keyring.encrypt_json(body, content_aad(author, level)),
                "tags": keyring.encrypt_json(tags, tags_aad(author, level)),
                "key_id": keyring.primary_id,
                "created_at": created,
                "updated_at": created,
                "sharing_changed_at": created,
            }
        )
        if len(batch) == 5000:
            async with db.transaction() as session:
                await session.execute(insert(Learning), batch)
            batch = []
    if batch:
        async with db.transaction() as session:
            await session.execute(insert(Learning), batch)


def digest_request(fmt: DigestFormat) -> DigestRequest:
    return DigestRequest(
        start=date(2025, 1, 1),
        end=date(2026, 12, 31),
        format=fmt,
        tags=(),
        zone=ZoneInfo("Australia/Brisbane"),
        community="Central Queensland Partnership Brokers CoP",
        now=datetime(2027, 1, 2, tzinfo=UTC),
    )


def clocks() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process, the database thread included)."""
    wall, cpu = clocks()
    return wall - start[0], cpu - start[1]


async def floor(db: Database, keyring: Keyring) -> tuple[tuple[float, float], int]:
    """Read and decrypt what the export reads, and discard it."""
    began = clocks()
    counts = ReadCounts()
    opened = 0
    async with db.transaction() as session:
        async for batch in opened_batches(
            session, keyring, digest_request(DigestFormat.CSV), counts
        ):
            opened += len(batch)
    return since(began), opened


async def export(
    db: Database, keyring: Keyring, fmt: DigestFormat, out: Path
) -> tuple[tuple[float, float], int, int, int]:
    began = clocks()
    with out.open("wb") as handle:
        async with db.transaction() as session:
            outcome = await write_digest(session, keyring, digest_request(fmt), handle.write)
    return since(began), outcome.entries, outcome.size, len(outcome.flagged)


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learnings", type=int, default=100_000)
    parser.add_argument("--withheld", type=int, default=20_000, help="private/group extra")
    parser.add_argument("--members", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved timed rounds")
    args = parser.parse_args()
    keyring = Keyring.generate()
    formats = (DigestFormat.MARKDOWN, DigestFormat.CSV, DigestFormat.HTML)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        db = Database.from_url(url)
        await migrate(db.engine)
        began = time.perf_counter()
        await fill(db, keyring, args.learnings, args.members, args.withheld)
        print(
            f"filled {args.learnings:,} consenting learnings and {args.withheld:,} private or "
            f"group ones ({args.members} members) in {time.perf_counter() - began:.1f} s"
        )
        await floor(db, keyring)  # warm the page cache
        floors: list[tuple[float, float]] = []
        times: dict[DigestFormat, list[tuple[float, float]]] = {fmt: [] for fmt in formats}
        results: dict[DigestFormat, tuple[tuple[float, float], int, int, int]] = {}
        for _ in range(args.repeat):
            spent, opened = await floor(db, keyring)
            assert opened == args.learnings, (opened, args.learnings)
            floors.append(spent)
            for fmt in formats:
                result = await export(db, keyring, fmt, Path(tmp) / f"digest.{fmt.extension}")
                assert result[1] == args.learnings, (result[1], args.learnings)
                times[fmt].append(result[0])
                results[fmt] = result
        tracemalloc.start()
        await floor(db, keyring)
        _, floor_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        base_wall = median([w for w, _ in floors])
        base_cpu = median([c for _, c in floors])
        print(
            "\n| what | CPU s (median) | x floor CPU | wall s (median) | x floor wall "
            "| peak MB | file MB |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|")
        print(
            f"| floor: read + decrypt | {base_cpu:.2f} | 1.00 | {base_wall:.2f} | 1.00 "
            f"| {floor_peak / 2**20:.0f} | |"
        )
        verdicts = []
        for fmt in formats:
            tracemalloc.start()
            await export(db, keyring, fmt, Path(tmp) / f"digest.{fmt.extension}")
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            wall = median([w for w, _ in times[fmt]])
            cpu = median([c for _, c in times[fmt]])
            _, _, size, _ = results[fmt]
            ok = cpu / base_cpu <= 1.5 and peak < 250 * 2**20
            verdicts.append(f"{fmt.value} {'OK' if ok else 'OVER TARGET'}")
            print(
                f"| {fmt.value} | {cpu:.2f} | {cpu / base_cpu:.2f} | {wall:.2f} "
                f"| {wall / base_wall:.2f} | {peak / 2**20:.0f} | {size / 2**20:.1f} |"
            )
        await db.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\n{args.learnings:,} entries, {args.repeat} interleaved rounds; target: each "
        f"format <= 1.5x floor and < 250 MB: {', '.join(verdicts)}"
    )
    print(f"peak RSS of the whole run (filling included): {rss:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
