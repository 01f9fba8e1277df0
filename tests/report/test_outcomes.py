"""Outcomes through their service, on a real SQLite file built by the migrations."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest

from bot.crypto import Keyring
from bot.db import Database, sqlite_path
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.models import ConsentStatus, Member, OutcomeKind
from bot.services import outcomes
from tests.builders import add_member
from tests.conftest import sqlite_only
from tests.learnings.helpers import database_bytes

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)


async def add_people(db: Database, *names: str) -> list[Member]:
    async with db.transaction() as session:
        return [await add_member(session, name, NOW) for name in names]


def draft(title: str = "Grant for the youth hub", **kw: object) -> outcomes.OutcomeDraft:
    fields: dict[str, object] = {
        "kind": OutcomeKind.GRANT_APPLICATION,
        "happened_on": date(2026, 11, 3),
        "title": title,
        "description": "Three organisations applied together.",
        "link": "https://example.org/grant",
        "today": TODAY,
    }
    fields.update(kw)
    return outcomes.validate(**fields)  # type: ignore[arg-type]


def test_validate_outcome_refuses_bad_fields_with_a_sentence() -> None:
    with pytest.raises(InvalidInput, match="title"):
        draft("   ")
    with pytest.raises(InvalidInput, match="100 characters"):
        draft("x" * 101)
    with pytest.raises(InvalidInput, match="web link"):
        draft(link="javascript:alert(1)")
    with pytest.raises(InvalidInput, match="to today"):
        draft(happened_on=date(2027, 1, 1))
    with pytest.raises(InvalidInput, match="isn't a kind"):
        outcomes.parse_kind("a" * 500)
    assert outcomes.parse_kind("Grant application") is OutcomeKind.GRANT_APPLICATION


async def test_outcome_names_only_people_who_agreed(db: Database, keyring: Keyring) -> None:
    ana, ben, cal = await add_people(db, "Ana", "Ben", "Cal")
    async with db.transaction() as session:
        added = await outcomes.add_outcome(session, keyring, ana, draft(), [ana, ben, cal], NOW)
        assert [m.id for m in added.to_ask] == [ben.id, cal.id]
        outcome_id = added.outcome.id
    async with db.transaction() as session:
        views, total = await outcomes.list_outcomes(session, keyring, ben)
        assert total == 1
        assert views[0].named == ("Ana",)  # the author named themselves: agreed
        assert views[0].pending == 2
        await outcomes.answer_consent(session, outcome_id, ben, True, NOW)
        await outcomes.answer_consent(session, outcome_id, cal, False, NOW)
    async with db.transaction() as session:
        views, _ = await outcomes.list_outcomes(session, keyring, cal)
        assert views[0].named == ("Ana", "Ben")
        assert views[0].pending == 0
        counts, listed = await outcomes.outcomes_for_report(
            session, keyring, date(2026, 1, 1), TODAY
        )
        assert counts[OutcomeKind.GRANT_APPLICATION] == 1
        assert listed[0].named == ("Ana", "Ben")
        assert listed[0].title == "Grant for the youth hub"


async def test_consent_fifty_presses_give_one_decision(db: Database, keyring: Keyring) -> None:
    ana, ben = await add_people(db, "Ana", "Ben")
    async with db.transaction() as session:
        outcome_id = (
            await outcomes.add_outcome(session, keyring, ana, draft(), [ben], NOW)
        ).outcome.id

    async def press(agree: bool) -> str:
        try:
            async with db.transaction() as session:
                answer = await outcomes.answer_consent(session, outcome_id, ben, agree, NOW)
                return "won" if answer.changed else "already"
        except Conflict:
            return "refused"

    results = await asyncio.gather(*(press(True) for _ in range(50)))
    assert results.count("won") == 1, results
    assert results.count("already") == 49
    async with db.transaction() as session:
        views, _ = await outcomes.list_outcomes(session, keyring, ana)
    assert views[0].named == ("Ben",)
    assert views[0].pending == 0


async def test_outcome_only_its_author_can_change_it(db: Database, keyring: Keyring) -> None:
    ana, ben = await add_people(db, "Ana", "Ben")
    async with db.transaction() as session:
        outcome_id = (
            await outcomes.add_outcome(session, keyring, ana, draft(), [], NOW)
        ).outcome.id
    async with db.transaction() as session:
        with pytest.raises(NotAllowed):
            await outcomes.edit_outcome(session, keyring, outcome_id, ben, draft("Mine now"), NOW)
        with pytest.raises(NotAllowed):
            await outcomes.delete_outcome(session, outcome_id, ben)
        with pytest.raises(NotFound):
            await outcomes.delete_outcome(session, 999, ana)
        await outcomes.edit_outcome(session, keyring, outcome_id, ana, draft("Renamed"), NOW)
    async with db.transaction() as session:
        assert await outcomes.outcome_title(session, keyring, outcome_id) == "Renamed"
        await outcomes.delete_outcome(session, outcome_id, ana)
    async with db.transaction() as session:
        assert (await outcomes.list_outcomes(session, keyring, ana))[1] == 0


async def test_unshareable_outcome_stays_out_of_the_report_and_others_lists(
    db: Database, keyring: Keyring
) -> None:
    ana, ben = await add_people(db, "Ana", "Ben")
    async with db.transaction() as session:
        await outcomes.add_outcome(
            session, keyring, ana, draft("Quiet win", shareable=False), [], NOW
        )
    async with db.transaction() as session:
        assert (await outcomes.list_outcomes(session, keyring, ben))[1] == 0
        assert (await outcomes.list_outcomes(session, keyring, ana))[1] == 1
        counts, listed = await outcomes.outcomes_for_report(
            session, keyring, date(2026, 1, 1), TODAY
        )
        assert counts[OutcomeKind.GRANT_APPLICATION] == 1  # counted, never titled
        assert listed == []


async def test_withdrawn_agreement_unnames_a_person(db: Database, keyring: Keyring) -> None:
    ana, ben = await add_people(db, "Ana", "Ben")
    async with db.transaction() as session:
        oid = (await outcomes.add_outcome(session, keyring, ana, draft(), [ben], NOW)).outcome.id
        await outcomes.answer_consent(session, oid, ben, True, NOW)
        answer = await outcomes.answer_consent(session, oid, ben, False, NOW)
        assert answer.status is ConsentStatus.DECLINED
        with pytest.raises(Conflict):
            await outcomes.answer_consent(session, oid, ben, True, NOW)
        views, _ = await outcomes.list_outcomes(session, keyring, ana)
        assert views[0].named == ()


@sqlite_only
async def test_outcome_text_is_encrypted_at_rest_and_erased(db: Database, keyring: Keyring) -> None:
    ana, ben = await add_people(db, "Ana", "Ben")
    secret = "Zebracorn partnership with Bluegum Shire"
    async with db.transaction() as session:
        oid = (
            await outcomes.add_outcome(session, keyring, ana, draft(secret), [ben], NOW)
        ).outcome.id
    path = sqlite_path(str(db.engine.url))
    assert path is not None
    assert b"Zebracorn" not in database_bytes(path)
    async with db.transaction() as session:
        exported = await outcomes.export_member(session, keyring, ana)
        assert exported["recorded"][0]["title"] == secret
        named = await outcomes.export_member(session, keyring, ben)
        assert named["named_in"] == [{"outcome": oid, "consent": "pending"}]
        assert await outcomes.erase_member(session, ana) == 1
    async with db.transaction() as session:
        assert (await outcomes.list_outcomes(session, keyring, ben))[1] == 0


async def test_mydata_exports_and_erases_outcomes(db: Database, keyring: Keyring) -> None:
    from bot.services import mydata
    from bot.services.mydata_sources import contributors

    ana, ben = await add_people(db, "Ana", "Ben")
    async with db.transaction() as session:
        await outcomes.add_outcome(session, keyring, ana, draft("Shared win"), [ben], NOW)
    async with db.transaction() as session:
        person = mydata.Person(session, ana, NOW, keyring)
        exported = await mydata.collect(person, contributors())
        assert exported["outcomes"]["recorded"][0]["title"] == "Shared win"
        assert "the 1 outcome(s) you recorded are deleted" in await mydata.preview(
            person, contributors()
        )
        erasure = await mydata.erase(person, contributors())
        assert erasure.counts.get("outcomes") == 1
    async with db.transaction() as session:
        assert (await outcomes.list_outcomes(session, keyring, ben))[1] == 0
