"""Who /mydata is about: the member row behind a Discord user, or nothing held."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.crypto import Keyring
from bot.db import Database
from bot.services import mydata
from tests.builders import add_member

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


async def test_person_of_finds_the_member_behind_a_user_and_none_for_a_stranger(
    db: Database,
) -> None:
    keyring = Keyring.generate()
    async with db.transaction() as session:
        ana = await add_member(session, "Ana Alvarez", user_id=11)
        person = await mydata.person_of(session, 11, NOW, keyring)
        stranger = await mydata.person_of(session, 12, NOW, keyring)
    assert person is not None
    assert person.member.id == ana.id
    assert (person.now, person.keyring) == (NOW, keyring)
    assert stranger is None


def test_nothing_held_says_so_with_the_user_and_the_time() -> None:
    data = mydata.nothing_held(12, NOW)
    assert data == {
        "about": "The community's bot holds no profile or learnings for you.",
        "exported_at": "2026-03-10T02:00:00+00:00",
        "discord_user_id": 12,
    }
