"""The rotation and meeting services with a real SQLite file and no Discord."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.db import Database
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.models import (
    AssignmentRole,
    FacilitationAssignment,
    Meeting,
    Member,
    MemberStatus,
    RosterPostStatus,
    SwapStatus,
    Unavailability,
)
from bot.services import rotation
from bot.services.rotation import PostSchedule
from bot.services.rotation import series as meeting_service
from tests.rotation.helpers import NOW, RULES, WEEKLY, ZONE, add_member, meeting_series

KEYRING = Keyring.generate()


async def _series(session: AsyncSession, phrase: str = WEEKLY) -> None:
    await meeting_series(session, NOW, RULES.horizon_days, phrase=phrase)


async def _group(session, n: int = 4) -> list[Member]:  # type: ignore[no-untyped-def]
    return [await add_member(session, f"m{i}", NOW - timedelta(days=100 - i)) for i in range(n)]


def _facilitators(meetings: list[Meeting]) -> list[int | None]:
    return [m.facilitator.id if m.facilitator else None for m in meetings]


async def test_next_meeting_skips_cancelled(db: Database) -> None:
    async with db.transaction() as session:
        assert await meeting_service.next_meeting(session, NOW) is None
        await _series(session)
        first = await meeting_service.next_meeting(session, NOW)
        assert first is not None
        assert first.starts_at == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
        await meeting_service.cancel_meeting(session, first, reason="", now=NOW)
        second = await meeting_service.next_meeting(session, NOW)
        assert second is not None
        assert second.starts_at == first.starts_at + timedelta(days=7)


async def test_round_robin_goes_to_earliest_joined_then_longest_wait(db: Database) -> None:
    async with db.transaction() as session:
        await _series(session)
        group = await _group(session)
        meetings = await rotation.plan(session, NOW, RULES)
    ids = [m.id for m in group]
    assert _facilitators(meetings[:8]) == ids + ids


async def test_first_turn_is_paired_with_an_experienced_member(db: Database) -> None:
    async with db.transaction() as session:
        await _series(session)
        group = await _group(session, 3)
        meetings = await rotation.plan(session, NOW, RULES)
    # nobody has facilitated yet, so the very first turn has nobody experienced to pair
    assert meetings[0].co_facilitator is None
    # the second and third meetings are first turns; the first facilitator helps
    assert meetings[1].co_facilitator is not None
    assert meetings[1].co_facilitator.id == group[0].id
    assert meetings[2].co_facilitator is not None
    assert meetings[2].co_facilitator.id != meetings[2].facilitator.id  # type: ignore[union-attr]
    # second turns are not paired
    assert all(m.co_facilitator is None for m in meetings[3:6])


async def test_unavailability_is_honoured_without_losing_place(db: Database) -> None:
    async with db.transaction() as session:
        await _series(session)
        group = await _group(session, 4)
        meetings = await rotation.plan(session, NOW, RULES)
        assert meetings[1].facilitator is not None
        assert meetings[1].facilitator.id == group[1].id
        day = meetings[1].starts_at.astimezone(ZONE).date()
        result = await rotation.mark_unavailable(
            session, group[1], day, day, "travel", NOW, RULES, keyring=KEYRING
        )
        assert [m.id for m in result.released] == [meetings[1].id]
        meetings = await rotation.plan(session, NOW, RULES)
    assert meetings[1].facilitator is not None
    assert meetings[1].facilitator.id != group[1].id
    # they are first in line again at the next meeting
    assert meetings[2].facilitator is not None
    assert meetings[2].facilitator.id == group[1].id


async def test_cancellation_changes_nobodys_standing(db: Database) -> None:
    async with db.transaction() as session:
        await _series(session)
        group = await _group(session, 4)
        meetings = await rotation.plan(session, NOW, RULES)
        order_before = _facilitators(meetings[:5])
        # cancel the second meeting (beyond the settle window is irrelevant: pinned order)
        await meeting_service.cancel_meeting(session, meetings[1], reason="storm", now=NOW)
        after = await rotation.plan(session, NOW, RULES)
    assert group
    # the person whose meeting was cancelled simply has the next one: same order
    assert _facilitators(after[:4]) == [order_before[0], *order_before[1:4]]


async def test_newcomer_starts_from_the_median(db: Database) -> None:
    later = NOW + timedelta(days=7 * 8)
    async with db.transaction() as session:
        await _series(session)
        group = await _group(session, 4)
        await rotation.plan(session, NOW, RULES)
    async with db.transaction() as session:
        pool = await rotation.sync_pool(session, later)
        counts = sorted(s.count for s in pool.values())
        assert counts == [2, 2, 2, 2]
        newcomer = await add_member(session, "new", later)
        pool = await rotation.sync_pool(session, later)
        assert pool[newcomer.id].baseline == 2
        meetings = await rotation.plan(session, later, RULES)
    # no burst: the newcomer's turns are spread like everyone else's
    fac = _facilitators(meetings[:10])
    assert fac.count(newcomer.id) == 2
    assert group


async def test_past_assignments_never_change(db: Database) -> None:
    async with db.transaction() as session:
        await _series(session)
        group = await _group(session, 3)
        meetings = await rotation.plan(session, NOW, RULES)
        first_id, first_fac = meetings[0].id, meetings[0].facilitator
    later = NOW + timedelta(days=3)
    async with db.transaction() as session:
        leaver = await session.get(Member, first_fac.id)  # type: ignore[union-attr]
        assert leaver is not None
        leaver.status = MemberStatus.LEFT
        await rotation.reassign_future_turns(session, leaver, later, RULES)
        past = await session.get(Meeting, first_id)
        assert past is not None
        assert past.facilitator is not None
        assert past.facilitator.id == leaver.id
        upcoming = await rotation.plan(session, later, RULES)
        assert leaver.id not in _facilitators(upcoming)
        with pytest.raises(InvalidInput):
            await rotation.assign(session, past, group[1], later, RULES)
    assert group


async def test_swap_rules_and_exchange(db: Database) -> None:
    async with db.transaction() as session:
        await _series(session)
        a, b, c = await _group(session, 3)
        meetings = await rotation.plan(session, NOW, RULES)
        first, second = meetings[0], meetings[1]
        with pytest.raises(InvalidInput, match="yourself"):
            await rotation.request_swap(session, requester=a, target=a, meeting=first, now=NOW)
        with pytest.raises(NotAllowed, match="don't facilitate"):
            await rotation.request_swap(session, requester=a, target=c, meeting=second, now=NOW)
        swap = await rotation.request_swap(
            session, requester=a, target=b, meeting=first, now=NOW, rules=RULES
        )
        assert swap.return_meeting_id == second.id
        with pytest.raises(Conflict):
            await rotation.request_swap(
                session, requester=a, target=c, meeting=first, now=NOW, rules=RULES
            )
        with pytest.raises(NotAllowed, match="Only"):
            await rotation.decide_swap(
                session, swap.id, user_id=c.user_id, accept=True, now=NOW, rules=RULES
            )
        decision = await rotation.decide_swap(
            session, swap.id, user_id=b.user_id, accept=True, now=NOW, rules=RULES
        )
        assert decision.status is SwapStatus.ACCEPTED
        assert decision.exchanged
        with pytest.raises(Conflict):
            await rotation.decide_swap(
                session, swap.id, user_id=b.user_id, accept=False, now=NOW, rules=RULES
            )
        meetings = await rotation.plan(session, NOW, RULES)
    assert _facilitators(meetings[:3]) == [b.id, a.id, c.id]


async def test_volunteer_and_assign(db: Database) -> None:
    async with db.transaction() as session:
        await _series(session)
        a, b, c = await _group(session, 3)
        meetings = await rotation.plan(session, NOW, RULES)
        await rotation.volunteer(session, meetings[2], a, NOW, RULES)
        assert meetings[2].facilitator is not None
        assert meetings[2].facilitator.id == a.id
        with pytest.raises(Conflict, match="already taken"):
            await rotation.volunteer(session, meetings[2], b, NOW, RULES)
        day = meetings[3].starts_at.astimezone(ZONE).date()
        await rotation.mark_unavailable(session, c, day, day, "", NOW, RULES, keyring=KEYRING)
        with pytest.raises(Conflict, match="unavailable"):
            await rotation.assign(session, meetings[3], c, NOW, RULES)


async def test_ledger_counts_turns_swaps_and_missed(db: Database) -> None:
    async with db.transaction() as session:
        await _series(session)
        a, b, c = await _group(session, 3)
        await rotation.plan(session, NOW, RULES)
    later = NOW + timedelta(days=15)  # two meetings have happened
    async with db.transaction() as session:
        held = (
            await session.scalars(
                select(Meeting).where(Meeting.starts_at <= later).order_by(Meeting.starts_at)
            )
        ).all()
        assert len(held) == 2
        await rotation.record_missed(session, held[1], c, later)
        rows = {r.member.id: r for r in await rotation.ledger(session, later, RULES)}
    assert rows[a.id].facilitated == 1
    assert rows[b.id].facilitated == 0
    assert rows[b.id].missed == 1
    assert rows[c.id].facilitated == 1  # stood in
    assert all(r.next_turn is not None for r in rows.values())


async def test_roster_post_slots_weekly_and_after_meeting(db: Database) -> None:
    weekly = PostSchedule(mode="weekly", weekday=0)
    async with db.transaction() as session:
        await _series(session)
        await _group(session, 2)
        assert await rotation.due_slot(session, NOW, weekly, ZONE) is None  # 08:00 < 09:00
        at_nine = NOW + timedelta(hours=1)
        slot = await rotation.due_slot(session, at_nine, weekly, ZONE)
        assert slot is not None
        assert slot.key == "weekly:2026-03-02T09:00"
        post = await rotation.claim_slot(session, slot, at_nine)
        assert post is not None
        assert await rotation.claim_slot(session, slot, at_nine) is None
        assert await rotation.due_slot(session, at_nine, weekly, ZONE) is None
        # too late (past the grace) is skipped, not posted
        assert await rotation.due_slot(session, NOW + timedelta(days=6), weekly, ZONE) is None
        after = PostSchedule(mode="after_meeting", days_after=1)
        day_after = datetime(2026, 3, 4, 0, 5, tzinfo=UTC)
        slot = await rotation.due_slot(session, day_after, after, ZONE)
        assert slot is not None
        assert slot.key.startswith("after:")
        await rotation.finish_post(
            session, post.id, status=RosterPostStatus.SENT, channel_id=1, message_id=2, now=NOW
        )
        previous = await rotation.previous_post(session, 1)
        assert previous is not None
        assert previous.message_id == 2


async def test_personal_data_and_erasure_keep_history(db: Database) -> None:
    async with db.transaction() as session:
        await _series(session)
        a, b = await _group(session, 2)
        await rotation.plan(session, NOW, RULES)
        await rotation.mark_unavailable(
            session,
            b,
            date(2026, 5, 1),
            date(2026, 5, 10),
            "family matter",
            NOW,
            RULES,
            keyring=KEYRING,
        )
    later = NOW + timedelta(days=10)
    async with db.transaction() as session:
        data = await rotation.personal_data(session, b, KEYRING)
        assert data["unavailability"][0]["reason"] == "family matter"
        assert any(x["role"] == "facilitator" for x in data["assignments"])
        await rotation.erase_personal_data(session, b, later)
        assert (await session.scalars(select(Unavailability))).all() == []
        kept = (
            await session.scalars(
                select(FacilitationAssignment)
                .join(Meeting)
                .where(
                    FacilitationAssignment.member_id == b.id,
                    Meeting.starts_at <= later,
                    FacilitationAssignment.role == AssignmentRole.FACILITATOR,
                )
            )
        ).all()
        assert kept, "roster history is kept"
        upcoming = (
            await session.scalars(
                select(FacilitationAssignment)
                .join(Meeting)
                .where(FacilitationAssignment.member_id == b.id, Meeting.starts_at > later)
            )
        ).all()
        assert upcoming == []
    assert a


async def test_find_meeting_and_dates_give_clear_sentences(db: Database) -> None:
    async with db.transaction() as session:
        with pytest.raises(NotFound, match="/meeting series"):
            await meeting_service.find_meeting(session, "2026-03-10", ZONE, NOW)
        await _series(session)
        with pytest.raises(InvalidInput, match="isn't a date"):
            await meeting_service.find_meeting(session, "31/02/2026", ZONE, NOW)
        with pytest.raises(InvalidInput, match="in the past"):
            await meeting_service.find_meeting(session, "2026-02-01", ZONE, NOW)
        with pytest.raises(NotFound, match="2026-03-10"):
            await meeting_service.find_meeting(session, "2026-03-11", ZONE, NOW)
        found = await meeting_service.find_meeting(session, "10 March", ZONE, NOW)
        assert found.starts_at == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-17", (date(2026, 3, 17), date(2026, 3, 17))),
        ("17/03/2026 to 24/03/2026", (date(2026, 3, 17), date(2026, 3, 24))),
        ("2026-03-17..2026-03-20", (date(2026, 3, 17), date(2026, 3, 20))),
        ("tomorrow", (date(2026, 3, 3), date(2026, 3, 3))),
    ],
)
def test_parse_day_range(text: str, expected: tuple[date, date]) -> None:
    assert meeting_service.parse_day_range(text, ZONE, NOW) == expected


def test_parse_when_refuses_past_and_unreadable() -> None:
    assert meeting_service.parse_when("2026-03-17 10:00", ZONE, NOW) == datetime(
        2026, 3, 17, 0, 0, tzinfo=UTC
    )
    assert meeting_service.parse_when("17 March at 2pm", ZONE, NOW) == datetime(
        2026, 3, 17, 4, 0, tzinfo=UTC
    )
    with pytest.raises(InvalidInput, match="in the past"):
        meeting_service.parse_when("2026-03-01 10:00", ZONE, NOW)
    with pytest.raises(InvalidInput, match="Add a time"):
        meeting_service.parse_when("2026-03-17", ZONE, NOW)
    with pytest.raises(InvalidInput, match="isn't a date and time"):
        meeting_service.parse_when("soonish", ZONE, NOW)


async def test_changing_the_series_keeps_matching_meetings(db: Database) -> None:
    async with db.transaction() as session:
        await _series(session, "every week on Tuesday at 10:00")
        await _group(session, 3)
        before = await rotation.plan(session, NOW, RULES)
        await rotation.volunteer(session, before[2], before[0].facilitator, NOW, RULES)  # type: ignore[arg-type]
        change = await meeting_service.set_series(
            session,
            phrase="every 2 weeks on Tuesday at 10:00",
            place="Room 9",
            duration_minutes=60,
            zone=ZONE,
            now=NOW,
            horizon_days=RULES.horizon_days,
        )
        assert change.kept > 0
        assert change.dropped > 0
        after = await rotation.plan(session, NOW, RULES)
    assert all(m.place == "Room 9" for m in after)
    assert [m.starts_at for m in after[:2]] == [before[0].starts_at, before[2].starts_at]
    assert after[1].facilitator is not None
    assert after[1].facilitator.id == before[0].facilitator.id  # type: ignore[union-attr]
