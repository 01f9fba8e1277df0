"""Command line: ``python -m bot {run,migrate,check-config,backup}``."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import TOKEN_ENV, AppConfig, load_config, resolve_token
from bot.db import Database, backup_sqlite, migrate, sqlite_path
from bot.errors import ConfigError
from bot.logs import setup_logging
from bot.timeutil import utcnow

DEFAULT_CONFIG = Path(os.environ.get("COP_CONFIG", "config.toml"))

Handler = Callable[[argparse.Namespace, AppConfig], int]


def _say(line: str) -> None:
    print(line, file=sys.stderr)


def cmd_run(args: argparse.Namespace, config: AppConfig) -> int:
    token = resolve_token(config)
    if token is None:
        _say(
            f"No Discord token: set the {TOKEN_ENV} environment variable "
            "(or `discord.token_file` in the config) to your bot's token, then run again."
        )
        return 2
    from bot.runner import run_bot

    setup_logging(config.logging.level)
    try:
        return asyncio.run(run_bot(config, token))
    except KeyboardInterrupt:
        return 0


def cmd_migrate(args: argparse.Namespace, config: AppConfig) -> int:
    async def go() -> None:
        db = Database.from_url(config.database.url)
        try:
            await migrate(db.engine)
        finally:
            await db.dispose()

    asyncio.run(go())
    print(f"The database is at the newest schema ({config.database.url}).")
    return 0


def cmd_check_config(args: argparse.Namespace, config: AppConfig) -> int:
    c = config
    print(f"{args.config}: OK")
    print(f"  community:  {c.community.name} ({c.community.timezone})")
    print(f"  guild:      {c.discord.guild_id}")
    print(f"  database:   {c.database.url}")
    print(f"  roles:      coordinator={c.roles.coordinator} member={c.roles.member}")
    channels = " ".join(f"{k}={v}" for k, v in c.channels.model_dump().items())
    print(f"  channels:   {channels}")
    token = "set" if resolve_token(c) else f"missing (set {TOKEN_ENV})"
    print(f"  token:      {token}")
    return 0


def cmd_backup(args: argparse.Namespace, config: AppConfig) -> int:
    if sqlite_path(config.database.url) is None:
        _say("backup: only SQLite files can be backed up this way; use pg_dump for PostgreSQL.")
        return 2
    target = backup_sqlite(config.database.url, config.database.backup_dir, utcnow())
    if target is None:
        _say(f"backup: there is no database file yet at {sqlite_path(config.database.url)}.")
        return 2
    print(f"Backed up to {target}")
    return 0


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    handlers: dict[str, Handler] = {}

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--config",
            type=Path,
            default=DEFAULT_CONFIG,
            help="the TOML config file (default: $COP_CONFIG or config.toml)",
        )
        handlers[name] = handler
        return p

    add("run", cmd_run, "back up and migrate the database, then connect to Discord")
    add("migrate", cmd_migrate, "migrate the database to the newest schema")
    add("check-config", cmd_check_config, "validate the config file and print a summary")
    add("backup", cmd_backup, "copy the SQLite database to a timestamped file")
    # >>> more commands (other capabilities add theirs here)
    from bot.learnings_cli import register as register_learnings  # export-digest, rotate-key

    register_learnings(add)
    # <<< more commands
    return parser, handlers


def main(argv: Sequence[str] | None = None) -> int:
    parser, handlers = build_parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for line in exc.lines:
            _say(line)
        return 2
    return handlers[args.command](args, config)


if __name__ == "__main__":
    sys.exit(main())
