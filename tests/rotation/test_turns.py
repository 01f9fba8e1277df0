"""Turns people change: swaps that must not give anyone two turns running, members told
when their announced turn moves, standing availability, and naming a co-facilitator."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Database
from bot.errors import Conflict, InvalidInput
from bot.models import Meeting, Member
from bot.services import rotation
from bot.services.rotation import StandingRule, parse_standing
from tests.rotation.helpers import RULES, ZONE, add_member, meeting_series

# Friday 20 November 2026, 09:00 in Brisbane
NOW = datetime(2026, 11, 19, 23, 0, tzinfo=UTC)


FORTNIGHTLY = "every 2 weeks on Tuesday at 10:00 starting 2026-12-01"


async def _series(session: AsyncSession, phrase: str = FORTNIGHTLY) -> None:
    await meeting_series(session, NOW, RULES.horizon_days, phrase=phrase)


def _days(meetings: list[Meeting], count: int) -> list[tuple[str, str | None]]:
    return [
        (
            m.starts_at.astimezone(ZONE).date().isoformat()[5:],
            m.facilitator.display_name if m.facilitator else None,
        )
        for m in meetings[:count]
    ]


async def _trio(session: AsyncSession) -> tuple[Member, Member, Member]:
    carol = await add_member(session, "carol", NOW - timedelta(days=300))
    alice = await add_member(session, "alice", NOW - timedelta(days=200))
    bob = await add_member(session, "bob", NOW - timedelta(days=100))
    return carol, alice, bob


async def test_swap_does_not_give_the_requester_two_turns_running(db: Database) -> None:
    async with db.transaction() as session:
        carol, _alice, bob = await _trio(session)
        await _series(session)
        meetings = await rotation.plan(session, NOW, RULES)
        assert _days(meetings, 3) == [("12-01", "carol"), ("12-15", "alice"), ("12-29", "bob")]
        swap = await rotation.request_swap(
            session, requester=carol, target=bob, meeting=meetings[0], now=NOW, rules=RULES
        )
        decision = await rotation.decide_swap(
            session, swap.id, user_id=bob.user_id, accept=True, now=NOW, rules=RULES
        )
        assert decision.exchanged
        after = await rotation.plan(session, NOW, RULES)
    # Carol took Bob's 12-29 in exchange, so Alice keeps 12-15 and nobody moves.
    assert _days(after, 4) == [
        ("12-01", "bob"),
        ("12-15", "alice"),
        ("12-29", "carol"),
        ("01-12", "bob"),
    ]
    assert decision.moved == []


async def test_volunteer_tells_whose_announced_turn_moved(db: Database) -> None:
    async with db.transaction() as session:
        _carol, _alice, bob = await _trio(session)
        await _series(session)
        meetings = await rotation.plan(session, NOW, RULES)
        assert _days(meetings, 2) == [("12-01", "carol"), ("12-15", "alice")]
        result = await rotation.volunteer(session, meetings[1], bob, NOW, RULES)
    assert [(m.member.display_name, m.meeting.id) for m in result.moved] == [
        ("alice", meetings[1].id)
    ]
    moved = result.moved[0]
    assert moved.next_turn is not None
    assert moved.next_turn.facilitator is not None
    assert moved.next_turn.facilitator.display_name == "alice"
    assert moved.next_turn.starts_at > meetings[1].starts_at


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("I can't do Mondays", StandingRule(frozenset({0}))),
        ("not Mondays or Fridays", StandingRule(frozenset({0, 4}))),
        ("not before 10:00", StandingRule(not_before=time(10, 0))),
        ("not after 4pm", StandingRule(not_after=time(16, 0))),
        ("only Tuesdays and Thursdays", StandingRule(frozenset({0, 2, 4, 5, 6}))),
        ("no wednesdays, not before 9:30am", StandingRule(frozenset({2}), time(9, 30))),
        ("any", StandingRule()),
    ],
)
def test_parse_standing_reads_common_phrases(phrase: str, expected: StandingRule) -> None:
    assert parse_standing(phrase) == expected


@pytest.mark.parametrize(
    "phrase", ["sometimes", "", "not before 25:00", "not mon tue wed thu fri sat sun"]
)
def test_parse_standing_refuses_with_examples(phrase: str) -> None:
    with pytest.raises(InvalidInput):
        parse_standing(phrase)


async def test_standing_availability_is_honoured_like_unavailability(db: Database) -> None:
    async with db.transaction() as session:
        carol, alice, bob = await _trio(session)
        await _series(session, "every week on Tuesday at 09:00")
        await rotation.plan(session, NOW, RULES)
        rule, released = await rotation.set_standing_availability(
            session, carol, "I can't do Tuesdays", NOW, RULES
        )
        assert rule.weekdays_off == frozenset({1})
        assert released
        meetings = await rotation.plan(session, NOW, RULES)
        assert all(m.facilitator is not None and m.facilitator.id != carol.id for m in meetings)
        with pytest.raises(Conflict) as refused:
            await rotation.volunteer(session, meetings[3], carol, NOW, RULES)
        assert "standing availability" in refused.value.message
        await rotation.set_standing_availability(session, alice, "not before 10:00", NOW, RULES)
        meetings = await rotation.plan(session, NOW, RULES)
        assert {m.facilitator.id for m in meetings if m.facilitator} == {bob.id}
        await rotation.set_standing_availability(session, carol, "any", NOW, RULES)
        meetings = await rotation.plan(session, NOW, RULES)
        assert carol.id in {m.facilitator.id for m in meetings[1:] if m.facilitator}


async def test_new_community_first_meeting_can_have_a_named_co_facilitator(db: Database) -> None:
    async with db.transaction() as session:
        carol, alice, _bob = await _trio(session)
        await _series(session)
        meetings = await rotation.plan(session, NOW, RULES)
        first = meetings[0]
        assert first.co_facilitator is None
        assert rotation.nobody_experienced(first)
        await rotation.name_co_facilitator(session, first, alice, NOW, RULES)
        meetings = await rotation.plan(session, NOW, RULES)
        assert meetings[0].facilitator is not None
        assert meetings[0].facilitator.id == carol.id
        assert meetings[0].co_facilitator is not None
        assert meetings[0].co_facilitator.id == alice.id
        assert not rotation.nobody_experienced(meetings[0])
        with pytest.raises(InvalidInput):
            await rotation.name_co_facilitator(session, meetings[0], carol, NOW, RULES)
