"""Starting and stopping the bot: back up, migrate, connect; and restoring a backup."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import shutil
import sqlite3
import sys
from asyncio import FIRST_COMPLETED
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import aiohttp
import discord
from discord.ext import commands

from bot.client import CopBot
from bot.config import AppConfig
from bot.datakeys import KEY_ENV, check_keyring, has_encrypted_data, load_keys, prepare_keyring
from bot.db import (
    OWNER_ONLY,
    Database,
    DatabaseInUse,
    backup_sqlite,
    create_private,
    database_lock,
    known_revisions,
    list_backups,
    migrate,
    prune_backups,
    readable_by_others,
    sqlite_files,
    sqlite_path,
    sqlite_revision,
)
from bot.endpoints import point_discord_at
from bot.errors import StartupError
from bot.timeutil import Clock, utcnow

log = logging.getLogger(__name__)


def private_files(config: AppConfig) -> list[Path]:
    """Every file the bot keeps that holds member data or the key to it."""
    return [
        *sqlite_files(config.database.url),
        *list_backups(config.database.url, config.database.backup_dir),
        config.learnings.resolved_key_file(config.database.url),
    ]


def warn_if_readable_by_others(config: AppConfig) -> list[Path]:
    """Log one warning line naming the files other users of this machine can read."""
    loose = readable_by_others(private_files(config))
    if loose:
        names = ", ".join(str(p) for p in loose[:3]) + (
            f" and {len(loose) - 3} more" if len(loose) > 3 else ""
        )
        log.warning(
            "Other users of this machine can read %s, which hold member data: "
            "run `chmod 600` on them (and `chmod 700` on their folders).",
            names,
        )
    return loose


def backup_and_prune(config: AppConfig, clock: Clock = utcnow) -> Path | None:
    """Back up the SQLite file (if any), then keep only the newest ``database.backup_keep``."""
    backup = backup_sqlite(config.database.url, config.database.backup_dir, clock())
    if backup is not None:
        log.info("backed up the database to %s", backup)
        pruned = prune_backups(
            config.database.url, config.database.backup_dir, config.database.backup_keep
        )
        if pruned:
            log.info(
                "deleted %d old backup(s), keeping the newest %d (database.backup_keep)",
                len(pruned),
                config.database.backup_keep,
            )
    return backup


async def prepare_database(
    config: AppConfig, clock: Clock = utcnow, *, isolated: bool = False
) -> Database:
    """Back up an existing SQLite file, then migrate the database to head.

    ``isolated`` runs the migrations in a child ``python -m bot migrate`` (when the config
    came from a file), so a long-running bot never loads Alembic (about 35 MB)."""
    backup_and_prune(config, clock)
    db = Database.from_url(config.database.url, hide_parameters=True)
    if isolated and config.source is not None:
        await _migrate_in_child(config.source)
    else:
        await migrate(db.engine)
    return db


async def _migrate_in_child(config_path: Path) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "migrate",
        "--config",
        str(config_path),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await child.communicate()
    if child.returncode != 0:
        lines = err.decode("utf-8", "replace").strip().splitlines()
        raise StartupError(
            "The database could not be migrated: " + (lines[-1] if lines else "no reason given")
        )


# --- health ---------------------------------------------------------------------------

HEARTBEAT_SECONDS = 30.0
"""How often the running bot touches its heartbeat file while connected to Discord."""
HEALTHY_WITHIN = 3 * HEARTBEAT_SECONDS


class Connection(Protocol):
    """What the heartbeat asks of the bot (``discord.Client`` has all three)."""

    @property
    def latency(self) -> float: ...

    def is_ready(self) -> bool: ...

    def is_closed(self) -> bool: ...


def heartbeat_path(config: AppConfig) -> Path:
    """``<database>.heartbeat`` beside a SQLite file; else beside the data key file."""
    database = sqlite_path(config.database.url)
    if database is not None:
        return database.with_name(database.name + ".heartbeat")
    return config.learnings.resolved_key_file(config.database.url).parent / "cop-bot.heartbeat"


def _touch(path: Path) -> None:
    create_private(path)
    os.utime(path)


async def keep_heartbeat(bot: Connection, path: Path, every: float = HEARTBEAT_SECONDS) -> None:
    """Touch ``path`` every ``every`` seconds while the bot is connected (ready, open, and
    its gateway heartbeats answered), for ``python -m bot health``."""
    while True:
        if bot.is_ready() and not bot.is_closed() and math.isfinite(bot.latency):
            await asyncio.to_thread(_touch, path)
        await asyncio.sleep(every)


def check_health(config: AppConfig, now: float) -> tuple[bool, str]:
    """Whether the bot using this config touched its heartbeat recently (``now`` is
    ``time.time()``), with the line to print."""
    path = heartbeat_path(config)
    try:
        age = now - path.stat().st_mtime
    except FileNotFoundError:
        return False, f"unhealthy: no heartbeat at {path}; the bot has not connected to Discord"
    if age > HEALTHY_WITHIN:
        return False, (
            f"unhealthy: the heartbeat at {path} is {age:.0f} s old; the bot is not "
            "connected to Discord (its log says why)"
        )
    return True, f"healthy: connected to Discord (heartbeat {max(age, 0):.0f} s ago)"


# --- restore --------------------------------------------------------------------------


class RestoreRefused(Exception):
    """Restoring was refused; the message is the one line the operator reads. Nothing
    was changed."""


@dataclass(frozen=True)
class Restored:
    revision: str
    saved_current: Path | None
    """The backup of the database that was there before, or None if there was none."""


def restore_backup(config: AppConfig, backup: Path, clock: Clock = utcnow) -> Restored:
    """Replace the SQLite database with ``backup``, safely: only while no bot holds the
    database; only a cop-bot database whose schema this version knows (an older one is
    migrated); only when the data key opens its encrypted learnings; and only after the
    current database has itself been backed up."""
    url = config.database.url
    target = sqlite_path(url)
    if target is None:
        raise RestoreRefused(
            "restore: only SQLite files can be restored this way; use pg_restore for PostgreSQL."
        )
    if not backup.is_file():
        raise RestoreRefused(f"restore: there is no file at {backup}.")
    try:
        with database_lock(url):
            return _restore_locked(config, backup, target, clock)
    except DatabaseInUse as exc:
        raise RestoreRefused(
            f"restore: the bot is running on {target} (it holds {exc.lock}); stop it first, "
            "then run restore again."
        ) from None


def _restore_locked(config: AppConfig, backup: Path, target: Path, clock: Clock) -> Restored:
    staging = target.with_name(target.name + ".restoring")
    staging_url = f"sqlite+aiosqlite:///{staging}"
    for leftover in sqlite_files(staging_url):
        leftover.unlink(missing_ok=True)
    create_private(staging)
    try:
        shutil.copyfile(backup, staging)  # the backup itself is never opened for writing
        try:
            revision = sqlite_revision(staging)
        except sqlite3.DatabaseError:
            raise RestoreRefused(
                f"restore: {backup} is not a SQLite database; pick a file from "
                f"{config.database.backup_dir}."
            ) from None
        if revision is None:
            raise RestoreRefused(
                f"restore: {backup} has no schema version; it is not a cop-bot database."
            )
        if revision not in known_revisions():
            raise RestoreRefused(
                f"restore: {backup} was made by a newer cop-bot (schema `{revision}`); "
                "upgrade cop-bot first, then restore."
            )
        asyncio.run(_migrate_and_check_key(config, staging_url, backup))
        saved = backup_sqlite(config.database.url, config.database.backup_dir, clock())
        for companion in sqlite_files(config.database.url)[1:]:
            companion.unlink(missing_ok=True)  # a stale -wal must not be replayed onto it
        os.replace(staging, target)
        os.chmod(target, OWNER_ONLY)
        return Restored(revision, saved)
    finally:
        for leftover in sqlite_files(staging_url):
            leftover.unlink(missing_ok=True)


async def _migrate_and_check_key(config: AppConfig, staging_url: str, backup: Path) -> None:
    db = Database.from_url(staging_url, hide_parameters=True)
    try:
        await migrate(db.engine)
        await _check_key(config, db, backup)
    finally:
        await db.dispose()


async def _check_key(config: AppConfig, db: Database, backup: Path) -> None:
    try:
        source = load_keys(config)
    except StartupError as exc:
        raise RestoreRefused(f"restore: {exc}") from None
    async with db.sessions() as session:
        if source.keyring is None:
            if await has_encrypted_data(session):
                raise RestoreRefused(
                    f"restore: {backup} holds encrypted learnings but there is no data key; "
                    f"put the key file saved with this backup at {source.path} (or set "
                    f"{KEY_ENV}) and run restore again."
                )
            return
        try:
            await check_keyring(session, source.keyring, source.label)
        except StartupError:
            raise RestoreRefused(
                f"restore: the data key in {source.label} does not open {backup}'s encrypted "
                "learnings; put the key file saved with this backup in place (or set "
                f"{KEY_ENV}) and run restore again. Nothing was changed."
            ) from None


async def start_in_background(bot: CopBot, token: str, within: float) -> asyncio.Task[None]:
    """Start ``bot`` as a task and return it once the bot is settled (ready, and its cogs'
    on-connect work done): for the demo and the end-to-end tests. Raises what stopped the
    bot if it stopped first, or ``TimeoutError``."""
    task = asyncio.create_task(bot.start(token), name="cop-bot")
    settled = asyncio.create_task(bot.wait_until_settled())
    done, _ = await asyncio.wait({settled, task}, timeout=within, return_when=FIRST_COMPLETED)
    if settled not in done:
        settled.cancel()
        if task in done:
            task.result()  # raises what stopped the bot
            raise RuntimeError("the bot stopped before it was ready")
        await stop_in_background(bot, task, within)
        raise TimeoutError(f"the bot did not settle within {within} s")
    return task


async def stop_in_background(bot: CopBot, task: asyncio.Task[None], within: float) -> None:
    await bot.close()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, within)


async def run_bot(config: AppConfig, token: str, clock: Clock = utcnow) -> int:
    """Run until closed, holding the database's lock. Returns the process exit code."""
    try:
        with database_lock(config.database.url):
            return await _run_locked(config, token, clock)
    except DatabaseInUse as exc:
        log.error(
            "Another cop-bot is already running on this database (it holds %s); "
            "stop it first, or give this one its own `database.url`.",
            exc.lock,
        )
        return 1


