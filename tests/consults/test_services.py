"""Consult services over a real SQLite file: encryption, invitations, answers, the ledger,
resolution, the weekly post and personal data."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.config import AppConfig
from bot.crypto import Keyring, generate_key
from bot.db import Database, sqlite_path
from bot.errors import Conflict, DomainError, InvalidInput, NotAllowed
from bot.models import (
    Consult,
    ConsultInvitation,
    ConsultInvitationStatus,
    ConsultPostKind,
    ConsultStatus,
    Member,
    Unavailability,
)
from bot.services import consults, mydata, partnerships
from bot.services.mydata_sources import contributors
from tests.conftest import FakeClock, sqlite_only
from tests.consults.conftest import MakeMember

THEMES = ("co-design", "funding", "trust", "health")
SECRET = "Our shire partner went silent after the Zebra-Quokka grant"
TODAY = date(2026, 3, 2)


def _text(title: str = "A partner went quiet") -> consults.ConsultText:
    return consults.validate(
        consults.Draft(
            title=title,
            happening=SECRET,
            tried="Phoned twice, emailed the CEO",
            would_help="Someone who has re-engaged a council",
        )
    )


async def _ask(
    db: Database,
    keyring: Keyring,
    asker: Member,
    clock: FakeClock,
    *,
    anonymous: bool = False,
    themes: tuple[str, ...] = ("co-design",),
    invite_count: int = 3,
    thread_id: int | None = None,
) -> tuple[int, list[int]]:
    async with db.transaction() as session:
        row = await consults.create_consult(
            session, keyring, asker, _text(), themes, clock(), anonymous=anonymous
        )
        if thread_id is not None:
            await consults.record_thread(session, row, 1, thread_id, thread_id, clock())
        invited = await consults.invite_more(session, keyring, row, invite_count, TODAY, clock())
        return row.id, [i.member_id for i in invited]


async def _asker_and_helper(make_member: MakeMember) -> tuple[Member, Member]:
    """Someone who asks, and a member whose interest (trust) makes them the one invited."""
    return await make_member("Asker", []), await make_member("Helper", ["trust"])


async def _helps(db: Database, keyring: Keyring, helper: Member, clock: FakeClock) -> None:
    """``helper`` answers their (only) invitation with I'll help."""
    async with db.transaction() as session:
        inv = await session.scalar(
            select(ConsultInvitation).where(ConsultInvitation.member_id == helper.id)
        )
        assert inv is not None
        await consults.answer(
            session, keyring, inv.id, helper, True, clock(), invite_count=3, today=TODAY
        )


