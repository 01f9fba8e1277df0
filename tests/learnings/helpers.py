"""Helpers for the learnings tests: a fixed data key, recording learnings through the
emulator, and reading the database file's raw bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.crypto import Keyring
from emulator import RecordedInteraction, RecordedMessage
from tests.e2e.harness import World

FIXED_KEY = "q8H0R1T0tJk3Zb0yQ6cWmR7v2l5a9XnE4uPdKfGhS1o="
"""A fixed data key for tests (never used anywhere real)."""


def fixed_keyring() -> Keyring:
    return Keyring.from_texts([FIXED_KEY])


def database_bytes(path: Path) -> bytes:
    """The SQLite file and its write-ahead log, as they are on disk right now."""
    data = b""
    for candidate in (
        path,
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-journal"),
    ):
        if candidate.exists():
            data += candidate.read_bytes()
    return data


def db_path(world: World) -> Path:
    return world.tmp_path / "cop.sqlite3"


async def record_learning(
    world: World,
    user_id: int,
    values: dict[str, str],
    level: str | None = None,
) -> tuple[int, RecordedMessage]:
    """/learning add → fill in the form → (optionally) choose a sharing level.
    Returns the learning's number and the last confirmation."""
    emu = world.emu
    it = await emu.invoke_command(world.guild.id, user_id, "learning add")
    await it.wait_response()
    assert it.modal is not None, "the form did not open"
    submitted = await emu.submit_modal(it, values)
    reply = await submitted.wait_reply()
    assert reply.ephemeral
    share_ids = [c for c in reply.custom_ids() if c.startswith("learning:share:")]
    assert share_ids, reply.text
    learning_id = int(share_ids[0].rsplit(":", 1)[1])
    if level is not None:
        chosen = await emu.choose(world.guild.id, user_id, reply, share_ids[0], [level])
        reply = await chosen.wait_reply()
    return learning_id, reply


async def run(
    world: World, user_id: int, command: str, options: dict[str, Any] | None = None
) -> RecordedInteraction:
    return await world.emu.invoke_command(world.guild.id, user_id, command, options or {})


async def publish_new(
    world: World, values: dict[str, str], level: str
) -> tuple[int, RecordedMessage]:
    """Ana records a learning shared at ``level`` and asks to publish it to the knowledge
    base: its number and the bot's reply."""
    ident, _ = await record_learning(world, world.ana.id, values, level)
    asked = await run(world, world.ana.id, "learning publish", {"id": ident})
    return ident, await asked.wait_reply()


async def make_members_active(world: World) -> None:
    """Record the sample members as active CoP members (updating rows the bot may already
    have made for them, e.g. onboarding's sweep of people in the server)."""
    await world.add_active_members()
