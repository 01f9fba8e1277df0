"""Starting and stopping the bot: back up, migrate, connect."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from asyncio import FIRST_COMPLETED

import discord
from discord.ext import commands

from bot.client import CopBot
from bot.config import AppConfig
from bot.datakeys import prepare_keyring
from bot.db import Database, backup_sqlite, migrate
from bot.endpoints import point_discord_at
from bot.errors import StartupError
from bot.timeutil import Clock, utcnow

log = logging.getLogger(__name__)


async def prepare_database(config: AppConfig, clock: Clock = utcnow) -> Database:
    """Back up an existing SQLite file, then migrate the database to head."""
    backup = backup_sqlite(config.database.url, config.database.backup_dir, clock())
    if backup is not None:
        log.info("backed up the database to %s", backup)
    db = Database.from_url(config.database.url, hide_parameters=True)
    await migrate(db.engine)
    return db


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
    """Run until closed. Returns the process exit code."""
    db = await prepare_database(config, clock)
    try:
        keyring = await prepare_keyring(config, db)  # before connecting: refuse with one line
    except StartupError as exc:
        log.error("%s", exc)
        await db.dispose()
        return 1
    point_discord_at(config.discord.api_base_url, config.discord.gateway_url)
    bot = CopBot(config, db, clock=clock, keyring=keyring)
    try:
        async with bot:
            await bot.start(token)
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
        await db.dispose()
    return 0
