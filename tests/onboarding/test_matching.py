"""Interest matching: who to meet first, and /connect one person at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from bot.db import Database
from bot.errors import InvalidInput, NotFound
from bot.models import MemberStatus
from bot.services.onboarding.matching import meet_first, overlap, suggest_connection, words
from tests.conftest import FakeClock
from tests.onboarding.helpers import add_member

BASE = datetime(2025, 1, 1, tzinfo=UTC)


def test_overlap_exact_beats_related() -> None:
    exact = overlap(["co-design", "health"], ["Co-Design"])
    related = overlap(["co-design", "health"], ["rural health"])
    assert exact.shared == ("co-design",)
    assert related.shared == ("rural health",)
    assert exact.score > related.score > 0


def test_overlap_ignores_generic_words() -> None:
    assert overlap(["health partnerships"], ["education partnerships"]).score == 0
    assert words("Partnering in Education") == frozenset({"education"})


def test_overlap_nothing_shared_is_zero() -> None:
    assert overlap(["housing"], ["water"]) == overlap([], ["water"])
    assert overlap(["housing"], ["water"]).score == 0


async def test_meet_first_picks_best_matches_active_and_present_only(db: Database) -> None:
    async with db.transaction() as s:
        newcomer = await add_member(
            s, 1, "New", ["co-design", "health"], joined_at=BASE, status=MemberStatus.APPLICANT
        )
        both = await add_member(s, 2, "Both", ["health", "co-design"], joined_at=BASE)
        one = await add_member(s, 3, "One", ["co-design"], joined_at=BASE)
        related = await add_member(s, 4, "Related", ["mental health"], joined_at=BASE)
        await add_member(s, 5, "None", ["mining"], joined_at=BASE)
        await add_member(s, 6, "Gone", ["co-design", "health"], joined_at=BASE, in_guild=False)
        await add_member(
            s, 7, "Alumni", ["co-design", "health"], joined_at=BASE, status=MemberStatus.ALUMNI
        )
        picked = await meet_first(s, newcomer, 3)
    assert [m.member.id for m in picked] == [both.id, one.id, related.id]
    assert picked[0].shared == ("health", "co-design")


async def test_meet_first_ties_prefer_other_organisations_then_longest_standing(
    db: Database,
) -> None:
    async with db.transaction() as s:
        newcomer = await add_member(
            s, 1, "New", ["housing"], joined_at=BASE, organisation="Acme",
            status=MemberStatus.APPLICANT,
        )  # fmt: skip
        same_org = await add_member(
            s, 2, "Same", ["housing"], joined_at=BASE - timedelta(days=900), organisation="ACME"
        )
        newer = await add_member(s, 3, "Newer", ["housing"], joined_at=BASE)
        older = await add_member(s, 4, "Older", ["housing"], joined_at=BASE - timedelta(days=30))
        picked = await meet_first(s, newcomer, 2)
    assert [m.member.id for m in picked] == [older.id, newer.id]
    assert same_org.id not in [m.member.id for m in picked]


async def test_connect_never_repeats_the_last_person_when_another_fits(
    db: Database, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        me = await add_member(s, 1, "Me", ["co-design"], joined_at=BASE)
        for n in range(3):
            await add_member(s, 10 + n, f"P{n}", ["co-design"], joined_at=BASE)
    seen = []
    for _ in range(7):
        async with db.transaction() as s:
            match = await suggest_connection(s, me, None, clock())
            seen.append(match.member.user_id)
    assert all(a != b for a, b in pairwise(seen))
    assert set(seen[:3]) == {10, 11, 12}  # everyone once before anyone twice


async def test_connect_with_a_single_fit_suggests_them_again(
    db: Database, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        me = await add_member(s, 1, "Me", ["water"], joined_at=BASE)
        await add_member(s, 2, "Only", ["water"], joined_at=BASE)
        first = await suggest_connection(s, me, None, clock())
        second = await suggest_connection(s, me, None, clock())
    assert first.member.user_id == second.member.user_id == 2


async def test_connect_by_interest_matches_related_tags(db: Database, clock: FakeClock) -> None:
    async with db.transaction() as s:
        me = await add_member(s, 1, "Me", ["mining"], joined_at=BASE)
        await add_member(s, 2, "Health", ["rural health"], joined_at=BASE)
        await add_member(s, 3, "Other", ["education"], joined_at=BASE)
        match = await suggest_connection(s, me, "Health", clock())
    assert match.member.user_id == 2
    assert match.shared == ("rural health",)


async def test_connect_explains_when_nobody_fits(db: Database, clock: FakeClock) -> None:
    async with db.transaction() as s:
        me = await add_member(s, 1, "Me", [], joined_at=BASE)
        await add_member(s, 2, "Other", ["education"], joined_at=BASE)
        with pytest.raises(InvalidInput, match="/profile edit"):
            await suggest_connection(s, me, None, clock())
        with pytest.raises(NotFound, match="`astronomy`"):
            await suggest_connection(s, me, "Astronomy", clock())
