"""The Bot: built from config, it loads every cog in ``cogs/``, syncs the guild's
commands and starts the scheduler in ``setup_hook``; ``close()`` stops them."""

from __future__ import annotations

import asyncio
import importlib
import logging
import pkgutil
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC
from typing import Any

import discord
from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from discord.ext import commands

import cogs
from bot.config import AppConfig
from bot.crypto import Keyring
from bot.db import Database
from bot.discord_port import DiscordPort
from bot.mentions import SAFE_DEFAULT
from bot.replies import CopCommandTree
from bot.services.outbound import Outbox, OutboxSettings
from bot.timeutil import Clock, utcnow

log = logging.getLogger(__name__)

SCHEDULER_MISFIRE_GRACE_SECONDS = 60
"""How late APScheduler may still run a job. Jobs only wake the bot up: what is due is
decided from the database, so a job that misfires loses nothing."""

StartupStep = Callable[["CopBot"], Awaitable[None]]

MEMBER_WORK_TASKS = (
    "CommandTree-invoker",
    "discord-ui-view-dispatch-",
    "discord-ui-modal-dispatch-",
    "discord-ui-dynamic-item-",
)
"""How discord.py names the tasks that run a member's command, press or form
(``app_commands/tree.py``, ``ui/view.py``, ``ui/modal.py``): ``close`` lets those under
way finish, for a moment, before it cancels them."""


class JobExecutor(AsyncIOExecutor):  # type: ignore[misc]  # APScheduler has no types
    """APScheduler's asyncio executor, telling which jobs are running: its ``shutdown``
    only cancels them, and ``CopBot.close`` must also wait until they have stopped."""

    def running(self) -> list[asyncio.Future[Any]]:
        return [job for job in self._pending_futures if not job.done()]