async def _run_locked(config: AppConfig, token: str, clock: Clock) -> int:
    warn_if_readable_by_others(config)
    try:
        db = await prepare_database(config, clock, isolated=True)
    except StartupError as exc:
        log.error("%s", exc)
        return 1
    try:
        keyring = await prepare_keyring(config, db)  # before connecting: refuse with one line
    except StartupError as exc:
        log.error("%s", exc)
        await db.dispose()
        return 1
    point_discord_at(config.discord.api_base_url, config.discord.gateway_url)
    bot = CopBot(config, db, clock=clock, keyring=keyring)
    log.info(
        "connecting to Discord at %s; once connected, a lost connection is retried with "
        "backoff by discord.py, so a short outage needs no restart",
        config.discord.api_base_url,
    )
    beat = asyncio.create_task(keep_heartbeat(bot, heartbeat_path(config)), name="heartbeat")
    try:
        async with bot:
            await bot.start(token)
    except (TimeoutError, aiohttp.ClientConnectionError, OSError) as exc:
        log.error(
            "cannot reach Discord at %s (%s): check the network or `discord.api_base_url`",
            config.discord.api_base_url,
            exc.__class__.__name__,
        )
        return 1
    except discord.LoginFailure:
        log.error("Discord refused the token: check DISCORD_TOKEN (or discord.token_file).")
        return 1
    except discord.PrivilegedIntentsRequired:
        log.error(
            "Turn on the Server Members intent for the bot in the Discord developer portal "
            "(Bot > Privileged Gateway Intents), then start again."
        )
        return 1
    except StartupError as exc:
        log.error("%s", exc)
        return 1
    except commands.ExtensionFailed as exc:
        if isinstance(exc.original, StartupError):
            log.error("%s", exc.original)
            return 1
        raise
    finally:
        beat.cancel()
        await db.dispose()
    return 0
