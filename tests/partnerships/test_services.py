"""Partnerships through their services, on a real SQLite file built by the migrations."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.crypto import Keyring
from bot.db import Database, sqlite_path
from bot.errors import Conflict, InvalidInput, NotAllowed
from bot.models import CheckinAnswer, Member, PartnershipStatus
from bot.services import mydata, partnerships
from bot.services.mydata_sources import contributors
from bot.services.partnerships import buddy, log, rounds
from tests.builders import add_member
from tests.conftest import sqlite_only
from tests.learnings.helpers import database_bytes

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


async def people(db: Database, count: int) -> list[Member]:
    async with db.transaction() as session:
        return [
            await add_member(
                session,
                f"Person {i}",
                NOW,
                locality="Rockhampton" if i % 2 else "Emerald",
                interests=["trust"],
            )
            for i in range(count)
        ]


@sqlite_only
async def test_offers_and_needs_are_kept_with_sentences_encrypted(
    db: Database, keyring: Keyring
) -> None:
    (ana,) = await people(db, 1)
    offers = partnerships.parse_offers(
        "Grant writing, #Facilitation", "Quokka-secret sentence", "data, evaluation", ""
    )
    async with db.transaction() as session:
        await partnerships.set_offers(session, keyring, ana, offers, NOW)
    async with db.transaction() as session:
        got = await partnerships.get_offers(session, keyring, ana)
        (profile,) = await partnerships.profiles(session, [ana.id])
    assert got.offer_tags == ("grant writing", "facilitation")
    assert got.offer_text == "Quokka-secret sentence"
    assert profile.needs == ("data", "evaluation")
    path = sqlite_path(str(db.engine.url))
    assert path is not None
    assert b"Quokka" not in database_bytes(path)
    with pytest.raises(InvalidInput, match="at most 8"):
        partnerships.parse_offers(",".join(f"t{i}" for i in range(9)), "", "", "")


async def test_a_round_is_made_once_even_when_two_runs_race(db: Database) -> None:
    members = await people(db, 5)
    async with db.transaction() as session:
        for m in members:
            await rounds.opt_in(session, m, NOW)
        assert not await rounds.opt_in(session, members[0], NOW)

    async def run() -> rounds.RoundMade | None:
        async with db.transaction() as session:
            return await rounds.make_round(
                session, NOW, NOW, checkin_after=timedelta(days=14), cross_town=True
            )

    made = [m for m in await asyncio.gather(run(), run(), run()) if m is not None]
    assert len(made) == 1
    assert sorted(len(g) for g in made[0].groups) == [2, 3]
    async with db.transaction() as session:
        assert await rounds.answer_checkin(
            session, made[0].round_id, members[0], CheckinAnswer.MET, NOW
        )
        assert await rounds.answer_checkin(
            session, made[0].round_id, members[1], CheckinAnswer.SKIP, NOW
        )
        summary = await rounds.summary(session)
        others = await rounds.group_of(session, made[0].round_id, members[0].id)
    assert (summary.rounds, summary.pairs, summary.people) == (1, 2, 5)
    assert (summary.met, summary.skipped, summary.unanswered) == (1, 1, 3)
    assert others
    assert all(o.id != members[0].id for o in others)


async def test_partnership_from_proposal_to_outcome(db: Database, keyring: Keyring) -> None:
    ana, ben = await people(db, 2)
    async with db.transaction() as session:
        with pytest.raises(InvalidInput, match="yourself"):
            await log.propose(session, keyring, ana, ana, interest="x", brings="y", now=NOW)
        row = await log.propose(
            session, keyring, ana, ben, interest="rural health", brings="grant writing", now=NOW
        )
        pid = row.id
    async with db.transaction() as session:
        with pytest.raises(Conflict, match="already have an open partnership"):
            await log.propose(session, keyring, ben, ana, interest="x", brings="y", now=NOW)
        with pytest.raises(NotAllowed):
            await log.answer(
                session, keyring, pid, ana, accept=True, brings="z", now=NOW, checkin_days=30
            )
        await log.answer(
            session,
            keyring,
            pid,
            ben,
            accept=True,
            brings="local contacts",
            now=NOW,
            checkin_days=30,
        )
    async with db.transaction() as session:
        (view,) = await log.list_for(session, keyring, ben)
        assert view.status is PartnershipStatus.ACTIVE
        assert (view.me_brings, view.other_brings) == ("local contacts", "grant writing")
        assert await log.checkins_due(session, NOW + timedelta(days=29)) == []
        due = await log.checkins_due(session, NOW + timedelta(days=30))
        assert [p.id for p in due] == [pid]
        assert await log.checkins_due(session, NOW + timedelta(days=31)) == []  # asked once
        await log.update_status(
            session, keyring, pid, ana, status=PartnershipStatus.COMPLETE, note="Grant in!", now=NOW
        )
        added = await log.make_outcome(session, keyring, pid, ana, NOW)
        assert [m.id for m in added.to_ask] == [ben.id]
        with pytest.raises(Conflict, match="already outcome"):
            await log.make_outcome(session, keyring, pid, ana, NOW)
    async with db.transaction() as session:  # complete frees the pair for a new one
        await log.propose(session, keyring, ben, ana, interest="youth", brings="venue", now=NOW)


async def test_fifty_accepts_at_once_give_one_decision(db: Database, keyring: Keyring) -> None:
    ana, ben = await people(db, 2)
    async with db.transaction() as session:
        pid = (
            await log.propose(session, keyring, ana, ben, interest="trust", brings="x", now=NOW)
        ).id

    async def press() -> str:
        try:
            async with db.transaction() as session:
                await log.answer(
                    session, keyring, pid, ben, accept=True, brings="y", now=NOW, checkin_days=30
                )
            return "won"
        except Conflict:
            return "told"

    results = await asyncio.gather(*(press() for _ in range(50)))
    assert results.count("won") == 1
    assert results.count("told") == 49


async def test_buddy_is_the_first_who_says_yes(db: Database) -> None:
    nina, ana, ben, cal = await people(db, 4)
    async with db.transaction() as session:
        cal_row = await session.get(Member, cal.id)
        assert cal_row is not None
        cal_row.in_guild = False  # Cal left: skipped
        first = await buddy.start(session, nina, [ana.id, cal.id, ben.id], NOW)
        assert first == ana.id
        assert await buddy.start(session, nina, [ana.id], NOW) is None  # once only
    async with db.transaction() as session:
        with pytest.raises(Conflict):
            await buddy.answer(session, nina.id, ben, yes=True, now=NOW)  # not asked yet
        asked = await buddy.answer(session, nina.id, ana, yes=False, now=NOW)
        assert asked.next_to_ask == ben.id
        done = await buddy.answer(session, nina.id, ben, yes=True, now=NOW)
        assert done.accepted
        found = await buddy.buddy_of(session, nina.id)
        assert found is not None
        assert found.id == ben.id
        assert await buddy.checkins_due(session, NOW + timedelta(days=13)) == []
        assert await buddy.checkins_due(session, NOW + timedelta(days=14)) == [(nina.id, ben.id)]


async def test_erasure_leaves_a_former_member_in_the_other_record(
    db: Database, keyring: Keyring
) -> None:
    ana, ben = await people(db, 2)
    async with db.transaction() as session:
        pid = (
            await log.propose(session, keyring, ana, ben, interest="trust", brings="x", now=NOW)
        ).id
        await log.answer(
            session, keyring, pid, ben, accept=True, brings="y", now=NOW, checkin_days=30
        )
    async with db.transaction() as session:
        person = mydata.Person(session, ana, NOW, keyring)
        exported = await mydata.collect(person, contributors())
        assert exported["partnerships"]["partnerships"][0]["they_bring"] == "y"
        await mydata.erase(person, contributors())
    async with db.transaction() as session:
        (view,) = await log.list_for(session, keyring, ben)
    assert view.other_name == "a former member"
    assert view.other_brings == ""
    assert view.me_brings == "y"


async def test_rotate_key_covers_outcomes_and_partnerships(db: Database) -> None:
    from bot.crypto import generate_key
    from bot.datakeys import check_keyring, key_ids_in_use, reencrypt_all
    from bot.errors import StartupError
    from bot.services import outcomes
    from bot.services.outcomes import OutcomeDraft

    old_key, new_key = generate_key(), generate_key()
    keyring = Keyring.from_texts([old_key])
    ana, ben = await people(db, 2)
    async with db.transaction() as session:
        await partnerships.set_offers(
            session, keyring, ana, partnerships.parse_offers("a", "offer", "b", "need"), NOW
        )
        await log.propose(session, keyring, ana, ben, interest="trust", brings="x", now=NOW)
        draft = OutcomeDraft(outcomes.parse_kind("other"), NOW.date(), "A win")
        await outcomes.add_outcome(session, keyring, ana, draft, [], NOW)
    async with db.transaction() as session:
        assert await key_ids_in_use(session) == {keyring.primary_id: 3}
        with pytest.raises(StartupError):
            await check_keyring(session, Keyring.generate(), "a wrong key")
    new = Keyring.from_texts([new_key])
    both = Keyring.from_texts([new_key, old_key])  # the new key first, as the operator sets it
    async with db.transaction() as session:
        await reencrypt_all(session, both)
    async with db.transaction() as session:
        assert await key_ids_in_use(session) == {new.primary_id: 3}
        await check_keyring(session, new, "the new key")
        assert (await partnerships.get_offers(session, new, ana)).offer_text == "offer"
        (view,) = await log.list_for(session, new, ana)
        assert view.interest == "trust"
        assert (await outcomes.list_outcomes(session, new, ana))[0][0].title == "A win"
