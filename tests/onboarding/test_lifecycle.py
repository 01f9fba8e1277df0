"""Applying, deciding (exactly once), leaving, profiles and personal data."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.config import AppConfig
from bot.db import Database
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.models import Application, ApplicationStatus, Attestation, JoinDraft, Member, MemberStatus
from bot.services.onboarding import erase_personal_data, personal_data
from bot.services.onboarding.forms import NO_COURSE, Incomplete
from bot.services.onboarding.lifecycle import (
    Verdict,
    claim_welcome,
    decide,
    edit_profile,
    ensure_can_apply,
    load_draft,
    profile_for,
    record_departure,
    save_draft,
    starting_answers,
    submit_application,
)
from tests.conftest import FakeClock
from tests.onboarding.helpers import COORDINATOR_ID, add_member, approved_member, good_answers

USER = 800000000000000001


async def submit(db: Database, config: AppConfig, clock: FakeClock, **changes: object) -> int:
    async with db.transaction() as s:
        submitted = await submit_application(
            s, USER, "nina", good_answers(config, **changes), config, clock()
        )
        return submitted.application.id


async def test_submit_records_application_profile_and_drops_draft(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        await save_draft(s, USER, good_answers(config), clock())
    app_id = await submit(db, config, clock)
    async with db.transaction() as s:
        app = await s.get(Application, app_id)
        assert app is not None
        assert app.status is ApplicationStatus.PENDING
        assert app.all_met
        assert app.rules_version == config.community.rules_version
        assert app.pledge_version == config.onboarding.pledge_version
        member = await s.get(Member, app.member_id)
        assert member is not None
        assert member.status is MemberStatus.APPLICANT
        assert member.organisation == "Fitzroy Health Partnership"
        assert await s.get(JoinDraft, USER) is None


async def test_submit_with_unmet_rules_is_still_recorded(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    app_id = await submit(db, config, clock, course=NO_COURSE, agreed_facilitation=False)
    async with db.transaction() as s:
        app = await s.get(Application, app_id)
        assert app is not None
        assert not app.all_met
        assert [c["outcome"] for c in app.checks] == ["unmet", "met", "unmet", "met"]


async def test_submit_incomplete_records_nothing(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    with pytest.raises(Incomplete):
        await submit(db, config, clock, locality="")
    async with db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Application)) == 0


async def test_second_application_gets_the_current_status(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    await submit(db, config, clock)
    with pytest.raises(Conflict, match="already applied"):
        await submit(db, config, clock)
    async with db.transaction() as s:
        with pytest.raises(Conflict, match="already applied"):
            await ensure_can_apply(s, USER)


async def test_member_asking_to_join_is_told_they_are_one(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        await approved_member(s, config, USER, clock())
    async with db.transaction() as s:
        with pytest.raises(Conflict, match="already a member"):
            await ensure_can_apply(s, USER)


async def test_approve_makes_member_active_with_attestation(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    app_id = await submit(db, config, clock)
    clock.advance(hours=5)
    async with db.transaction() as s:
        decision = await decide(
            s, app_id, Verdict.APPROVE, by_user_id=COORDINATOR_ID, config=config, now=clock()
        )
    assert decision.approved
    assert decision.in_guild
    assert decision.member.status is MemberStatus.ACTIVE
    assert decision.member.joined_at == clock()
    async with db.transaction() as s:
        attestation = await s.scalar(select(Attestation))
        assert attestation is not None
        assert attestation.approved_by == COORDINATOR_ID
        assert attestation.rules_version == config.community.rules_version
        assert attestation.pledge_version == config.onboarding.pledge_version
        assert attestation.recorded_at == clock()
        assert attestation.agreed_at < attestation.recorded_at


async def test_approve_names_people_to_meet_first(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        for n, tags in enumerate([["co-design"], ["health"], ["mining"], ["co-design"]]):
            await add_member(s, 10 + n, f"M{n}", tags, joined_at=datetime(2025, 1, 1, tzinfo=UTC))
    app_id = await submit(db, config, clock)
    async with db.transaction() as s:
        decision = await decide(
            s, app_id, Verdict.APPROVE, by_user_id=COORDINATOR_ID, config=config, now=clock()
        )
    assert [m.member.user_id for m in decision.meet_first] == [10, 13, 11]
    assert decision.application.meet_first == [m.member.id for m in decision.meet_first]


async def test_decide_twice_gives_one_decision(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    app_id = await submit(db, config, clock)
    async with db.transaction() as s:
        await decide(
            s, app_id, Verdict.APPROVE, by_user_id=COORDINATOR_ID, config=config, now=clock()
        )
    with pytest.raises(Conflict, match=f"already approved by <@{COORDINATOR_ID}>"):
        async with db.transaction() as s:
            await decide(
                s, app_id, Verdict.DECLINE, by_user_id=2, config=config, now=clock(), reason="x"
            )


async def test_concurrent_decisions_one_wins(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    app_id = await submit(db, config, clock)

    async def press(by: int) -> str:
        try:
            async with db.transaction() as s:
                await decide(s, app_id, Verdict.APPROVE, by_user_id=by, config=config, now=clock())
        except Conflict:
            return "conflict"
        return "won"

    results = await asyncio.gather(*(press(COORDINATOR_ID + n) for n in range(4)))
    assert sorted(results) == ["conflict", "conflict", "conflict", "won"]
    async with db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Attestation)) == 1


async def test_decline_needs_a_reason_and_records_it(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    app_id = await submit(db, config, clock)
    with pytest.raises(InvalidInput, match="reason"):
        async with db.transaction() as s:
            await decide(
                s, app_id, Verdict.DECLINE, by_user_id=1, config=config, now=clock(), reason=" "
            )
    async with db.transaction() as s:
        decision = await decide(
            s, app_id, Verdict.DECLINE, by_user_id=1, config=config, now=clock(), reason=" Not CQ "
        )
    assert decision.application.decline_reason == "Not CQ"
    assert decision.member.status is MemberStatus.DECLINED
    async with db.transaction() as s:
        await ensure_can_apply(s, USER)  # may apply again
        again = await starting_answers(s, USER, "discord")
    assert again.organisation == "Fitzroy Health Partnership"


async def test_departure_mid_review_then_approval_is_recorded_not_activated(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    app_id = await submit(db, config, clock)
    async with db.transaction() as s:
        departure = await record_departure(s, USER, clock())
    assert departure is not None
    assert departure.open_application is not None
    async with db.transaction() as s:
        assert await record_departure(s, USER, clock()) is None  # once
        decision = await decide(
            s, app_id, Verdict.APPROVE, by_user_id=COORDINATOR_ID, config=config, now=clock()
        )
    assert decision.application.status is ApplicationStatus.APPROVED
    assert not decision.in_guild
    assert decision.member.status is MemberStatus.LEFT


async def test_departure_of_an_active_member_leaves_them_out(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        await approved_member(s, config, USER, clock())
    async with db.transaction() as s:
        departure = await record_departure(s, USER, clock())
    assert departure is not None
    assert departure.was_active
    assert departure.member.status is MemberStatus.LEFT
    assert not departure.member.in_guild


async def test_claim_welcome_once_and_again_after_coming_back(
    db: Database, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        assert await claim_welcome(s, USER, "nina", clock()) is not None
        assert await claim_welcome(s, USER, "nina", clock()) is None
    async with db.transaction() as s:
        await record_departure(s, USER, clock())
    async with db.transaction() as s:
        again = await claim_welcome(s, USER, "nina", clock())
    assert again is not None
    assert again.in_guild
    assert again.status is MemberStatus.APPLICANT


async def test_draft_keeps_answers(db: Database, config: AppConfig, clock: FakeClock) -> None:
    answers = good_answers(config, organisation="x" * 300)
    async with db.transaction() as s:
        await save_draft(s, USER, answers, clock())
    async with db.transaction() as s:
        assert await load_draft(s, USER) == answers
        assert (await starting_answers(s, USER, "nina")).organisation == "x" * 300


async def test_profiles_visible_to_members_and_editable_by_their_owner(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    async with db.transaction() as s:
        await approved_member(s, config, USER, clock())
        await add_member(s, 5, "Outsider", [], joined_at=clock(), status=MemberStatus.APPLICANT)
    async with db.transaction() as s:
        seen = await profile_for(s, USER, USER, viewer_is_coordinator=False)
        assert seen.display_name == "Nina Newcomer"
        with pytest.raises(NotAllowed, match="/join"):
            await profile_for(s, 5, USER, viewer_is_coordinator=False)
        with pytest.raises(NotFound):
            await profile_for(s, USER, 5, viewer_is_coordinator=False)
        edited = await edit_profile(
            s,
            USER,
            name="Nina N",
            organisation="New Org",
            job_role="Lead",
            interests="Water, water",
        )
    assert (edited.organisation, edited.interests) == ("New Org", ["water"])
    async with db.transaction() as s:
        with pytest.raises(InvalidInput, match="Organisation"):
            await edit_profile(s, USER, name="N", organisation=" ", job_role="L", interests="w")
        with pytest.raises(NotAllowed):
            await edit_profile(s, 5, name="N", organisation="O", job_role="L", interests="w")


async def test_personal_data_then_erase(db: Database, config: AppConfig, clock: FakeClock) -> None:
    async with db.transaction() as s:
        member = await approved_member(s, config, USER, clock(), locality_note="")
        data = await personal_data(s, member)
    assert data["profile"]["organisation"] == "Fitzroy Health Partnership"
    assert data["applications"][0]["status"] == "approved"
    assert data["attestations"][0]["pledge_version"] == config.onboarding.pledge_version
    async with db.transaction() as s:
        again = await s.get(Member, member.id)
        assert again is not None
        await erase_personal_data(s, again, clock())
    async with db.transaction() as s:
        erased = await s.get(Member, member.id)
        assert erased is not None
        assert erased.status is MemberStatus.ERASED
        assert (erased.display_name, erased.organisation, erased.interests) == ("", "", [])
        app = await s.scalar(select(Application))
        assert app is not None
        assert app.status is ApplicationStatus.APPROVED
        assert app.decided_by == COORDINATOR_ID
        assert (app.organisation, app.interests, app.checks) == ("", [], [])
        assert await s.scalar(select(func.count()).select_from(Attestation)) == 1
        after = await personal_data(s, erased)
    assert "Fitzroy" not in repr(after)


async def test_erase_closes_a_pending_application_and_drops_the_discord_id(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    app_id = await submit(db, config, clock)
    async with db.transaction() as s:
        app = await s.get(Application, app_id)
        assert app is not None
        member = await s.get(Member, app.member_id)
        assert member is not None
        await erase_personal_data(s, member, clock())
    async with db.transaction() as s:
        app = await s.get(Application, app_id)
        assert app is not None
        assert app.status is ApplicationStatus.DECLINED
        assert app.user_id == -app.member_id
        assert app.open_user_id is None
        assert "erased" in app.decline_reason
        await ensure_can_apply(s, USER)  # a fresh start is possible


async def test_approval_enters_the_rotation_and_leaving_takes_them_out(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    from bot.models import RotationEntry

    async with db.transaction() as s:
        member = await approved_member(s, config, USER, clock())
    async with db.transaction() as s:
        entry = await s.get(RotationEntry, member.id)
        assert entry is not None
        assert entry.active
        assert entry.entered_at == clock()
    async with db.transaction() as s:
        await record_departure(s, USER, clock())
    async with db.transaction() as s:
        entry = await s.get(RotationEntry, member.id)
        assert entry is not None
        assert not entry.active
