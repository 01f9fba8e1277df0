"""Command-line tools for the learnings: ``export-digest`` and ``rotate-key``.

Registered in ``bot/__main__.py``; each prints one line per problem and exits non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.config import AppConfig
from bot.crypto import Keyring, generate_key
from bot.datakeys import (
    KEY_ENV,
    check_keyring,
    load_keys,
    open_checked_keyring,
    reencrypt_all,
    write_key_file,
)
from bot.db import (
    Database,
    DatabaseInUse,
    database_lock,
    replacing_private,
    schema_is_current,
)
from bot.errors import DomainError, StartupError
from bot.services.learnings.record import record_export
from bot.services.learnings.request import (
    DigestRequest,
    parse_format,
    parse_range,
    parse_tag_filter,
)
from bot.services.learnings.stream import write_digest
from bot.timeutil import utcnow

AddCommand = Callable[[str, Callable[[argparse.Namespace, AppConfig], int], str], Any]


def _say(line: str) -> None:
    print(line, file=sys.stderr)


# --- export-digest ----------------------------------------------------------------------


async def _export(args: argparse.Namespace, config: AppConfig) -> int:
    start, end = parse_range(args.start, args.end, config.community.zone, utcnow())
    request = DigestRequest(
        start=start,
        end=end,
        format=parse_format(args.format),
        tags=parse_tag_filter(args.tags),
        zone=config.community.zone,
        community=config.community.name,
        now=utcnow(),
    )
    out = Path(args.out) if args.out else Path(request.filename())
    db = Database.from_url(config.database.url, hide_parameters=True)
    try:
        if not await schema_is_current(db):
            _say("The database is not at the newest schema; run `python -m bot migrate` first.")
            return 2
        keyring = await open_checked_keyring(config, db)
        with replacing_private(out) as handle:
            async with db.transaction() as session:
                outcome = await write_digest(session, keyring, request, handle.write)
                record = await record_export(
                    session,
                    keyring,
                    by=None,
                    via=f"command line (user {getpass.getuser()})",
                    request=request,
                    outcome=outcome,
                    now=utcnow(),
                )
                record_id = record.id
    finally:
        await db.dispose()
    themes = len(outcome.themes)
    print(
        f"Wrote {outcome.entries} entries in {themes} {'theme' if themes == 1 else 'themes'} "
        f"to {out} ({outcome.size:,} bytes). Recorded as export #{record_id}; "
        f"SHA-256 {outcome.sha256}."
    )
    if outcome.flagged:
        print(
            f"{len(outcome.flagged)} entries are flagged for review (they name a member, an "
            f"organisation or a Discord user): {'; '.join(outcome.flagged)}."
        )
    if outcome.skipped:
        print(f"{outcome.skipped} entries could not be decrypted and were left out.")
    return 0


def cmd_export_digest(args: argparse.Namespace, config: AppConfig) -> int:
    try:
        return asyncio.run(_export(args, config))
    except (DomainError, StartupError) as exc:
        _say(str(exc))
        return 2
    except OSError as exc:
        _say(f"export-digest: cannot write {args.out}: {exc.strerror}.")
        return 2


# --- rotate-key -------------------------------------------------------------------------


async def _rotate(args: argparse.Namespace, config: AppConfig) -> int:
    source = load_keys(config)
    db = Database.from_url(config.database.url, hide_parameters=True)
    try:
        if not await schema_is_current(db):
            _say("The database is not at the newest schema; run `python -m bot migrate` first.")
            return 2
        if source.keyring is None:
            _say(
                f"There is no data key yet ({KEY_ENV} is not set and {source.path} does not "
                "exist); the bot creates one on its first run."
            )
            return 2
        async with db.sessions() as session:
            await check_keyring(session, source.keyring, source.label)
        if source.path is not None:  # a key file: add a new key and re-encrypt under it
            old = [k.strip() for k in source.path.read_text(encoding="ascii").splitlines()]
            old = [k for k in old if k and not k.startswith("#")]
            new = generate_key()
            write_key_file(source.path, [new, *old])
            keyring = Keyring.from_texts([new, *old])
        else:
            keyring = source.keyring
        async with db.transaction() as session:
            result = await reencrypt_all(session, keyring)
        if source.path is not None and not args.keep_old:
            write_key_file(source.path, [new])
        counts = ", ".join(f"{n} {kind}" for kind, n in result.counts.items())
        print(f"Re-encrypted {counts} with key {result.key_id}.")
        if source.path is not None:
            kept = "kept after it" if args.keep_old else "removed"
            print(
                f"{source.path} now starts with the new key (older keys {kept}). Back the file "
                "up again now; backups taken before now still need the old key."
            )
        else:
            print(
                f"Everything now uses the first key in {KEY_ENV}; you can remove the older "
                "ones from it."
            )
    finally:
        await db.dispose()
    return 0


def cmd_rotate_key(args: argparse.Namespace, config: AppConfig) -> int:
    if args.print_new_key:
        print(generate_key())
        return 0
    try:
        with database_lock(config.database.url):  # never while the bot runs
            return asyncio.run(_rotate(args, config))
    except DatabaseInUse:
        _say("The bot is running: stop it first, then rotate the key.")
        return 2
    except StartupError as exc:
        _say(str(exc))
        return 2


def register(add: AddCommand) -> None:
    export = add(
        "export-digest",
        cmd_export_digest,
        "write the learnings digest for a period to a file (recorded like /digest export)",
    )
    export.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
    export.add_argument("--to", dest="end", required=True, help="last day (included), YYYY-MM-DD")
    export.add_argument(
        "--format",
        default="markdown",
        help="markdown (default), csv or html",
    )
    export.add_argument("--tags", default="", help="only these themes, comma-separated")
    export.add_argument(
        "--out", default="", help="the file to write (default: learnings-digest-FROM-to-TO.EXT)"
    )
    rotate = add(
        "rotate-key",
        cmd_rotate_key,
        "re-encrypt every encrypted text under a new data key (stop the bot first)",
    )
    rotate.add_argument(
        "--keep-old",
        action="store_true",
        help="keep the older keys in the key file after re-encrypting",
    )
    rotate.add_argument(
        "--print-new-key",
        action="store_true",
        help=f"only print a fresh key (to put first in {KEY_ENV}) and exit",
    )
