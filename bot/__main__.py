"""cop-bot runs a Community of Practice on Discord: onboarding, the facilitation rotation,
learnings and digests, reminders, consults and reports.

Start with `make run` (the demo, with no token) or `python -m bot run`; `check-config`
tells what is wrong with a config file, one line per mistake. README.md documents every
command and setting.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bot import __version__
from bot.config import TOKEN_ENV, AppConfig, load_config, resolve_token
from bot.config.app import token_file_problem
from bot.db import Database, migrate, sqlite_path
from bot.errors import ConfigError
from bot.learnings_cli import register as register_learnings
from bot.logs import setup_logging
from bot.report_cli import register as register_report
from bot.services import partnerships

DEFAULT_CONFIG = Path(os.environ.get("COP_CONFIG", "config.toml"))

Handler = Callable[[argparse.Namespace, AppConfig], int]


def _say(line: str) -> None:
    print(line, file=sys.stderr)


def cmd_run(args: argparse.Namespace, config: AppConfig) -> int:
    if problem := token_file_problem(config):
        _say(problem)
        return 2
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
    if problem := token_file_problem(c):
        print("  token:      not readable (see below)")
        _say(problem)
        return 2
    if os.environ.get(TOKEN_ENV, "").strip():
        token = f"set (from {TOKEN_ENV})"
    elif c.discord.token_file is not None:
        token = f"set (from {c.discord.token_file})"
    else:
        token = f"missing (set {TOKEN_ENV} or `discord.token_file`)"
    print(f"  token:      {token}")
    return 0


def cmd_backup(args: argparse.Namespace, config: AppConfig) -> int:
    from bot.runner import backup_and_prune

    if sqlite_path(config.database.url) is None:
        _say("backup: only SQLite files can be backed up this way; use pg_dump for PostgreSQL.")
        return 2
    setup_logging(config.logging.level)
    target = backup_and_prune(config)
    if target is None:
        _say(f"backup: there is no database file yet at {sqlite_path(config.database.url)}.")
        return 2
    print(f"Backed up to {target}")
    return 0


def cmd_health(args: argparse.Namespace, config: AppConfig) -> int:
    from bot.runner import check_health

    healthy, line = check_health(config, time.time())
    print(line)
    return 0 if healthy else 1


def cmd_restore(args: argparse.Namespace, config: AppConfig) -> int:
    from bot.runner import RestoreRefused, restore_backup

    try:
        restored = restore_backup(config, args.file)
    except RestoreRefused as exc:
        _say(str(exc))
        return 2
    print(f"Restored {args.file} into {sqlite_path(config.database.url)}.")
    if restored.saved_current is not None:
        print(f"The database that was there is saved as {restored.saved_current}.")
    print("Start the bot again to carry on from the restored data.")
    return 0


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Handler]]:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cop-bot {__version__}")
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

    run = add("run", cmd_run, "back up and migrate the database, then connect to Discord")
    run.add_argument(
        "--demo-if-no-token",
        action="store_true",
        help="with no token configured, play the demo instead (what `make run` does)",
    )
    add("migrate", cmd_migrate, "migrate the database to the newest schema")
    add("check-config", cmd_check_config, "validate the config file and print a summary")
    add(
        "backup",
        cmd_backup,
        "copy the SQLite database to a timestamped file, keeping the newest `database.backup_keep`",
    )
    restore = add(
        "restore",
        cmd_restore,
        "replace the SQLite database with a backup (the bot must be stopped; the current "
        "database is backed up first)",
    )
    restore.add_argument("file", type=Path, help="the backup file to restore")
    add(
        "health",
        cmd_health,
        "exit 0 if the bot using this config is connected to Discord (for a healthcheck)",
    )
    register_learnings(add)  # export-digest, rotate-key
    register_report(add)  # report
    demo = sub.add_parser(
        "demo",
        help="a month of the community in one command, on the built-in Discord emulator",
        description="Play the whole product against the project's Discord emulator: no "
        "Discord account or token needed.",
    )
    demo.add_argument(
        "--output", type=Path, default=Path("demo-output"), help="where to save the files"
    )
    demo.add_argument(
        "--interactive",
        action="store_true",
        help="after the scenes, act as any sample member: type slash commands yourself",
    )
    return parser, handlers


def cmd_demo(output: Path, *, interactive: bool) -> int:
    from bot.demo import REAL_SERVER_HINT, run_demo

    try:
        code = asyncio.run(run_demo(output, interactive=interactive))
    except KeyboardInterrupt:
        return 130
    print(REAL_SERVER_HINT)
    return code


def _token_configured(config_path: Path) -> bool:
    if os.environ.get(TOKEN_ENV, "").strip():
        return True
    try:
        return resolve_token(load_config(config_path)) is not None
    except ConfigError:
        return config_path.exists()  # a broken config: let `run` name the mistakes


def main(argv: Sequence[str] | None = None) -> int:
    # Everything the bot writes (database, -wal/-shm, backups, exports, the key file) is
    # for the owner only.
    os.umask(0o077)
    parser, handlers = build_parser()
    args = parser.parse_args(argv)
    if args.command == "demo":
        return cmd_demo(args.output, interactive=args.interactive)
    if args.command == "run" and args.demo_if_no_token and not _token_configured(args.config):
        return cmd_demo(Path("demo-output"), interactive=False)
    try:
        config = load_config(args.config)
        if problems := partnerships.config_problems(config):
            raise ConfigError(problems)
    except ConfigError as exc:
        for line in exc.lines:
            _say(line)
        return 2
    return handlers[args.command](args, config)


if __name__ == "__main__":
    sys.exit(main())
