"""The fairness rules of the rotation, simulated with no Discord."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from bot.crypto import Keyring
from bot.db import Database
from bot.models import MemberStatus
from bot.services import rotation
from bot.services.rotation import RotationRules
from bot.services.rotation import series as meeting_service
from tests.rotation.helpers import ZONE, add_member, meeting_series

KEYRING = Keyring.generate()

RULES = RotationRules(zone=ZONE, settle_days=7, experienced_after=1, horizon_days=60)
START = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)


async def _facilitations(db: Database, now: datetime) -> Counter[int]:
    async with db.transaction() as session:
        pool = await rotation.sync_pool(session, now)
        return Counter({mid: s.facilitated for mid, s in pool.items()})


async def test_year_simulation_keeps_turns_within_one_and_honours_unavailability(
    db: Database,
) -> None:
    rng = random.Random(20260105)
    now = START
    async with db.transaction() as session:
        await meeting_series(session, now, RULES.horizon_days, place="Room 1")
        founders = [
            await add_member(session, f"founder{i}", now - timedelta(days=30 - i)) for i in range(8)
        ]
        stayers = {m.id for m in founders}
        await rotation.plan(session, now, RULES)

    unavailable: dict[int, list[tuple[date, date]]] = {}
    leavers: list[int] = []
    newcomers: list[int] = []
    held: list[tuple[datetime, int]] = []  # (meeting start, facilitator id)
    for week in range(52):
        now = START + timedelta(days=7 * week)
        async with db.transaction() as session:
            if week in (10, 25, 40):
                newcomer = await add_member(session, f"new{week}", now)
                newcomers.append(newcomer.id)
            if week == 18:
                # one founder leaves (and is not counted as present all year)
                leaver = await session.get(type(founders[0]), founders[7].id)
                assert leaver is not None
                leaver.status = MemberStatus.LEFT
                stayers.discard(leaver.id)
                leavers.append(leaver.id)
                await rotation.reassign_future_turns(session, leaver, now, RULES)
            if week == 30:
                lapsed = await session.get(type(founders[0]), newcomers[0])
                assert lapsed is not None
                lapsed.status = MemberStatus.ALUMNI
                leavers.append(lapsed.id)
                await rotation.reassign_future_turns(session, lapsed, now, RULES)
            if rng.random() < 0.5:
                who = rng.choice(sorted(stayers))
                first = (now + timedelta(days=rng.randint(1, 20))).astimezone(ZONE).date()
                last = first + timedelta(days=rng.randint(0, 14))
                member = await session.get(type(founders[0]), who)
                assert member is not None
                await rotation.mark_unavailable(
                    session, member, first, last, "away", now, RULES, keyring=KEYRING
                )
                unavailable.setdefault(who, []).append((first, last))
            await rotation.plan(session, now, RULES)
        # let this week's meeting happen
        async with db.transaction() as session:
            meeting = await meeting_service.next_meeting(session, now)
            assert meeting is not None
            assert meeting.facilitator is not None
            held.append((meeting.starts_at, meeting.facilitator.id))
            if meeting.co_facilitator is not None:
                assert meeting.co_facilitator.id != meeting.facilitator.id

    end = START + timedelta(days=7 * 52)
    counts = await _facilitations(db, end)
    present = [counts.get(mid, 0) for mid in sorted(stayers)]
    assert max(present) - min(present) <= 1, present
    assert sum(present) > 0
    # unavailability always honoured
    for starts_at, member_id in held:
        day = starts_at.astimezone(ZONE).date()
        for first, last in unavailable.get(member_id, []):
            assert not first <= day <= last, (member_id, day)
    # leavers never facilitate after leaving
    leave_week = {leavers[0]: 18, leavers[1]: 30}
    for starts_at, member_id in held:
        if member_id in leave_week:
            assert starts_at < START + timedelta(days=7 * leave_week[member_id])
    # newcomers took part without a burst: no newcomer facilitated twice in a row
    for mid in newcomers[1:]:
        turns = [i for i, (_, f) in enumerate(held) if f == mid]
        assert turns, "a newcomer should get a turn"
        assert all(b - a > 1 for a, b in itertools.pairwise(turns))


async def test_plan_is_deterministic_for_the_same_state(db: Database) -> None:
    now = START
    async with db.transaction() as session:
        await meeting_service.set_series(
            session,
            phrase="every 2 weeks on Monday at 09:00",
            place="",
            duration_minutes=60,
            zone=ZONE,
            now=now,
            horizon_days=120,
        )
        for i in range(5):
            await add_member(session, f"m{i}", now - timedelta(days=10))  # same join time
        first = [
            (m.id, m.facilitator.id if m.facilitator else None)
            for m in await rotation.plan(session, now, RULES)
        ]
        second = [
            (m.id, m.facilitator.id if m.facilitator else None)
            for m in await rotation.plan(session, now, RULES)
        ]
    assert first == second
    # ties on count and wait go to the earliest joined, then the lowest id
    assert [f for _, f in first[:5]] == sorted(f for _, f in first[:5] if f is not None)
    assert len({f for _, f in first[:5]}) == 5