def _db_bytes(config: AppConfig) -> bytes:
    path = sqlite_path(config.database.url)
    assert path is not None
    data = path.read_bytes()
    wal = Path(f"{path}-wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


# --- text ---------------------------------------------------------------------------------


def test_validate_too_long_keeps_the_draft() -> None:
    draft = consults.Draft(title="t", happening="x" * 1200, would_help="y")
    with pytest.raises(consults.DraftProblem) as caught:
        consults.validate(draft)
    assert caught.value.draft == draft
    assert caught.value.fields == {"happening"}
    assert "shorten it by 200" in caught.value.message


def test_validate_required_fields_named() -> None:
    with pytest.raises(consults.DraftProblem) as caught:
        consults.validate(consults.Draft())
    assert caught.value.fields == {"title", "happening", "would_help"}


def test_parse_themes_refuses_unknown_and_too_many() -> None:
    assert consults.parse_themes(["Co-Design", "co-design", "trust"], THEMES) == (
        "co-design",
        "trust",
    )
    with pytest.raises(InvalidInput):
        consults.parse_themes(["astrology"], THEMES)
    with pytest.raises(InvalidInput):
        consults.parse_themes([], THEMES)
    many = [f"t{n}" for n in range(6)]
    with pytest.raises(InvalidInput):
        consults.parse_themes(many, many)


def test_validate_reply_over_limit_says_by_how_much() -> None:
    with pytest.raises(InvalidInput) as caught:
        consults.validate_reply("z" * 1600)
    assert "shorten it by 100" in caught.value.message
    assert consults.validate_reply("  ok \x00 ") == "ok"


# --- creating and reading -----------------------------------------------------------------


@sqlite_only
async def test_create_named_consult_text_encrypted_at_rest(
    db: Database, config: AppConfig, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker = await make_member("Ann Asker", ["funding"])
    cid, _ = await _ask(db, keyring, asker, clock, themes=("co-design", "trust"))
    async with db.transaction() as session:
        view = await consults.view_consult(session, keyring, cid, asker)
        row = await consults.get_consult(session, cid)
    assert view.text is not None
    assert view.text.happening == SECRET
    assert view.themes == ("co-design", "trust")
    assert view.asker == "Ann Asker"
    assert view.mine
    assert row.asker_id == asker.id
    assert row.asker is None
    await db.dispose()
    assert b"Zebra-Quokka" not in _db_bytes(config)


@sqlite_only
async def test_anonymous_consult_names_nobody_in_the_database(
    db: Database, config: AppConfig, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker = await make_member("Zed Secretive", ["funding"])
    other = await make_member("Bea Reader", ["co-design"])
    cid, invited = await _ask(db, keyring, asker, clock, anonymous=True)
    async with db.transaction() as session:
        row = await consults.get_consult(session, cid)
        assert row.asker_id is None
        assert row.asker is not None
        listed = await consults.list_consults(session, keyring, other)
        mine = await consults.my_consults(session, keyring, asker)
        theirs = await consults.my_consults(session, keyring, other)
        assert consults.is_asker(keyring, row, asker)
        assert not consults.is_asker(keyring, row, other)
    assert [v.id for v in listed] == [cid]
    assert listed[0].asker is None
    assert not listed[0].mine
    assert [v.id for v in mine] == [cid]
    assert mine[0].mine
    assert theirs == []
    assert invited == [other.id]
    await db.dispose()
    raw = _db_bytes(config)
    assert b"Zebra-Quokka" not in raw
    assert b"Zed Secretive" in raw  # control: the grep sees the members' clear text


async def test_list_by_status_and_theme(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker = await make_member("Ann", [])
    first, _ = await _ask(db, keyring, asker, clock, themes=("trust",))
    clock.advance(minutes=1)
    second, _ = await _ask(db, keyring, asker, clock, themes=("funding",))
    async with db.transaction() as session:
        await consults.resolve(session, keyring, first, asker, clock())
        open_ = await consults.list_consults(session, keyring, asker)
        resolved = await consults.list_consults(
            session, keyring, asker, status=ConsultStatus.RESOLVED
        )
        trust = await consults.list_consults(session, keyring, asker, status=None, theme="trust")
    assert [v.id for v in open_] == [second]
    assert [v.id for v in resolved] == [first]
    assert [v.id for v in trust] == [first]


async def test_only_members_may_ask(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    from bot.models import MemberStatus

    applicant = await make_member("Nina", [], status=MemberStatus.APPLICANT)
    with pytest.raises(NotAllowed):
        await _ask(db, keyring, applicant, clock)


# --- invitations --------------------------------------------------------------------------


async def test_invitations_go_to_the_best_matches_and_never_the_excluded(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker = await make_member("Asker", ["co-design", "funding"])
    exact_two = await make_member("Exact Two", ["co-design", "funding"])
    exact_one = await make_member("Exact One", ["funding"])
    related = await make_member("Related", ["funding models"])
    await make_member("Unrelated", ["gardening"])
    muted = await make_member("Muted", ["co-design", "funding"])
    away = await make_member("Away", ["co-design", "funding"])
    await make_member("Gone", ["co-design", "funding"], in_guild=False)
    async with db.transaction() as session:
        await consults.set_muted(session, muted, True, clock())
        session.add(
            Unavailability(
                member_id=away.id,
                first_day=TODAY - timedelta(days=1),
                last_day=TODAY + timedelta(days=3),
                created_at=clock(),
            )
        )
    _, invited = await _ask(db, keyring, asker, clock, themes=("co-design", "funding"))
    assert invited == [exact_two.id, exact_one.id, related.id]


async def test_fairness_over_30_consults_spreads_equal_matches(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker = await make_member("Asker", [])
    equals = [await make_member(f"Equal {n}", ["trust"]) for n in range(7)]
    best = await make_member("Best", ["trust", "funding"])
    counts: Counter[int] = Counter()
    for _ in range(30):
        clock.advance(hours=1)
        _, invited = await _ask(db, keyring, asker, clock, themes=("trust", "funding"))
        counts.update(invited)
        assert invited[0] == best.id  # the best match is always asked first
    equal_counts = [counts[m.id] for m in equals]
    assert sum(equal_counts) == 30 * 2
    assert max(equal_counts) - min(equal_counts) <= 2
    assert min(equal_counts) > 0


async def test_decline_invites_the_next_match_once(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker = await make_member("Asker", [])
    a = await make_member("A", ["trust", "funding"])
    b = await make_member("B", ["trust"])
    c = await make_member("C", ["trust"])
    cid, invited = await _ask(
        db, keyring, asker, clock, themes=("trust", "funding"), invite_count=2
    )
    assert invited == [a.id, b.id]
    async with db.transaction() as session:
        inv = await session.scalar(
            select(ConsultInvitation).where(ConsultInvitation.member_id == a.id)
        )
        assert inv is not None
        result = await consults.answer(
            session, keyring, inv.id, a, False, clock(), invite_count=2, today=TODAY
        )
    assert [i.member_id for i in result.invited_next] == [c.id]
    async with db.transaction() as session:
        with pytest.raises(Conflict) as caught:
            await consults.answer(
                session, keyring, inv.id, a, True, clock(), invite_count=2, today=TODAY
            )
        assert "already" in caught.value.message
        with pytest.raises(NotAllowed):
            await consults.answer(
                session, keyring, inv.id, b, True, clock(), invite_count=2, today=TODAY
            )
        rows = await consults.invitations_of(session, cid)
    assert [(r.member_id, r.status) for r in rows] == [
        (a.id, ConsultInvitationStatus.DECLINED),
        (b.id, ConsultInvitationStatus.INVITED),
        (c.id, ConsultInvitationStatus.INVITED),
    ]


async def test_fifty_simultaneous_presses_count_once(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker = await make_member("Asker", [])
    invitee = await make_member("Invitee", ["trust", "funding"])
    for n in range(5):
        await make_member(f"Next {n}", ["trust"])
    cid, _ = await _ask(db, keyring, asker, clock, themes=("trust", "funding"), invite_count=1)
    async with db.transaction() as session:
        inv = await session.scalar(
            select(ConsultInvitation).where(ConsultInvitation.member_id == invitee.id)
        )
        assert inv is not None
        inv_id = inv.id

    async def press(n: int) -> str:
        try:
            async with db.transaction() as session:
                await consults.answer(
                    session,
                    keyring,
                    inv_id,
                    invitee,
                    n % 2 == 0,
                    clock(),
                    invite_count=1,
                    today=TODAY,
                )
            return "won"
        except DomainError as exc:
            return exc.message

    outcomes = await asyncio.gather(*(press(n) for n in range(50)))
    assert outcomes.count("won") == 1
    refusals = [o for o in outcomes if o != "won"]
    assert len(refusals) == 49
    assert all(o.startswith("Your answer was already recorded") for o in refusals)
    async with db.transaction() as session:
        rows = await consults.invitations_of(session, cid)
    decided = rows[0].status
    # A decline invites exactly one next person; a yes invites nobody.
    expected = 2 if decided is ConsultInvitationStatus.DECLINED else 1
    assert len(rows) == expected


# --- resolving, thanks, the ledger --------------------------------------------------------


async def test_resolve_thanks_count_in_the_ledger(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker = await make_member("Asker", [])
    helper = await make_member("Helper", ["trust", "funding"])
    idle = await make_member("Idle", ["trust"])
    cid, _ = await _ask(db, keyring, asker, clock, themes=("trust", "funding"), anonymous=True)
    await _helps(db, keyring, helper, clock)
    async with db.transaction() as session:
        with pytest.raises(NotAllowed):
            await consults.resolve(session, keyring, cid, helper, clock())
        with pytest.raises(Conflict):
            await consults.thank(session, keyring, cid, asker, [helper.id])
        await consults.resolve(session, keyring, cid, asker, clock())
        assert [m.id for m in await consults.helpers_of(session, cid)] == [helper.id]
        thanked = await consults.thank(session, keyring, cid, asker, [helper.id, idle.id])
        again = await consults.thank(session, keyring, cid, asker, [helper.id])
        with pytest.raises(Conflict):
            await consults.resolve(session, keyring, cid, asker, clock())
        rows = {r.member.id: r for r in await consults.ledger(session)}
        statuses = {i.member_id: i.status for i in await consults.invitations_of(session, cid)}
    assert (thanked, again) == (1, 0)
    assert (rows[helper.id].invited, rows[helper.id].helped, rows[helper.id].thanked) == (1, 1, 1)
    assert (rows[idle.id].invited, rows[idle.id].helped, rows[idle.id].thanked) == (1, 0, 0)
    assert asker.id not in rows
    assert statuses[idle.id] is ConsultInvitationStatus.LAPSED


async def test_post_deleted_by_hand_is_recorded_closed(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker, _ = await _asker_and_helper(make_member)
    cid, _ = await _ask(db, keyring, asker, clock, themes=("trust",), thread_id=5555)
    async with db.transaction() as session:
        assert await consults.close_deleted(session, 5555, clock()) is not None
        assert await consults.close_deleted(session, 9999, clock()) is None
        row = await consults.get_consult(session, cid)
        statuses = [i.status for i in await consults.invitations_of(session, cid)]
    assert row.status is ConsultStatus.CLOSED
    assert row.closed_at == clock()
    assert statuses == [ConsultInvitationStatus.LAPSED]


# --- relay --------------------------------------------------------------------------------


async def test_relay_plans_dm_to_the_anonymous_asker_only(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker, helper = await _asker_and_helper(make_member)
    cid, _ = await _ask(db, keyring, asker, clock, anonymous=True, themes=("trust",), thread_id=77)
    named, _ = await _ask(db, keyring, asker, clock, themes=("trust",), thread_id=78)
    async with db.transaction() as session:
        from_helper = await consults.plan_reply(session, keyring, cid, helper, " thoughts ")
        from_asker = await consults.plan_reply(session, keyring, cid, asker, "thanks")
        on_named = await consults.plan_reply(session, keyring, named, helper, "hi")
        with pytest.raises(NotAllowed):
            await consults.may_reply_as_asker(session, keyring, cid, helper)
    assert from_helper.dm_to is not None
    assert from_helper.dm_to.id == asker.id
    assert not from_helper.as_asker
    assert from_helper.text == "thoughts"
    assert from_asker.as_asker
    assert from_asker.dm_to is None
    assert on_named.dm_to is None


# --- the weekly post ----------------------------------------------------------------------


async def test_weekly_post_claimed_once_and_lists_unhelped(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    zone = ZoneInfo("Australia/Brisbane")
    asker, helper = await _asker_and_helper(make_member)
    helped, _ = await _ask(db, keyring, asker, clock, themes=("trust",), thread_id=11)
    lonely, _ = await _ask(db, keyring, asker, clock, themes=("health",), thread_id=12)
    await _helps(db, keyring, helper, clock)
    # Monday 2026-03-02 00:00 UTC is 10:00 in Brisbane: after a 09:00 Monday slot.
    early = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)  # 08:00 Brisbane
    async with db.transaction() as session:
        assert await consults.claim_week(session, early, zone, 0, 9, 0) is None
        first = await consults.claim_week(session, clock(), zone, 0, 9, 0)
        second = await consults.claim_week(session, clock(), zone, 0, 9, 0)
        listed = await consults.unhelped_open(session, keyring)
    assert first is not None
    assert second is None
    assert [v.id for v in listed] == [lonely]
    assert helped != lonely
    async with db.transaction() as session:
        await consults.release_week(session, first.id)
        assert await consults.claim_week(session, clock(), zone, 0, 9, 0) is not None


# --- personal data ------------------------------------------------------------------------


async def test_export_and_erasure_cover_anonymous_consults(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker, helper = await _asker_and_helper(make_member)
    anon, _ = await _ask(db, keyring, asker, clock, anonymous=True, themes=("trust",), thread_id=21)
    named, _ = await _ask(db, keyring, helper, clock, themes=("trust",), thread_id=22)
    async with db.transaction() as session:
        await consults.record_post(session, anon, ConsultPostKind.ASKER, 21, 2101, clock())
        await consults.record_post(
            session, named, ConsultPostKind.REPLY, 22, 2201, clock(), author=asker
        )
        exported = await consults.personal_data(session, keyring, asker)
        helper_export = await consults.personal_data(session, keyring, helper)
    assert [c["id"] for c in exported["consults_asked"]] == [anon]
    assert exported["consults_asked"][0]["what_is_happening"] == SECRET
    assert exported["consult_replies_relayed"] == 1
    assert [c["id"] for c in helper_export["consults_asked"]] == [named]
    assert [i["consult_id"] for i in helper_export["consult_invitations"]] == [anon]
    async with db.transaction() as session:
        erased = await consults.erase_personal_data(session, keyring, asker, clock())
    assert erased.consults == 1
    assert erased.replies == 1
    assert {p.message_id for p in erased.posts} == {21, 2101, 2201}
    assert erased.threads == [21]
    async with db.transaction() as session:
        assert await session.get(Consult, anon) is None
        assert await session.get(Consult, named) is not None
        ledger = {r.member.id: r.invited for r in await consults.ledger(session)}
    assert ledger[helper.id] == 1  # the ledger keeps the invitation


async def test_rotation_reencrypts_consults(
    db: Database, make_member: MakeMember, clock: FakeClock
) -> None:
    old_key, new_key = generate_key(), generate_key()
    old = Keyring.from_texts([old_key])
    asker = await make_member("Asker", [])
    cid, _ = await _ask(db, old, asker, clock, anonymous=True)
    both = Keyring.from_texts([new_key, old_key])
    async with db.transaction() as session:
        assert await consults.key_ids_in_use(session) == {old.primary_id: 1}
        assert await consults.reencrypt(session, both) == 1
        assert await consults.key_ids_in_use(session) == {both.primary_id: 1}
    only_new = Keyring.from_texts([new_key])
    async with db.transaction() as session:
        row = await consults.get_consult(session, cid)
        assert consults.open_text(only_new, row).happening == SECRET
        assert consults.is_asker(only_new, row, asker)


async def test_mydata_registry_exports_and_erases_consults(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker, _ = await _asker_and_helper(make_member)
    anon, _ = await _ask(db, keyring, asker, clock, anonymous=True, themes=("trust",), thread_id=31)
    async with db.transaction() as session:
        person = mydata.Person(session, asker, clock(), keyring)
        exported = await mydata.collect(person, contributors())
        erased = await mydata.erase(person, contributors())
    assert [c["id"] for c in exported["consults"]["consults_asked"]] == [anon]
    assert mydata.PostCleanup(31, 31, consults.ERASURE_NOTE) in erased.posts
    async with db.transaction() as session:
        assert await session.get(Consult, anon) is None


async def test_offers_in_profiles_count_toward_the_match(
    db: Database, keyring: Keyring, make_member: MakeMember, clock: FakeClock
) -> None:
    asker = await make_member("Asker", [])
    interest_only = await make_member("Interest", ["funding"])
    offers_too = await make_member("Offers", ["funding"])
    offer_only = await make_member("Offer only", [])
    async with db.transaction() as session:
        for member in (offers_too, offer_only):
            await partnerships.set_offers(
                session,
                keyring,
                member,
                partnerships.Offers(offer_tags=("funding",)),
                clock(),
            )
    _, invited = await _ask(db, keyring, asker, clock, themes=("funding",), invite_count=3)
    assert invited == [offers_too.id, interest_only.id, offer_only.id]
