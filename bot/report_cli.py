"""``python -m bot report``: the community's impact report from the command line.

Registered in ``bot/__main__.py``; prints one line per problem and exits non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.config import AppConfig
from bot.datakeys import open_checked_keyring
from bot.db import Database, schema_is_current, write_private
from bot.errors import DomainError, StartupError
from bot.learnings_cli import AddCommand
from bot.services.when import parse_day
from bot.timeutil import utcnow


def _day(text: str | None, fallback: date, config: AppConfig, now: datetime) -> date:
    """A day in any form the time language reads (2026-03-17, 17/03/2026, 17 March)."""
    if not text or not text.strip():
        return fallback
    return parse_day(text, config.community.zone, now)


async def _report(args: argparse.Namespace, config: AppConfig) -> int:
    # Loaded here, not at the top: matplotlib costs every other CLI command ~0.7 s.
    from bot.services import report

    now = utcnow()
    today = now.astimezone(config.community.zone).date()
    end = _day(args.end, today, config, now)
    start = _day(args.start, end - timedelta(days=365), config, now)
    out = Path(args.out) if args.out else Path(f"cop-report-{start}-to-{end}.html")
    db = Database.from_url(config.database.url, hide_parameters=True)
    try:
        if not await schema_is_current(db):
            print(
                "The database is not at the newest schema; run `python -m bot migrate` first.",
                file=sys.stderr,
            )
            return 2
        keyring = await open_checked_keyring(config, db)
        async with db.transaction() as session:
            data, rendered = await report.make_report(session, keyring, config, start, end, now)
            record = await report.record_report(
                session,
                keyring,
                by=None,
                via=f"command line (user {getpass.getuser()})",
                period=data.period,
                rendered=rendered,
                now=now,
            )
            record_id = record.id
    finally:
        await db.dispose()
    write_private(out, rendered.html)
    png = out.with_suffix(".png")
    write_private(png, rendered.headline_png)
    note = " Nothing was recorded in this period." if data.empty else ""
    print(
        f"Wrote the report for {start} to {end} to {out} ({len(rendered.html):,} bytes, "
        f"{rendered.charts} charts) and its headline chart to {png}.{note} "
        f"Recorded as export #{record_id}; SHA-256 {rendered.sha256}."
    )
    return 0


def cmd_report(args: argparse.Namespace, config: AppConfig) -> int:
    try:
        return asyncio.run(_report(args, config))
    except (DomainError, StartupError) as exc:
        print(exc.message if isinstance(exc, DomainError) else str(exc), file=sys.stderr)
        return 2


def register(add: AddCommand) -> None:
    command = add(
        "report",
        cmd_report,
        "write the community's impact report (HTML with charts, and a PNG) for a period",
    )
    command.add_argument("--from", dest="start", default="", help="first day, YYYY-MM-DD")
    command.add_argument("--to", dest="end", default="", help="last day (included), YYYY-MM-DD")
    command.add_argument(
        "--out", default="", help="the HTML file to write (default: cop-report-FROM-to-TO.html)"
    )
