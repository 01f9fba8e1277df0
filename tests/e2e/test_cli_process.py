"""The real command line, `python -m bot run --config X`, as a separate process against the
emulator: it logs in, syncs, answers, and a reminder survives SIGKILL exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.config import parse_config
from bot.datakeys import load_keys
from bot.db import Database
from bot.models import ReminderKind
from bot.services.reminders import EngineSettings, add_reminder
from bot.services.reminders.schedule import Schedule
from tests.e2e.harness import World
from tests.e2e.process import BotProcess, toml_text

pytestmark = pytest.mark.e2e


@pytest.fixture
async def running(world: World) -> AsyncIterator[BotProcess]:
    data = world.config_data()
    data["reminders"] = {"poll_seconds": 5}
    path = world.tmp_path / "config.toml"
    path.write_text(toml_text(data))
    process = BotProcess(world, path, parse_config(data))
    try:
        yield process
    finally:
        process.stop()


async def _identified(world: World, count: int) -> None:
    await world.emu.wait_for_identify(count, timeout=60)
    await world.emu.wait_until_ready(timeout=30)


async def test_cli_run_logs_in_syncs_and_answers_about(world: World, running: BotProcess) -> None:
    running.start()
    await _identified(world, 1)
    await world.emu.wait_until(
        lambda: "about" in world.emu.command_names(world.guild.id), 30, "command sync"
    )
    it = await world.emu.invoke_command(world.guild.id, world.ana.id, "about")
    reply = await it.wait_reply(timeout=15)
    assert world.config.community.rules[3] in reply.text
    assert (world.tmp_path / "cop.key").stat().st_mode & 0o777 == 0o600


async def test_reminder_survives_sigkill_exactly_once(world: World, running: BotProcess) -> None:
    running.start()
    await _identified(world, 1)
    config = running.config
    due = datetime.now(UTC) + timedelta(seconds=6)
    database = Database.from_url(config.database.url)
    keyring = load_keys(config).keyring  # the running bot's key file
    assert keyring is not None
    try:
        async with database.transaction() as session:
            await add_reminder(
                session,
                keyring=keyring,
                kind=ReminderKind.PERSONAL,
                owner_user_id=world.dee.id,
                schedule=Schedule(first_at=due, rule=None, timezone="Australia/Brisbane"),
                text="Bring the workshop notes",
                now=datetime.now(UTC),
                settings=EngineSettings.from_config(config),
                text_limit=1500,
            )
    finally:
        await database.dispose()
    running.kill()  # down across the reminder's time
    await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 1)
    running.start()

    def delivered() -> list[object]:
        return [m for m in world.emu.dms_to(world.dee.id) if "workshop notes" in m.text]

    await world.emu.wait_until(lambda: len(delivered()) >= 1, 60, "the reminder DM")
    running.kill()  # right after it fired
    running.start()
    await _identified(world, 3)
    await asyncio.sleep(7)  # more than one poll of the restarted bot
    assert len(delivered()) == 1
