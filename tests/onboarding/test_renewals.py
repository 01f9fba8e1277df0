"""Renewal under a fake clock: prompts when due, lapses after the grace period, and a
new pledge version asks everyone again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import AppConfig
from bot.db import Database
from bot.errors import Conflict, NotAllowed
from bot.models import (
    Attestation,
    Member,
    MemberStatus,
    RenewalOutcome,
    RenewalReason,
    RotationEntry,
)
from bot.services.onboarding.renewals import (
    answer_renewal,
    lapse_overdue,
    mark_notified,
    open_due_renewals,
    prompts_to_deliver,
)
from tests.conftest import FakeClock
from tests.onboarding.helpers import add_member, approved_member

USER = 800000000000000002


async def deliver_all(db: Database, config: AppConfig, clock: FakeClock) -> list[int]:
    """What the sweep does: open what is due and mark each prompt delivered."""
    async with db.transaction() as s:
        await open_due_renewals(s, config, clock())
        prompts = await prompts_to_deliver(s)
        for prompt in prompts:
            await mark_notified(s, prompt.renewal.id, "dm", config, clock())
    return [p.renewal.id for p in prompts]


async def status_of(db: Database, user_id: int) -> MemberStatus:
    async with db.transaction() as s:
        member = await s.scalar(select(Member).where(Member.user_id == user_id))
        assert member is not None
        return member.status


async def test_renewal_prompt_then_lapse_after_grace(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        await approved_member(s, config, USER, clock())
    clock.advance(days=config.onboarding.renewal_days - 1)
    assert await deliver_all(db, config, clock) == []
    clock.advance(days=1)
    [renewal_id] = await deliver_all(db, config, clock)
    assert await deliver_all(db, config, clock) == []  # one open renewal at a time
    clock.advance(days=config.onboarding.renewal_grace_days - 1)
    async with db.transaction() as s:
        assert await lapse_overdue(s, clock()) == []
    clock.advance(days=1)
    async with db.transaction() as s:
        [lapse] = await lapse_overdue(s, clock())
    assert lapse.renewal.id == renewal_id
    assert lapse.renewal.outcome is RenewalOutcome.LAPSED
    assert lapse.meetings_changed == 0  # no meeting was planned, so no turn to hand on
    async with db.transaction() as s:
        entry = await s.get(RotationEntry, lapse.member.id)
        assert entry is not None
        assert not entry.active  # out of the facilitation rotation
    assert await status_of(db, USER) is MemberStatus.ALUMNI
    async with db.transaction() as s:
        assert await lapse_overdue(s, clock()) == []  # once
        with pytest.raises(Conflict, match="/join"):
            await answer_renewal(s, renewal_id, USER, True, config, clock())


async def test_undelivered_prompt_never_lapses(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        await approved_member(s, config, USER, clock())
    clock.advance(days=config.onboarding.renewal_days)
    async with db.transaction() as s:
        assert len(await open_due_renewals(s, config, clock())) == 1
    clock.advance(days=400)
    async with db.transaction() as s:
        assert await lapse_overdue(s, clock()) == []
    assert await status_of(db, USER) is MemberStatus.ACTIVE


async def test_confirming_records_an_attestation_and_restarts_the_clock(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        await approved_member(s, config, USER, clock())
    clock.advance(days=config.onboarding.renewal_days)
    [renewal_id] = await deliver_all(db, config, clock)
    clock.advance(days=3)
    async with db.transaction() as s:
        with pytest.raises(NotAllowed):
            await answer_renewal(s, renewal_id, USER + 1, True, config, clock())
        answer = await answer_renewal(s, renewal_id, USER, True, config, clock())
    assert answer.confirmed
    assert answer.next_due == clock() + timedelta(days=config.onboarding.renewal_days)
    async with db.transaction() as s:
        kinds = [a.kind for a in await s.scalars(select(Attestation).order_by(Attestation.id))]
        assert kinds == ["application", "renewal"]
        with pytest.raises(Conflict, match="already confirmed"):
            await answer_renewal(s, renewal_id, USER, True, config, clock())
    clock.advance(days=config.onboarding.renewal_grace_days + 1)
    async with db.transaction() as s:
        assert await lapse_overdue(s, clock()) == []
    assert await deliver_all(db, config, clock) == []
    assert await status_of(db, USER) is MemberStatus.ACTIVE


async def test_stepping_back_makes_alumni(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        await approved_member(s, config, USER, clock())
    clock.advance(days=config.onboarding.renewal_days)
    [renewal_id] = await deliver_all(db, config, clock)
    async with db.transaction() as s:
        answer = await answer_renewal(s, renewal_id, USER, False, config, clock())
    assert not answer.confirmed
    assert answer.renewal.outcome is RenewalOutcome.STEPPED_BACK
    assert await status_of(db, USER) is MemberStatus.ALUMNI


async def test_new_pledge_version_asks_members_again(
    db: Database, config: AppConfig, config_factory: Callable[..., AppConfig], clock: FakeClock
) -> None:
    async with db.transaction() as s:
        await approved_member(s, config, USER, clock())
    clock.advance(days=10)
    assert await deliver_all(db, config, clock) == []
    changed = config_factory(onboarding={"pledge_version": "2"})
    async with db.transaction() as s:
        [renewal] = await open_due_renewals(s, changed, clock())
    assert renewal.reason is RenewalReason.PLEDGE
    assert renewal.pledge_version == "2"
    async with db.transaction() as s:
        await mark_notified(s, renewal.id, "dm", changed, clock())
        await answer_renewal(s, renewal.id, USER, True, changed, clock())
    assert await deliver_all(db, changed, clock) == []


async def test_members_from_before_the_bot_start_their_clock_when_found(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        await add_member(s, USER, "Old hand", ["water"], joined_at=datetime(2019, 1, 1, tzinfo=UTC))
    assert await deliver_all(db, config, clock) == []  # not all asked at once on install
    clock.advance(days=config.onboarding.renewal_days)
    assert len(await deliver_all(db, config, clock)) == 1
