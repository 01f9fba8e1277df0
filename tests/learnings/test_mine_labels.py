"""/learning mine says who may see each of your learnings in plain words, and never
calls your own learning "anonymous"."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.crypto import Keyring
from bot.db import Database
from bot.models import SharingLevel
from bot.services.learnings import store
from bot.services.learnings import text as ltext
from cogs.learnings.render import learning_embed, list_field, page_embed
from tests.builders import add_member

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
ZONE = ZoneInfo("Australia/Brisbane")

WORDS = {
    SharingLevel.PRIVATE: "only you",
    SharingLevel.GROUP: "members",
    SharingLevel.DIGEST_ANONYMOUS: "digest, anonymous",
    SharingLevel.DIGEST_NAMED: "digest, with your name",
}


@pytest.mark.parametrize("level", list(SharingLevel))
async def test_learning_mine_labels_each_level_in_plain_words(
    db: Database, level: SharingLevel
) -> None:
    keyring = Keyring.generate()
    async with db.transaction() as session:
        dee = await add_member(
            session, "Dee Dawson", None, user_id=44, organisation="CQ Housing", first_seen_at=NOW
        )
        text = ltext.validate(ltext.Draft("Co-design", "", "Ask early", "", "trust"))
        row = await store.add_learning(session, keyring, dee, text, NOW, sharing=level)
        page = await store.my_learnings(session, keyring, dee, 1, 5)
        full = await store.read_own(session, keyring, row.id, dee)
    [item] = page.items
    _, value = list_field(item, ZONE, limit=200)
    first_line = value.splitlines()[0]
    assert f"seen by: {WORDS[level]}" in first_line
    shown = first_line.replace(WORDS[level], "")
    assert "anonymous" not in shown  # only the level's own words may say so
    if level is not SharingLevel.DIGEST_ANONYMOUS:
        assert "anonymous" not in first_line
    embed = page_embed("mine", page, None, ZONE)
    assert embed.fields[0].value == value
    description = learning_embed(full, ZONE).description or ""
    assert f"seen by: {WORDS[level]}" in description
    assert "by Dee Dawson (you)" in description
    if level is not SharingLevel.DIGEST_ANONYMOUS:
        assert "anonymous" not in description
