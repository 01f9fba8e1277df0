"""The data key: encryption, loading, the start-up check, and rotation."""

from __future__ import annotations

import logging
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import AppConfig
from bot.crypto import DecryptionError, Keyring, generate_key, key_id, parse_key, token_key_id
from bot.datakeys import KEY_ENV, load_keys, prepare_keyring, reencrypt_all, write_key_file
from bot.db import Database
from bot.errors import StartupError
from bot.models import Learning, Member, SharingLevel
from bot.services.learnings import store
from bot.services.learnings import text as ltext
from tests.builders import add_member

NOW = datetime(2026, 3, 10, tzinfo=UTC)


async def _member(db: Database, user_id: int = 1) -> Member:
    async with db.transaction() as session:
        return await add_member(session, "Ana", None, user_id=user_id, first_seen_at=NOW)


async def _learning(db: Database, keyring: Keyring, member: Member, title: str) -> int:
    text = ltext.validate(ltext.Draft(title=title, learned="something learned"))
    async with db.transaction() as session:
        author = await session.get(Member, member.id)
        assert author is not None
        row = await store.add_learning(session, keyring, author, text, NOW)
        return row.id


def test_keyring_round_trip_and_binding() -> None:
    keyring = Keyring.generate()
    token = keyring.encrypt(b"what I learned", b"aad-1")
    assert keyring.decrypt(token, b"aad-1") == b"what I learned"
    assert b"what I learned" not in token
    assert token_key_id(token) == keyring.primary_id
    with pytest.raises(DecryptionError):
        keyring.decrypt(token, b"aad-2")  # moved to another row, or its level changed
    with pytest.raises(DecryptionError):
        Keyring.generate().decrypt(token, b"aad-1")  # another key
    tampered = token[:-1] + bytes([token[-1] ^ 1])
    with pytest.raises(DecryptionError):
        keyring.decrypt(tampered, b"aad-1")


def test_keyring_repr_and_errors_never_show_keys_or_text() -> None:
    key = generate_key()
    keyring = Keyring.from_texts([key])
    assert key not in repr(keyring)
    token = keyring.encrypt(b"secret text", b"a")
    with pytest.raises(DecryptionError) as caught:
        keyring.decrypt(token, b"b")
    assert "secret" not in str(caught.value)
    with pytest.raises(ValueError, match="data key") as bad:
        parse_key("not-a-key")
    assert "not-a-key" not in str(bad.value)


def test_keyring_decrypts_with_older_keys_and_encrypts_with_the_newest() -> None:
    old, new = generate_key(), generate_key()
    token = Keyring.from_texts([old]).encrypt(b"x", b"a")
    rotated = Keyring.from_texts([new, old])
    assert rotated.decrypt(token, b"a") == b"x"
    assert rotated.primary_id == key_id(parse_key(new))
    assert token_key_id(rotated.encrypt(b"x", b"a")) == rotated.primary_id


async def test_first_run_creates_a_private_key_file_and_says_to_back_it_up(
    config: AppConfig, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    path = config.learnings.resolved_key_file(config.database.url)
    assert not path.exists()
    with caplog.at_level(logging.WARNING):
        keyring = await prepare_keyring(config, db, environ={})
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "Back it up" in caplog.text
    again = await prepare_keyring(config, db, environ={})
    assert again.primary_id == keyring.primary_id


async def test_start_refuses_when_encrypted_data_has_no_key(
    config: AppConfig, db: Database
) -> None:
    keyring = await prepare_keyring(config, db, environ={})
    await _learning(db, keyring, await _member(db), "a title")
    config.learnings.resolved_key_file(config.database.url).unlink()
    with pytest.raises(StartupError) as refused:
        await prepare_keyring(config, db, environ={})
    message = str(refused.value)
    assert "\n" not in message
    assert "no data key" in message
    assert KEY_ENV in message
    assert not config.learnings.resolved_key_file(config.database.url).exists()


async def test_start_refuses_a_wrong_key(config: AppConfig, db: Database) -> None:
    keyring = await prepare_keyring(config, db, environ={})
    await _learning(db, keyring, await _member(db), "a title")
    with pytest.raises(StartupError) as refused:
        await prepare_keyring(config, db, environ={KEY_ENV: generate_key()})
    assert "\n" not in str(refused.value)
    assert "not the one" in str(refused.value)
    with pytest.raises(StartupError, match="Key 1 in COP_DATA_KEY"):
        await prepare_keyring(config, db, environ={KEY_ENV: "garbage"})


async def test_env_keys_newest_first_open_old_data(config: AppConfig, db: Database) -> None:
    old = generate_key()
    await _learning(db, Keyring.from_texts([old]), await _member(db), "old data")
    new = generate_key()
    keyring = await prepare_keyring(config, db, environ={KEY_ENV: f"{new}, {old}"})
    assert keyring.primary_id == key_id(parse_key(new))
    source = load_keys(config, {KEY_ENV: f"{new},{old}"})
    assert source.keyring is not None
    assert source.label == KEY_ENV


async def test_rotation_reencrypts_everything_under_the_newest_key(
    config_factory: Callable[..., AppConfig], tmp_path: Path
) -> None:
    config = config_factory()
    database = Database.from_url(config.database.url)
    from bot.db import migrate

    await migrate(database.engine)
    try:
        old = generate_key()
        member = await _member(database)
        ident = await _learning(database, Keyring.from_texts([old]), member, "rotate me")
        new = generate_key()
        both = Keyring.from_texts([new, old])
        async with database.transaction() as session:
            result = await reencrypt_all(session, both)
        assert result.counts["learnings"] == 1
        only_new = Keyring.from_texts([new])
        async with database.transaction() as session:
            row = await session.get(Learning, ident)
            assert row is not None
            assert row.key_id == only_new.primary_id
            text = ltext.open_text(only_new, row.author_id, row.sharing, row.content, row.tags)
        assert text.title == "rotate me"
    finally:
        await database.dispose()


def test_key_file_is_written_atomically_with_owner_only_mode(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "cop.key"
    keys = [generate_key(), generate_key()]
    write_key_file(path, keys)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [ln for ln in path.read_text().splitlines() if not ln.startswith("#")] == keys


async def test_level_changed_outside_the_bot_makes_text_unreadable(
    config: AppConfig, db: Database
) -> None:
    keyring = Keyring.generate()
    member = await _member(db)
    ident = await _learning(db, keyring, member, "private thoughts")
    async with db.transaction() as session:
        row = await session.get(Learning, ident)
        assert row is not None
        row.sharing = SharingLevel.DIGEST_NAMED  # a hand edit of the database
    async with db.transaction() as session:
        row = (await session.scalars(select(Learning))).one()
        with pytest.raises(DecryptionError):
            ltext.open_text(keyring, row.author_id, row.sharing, row.content, row.tags)