def discover_extensions() -> list[str]:
    """Every module or package directly under ``cogs/`` that defines ``setup``."""
    found = []
    for info in sorted(pkgutil.iter_modules(cogs.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        name = f"{cogs.__name__}.{info.name}"
        if hasattr(importlib.import_module(name), "setup"):
            found.append(name)
    return found


def bot_intents() -> discord.Intents:
    intents = discord.Intents.none()
    intents.guilds = True
    intents.members = True  # the Server Members intent: joins, leaves, role checks
    intents.dm_messages = True
    intents.guild_scheduled_events = True  # RSVPs: scheduled-event user add/remove
    return intents


class CopBot(commands.Bot):
    def __init__(
        self,
        config: AppConfig,
        db: Database,
        *,
        clock: Clock = utcnow,
        extensions: Sequence[str] | None = None,
        keyring: Keyring | None = None,
        **client_options: Any,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(),
            tree_cls=CopCommandTree,
            allowed_mentions=SAFE_DEFAULT,
            help_command=None,
            max_messages=1000,
            # Without the presences intent GUILD_CREATE carries only the bot, whatever the
            # server's size. Nothing chunks: the onboarding sweep reads the member list over
            # REST in pages (bounded by a timeout), and commands look people up one by one,
            # so start-up never waits on chunks and memory does not grow with the server.
            chunk_guilds_at_startup=False,
            **client_options,
        )
        self.config = config
        self.db = db
        self.keyring = keyring
        """The data key (``bot.crypto``); when None, the learnings cog loads it from
        ``COP_DATA_KEY`` or the key file and checks it against the database."""
        self.clock = clock
        self.zone = config.community.zone
        self._tasks: set[asyncio.Task[Any]] = set()
        """Event handlers (``_schedule_event``) and the cogs' ``background`` work running
        now; ``close`` stops them."""
        self.port = DiscordPort(self, config.discord.guild_id)
        """The one port (``bot.port``) through which background work reaches Discord."""
        self.outbox = Outbox(
            db, self.port, clock, config.community.zone, OutboxSettings.from_config(config)
        )
        """The one outbound path for bulk DMs (``bot.services.outbound``)."""
        self._jobs = JobExecutor()
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            executors={"default": self._jobs},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": SCHEDULER_MISFIRE_GRACE_SECONDS,
            },
        )
        self._extensions = list(extensions) if extensions is not None else None
        self._checked_guild = False
        self.connect_work: list[asyncio.Event] = []
        """Events that cogs set when the work they do on connecting is finished (the
        onboarding sweep, say); ``wait_until_settled`` waits for them."""
        self.startup_steps: list[StartupStep] = []
        """Run in ``setup_hook`` after the cogs load, before commands sync. A step may
        raise ``StartupError`` to stop the bot with one line."""

    @property
    def data_keyring(self) -> Keyring:
        """The loaded data key. It is loaded before any command can run, so its absence
        is a programming error, not something a member can cause."""
        if self.keyring is None:
            raise RuntimeError("the data key is not loaded")
        return self.keyring

    @property
    def guild_object(self) -> discord.Object:
        return discord.Object(self.config.discord.guild_id)

    @property
    def guild(self) -> discord.Guild | None:
        return self.get_guild(self.config.discord.guild_id)

    async def setup_hook(self) -> None:
        extensions = self._extensions if self._extensions is not None else discover_extensions()
        for name in extensions:
            await self.load_extension(name)
        for step in self.startup_steps:
            await step(self)
        self.tree.copy_global_to(guild=self.guild_object)
        synced = await self.tree.sync(guild=self.guild_object)
        log.info("synced %d commands to guild %s", len(synced), self.config.discord.guild_id)
        self.scheduler.start()
        self.outbox.start()

    async def wait_until_settled(self) -> None:
        """Until the bot is ready and the work its cogs do on connecting is done."""
        await self.wait_until_ready()
        for done in self.connect_work:
            await done.wait()

    def _schedule_event(
        self,
        coro: Callable[..., Coroutine[Any, Any, Any]],
        event_name: str,
        *args: Any,
        **kwargs: Any,
    ) -> asyncio.Task[None]:
        return self._track(super()._schedule_event(coro, event_name, *args, **kwargs))

    def background(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run ``work`` beside what called it (a sweep after a change, say); ``close``
        stops it with the bot."""
        return self._track(asyncio.create_task(work, name=name))

    def _track(self, task: asyncio.Task[None]) -> asyncio.Task[None]:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def close(self) -> None:
        await self.outbox.stop()
        jobs: list[asyncio.Future[Any]] = []
        if self.scheduler.running:
            jobs = self._jobs.running()
            self.scheduler.shutdown(wait=False)  # cancels the running jobs, without waiting
        await self._stop_work(jobs)
        await super().close()
        await self._stop_work([])  # any begun while the connection closed (a cog unloading)

    async def _stop_work(
        self, jobs: list[asyncio.Future[Any]], grace: float = 5, within: float = 10
    ) -> None:
        """Whatever still runs is stopped and awaited, so none of it outlives the bot and
        works on under a database being closed next. A member's command or press under way
        gets ``grace`` seconds to finish; event handlers and background work are cancelled
        (each unit of work is one transaction, so a cancelled one leaves nothing half-done)."""
        current = asyncio.current_task()
        members = [
            task
            for task in asyncio.all_tasks()
            if task is not current and task.get_name().startswith(MEMBER_WORK_TASKS)
        ]
        if members:
            await asyncio.wait(members, timeout=grace)
        running = [
            task
            for task in (*jobs, *self._tasks, *members)
            if task is not current and not task.done()
        ]
        for task in running:
            task.cancel()
        if running:
            _, late = await asyncio.wait(running, timeout=within)
            if late:
                log.warning("%d tasks were still stopping after %g s", len(late), within)

    async def on_guild_available(self, guild: discord.Guild) -> None:
        if guild.id != self.config.discord.guild_id or self._checked_guild:
            return
        self._checked_guild = True
        for problem in missing_guild_objects(self.config, guild):
            log.warning("%s", problem)

    async def text_channel(self, channel_id: int) -> discord.abc.Messageable:
        """A configured channel, from the cache or, failing that, from the API."""
        channel = self.get_channel(channel_id)
        if channel is None:
            channel = await self.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise TypeError(f"channel {channel_id} cannot hold messages")
        return channel


def missing_guild_objects(config: AppConfig, guild: discord.Guild) -> list[str]:
    """One warning line for each configured channel or role the guild does not have."""
    problems = []
    for key, channel_id in config.channels.model_dump().items():
        if channel_id is not None and guild.get_channel(channel_id) is None:
            problems.append(
                f"channels.{key}: channel {channel_id} is not in guild {guild.name!r}; "
                "posts meant for it will fail"
            )
    for key, role_id in config.roles.model_dump().items():
        if role_id is not None and guild.get_role(role_id) is None:
            problems.append(
                f"roles.{key}: role {role_id} is not in guild {guild.name!r}; "
                "fix the id in the config"
            )
    return problems
