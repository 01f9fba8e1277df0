"""Digest export of 100,000 learnings, streamed as Markdown and as CSV (and HTML).

Fills a fresh SQLite file (migrated schema, real encryption) with consenting learnings
and some private and group ones, then exports the whole range the way ``/digest export``
and ``python -m bot export-digest`` do (one streaming pass, entries spooled by theme, the
file hashed and written in chunks as they come), and prints the wall time and the peak
memory of each export.

    .venv/bin/python benchmarks/bench_digest_export.py [--learnings 100000]

Target: each export under 5 s and 250 MB on a 2-core machine. Each format is timed
``--repeat`` times (the median is judged; best and worst are shown, since a shared machine
is noisy). Peak memory is measured in one more run under ``tracemalloc`` (which slows
Python down, so the time is taken without it); the process's peak RSS is printed too.
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
from bot.services.learnings.digest import (
    DigestFormat,
    DigestRequest,
    write_digest,
)
from bot.services.learnings.store import content_aad, tags_aad

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
        body = {
            "title": sentence(rng, 6),
            "happened": sentence(rng, 60),
            "learned": sentence(rng, 50),
            "next_time": sentence(rng, 30),
        }
        tags = rng.sample(THEMES, rng.randint(0, 3))
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


async def export(
    db: Database, keyring: Keyring, fmt: DigestFormat, out: Path
) -> tuple[float, int, int, int]:
    request = DigestRequest(
        start=date(2025, 1, 1),
        end=date(2026, 12, 31),
        format=fmt,
        tags=(),
        zone=ZoneInfo("Australia/Brisbane"),
        community="Central Queensland Partnership Brokers CoP",
        now=datetime(2027, 1, 2, tzinfo=UTC),
    )
    began = time.perf_counter()
    with out.open("wb") as handle:
        async with db.transaction() as session:
            outcome = await write_digest(session, keyring, request, handle.write)
    return time.perf_counter() - began, outcome.entries, outcome.size, len(outcome.flagged)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learnings", type=int, default=100_000)
    parser.add_argument("--withheld", type=int, default=20_000, help="private/group extra")
    parser.add_argument("--members", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each format")
    args = parser.parse_args()
    keyring = Keyring.generate()
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
        for fmt in (DigestFormat.MARKDOWN, DigestFormat.CSV, DigestFormat.HTML):
            out = Path(tmp) / f"digest.{fmt.extension}"
            runs = [await export(db, keyring, fmt, out) for _ in range(args.repeat)]
            times = sorted(r[0] for r in runs)
            seconds, (_, entries, size, flagged) = times[len(times) // 2], runs[0]
            assert entries == args.learnings, (entries, args.learnings)
            tracemalloc.start()
            await export(db, keyring, fmt, out)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            verdict = "OK" if seconds < 5 and peak < 250 * 2**20 else "OVER TARGET"
            print(
                f"{fmt.value:>8}: {entries:,} entries, {size / 2**20:.1f} MB file, "
                f"{flagged:,} flagged · median {seconds:.2f} s (best {times[0]:.2f}, worst "
                f"{times[-1]:.2f}, {args.repeat} runs) · peak Python memory "
                f"{peak / 2**20:.1f} MB · {verdict}"
            )
        await db.dispose()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the whole run (filling included): {rss:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
