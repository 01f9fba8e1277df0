"""The roster post decided on the service side and delivered through the port (a fake)."""

from __future__ import annotations

from datetime import timedelta

from bot import port
from bot.db import Database
from bot.models import RosterPostStatus
from bot.services import rotation
from bot.services.rotation import PostPlan, Slot
from tests.fakes import FakePort
from tests.rotation.helpers import NOW, RULES, add_member, meeting_series

CHANNEL = 920000000000000002


def _message(plan: PostPlan) -> port.Message:
    users = tuple(m.facilitator.user_id for m in plan.meetings if m.facilitator)
    return port.Message(content=f"roster of {len(plan.meetings)}", ping_users=users)


async def _run(db: Database, out: FakePort, slot: Slot, *, edit: bool = False) -> object:
    async with db.transaction() as session:
        plan = await rotation.prepare_post(
            session, slot, NOW, rules=RULES, count=3, channel_id=CHANNEL, edit_previous=edit
        )
    if plan is None:
        return None
    outcome = await rotation.deliver_post(out, plan, CHANNEL, _message(plan))
    async with db.transaction() as session:
        await rotation.record_post(session, plan, outcome, CHANNEL, NOW)
    return outcome


async def _community(db: Database) -> None:
    async with db.transaction() as session:
        for i in range(3):
            await add_member(session, f"m{i}", NOW - timedelta(days=30 - i))
        await meeting_series(session, NOW, RULES.horizon_days)


async def test_roster_post_goes_out_once_per_slot(db: Database) -> None:
    await _community(db)
    out = FakePort()
    slot = Slot("weekly:2026-03-02T09:00", NOW)
    first = await _run(db, out, slot)
    again = await _run(db, out, slot)
    assert isinstance(first, rotation.PostOutcome)
    assert first.status is RosterPostStatus.SENT
    assert again is None
    posts = out.posts_in(CHANNEL)
    assert len(posts) == 1
    assert posts[0].text.startswith("roster of 3")


async def test_roster_post_failure_gives_the_slot_back(db: Database) -> None:
    await _community(db)
    out = FakePort()
    out.fail_times("post", port.Transient("503"), times=1)
    slot = Slot("weekly:2026-03-02T09:00", NOW)
    assert await _run(db, out, slot) is None
    assert out.posts_in(CHANNEL) == []
    retried = await _run(db, out, slot)
    assert isinstance(retried, rotation.PostOutcome)
    assert retried.status is RosterPostStatus.SENT
    assert len(out.posts_in(CHANNEL)) == 1


async def test_roster_post_edits_the_previous_one_or_posts_anew_when_gone(db: Database) -> None:
    await _community(db)
    out = FakePort()
    await _run(db, out, Slot("weekly:2026-03-02T09:00", NOW))
    edited = await _run(db, out, Slot("weekly:2026-03-09T09:00", NOW), edit=True)
    assert isinstance(edited, rotation.PostOutcome)
    assert edited.status is RosterPostStatus.EDITED
    assert len(out.posts_in(CHANNEL)) == 1
    out.fail_times("edit", port.Gone("10008"), times=1)
    fresh = await _run(db, out, Slot("weekly:2026-03-16T09:00", NOW), edit=True)
    assert isinstance(fresh, rotation.PostOutcome)
    assert fresh.status is RosterPostStatus.SENT
    assert len(out.posts_in(CHANNEL)) == 2


async def test_roster_post_with_no_meetings_is_skipped(db: Database) -> None:
    out = FakePort()
    outcome = await _run(db, out, Slot("weekly:2026-03-02T09:00", NOW))
    assert isinstance(outcome, rotation.PostOutcome)
    assert outcome.status is RosterPostStatus.SKIPPED
    assert out.posts_in(CHANNEL) == []
