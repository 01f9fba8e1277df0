"""Member text stored encrypted since migration 0014: why a member is unavailable, and
what a reminder says.

Each text: never in the database file's bytes (nor its write-ahead log), shown decrypted in
/mydata and erased by it, re-encrypted by ``rotate-key``; and rows an older version wrote in
plain text are encrypted when the bot starts, leaving no plain copy in the file."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from bot.config import AppConfig
from bot.crypto import DecryptionError, Keyring, generate_key
from bot.datakeys import key_ids_in_use, prepare_keyring, reencrypt_all, seal_plain_texts
from bot.db import Database, migrate, sqlite_path
from bot.models import Member, Reminder, ReminderKind, Unavailability
from bot.services import mydata, reminders, rotation
from bot.services.mydata import Person
from bot.services.mydata_sources import contributors
from bot.services.rotation import RotationRules
from tests.builders import add_member, away_in_april
from tests.conftest import FakeClock, sqlite_only
from tests.e2e.harness import World
from tests.learnings.helpers import database_bytes

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
RULES = RotationRules()
REASON = "Kookaburra surgery at Rockhampton Base"
"""Words that appear nowhere else in the database."""
REMINDER = "Wallaby grant deadline Yeppoon"

_Written = TypeVar("_Written")


def _raw(config: AppConfig) -> bytes:
    path = sqlite_path(config.database.url)
    assert path is not None
    return database_bytes(Path(path))


async def _mark(db: Database, keyring: Keyring, reason: str = REASON) -> Member:
    return await away_in_april(db, keyring, "Ana", reason, NOW)


# --- unavailability reasons -------------------------------------------------------------


@sqlite_only
async def test_unavailability_reason_never_in_database_file(
    config: AppConfig, db: Database
) -> None:
    keyring = Keyring.generate()
    member = await _mark(db, keyring)
    raw = _raw(config)
    assert b"Kookaburra" not in raw
    assert b"Rockhampton" not in raw
    async with db.transaction() as session:
        row = (await session.scalars(select(Unavailability))).one()
        assert row.legacy_reason == ""
        assert row.key_id == keyring.primary_id
        assert rotation.open_reason(keyring, row) == REASON
        # bound to its member: the same bytes on another member's row do not open
        moved = Unavailability(
            member_id=member.id + 1,
            first_day=row.first_day,
            last_day=row.last_day,
            reason_sealed=row.reason_sealed,
            key_id=row.key_id,
            created_at=NOW,
        )
        with pytest.raises(DecryptionError) as refused:
            rotation.open_reason(keyring, moved)
        assert "Kookaburra" not in str(refused.value)


async def test_unavailability_reason_in_mydata_export_and_gone_after_erase(
    db: Database,
) -> None:
    keyring = Keyring.generate()
    member = await _mark(db, keyring)
    async with db.transaction() as session:
        fresh = await session.get(Member, member.id)
        assert fresh is not None
        person = Person(session, fresh, NOW, keyring)
        export = mydata.jsonable(await mydata.collect(person, contributors()))
        [entry] = export["rotation"]["unavailability"]
        assert entry["reason"] == REASON
        assert entry["first_day"] == "2026-04-01"
        await mydata.erase(person, contributors())
    async with db.transaction() as session:
        assert (await session.scalars(select(Unavailability))).all() == []


async def test_unavailability_reason_split_by_clearing_keeps_reason(db: Database) -> None:
    keyring = Keyring.generate()
    member = await _mark(db, keyring)
    async with db.transaction() as session:
        fresh = await session.get(Member, member.id)
        assert fresh is not None
        await rotation.clear_unavailable(
            session, fresh, date(2026, 4, 4), date(2026, 4, 5), NOW, RULES
        )
    async with db.transaction() as session:
        rows = (
            await session.scalars(select(Unavailability).order_by(Unavailability.first_day))
        ).all()
        assert [(r.first_day.day, r.last_day.day) for r in rows] == [(1, 3), (6, 10)]
        assert [rotation.open_reason(keyring, r) for r in rows] == [REASON, REASON]


async def test_unavailability_without_reason_stores_nothing_encrypted(db: Database) -> None:
    keyring = Keyring.generate()
    await _mark(db, keyring, reason="")
    async with db.transaction() as session:
        row = (await session.scalars(select(Unavailability))).one()
        assert (row.reason_sealed, row.key_id) == (None, None)
        assert rotation.open_reason(keyring, row) == ""
        assert await key_ids_in_use(session) == {}


async def _rotate_one_text(
    db: Database, write: Callable[[Keyring], Awaitable[_Written]]
) -> tuple[Keyring, _Written]:
    """Writes one sealed text under an old key, re-encrypts everything to a new one, and
    returns the keyring holding only the new key (and what ``write`` returned)."""
    old_key, new_key = generate_key(), generate_key()
    old = Keyring.from_texts([old_key])
    written = await write(old)
    both, new = Keyring.from_texts([new_key, old_key]), Keyring.from_texts([new_key])
    async with db.transaction() as session:
        assert await key_ids_in_use(session) == {old.primary_id: 1}
        await reencrypt_all(session, both)
    async with db.transaction() as session:
        assert await key_ids_in_use(session) == {new.primary_id: 1}
    return new, written


async def test_unavailability_reason_rotates_to_new_key(db: Database) -> None:
    new, _ = await _rotate_one_text(db, lambda old: _mark(db, old))
    async with db.transaction() as session:
        row = (await session.scalars(select(Unavailability))).one()
        assert rotation.open_reason(new, row) == REASON  # the old key is no longer needed


# --- rows an older version wrote in plain text ------------------------------------------


async def _database_at_0013_with_plain_rows(config: AppConfig) -> Database:
    """The database as the version before 0014 left it: reasons in plain text."""
    db = Database.from_url(config.database.url, hide_parameters=True)
    await migrate(db.engine, "0013")
    async with db.transaction() as session:
        ana = await add_member(session, "Ana")
        ben = await add_member(session, "Ben")
        for member, reason in ((ana, REASON), (ben, ""), (ana, "Second plain reason")):
            await session.execute(
                sa.text(
                    "INSERT INTO unavailabilities (member_id, first_day, last_day, reason, "
                    "created_at) VALUES (:m, :f, :l, :r, :c)"
                ),
                {
                    "m": member.id,
                    "f": date(2026, 4, 1),
                    "l": date(2026, 4, 2),
                    "r": reason,
                    "c": NOW.replace(tzinfo=None),
                },
            )
        for kind, owner, text in (
            ("personal", ana.user_id, REMINDER),
            ("channel", ben.user_id, "Plain channel note"),
        ):
            await session.execute(
                sa.text(
                    "INSERT INTO reminders (kind, owner_user_id, channel_id, text, first_at, "
                    "timezone, status, created_at) VALUES (:k, :o, :ch, :t, :f, :z, 'active', :c)"
                ),
                {
                    "k": kind,
                    "o": owner,
                    "ch": 920000000000000002 if kind == "channel" else None,
                    "t": text,
                    "f": NOW.replace(tzinfo=None),
                    "z": "Australia/Brisbane",
                    "c": NOW.replace(tzinfo=None),
                },
            )
    await migrate(db.engine)
    return db


async def test_plain_texts_from_before_0014_are_sealed_at_start(config: AppConfig) -> None:
    db = await _database_at_0013_with_plain_rows(config)
    plain = [b"Kookaburra", b"Rockhampton", b"Second plain reason", b"Wallaby", b"Yeppoon"]
    plain.append(b"Plain channel note")
    try:
        if sqlite_path(config.database.url) is not None:
            raw = _raw(config)
            assert all(words in raw for words in plain)  # the test sees plain text when it's there
        keyring = await prepare_keyring(config, db, environ={})  # what the bot does at start
        if sqlite_path(config.database.url) is not None:
            raw = _raw(config)
            assert [words for words in plain if words in raw] == []
        async with db.transaction() as session:
            rows = (await session.scalars(select(Unavailability).order_by(Unavailability.id))).all()
            assert [r.legacy_reason for r in rows] == ["", "", ""]
            assert [rotation.open_reason(keyring, r) for r in rows] == [
                REASON,
                "",
                "Second plain reason",
            ]
            notes = (await session.scalars(select(Reminder).order_by(Reminder.id))).all()
            assert [r.legacy_text for r in notes] == ["", ""]
            assert [reminders.open_text(keyring, r) for r in notes] == [
                REMINDER,
                "Plain channel note",
            ]
            assert await key_ids_in_use(session) == {keyring.primary_id: 4}
            ana = await session.get(Member, rows[0].member_id)
            assert ana is not None
            person = Person(session, ana, NOW, keyring)
            export = mydata.jsonable(await mydata.collect(person, contributors()))
            assert [u["reason"] for u in export["rotation"]["unavailability"]] == [
                REASON,
                "Second plain reason",
            ]
            assert [r["text"] for r in export["reminders"]["reminders"]] == [REMINDER]
        # a second start finds nothing left to seal, and the key still opens everything
        assert await seal_plain_texts(db, keyring) == 0
        again = await prepare_keyring(config, db, environ={})
        assert again.primary_id == keyring.primary_id
    finally:
        await db.dispose()


async def test_roster_unavailable_reason_typed_in_discord_never_in_database_file(
    world: World,
) -> None:
    keyring = Keyring.generate()
    await world.start_bot(
        clock=FakeClock(NOW), extensions=["cogs.about", "cogs.rotation"], keyring=keyring
    )
    await world.add_active_members()
    it = await world.emu.invoke_command(
        world.guild.id,
        world.ana.id,
        "roster unavailable",
        {"when": "2026-04-01..2026-04-03", "reason": REASON},
    )
    reply = await it.wait_reply()
    assert reply.ephemeral
    assert "marked unavailable" in reply.text
    assert "Kookaburra" not in reply.text
    raw = database_bytes(world.tmp_path / "cop.sqlite3")
    assert b"Kookaburra" not in raw
    assert world.db is not None
    async with world.db.transaction() as session:
        row = (await session.scalars(select(Unavailability))).one()
        assert rotation.open_reason(keyring, row) == REASON


# --- reminder texts ---------------------------------------------------------------------


async def _remind(
    db: Database, keyring: Keyring, config: AppConfig, kind: ReminderKind, owner: int, text: str
) -> int:
    async with db.transaction() as session:
        info, _ = await reminders.add_reminder(
            session,
            keyring=keyring,
            kind=kind,
            owner_user_id=owner,
            channel_id=920000000000000002 if kind is ReminderKind.CHANNEL else None,
            schedule=reminders.Schedule(
                first_at=datetime(2026, 3, 5, tzinfo=UTC), rule=None, timezone="UTC"
            ),
            text=text,
            now=NOW,
            settings=reminders.EngineSettings.from_config(config),
            text_limit=1500,
        )
        assert info.text == text
    return info.id


@sqlite_only
async def test_reminder_text_never_in_database_file(config: AppConfig, db: Database) -> None:
    keyring = Keyring.generate()
    first = await _remind(db, keyring, config, ReminderKind.PERSONAL, 42, REMINDER)
    second = await _remind(db, keyring, config, ReminderKind.PERSONAL, 42, "Other words")
    raw = _raw(config)
    assert b"Wallaby" not in raw
    assert b"Yeppoon" not in raw
    async with db.transaction() as session:
        listed = await reminders.list_reminders(session, keyring, user_id=42, coordinator=False)
        assert [(i.id, i.text) for i in listed] == [(first, REMINDER), (second, "Other words")]
        one = await session.get(Reminder, first)
        two = await session.get(Reminder, second)
        assert one is not None
        assert two is not None
        assert (one.legacy_text, one.key_id) == ("", keyring.primary_id)
        # bound to its reminder: moved onto another row, it does not open
        two.text_sealed = one.text_sealed
        with pytest.raises(DecryptionError):
            reminders.open_text(keyring, two)
        assert reminders.text.readable_text(keyring, two) == reminders.text.UNREADABLE


async def test_reminder_text_in_mydata_export_and_erase_keeps_group_reminders_readable(
    config: AppConfig, db: Database
) -> None:
    keyring = Keyring.generate()
    async with db.transaction() as session:
        ana = await add_member(session, "Ana")
        ana_user = ana.user_id
    await _remind(db, keyring, config, ReminderKind.PERSONAL, ana_user, REMINDER)
    channel = await _remind(db, keyring, config, ReminderKind.CHANNEL, ana_user, "Group note")
    async with db.transaction() as session:
        fresh = await session.get(Member, ana.id)
        assert fresh is not None
        person = Person(session, fresh, NOW, keyring)
        export = mydata.jsonable(await mydata.collect(person, contributors()))
        assert sorted(r["text"] for r in export["reminders"]["reminders"]) == [
            "Group note",
            REMINDER,
        ]
        await mydata.erase(person, contributors())
    async with db.transaction() as session:
        left = (await session.scalars(select(Reminder))).all()
        assert [(r.id, r.owner_user_id) for r in left] == [(channel, 0)]
        # the group's reminder still reads after its author is erased
        assert reminders.open_text(keyring, left[0]) == "Group note"


async def test_reminder_text_rotates_to_new_key(config: AppConfig, db: Database) -> None:
    new, ident = await _rotate_one_text(
        db, lambda old: _remind(db, old, config, ReminderKind.PERSONAL, 42, REMINDER)
    )
    async with db.transaction() as session:
        row = await session.get(Reminder, ident)
        assert row is not None
        assert reminders.open_text(new, row) == REMINDER


async def test_remindme_text_typed_in_discord_sealed_listed_and_delivered(world: World) -> None:
    keyring = Keyring.generate()
    clock = FakeClock(NOW)
    bot = await world.start_bot(
        clock=clock, extensions=["cogs.about", "cogs.reminders"], keyring=keyring
    )
    await world.add_active_members()
    it = await world.emu.invoke_command(
        world.guild.id, world.dee.id, "remindme", {"when": "in 2 hours", "text": REMINDER}
    )
    reply = await it.wait_reply()
    assert reply.ephemeral
    assert "I'll DM you" in reply.text
    raw = database_bytes(world.tmp_path / "cop.sqlite3")
    assert b"Wallaby" not in raw
    listed = await world.emu.invoke_command(world.guild.id, world.dee.id, "reminder list")
    shown = await listed.wait_reply()
    assert REMINDER in shown.text
    clock.advance(hours=2)
    cog = bot.get_cog("Reminders")
    assert cog is not None
    await cog.engine.run_due()  # type: ignore[attr-defined]
    dms = [m for m in world.emu.dms_to(world.dee.id) if REMINDER in m.text]
    assert len(dms) == 1
    assert b"Wallaby" not in database_bytes(world.tmp_path / "cop.sqlite3")
