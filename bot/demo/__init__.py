"""``python -m bot demo``: a month of the community in one command, with no Discord account.

It starts the project's Discord emulator with a sample server, runs the real bot against it
with a temporary database and a demo config whose time is compressed (the meeting is seconds
away, reminder offsets are seconds), and plays the scenes through real slash commands, forms
and buttons, printing a transcript. The same run is the project's smoke test.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console

from bot.client import CopBot
from bot.config import AppConfig
from bot.datakeys import prepare_keyring
from bot.db import Database
from bot.demo.community import (
    TIMEZONE,
    DemoTimes,
    SampleServer,
    build_server,
    demo_config,
    seed_profiles,
)
from bot.demo.errors import DemoError
from bot.demo.transcript import Transcript
from bot.endpoints import point_discord_at
from bot.runner import prepare_database, start_in_background, stop_in_background
from emulator import DiscordEmulator, RecordedInteraction, RecordedMessage

log = logging.getLogger(__name__)

LEAD_TIME = timedelta(seconds=34)
"""From setting the series to the demo meeting: the scenes before the reminders fit in it."""
WAIT = 20.0
REAL_SERVER_HINT = (
    "To run cop-bot on your own server: copy config.example.toml to config.toml, fill in "
    "its ids, set DISCORD_TOKEN, and run `make run` again (see README.md)."
)


@dataclass
class Outcome:
    output_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    facts: list[str] = field(default_factory=list)


class Demo:
    def __init__(self, output_dir: Path, workdir: Path, console: Console | None = None) -> None:
        self.output_dir = output_dir
        self.workdir = workdir
        self.emu = DiscordEmulator()
        self.server: SampleServer = build_server(self.emu)
        self.times = DemoTimes(meeting_at=datetime.now(UTC) + LEAD_TIME)
        self.config: AppConfig | None = None
        self.transcript = Transcript(self.emu, ZoneInfo(TIMEZONE), console)
        self.bot: CopBot | None = None
        self.db: Database | None = None
        self._task: asyncio.Task[None] | None = None
        self.outcome = Outcome(output_dir)
        self._seeded = False

    # --- plumbing ----------------------------------------------------------------------

    @property
    def guild_id(self) -> int:
        return self.server.guild.id

    def uid(self, username: str) -> int:
        return self.server.user(username).id

    def channel_id(self, name: str) -> int:
        return self.server.channels[name].id

    async def open(self) -> None:
        """Start the emulator, then fix the demo's times and config (they name its port)."""
        await self.emu.start()
        now = datetime.now(UTC)
        self.times = DemoTimes(meeting_at=(now + LEAD_TIME).replace(microsecond=0))
        self.config = demo_config(self.server, self.workdir, self.times, now)

    @property
    def cfg(self) -> AppConfig:
        if self.config is None:
            raise RuntimeError("call open() first")
        return self.config

    async def start_bot(self) -> CopBot:
        self.db = await prepare_database(self.cfg)
        if not self._seeded:
            await seed_profiles(self.db, self.server, datetime.now(UTC))
            self._seeded = True
        keyring = await prepare_keyring(self.cfg, self.db, environ={})
        point_discord_at(self.cfg.discord.api_base_url, self.cfg.discord.gateway_url)
        bot = CopBot(self.cfg, self.db, keyring=keyring, guild_ready_timeout=0.05)
        self.bot = bot
        try:
            self._task = await start_in_background(bot, self.emu.bot_token, WAIT)
        except TimeoutError:
            raise DemoError("the bot did not connect to the emulator") from None
        return bot

    async def stop_bot(self) -> None:
        bot, task, db = self.bot, self._task, self.db
        self.bot = self._task = self.db = None
        if bot is not None and task is not None:
            await stop_in_background(bot, task, WAIT)
        if db is not None:
            await db.dispose()

    async def command(
        self, username: str, name: str, options: dict[str, Any] | None = None
    ) -> RecordedInteraction:
        it = await self.emu.invoke_command(
            self.guild_id, self.uid(username), name, options, channel_id=self.channel_for(name)
        )
        await it.wait_response(WAIT)
        return it

    def channel_for(self, command: str) -> int:
        """Where a person would type the command."""
        if command.startswith("roster"):
            return self.channel_id("roster")
        if command.startswith(("digest", "meeting series", "onboarding")):
            return self.channel_id("coordinators")
        return self.channel_id("general")

    async def reply(
        self, username: str, name: str, options: dict[str, Any] | None = None
    ) -> RecordedMessage:
        return await (await self.command(username, name, options)).wait_reply(WAIT)

    async def press(self, username: str, message: RecordedMessage, prefix: str) -> Any:
        custom_id = next((c for c in message.custom_ids() if c.startswith(prefix)), None)
        if custom_id is None:
            raise DemoError(f"no `{prefix}` button on the message")
        guild = None if message.guild_id is None else self.guild_id
        it = await self.emu.press_button(guild, self.uid(username), message, custom_id)
        await it.wait_response(WAIT)
        return it

    async def choose(
        self, username: str, message: RecordedMessage, custom_id: str, value: str
    ) -> RecordedInteraction:
        it = await self.emu.choose(self.guild_id, self.uid(username), message, custom_id, [value])
        await it.wait_response(WAIT)
        return it

    async def message(self, what: str, predicate: Any, within: float = WAIT) -> RecordedMessage:
        try:
            return await self.emu.wait_for_message(predicate, within)
        except TimeoutError:
            raise DemoError(f"{what} never arrived") from None

    def dms(self, username: str, needle: str) -> list[RecordedMessage]:
        return [m for m in self.emu.dms_to(self.uid(username)) if needle in m.text]

    def posts(self, channel: str, needle: str) -> list[RecordedMessage]:
        return [m for m in self.emu.messages_in(self.channel_id(channel)) if needle in m.text]

    async def until(self, moment: datetime) -> None:
        await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))

    def save(self, key: str, name: str, data: bytes) -> Path:
        path = self.output_dir / name
        path.write_bytes(data)
        self.outcome.files[key] = path
        return path

    async def facilitator_of_first_meeting(self) -> str:
        from bot.services import rotation

        assert self.db is not None
        async with self.db.transaction() as session:
            meeting = await rotation.next_meeting(session, datetime.now(UTC))
            if meeting is None or meeting.facilitator is None:
                raise DemoError("the first meeting has no facilitator")
            user_id = meeting.facilitator.user_id
        username = self.server.username_of(user_id)
        if username is None:
            raise DemoError("the facilitator is not a sample member")
        return username


async def run_demo(
    output_dir: Path, *, interactive: bool = False, console: Console | None = None
) -> int:
    """Play every scene; returns the process exit code."""
    from bot.demo.scenes import play

    output_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, before anything runs)
    logging.basicConfig(level=logging.CRITICAL, force=True)
    with tempfile.TemporaryDirectory(prefix="cop-demo-") as tmp:
        demo = Demo(output_dir, Path(tmp), console)
        await demo.open()
        unsubscribe = demo.emu.on_record(demo.transcript)
        try:
            await play(demo)
            if interactive:
                from bot.demo.interactive import repl

                await repl(demo)
        except DemoError as exc:
            demo.transcript.console.print(f"[bold red]The demo stopped: {exc}[/]")
            return 1
        finally:
            demo.transcript.save(output_dir / "transcript.txt")
            unsubscribe()
            await demo.stop_bot()
            await demo.emu.stop()
    return 0
