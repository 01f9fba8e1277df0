"""Learnings and the digest through their services, with a real SQLite file and no Discord."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import AppConfig
from bot.crypto import Keyring
from bot.db import Database, sqlite_path
from bot.errors import InvalidInput, NotAllowed, NotFound
from bot.models import Learning, Member, MemberStatus, SharingLevel
from bot.services import mydata
from bot.services.learnings import record, store, stream
from bot.services.learnings import request as digest_request
from bot.services.learnings import text as ltext
from bot.services.learnings.request import DigestFormat, DigestRequest
from bot.services.members import member_by_user
from bot.services.mydata import Person
from bot.services.mydata_sources import contributors
from tests.builders import LEARNED_AT, add_learning, add_member
from tests.conftest import sqlite_only
from tests.learnings.helpers import database_bytes

NOW = LEARNED_AT
ZONE = ZoneInfo("Australia/Brisbane")


async def members(db: Database) -> tuple[Member, Member]:
    async with db.transaction() as session:
        ana = await add_member(
            session,
            "Ana Alvarez",
            None,
            user_id=11,
            organisation="Rocky Council",
            interests=["trust"],
            first_seen_at=NOW,
        )
        ben = await add_member(
            session, "Ben Brooks", None, user_id=22, organisation="CQ Health", first_seen_at=NOW
        )
    return ana, ben


def request(fmt: DigestFormat = DigestFormat.MARKDOWN, tags: tuple[str, ...] = ()) -> DigestRequest:
    return DigestRequest(date(2026, 3, 1), date(2026, 3, 31), fmt, tags, ZONE, "CQ CoP", NOW)


async def export(
    db: Database, keyring: Keyring, req: DigestRequest
) -> tuple[str, stream.DigestOutcome]:
    out = bytearray()
    async with db.transaction() as session:
        outcome = await stream.write_digest(session, keyring, req, out.extend)
    assert hashlib.sha256(out).hexdigest() == outcome.sha256
    return out.decode("utf-8"), outcome


# --- capture ----------------------------------------------------------------------------


def test_validate_refuses_overlong_text_and_keeps_the_draft() -> None:
    draft = ltext.Draft(title="t", happened="x" * 1342, learned="ok", tags="trust")
    with pytest.raises(ltext.DraftProblem) as problem:
        ltext.validate(draft)
    assert problem.value.draft == draft  # nothing lost
    assert problem.value.fields == {"happened"}
    assert "1,342" in problem.value.message
    assert "1,000" in problem.value.message


def test_validate_needs_a_title_and_what_was_learned() -> None:
    with pytest.raises(ltext.DraftProblem) as problem:
        ltext.validate(ltext.Draft(title="  ", learned=""))
    assert problem.value.fields == {"title", "learned"}


def test_tags_are_normalised_and_limited() -> None:
    text = ltext.validate(ltext.Draft("t", "", "l", "", "#Trust, trust; First  Nations\nfunding"))
    assert text.tags == ("trust", "first nations", "funding")
    with pytest.raises(ltext.DraftProblem):
        ltext.validate(ltext.Draft("t", "", "l", "", ",".join(f"t{n}" for n in range(11))))


@sqlite_only
async def test_learning_text_is_not_in_the_database_file(
    config: AppConfig, db: Database, keyring: Keyring
) -> None:
    ana, _ = await members(db)
    await add_learning(
        db,
        keyring,
        ana,
        SharingLevel.DIGEST_NAMED,
        title="Quokka-title-777",
        happened="Zanzibar happened",
        learned="Xylophone lesson",
        tags="wombat-theme",
    )
    path = sqlite_path(config.database.url)
    assert path is not None
    raw = database_bytes(Path(path))
    for typed in (b"Quokka-title-777", b"Zanzibar", b"Xylophone", b"wombat-theme"):
        assert typed not in raw


async def test_someone_elses_learning_cannot_be_changed(db: Database, keyring: Keyring) -> None:
    ana, ben = await members(db)
    ident = await add_learning(db, keyring, ana, SharingLevel.PRIVATE)
    text = ltext.validate(ltext.Draft("x", "", "y"))
    async with db.transaction() as session:
        with pytest.raises(NotAllowed):
            await store.edit_learning(session, keyring, ident, ben, text, NOW)
        with pytest.raises(NotAllowed):
            await store.delete_learning(session, ident, ben)
        with pytest.raises(NotAllowed):
            await store.set_sharing(session, keyring, ident, ben, SharingLevel.DIGEST_NAMED, NOW)
        with pytest.raises(NotAllowed):
            await store.read_own(session, keyring, ident, ben)
        with pytest.raises(NotFound):
            await store.read_shared(session, keyring, ben, ident)  # private: not even seen


async def test_a_number_too_big_for_any_learning_is_not_found(
    db: Database, keyring: Keyring
) -> None:
    # /learning edit|delete|share take any integer Discord allows; PostgreSQL refuses
    # such a number as an ``Integer`` id, SQLite just finds nothing.
    ana, _ = await members(db)
    await add_learning(db, keyring, ana, SharingLevel.GROUP)
    text = ltext.validate(ltext.Draft("x", "", "y"))
    for number in (2**31, 2**53):
        async with db.transaction() as session:
            with pytest.raises(NotFound, match=f"`#{number}`"):
                await store.read_own(session, keyring, number, ana)
            with pytest.raises(NotFound, match=f"`#{number}`"):
                await store.edit_learning(session, keyring, number, ana, text, NOW)
            with pytest.raises(NotFound, match=f"`#{number}`"):
                await store.delete_learning(session, number, ana)
            with pytest.raises(NotFound, match=f"`#{number}`"):
                await store.set_sharing(session, keyring, number, ana, SharingLevel.PRIVATE, NOW)
            with pytest.raises(NotFound, match=f"`#{number}`"):
                await store.read_shared(session, keyring, ana, number)


async def test_sharing_change_keeps_the_text(db: Database, keyring: Keyring) -> None:
    ana, _ = await members(db)
    ident = await add_learning(db, keyring, ana, SharingLevel.PRIVATE, title="Keep me")
    async with db.transaction() as session:
        row = await store.set_sharing(
            session, keyring, ident, ana, SharingLevel.DIGEST_ANONYMOUS, NOW + timedelta(hours=1)
        )
        assert row.sharing is SharingLevel.DIGEST_ANONYMOUS
        view = await store.read_own(session, keyring, ident, ana)
    assert view.text.title == "Keep me"


async def test_browse_shows_group_and_above_and_hides_anonymous_authors(
    db: Database, keyring: Keyring
) -> None:
    ana, ben = await members(db)
    await add_learning(db, keyring, ana, SharingLevel.PRIVATE, title="private one", tags="trust")
    await add_learning(db, keyring, ana, SharingLevel.GROUP, title="group one", tags="trust")
    await add_learning(
        db, keyring, ana, SharingLevel.DIGEST_ANONYMOUS, title="anon one", tags="funding"
    )
    await add_learning(db, keyring, ana, SharingLevel.DIGEST_NAMED, title="named one", tags="trust")
    async with db.transaction() as session:
        page = await store.browse(session, keyring, ben, None, 1, 10)
        tagged = await store.browse(session, keyring, ben, "Trust", 1, 10)
    titles = {v.text.title: v.author for v in page.items}
    assert titles == {"group one": "Ana Alvarez", "anon one": None, "named one": "Ana Alvarez"}
    assert {v.text.title for v in tagged.items} == {"group one", "named one"}


async def test_shareable_themes_never_count_private_learnings(
    db: Database, keyring: Keyring
) -> None:
    ana, _ = await members(db)
    await add_learning(db, keyring, ana, SharingLevel.PRIVATE, tags="secret-theme")
    await add_learning(db, keyring, ana, SharingLevel.GROUP, tags="trust, funding")
    await add_learning(db, keyring, ana, SharingLevel.DIGEST_NAMED, tags="trust")
    await add_learning(
        db, keyring, ana, SharingLevel.GROUP, tags="old", when=NOW - timedelta(days=400)
    )
    async with db.transaction() as session:
        themes = await store.shareable_themes(
            session, keyring, NOW - timedelta(days=90), NOW + timedelta(days=1)
        )
    assert themes == [("trust", 2), ("funding", 1)]


# --- the digest -------------------------------------------------------------------------


async def test_digest_holds_only_consenting_entries_anonymised(
    db: Database, keyring: Keyring
) -> None:
    ana, ben = await members(db)
    for author, level, learned, tags in (
        (ana, SharingLevel.PRIVATE, "PRIVATE-1", "trust"),
        (ana, SharingLevel.GROUP, "GROUP-2", "trust"),
        (ana, SharingLevel.DIGEST_ANONYMOUS, "ANON-3", "trust"),
        (ben, SharingLevel.DIGEST_NAMED, "NAMED-4", "funding"),
    ):
        await add_learning(db, keyring, author, level, learned=learned, tags=tags)
    await add_learning(
        db,
        keyring,
        ben,
        SharingLevel.DIGEST_NAMED,
        learned="OUT-OF-RANGE",
        when=datetime(2026, 4, 1, 0, 0, tzinfo=UTC),  # 10:00 on 1 April in Brisbane
    )
    for fmt in DigestFormat:
        text, outcome = await export(db, keyring, request(fmt))
        assert outcome.entries == 2
        assert "ANON-3" in text
        assert "NAMED-4" in text
        assert "PRIVATE-1" not in text
        assert "GROUP-2" not in text
        assert "OUT-OF-RANGE" not in text
        assert "Ana Alvarez" not in text
        assert "Rocky Council" not in text
        assert "Ben Brooks" in text


async def test_digest_groups_by_theme_with_counts_and_filters_tags(
    db: Database, keyring: Keyring
) -> None:
    ana, _ = await members(db)
    for n in range(3):
        await add_learning(db, keyring, ana, SharingLevel.DIGEST_NAMED, title=f"t{n}", tags="trust")
    await add_learning(
        db, keyring, ana, SharingLevel.DIGEST_NAMED, title="f", tags="funding, trust"
    )
    await add_learning(db, keyring, ana, SharingLevel.DIGEST_NAMED, title="none")
    text, outcome = await export(db, keyring, request())
    assert [(t.name, t.count) for t in outcome.themes] == [("trust", 3), ("funding", 1), (None, 1)]
    assert text.index("## trust (3 entries)") < text.index("## funding (1 entry)")
    assert "## (no theme) (1 entry)" in text
    filtered, outcome = await export(db, keyring, request(tags=("trust",)))
    assert [(t.name, t.count) for t in outcome.themes] == [("trust", 4)]
    assert "none" not in filtered.split("## trust", 1)[1]


async def test_digest_flags_anonymous_entries_that_name_members(
    db: Database, keyring: Keyring
) -> None:
    ana, ben = await members(db)
    for author, level, learned in (
        (ana, SharingLevel.DIGEST_ANONYMOUS, "Ben said the budget"),
        (ana, SharingLevel.DIGEST_ANONYMOUS, "rocky council agreed"),
        (ana, SharingLevel.DIGEST_ANONYMOUS, "a period of grace"),
        (ben, SharingLevel.DIGEST_NAMED, "I, Ben Brooks, learned"),  # named: may name its author
    ):
        await add_learning(db, keyring, author, level, learned=learned)
    text, outcome = await export(db, keyring, request())
    assert len(outcome.flagged) == 2
    assert "mentions `Ben`" in text
    assert "mentions `Rocky Council`" in text


async def test_csv_neutralises_formulas_and_html_escapes_everything(
    db: Database, keyring: Keyring
) -> None:
    ana, _ = await members(db)
    await add_learning(
        db,
        keyring,
        ana,
        SharingLevel.DIGEST_NAMED,
        title='=HYPERLINK("http://evil")',
        happened="+1+2",
        learned="-3 <script>alert(1)</script> @everyone",
        tags="@trust",
    )
    text, _ = await export(db, keyring, request(DigestFormat.CSV))
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 1
    for cell in rows[0].values():
        assert not cell or cell[0] not in "=+-@\t\r"
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil")'
    page, _ = await export(db, keyring, request(DigestFormat.HTML))
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "default-src 'none'" in page
    assert "@media print" in page
    markdown, _ = await export(db, keyring, request(DigestFormat.MARKDOWN))
    assert "@everyone" not in markdown
    assert "\\<script\\>" in markdown


async def test_large_digest_spools_encrypted_and_streams_in_nonce_order(
    db: Database, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream, "SPOOL_FLUSH_BYTES", 300)
    spilled: list[bytes] = []
    close = stream.Spool.close

    def close_and_keep(spool: stream.Spool) -> None:
        if spool._file is not None:
            spool._file.seek(0)
            spilled.append(spool._file.read())
        close(spool)

    monkeypatch.setattr(stream.Spool, "close", close_and_keep)
    ana, _ = await members(db)
    titles: dict[int, str] = {}
    for n in range(40):
        ident = await add_learning(
            db,
            keyring,
            ana,
            SharingLevel.DIGEST_NAMED,
            title=f"entry-{n:02d}",
            tags="trust" if n % 2 else "funding",
            when=NOW + timedelta(minutes=n),
        )
        titles[ident] = f"entry-{n:02d}"
    text, outcome = await export(db, keyring, request())
    assert outcome.entries == 40
    assert spilled
    assert len(spilled[0]) > 300
    assert b"entry-" not in spilled[0]  # ...encrypted: no title in it
    assert b"Ana" not in spilled[0]
    async with db.transaction() as session:
        rows = (await session.execute(select(Learning.id, Learning.content))).all()
    by_nonce = sorted(rows, key=lambda r: r.content[9:21])  # version, key id, then nonce
    trust = [titles[r.id] for r in by_nonce if int(titles[r.id][-2:]) % 2]
    positions = [text.index(t) for t in trust]
    assert positions == sorted(positions)
    assert trust != sorted(trust)  # 20 entries in recording order by chance: 1 in 20!


def test_date_range_and_format_mistakes_get_one_sentence() -> None:
    with pytest.raises(InvalidInput, match="ends before it starts"):
        digest_request.parse_range("2026-05-01", "2026-04-01", ZONE, NOW)
    with pytest.raises(InvalidInput, match="isn't a date"):
        digest_request.parse_range("2026-13-01", "2026-04-01", ZONE, NOW)
    with pytest.raises(InvalidInput, match="isn't a digest format"):
        digest_request.parse_format("pdf")
    assert digest_request.parse_format("MD") is DigestFormat.MARKDOWN


async def test_export_is_recorded_and_listed(db: Database, keyring: Keyring) -> None:
    ana, _ = await members(db)
    await add_learning(db, keyring, ana, SharingLevel.DIGEST_NAMED, tags="trust")
    req = request(tags=("trust",))
    _, outcome = await export(db, keyring, req)
    async with db.transaction() as session:
        await record.record_export(
            session, keyring, by=ana, via="discord", request=req, outcome=outcome, now=NOW
        )
    async with db.transaction() as session:
        views, page, pages = await record.export_history(session, keyring, 1, 5)
    assert (page, pages, len(views)) == (1, 1, 1)
    view = views[0]
    assert (view.by, view.entries, view.sha256, view.tags) == (
        "Ana Alvarez",
        1,
        outcome.sha256,
        ("trust",),
    )


# --- personal data ----------------------------------------------------------------------


async def test_mydata_collects_and_erases_learnings_and_profile(
    db: Database, keyring: Keyring
) -> None:
    ana, ben = await members(db)
    await add_learning(db, keyring, ana, SharingLevel.PRIVATE, title="mine, private")
    await add_learning(db, keyring, ben, SharingLevel.GROUP, title="bens")
    async with db.transaction() as session:
        member = await session.get(Member, ana.id)
        assert member is not None
        data = await mydata.collect(Person(session, member, NOW, keyring), contributors())
    assert data["profile"]["organisation"] == "Rocky Council"
    assert [entry["title"] for entry in data["learnings"]["entries"]] == ["mine, private"]
    assert {"rotation", "reminders", "onboarding"} <= set(data)
    async with db.transaction() as session:
        member = await session.get(Member, ana.id)
        assert member is not None
        lines = await mydata.preview(Person(session, member, NOW, keyring), contributors())
        result = await mydata.erase(Person(session, member, NOW, keyring), contributors())
    assert any("1 learning (0 shared)" in line for line in lines)
    assert result.count("learnings") == 1
    assert "learnings" in result.capabilities
    async with db.transaction() as session:
        member = await session.get(Member, ana.id)
        assert member is not None
        assert member.status is MemberStatus.ERASED
        assert (member.display_name, member.organisation, member.interests) == ("", "", [])
        assert member.user_id < 0
        assert await member_by_user(session, 11) is None
        page = await store.browse(session, keyring, None, None, 1, 10)
    assert [v.text.title for v in page.items] == ["bens"]
