"""``python -m bot export-digest`` and ``python -m bot rotate-key``."""

from __future__ import annotations

import asyncio
import hashlib
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.__main__ import main
from bot.config import parse_config
from bot.crypto import Keyring, generate_key
from bot.datakeys import KEY_ENV, read_key_file
from bot.db import Database, migrate
from bot.models import DigestExport, Learning, SharingLevel
from bot.services.learnings import store
from bot.services.learnings import text as ltext
from tests.builders import add_member
from tests.conftest import make_config_data

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def write_config(tmp_path: Path) -> Path:
    data = make_config_data(tmp_path)
    lines = []
    for section, values in data.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {value!r}" if isinstance(value, int) else f'{key} = "{value}"')
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def arrange(tmp_path: Path, keyring: Keyring) -> None:
    config = parse_config(make_config_data(tmp_path))
    database = Database.from_url(config.database.url)
    await migrate(database.engine)
    try:
        async with database.transaction() as session:
            member = await add_member(session, "Dee Dawson", None, user_id=5, first_seen_at=NOW)
            for level, learned in (
                (SharingLevel.DIGEST_NAMED, "SHARED-ONE"),
                (SharingLevel.PRIVATE, "PRIVATE-ONE"),
            ):
                text = ltext.validate(ltext.Draft("A title", "", learned, "", "trust"))
                await store.add_learning(session, keyring, member, text, NOW, sharing=level)
    finally:
        await database.dispose()


async def read(tmp_path: Path, model: type) -> list:  # type: ignore[type-arg]
    config = parse_config(make_config_data(tmp_path))
    database = Database.from_url(config.database.url)
    try:
        async with database.transaction() as session:
            return list((await session.scalars(select(model))).all())
    finally:
        await database.dispose()


def test_export_digest_writes_the_file_and_records_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = generate_key()
    monkeypatch.setenv(KEY_ENV, key)
    asyncio.run(arrange(tmp_path, Keyring.from_texts([key])))
    config = write_config(tmp_path)
    out = tmp_path / "out" / "digest.csv"
    code = main(
        [
            "export-digest",
            "--config",
            str(config),
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--format",
            "csv",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    data = out.read_bytes()
    assert b"SHARED-ONE" in data
    assert b"PRIVATE-ONE" not in data
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    printed = capsys.readouterr().out
    assert hashlib.sha256(data).hexdigest() in printed
    (record,) = asyncio.run(read(tmp_path, DigestExport))
    assert record.entry_count == 1
    assert record.via.startswith("command line")
    assert record.sha256 == hashlib.sha256(data).hexdigest()


def test_export_digest_bad_range_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(KEY_ENV, generate_key())
    config = write_config(tmp_path)
    code = main(
        ["export-digest", "--config", str(config), "--from", "2026-05-01", "--to", "2026-04-01"]
    )
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "ends before it starts" in err


def test_rotate_key_reencrypts_under_a_new_key_file_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    old = generate_key()
    key_file = tmp_path / "cop.key"
    key_file.write_text(old + "\n")
    asyncio.run(arrange(tmp_path, Keyring.from_texts([old])))
    assert main(["rotate-key", "--config", str(write_config(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "Re-encrypted 2 learnings, 0 export records, 0 consults," in out
    assert "0 unavailability reasons" in out  # a count for every kind of encrypted text
    keys = read_key_file(key_file)
    assert len(keys) == 1
    assert keys[0] != old
    new = Keyring.from_texts(keys)
    for row in asyncio.run(read(tmp_path, Learning)):
        assert row.key_id == new.primary_id
        ltext.open_text(new, row.author_id, row.sharing, row.content, row.tags)


def test_rotate_key_is_refused_while_the_bot_holds_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.db import database_lock

    monkeypatch.delenv(KEY_ENV, raising=False)
    old = generate_key()
    (tmp_path / "cop.key").write_text(old + "\n")
    asyncio.run(arrange(tmp_path, Keyring.from_texts([old])))
    config = parse_config(make_config_data(tmp_path))
    with database_lock(config.database.url):  # as the running bot does
        assert main(["rotate-key", "--config", str(write_config(tmp_path))]) == 2
    assert "stop it first" in capsys.readouterr().err
    assert read_key_file(tmp_path / "cop.key") == [old]  # nothing changed
