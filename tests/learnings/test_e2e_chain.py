"""One learning, end to end through the emulator: the form, encrypted storage,
/learning mine, a coordinator's export holding only consenting entries, and the record."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.logs import _QUIET_AT_DEBUG as QUIET_AT_DEBUG
from bot.models import DigestExport
from bot.services.report import Period, RenderedReport, record_report
from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.learnings.helpers import (
    database_bytes,
    db_path,
    fixed_keyring,
    make_members_active,
    record_learning,
    run,
)

ANA_SECRET = "Zanzibar-quokka consensus"


async def test_learning_chain_form_storage_mine_export_record(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # as `logging.level = "DEBUG"` would (bot.logs.setup_logging)
    for name in (*QUIET_AT_DEBUG, "emulator", "aiohttp"):
        caplog.set_level(logging.INFO, logger=name)
    clock = FakeClock(datetime(2026, 3, 10, 1, 0, tzinfo=UTC))
    await world.start_bot(clock=clock, keyring=fixed_keyring())
    await make_members_active(world)
    emu = world.emu

    learning_id, reply = await record_learning(
        world,
        world.ana.id,
        {
            "title": "Slow trust beats fast money",
            "happened": f"A {ANA_SECRET} emerged in the funding round.",
            "learned": "Partners trust process more than promises.",
            "next_time": "Map interests before money is on the table.",
            "tags": "Trust, funding",
        },
    )
    assert "private" in reply.text
    chosen_id, reply = learning_id, reply
    share = next(c for c in reply.custom_ids() if c.startswith("learning:share:"))
    picked = await emu.choose(world.guild.id, world.ana.id, reply, share, ["digest-anonymous"])
    reply = await picked.wait_reply()
    assert "digest-anonymous" in reply.text
    assert reply.ephemeral

    # storage: none of what Ana typed is in the database file, WAL included
    raw = database_bytes(db_path(world))
    assert raw
    for typed in (ANA_SECRET, "Slow trust beats fast money", "Partners trust process", "funding"):
        assert typed.encode() not in raw

    # /learning mine
    it = await run(world, world.ana.id, "learning mine")
    mine = await it.wait_reply()
    assert mine.ephemeral
    assert "Slow trust beats fast money" in mine.text
    assert f"#{chosen_id}" in mine.text

    # other members' learnings at every level
    _, _ = await record_learning(
        world, world.ben.id, {"title": "Ben private", "learned": "PRIVATE-MARKER-1"}
    )
    _, _ = await record_learning(
        world, world.cal.id, {"title": "Cal group", "learned": "GROUP-MARKER-2"}, "group"
    )
    _, _ = await record_learning(
        world,
        world.dee.id,
        {"title": "Dee named", "learned": "NAMED-MARKER-3", "tags": "trust"},
        "digest-named",
    )

    # the coordinator's export
    it = await run(
        world, world.cora.id, "digest export", {"from": "2026-03-01", "to": "2026-03-31"}
    )
    done = await it.wait_reply(timeout=15)
    assert done.ephemeral
    assert done.attachments, done.text
    attachment = done.attachments[0]
    text = attachment.data.decode("utf-8")
    assert ANA_SECRET in text
    assert "NAMED-MARKER-3" in text
    assert "Dee Dawson" in text
    assert "PRIVATE-MARKER-1" not in text
    assert "GROUP-MARKER-2" not in text
    assert "Ana Alvarez" not in text
    assert "Ana Partnerships" not in text
    assert "trust (2 entries)" in text

    # the record
    sha = hashlib.sha256(attachment.data).hexdigest()
    assert sha in done.text
    assert world.db is not None
    async with world.db.transaction() as session:
        record = (await session.scalars(select(DigestExport))).one()
    assert record.entry_count == 2
    assert record.sha256 == sha
    assert (str(record.range_start), str(record.range_end)) == ("2026-03-01", "2026-03-31")
    it = await run(world, world.cora.id, "exports history")
    history = await it.wait_reply()
    assert sha in history.text
    assert "Cora Coordinator" in history.text
    assert "digest (markdown)" in history.text
    # /digest history is the same list
    it = await run(world, world.cora.id, "digest history")
    assert sha in (await it.wait_reply()).text

    # an impact report (/report) is recorded beside the digests and shown as one
    async with world.db.transaction() as session:
        await record_report(
            session,
            fixed_keyring(),
            by=None,
            via="cli",
            period=Period(date(2025, 4, 1), date(2026, 3, 31), ZoneInfo("Australia/Brisbane")),
            rendered=RenderedReport(b"<html></html>", b"", "f" * 64, charts=3),
            now=clock(),
        )
    it = await run(world, world.cora.id, "exports history")
    both = (await it.wait_reply()).text
    assert "Impact report #2" in both
    assert "impact report · **3** charts" in both
    assert sha in both
    assert both.index("Impact report #2") < both.index(sha)  # newest first
    it = await run(world, world.ana.id, "exports history")
    assert "f" * 64 not in (await it.wait_reply()).text  # coordinators only

    # nothing Ana typed reached the logs
    assert caplog.records
    for typed in (ANA_SECRET, "Slow trust beats fast money", "Partners trust process"):
        assert typed not in caplog.text
