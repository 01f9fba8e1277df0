"""The end-to-end world: the project's Discord emulator with a sample community, and the
real bot (unmodified discord.py) started against it on a real, migrated SQLite file.

    world = World(tmp_path)          # or the ``world`` fixture from tests/e2e/conftest.py
    await world.start()              # the emulator
    bot = await world.start_bot(clock=FakeClock(...))
    it = await world.emu.invoke_command(world.guild.id, world.ana.id, "about")
    reply = await it.wait_reply()
    await world.restart_bot()        # same database file, same clock
    await world.close()
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar, cast

from discord.ext import commands
from sqlalchemy.exc import IntegrityError

from bot.client import CopBot
from bot.config import AppConfig, parse_config
from bot.db import Database
from bot.endpoints import point_discord_at
from bot.models import Member
from bot.runner import prepare_database, start_in_background, stop_in_background
from bot.timeutil import Clock, utcnow
from emulator import DiscordEmulator, EmuChannel, EmuGuild, EmuRole, EmuUser
from tests.builders import upsert_active_member

READY_TIMEOUT = 15.0

C = TypeVar("C", bound=commands.Cog)


class World:
    """A sample Community of Practice server and the bot that runs it."""

    def __init__(self, tmp_path: Path, **config_sections: dict[str, Any]) -> None:
        self.tmp_path = tmp_path
        self.emu = DiscordEmulator()
        emu = self.emu
        self.guild: EmuGuild = emu.add_guild("CQ Partnership Brokers")
        gid = self.guild.id
        self.coordinator_role: EmuRole = emu.add_role(gid, "Coordinator")
        self.member_role: EmuRole = emu.add_role(gid, "Member")
        self.alumni_role: EmuRole = emu.add_role(gid, "Alumni")
        self.welcome: EmuChannel = emu.add_channel(gid, "welcome")
        self.roster: EmuChannel = emu.add_channel(gid, "roster")
        self.coordinators: EmuChannel = emu.add_channel(gid, "coordinators")
        self.announcements: EmuChannel = emu.add_channel(gid, "announcements")
        self.general: EmuChannel = emu.add_channel(gid, "general")

        self.cora: EmuUser = self._person("cora", "Cora Coordinator", coordinator=True)
        self.ana: EmuUser = self._person("ana", "Ana Alvarez")
        self.ben: EmuUser = self._person("ben", "Ben Brooks")
        self.cal: EmuUser = self._person("cal", "Cal Chen")
        self.dee: EmuUser = self._person("dee", "Dee Dawson")
        self.nina: EmuUser = emu.add_user("nina", global_name="Nina Newcomer")
        """In the server, not yet a member of the CoP."""
        emu.add_member(gid, self.nina.id)

        self.config_sections = config_sections
        self.bot: CopBot | None = None
        self.db: Database | None = None
        self._task: asyncio.Task[None] | None = None
        self.clock: Clock = utcnow

    def _person(self, username: str, name: str, *, coordinator: bool = False) -> EmuUser:
        user = self.emu.add_user(username, global_name=name)
        roles = [self.member_role.id] + ([self.coordinator_role.id] if coordinator else [])
        self.emu.add_member(self.guild.id, user.id, roles=roles)
        return user

    @property
    def members(self) -> list[EmuUser]:
        """The sample members already in the CoP (the coordinator first)."""
        return [self.cora, self.ana, self.ben, self.cal, self.dee]

    # --- config --------------------------------------------------------------------

    def config_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "discord": {
                "guild_id": self.guild.id,
                "api_base_url": self.emu.api_base_url,
                "gateway_url": self.emu.gateway_url,
            },
            "database": {
                "url": f"sqlite+aiosqlite:///{self.tmp_path / 'cop.sqlite3'}",
                "backup_dir": str(self.tmp_path / "backups"),
            },
            "roles": {
                "coordinator": self.coordinator_role.id,
                "member": self.member_role.id,
                "alumni": self.alumni_role.id,
            },
            "channels": {
                "welcome": self.welcome.id,
                "roster": self.roster.id,
                "coordinators": self.coordinators.id,
                "announcements": self.announcements.id,
            },
        }
        for name, values in self.config_sections.items():
            data[name] = {**data.get(name, {}), **values}
        return data

    @property
    def config(self) -> AppConfig:
        return parse_config(self.config_data())

    # --- lifecycle -----------------------------------------------------------------

    async def start(self) -> None:
        await self.emu.start()

    async def start_bot(self, clock: Clock | None = None, **bot_options: Any) -> CopBot:
        """Migrate the database and run the real bot against the emulator until ready."""
        if self.bot is not None:
            raise RuntimeError("the bot is already running; use restart_bot()")
        if clock is not None:
            self.clock = clock
        config = self.config
        self.db = await prepare_database(config, self.clock)
        point_discord_at(config.discord.api_base_url, config.discord.gateway_url)
        bot_options.setdefault("guild_ready_timeout", 0.05)
        bot = CopBot(config, self.db, clock=self.clock, **bot_options)
        self.bot = bot
        self._task = await start_in_background(bot, self.emu.bot_token, READY_TIMEOUT)
        return bot

    async def stop_bot(self) -> None:
        bot, task, db = self.bot, self._task, self.db
        self.bot = self._task = self.db = None
        if bot is not None and task is not None:
            await stop_in_background(bot, task, 10)
        if db is not None:
            await db.dispose()

    async def restart_bot(self, **bot_options: Any) -> CopBot:
        await self.stop_bot()
        return await self.start_bot(**bot_options)

    async def close(self) -> None:
        await self.stop_bot()
        await self.emu.stop()

    def cog(self, kind: type[C]) -> C:
        """The running bot's cog of this class. Extensions are re-imported on each start, so
        the loaded class is not the one the test imported: found and checked by name."""
        assert self.bot is not None, "the bot is not running"
        found = self.bot.get_cog(kind.__cog_name__)
        assert found is not None, f"no {kind.__cog_name__} cog loaded"
        assert type(found).__name__ == kind.__name__
        return cast(C, found)

    # --- arranging state -----------------------------------------------------------

    async def add_active_members(
        self,
        users: list[EmuUser] | None = None,
        *,
        interests: dict[int, list[str]] | None = None,
        joined_at: datetime | None = None,
    ) -> list[Member]:
        """Record sample members as active CoP members in the bot's database (arrangement
        for tests of later capabilities; onboarding's own tests go through /join)."""
        if self.db is None:
            raise RuntimeError("start the bot first")
        base = joined_at or datetime(2025, 1, 6, tzinfo=UTC)
        users = self.members if users is None else users
        for _ in range(9):
            try:
                return await self._upsert_members(users, interests or {}, base)
            except IntegrityError:  # the bot's onboarding sweep recorded one meanwhile
                await asyncio.sleep(0.05)
        return await self._upsert_members(users, interests or {}, base)

    async def _upsert_members(
        self, users: list[EmuUser], interests: dict[int, list[str]], base: datetime
    ) -> list[Member]:
        assert self.db is not None
        async with self.db.transaction() as session:
            return [
                await upsert_active_member(
                    session,
                    user.id,
                    user.global_name or user.username,
                    user.username,
                    joined_at=base + timedelta(days=n),
                    interests=interests.get(user.id, ["collaboration"]),
                )
                for n, user in enumerate(users)
            ]


WorldFactory = Callable[..., World]
