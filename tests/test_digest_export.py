"""A digest export asked for in Discord, decided by bot.services.digest_export with a real
SQLite file and no Discord: nothing to export, too large, zipped, refused, recorded."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.config.learnings import LearningsConfig
from bot.crypto import Keyring
from bot.db import Database
from bot.errors import InvalidInput
from bot.models import DigestExport, SharingLevel
from bot.services.digest_export import Exporter, export_for_discord
from bot.services.learnings import store
from bot.services.learnings import text as ltext
from bot.services.learnings.request import DigestFormat, DigestRequest
from bot.services.learnings.stream import Progress
from bot.services.members import member_by_user
from tests.builders import add_member

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
ZONE = ZoneInfo("Australia/Brisbane")
CORA = Exporter(user_id=99, display_name="Cora Coordinator", holds_member_role=True)


def request(tags: tuple[str, ...] = ()) -> DigestRequest:
    return DigestRequest(
        date(2026, 3, 1), date(2026, 3, 31), DigestFormat.MARKDOWN, tags, ZONE, "CQ CoP", NOW
    )


async def add_learnings(db: Database, keyring: Keyring, count: int) -> None:
    async with db.transaction() as session:
        ana = await add_member(session, "Ana Alvarez", None, user_id=11, first_seen_at=NOW)
        for n in range(count):
            text = ltext.validate(
                ltext.Draft(f"Title {n}", "", "We learned to ask early. " * 20, "", "trust")
            )
            await store.add_learning(
                session, keyring, ana, text, NOW, sharing=SharingLevel.DIGEST_NAMED
            )


async def exports_recorded(db: Database) -> int:
    async with db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(DigestExport)) or 0)


class Shown:
    """A fake progress display: what the export reported."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.updates: list[tuple[int, int]] = []

    async def start(self, total: int) -> Progress:
        self.total = total
        return self.update

    def update(self, done: int, total: int) -> None:
        self.updates.append((done, total))


async def test_export_for_discord_refuses_an_empty_range_naming_the_tags(
    db: Database,
) -> None:
    keyring = Keyring.generate()
    async with db.transaction() as session:
        with pytest.raises(InvalidInput) as refused:
            await export_for_discord(
                session, keyring, request(("trust",)), LearningsConfig(), CORA, NOW
            )
    assert "No learnings tagged `trust` recorded from 2026-03-01 to 2026-03-31" in str(
        refused.value
    )
    assert await exports_recorded(db) == 0


async def test_export_for_discord_attaches_a_small_digest_as_it_is_and_records_it(
    db: Database,
) -> None:
    keyring = Keyring.generate()
    await add_learnings(db, keyring, 3)
    shown = Shown()
    async with db.transaction() as session:
        exported = await export_for_discord(
            session, keyring, request(), LearningsConfig(), CORA, NOW, start_progress=shown.start
        )
        coordinator = await member_by_user(session, CORA.user_id)
    assert not exported.zipped
    assert exported.filename == request().filename()
    assert b"Title 2" in exported.data
    assert exported.outcome.entries == 3
    assert shown.total is None  # 3 entries are under the threshold: no progress shown
    assert coordinator is not None
    assert coordinator.display_name == "Cora Coordinator"
    async with db.transaction() as session:
        row = await session.get(DigestExport, exported.record_id)
    assert row is not None
    assert row.exported_by_id == coordinator.id
    assert row.via == "discord"


async def test_export_for_discord_zips_a_digest_over_the_attachment_limit(
    db: Database,
) -> None:
    keyring = Keyring.generate()
    await add_learnings(db, keyring, 30)
    settings = LearningsConfig(attachment_limit_mb=8 / 1024, progress_threshold=10)
    shown = Shown()
    async with db.transaction() as session:
        exported = await export_for_discord(
            session, keyring, request(), settings, CORA, NOW, start_progress=shown.start
        )
    assert exported.zipped
    assert exported.filename == request().filename() + ".zip"
    assert len(exported.data) <= 8 * 1024 < exported.outcome.size
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert archive.namelist() == [request().filename()]
        assert len(archive.read(request().filename())) == exported.outcome.size
    assert shown.total == 30
    assert shown.updates[-1][0] == 30


async def test_export_for_discord_refuses_what_even_zipped_is_too_big_and_records_nothing(
    db: Database,
) -> None:
    keyring = Keyring.generate()
    await add_learnings(db, keyring, 5)
    settings = LearningsConfig(attachment_limit_mb=100 / 1024 / 1024)
    async with db.transaction() as session:
        with pytest.raises(InvalidInput) as refused:
            await export_for_discord(session, keyring, request(), settings, CORA, NOW)
    assert "Even zipped" in str(refused.value)
    assert "`python -m bot export-digest --from 2026-03-01 --to 2026-03-31`" in str(refused.value)
    assert await exports_recorded(db) == 0


async def test_export_for_discord_stops_past_the_largest_export(db: Database) -> None:
    keyring = Keyring.generate()
    await add_learnings(db, keyring, 5)
    settings = LearningsConfig(max_export_mb=1 / 1024)
    async with db.transaction() as session:
        with pytest.raises(InvalidInput) as refused:
            await export_for_discord(session, keyring, request(), settings, CORA, NOW)
    assert "too big to send here" in str(refused.value)
    assert await exports_recorded(db) == 0
