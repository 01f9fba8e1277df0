"""The engine's database side, with a controllable clock and no Discord."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import AppConfig
from bot.crypto import Keyring
from bot.db import Database
from bot.errors import Conflict, NotAllowed, NotFound
from bot.models import (
    DeliveryStatus,
    Meeting,
    MeetingStatus,
    Member,
    MemberStatus,
    OccurrenceStatus,
    ReminderDelivery,
    ReminderKind,
    ReminderOccurrence,
    ReminderStatus,
    ReminderStep,
)
from bot.services import reminders as svc
from tests.conftest import FakeClock
from tests.reminders.helpers import add_meeting, add_member, days, set_facilitator

BRISBANE = ZoneInfo("Australia/Brisbane")
START = datetime(2026, 3, 2, tzinfo=UTC)
MEETING_AT = datetime(2026, 3, 24, 0, 0, tzinfo=UTC)  # 10:00 in Brisbane
KEYRING = Keyring.generate()


def settings(config: AppConfig) -> svc.EngineSettings:
    return svc.EngineSettings.from_config(config)


async def occurrences(db: Database) -> list[ReminderOccurrence]:
    async with db.transaction() as session:
        return list(
            await session.scalars(select(ReminderOccurrence).order_by(ReminderOccurrence.id))
        )


async def deliveries(db: Database) -> list[tuple[ReminderDelivery, ReminderOccurrence]]:
    async with db.transaction() as session:
        rows = await session.execute(
            select(ReminderDelivery, ReminderOccurrence)
            .join(ReminderOccurrence, ReminderOccurrence.id == ReminderDelivery.occurrence_id)
            .order_by(ReminderDelivery.id)
        )
        return list(rows.all())


async def tick(
    db: Database, config: AppConfig, now: datetime, run_id: str = "run-1"
) -> list[svc.Claim]:
    """One engine pass without Discord: plan, dispatch, report, claim (committed)."""
    s = settings(config)
    async with db.transaction() as session:
        await svc.plan_all(session, now, s)
    more = True
    while more:
        async with db.transaction() as session:
            more = (await svc.dispatch_due(session, now, s)).more
    async with db.transaction() as session:
        await svc.report_problems(session, now, s)
    async with db.transaction() as session:
        return (await svc.claim_ready(session, now, run_id, s)).claims


async def send_all(db: Database, claims: list[svc.Claim], now: datetime) -> None:
    """Pretend Discord accepted every claimed message."""
    async with db.transaction() as session:
        for n, claim in enumerate(claims):
            assert await svc.record_sent(session, claim, now, channel_id=1, message_id=1000 + n)


@pytest.fixture
async def team(db: Database) -> dict[str, int]:
    async with db.transaction() as session:
        ana = await add_member(session, "Ana")
        ben = await add_member(session, "Ben")
        cal = await add_member(session, "Cal")
        meeting = await add_meeting(session, MEETING_AT, facilitator=ana, co_facilitator=ben)
        return {"ana": ana.user_id, "ben": ben.user_id, "cal": cal.user_id, "meeting": meeting.id}


# --- planning the chain ------------------------------------------------------------------


async def test_chain_plans_every_step_at_its_offset(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    async with db.transaction() as session:
        result = await svc.plan_meetings(session, START, settings(config))
    planned: dict[ReminderStep, list[datetime]] = {o.step: [] for o in await occurrences(db)}
    for o in await occurrences(db):
        planned[o.step].append(o.due_at)
    assert len(result.planned) == 7
    assert sorted(planned[ReminderStep.GROUP]) == [MEETING_AT - days(7), MEETING_AT - days(1)]
    # One for the facilitator, one for the co-facilitator.
    assert planned[ReminderStep.FACILITATOR_PACK] == [MEETING_AT - days(7)] * 2
    assert planned[ReminderStep.CONFIRM_REQUEST] == [MEETING_AT - days(2)]
    assert planned[ReminderStep.ESCALATION] == [MEETING_AT - days(1)]
    assert planned[ReminderStep.LEARNING_PROMPT] == [MEETING_AT + timedelta(minutes=90) + days(1)]


async def test_chain_offsets_come_from_config(
    db: Database, config_factory: Callable[..., AppConfig], team: dict[str, int]
) -> None:
    config = config_factory(
        reminders={"group_days_before": [3], "confirm_days_before": 4, "escalate_days_before": 0.5}
    )
    async with db.transaction() as session:
        await svc.plan_meetings(session, START, settings(config))
    dues = {o.step: o.due_at for o in await occurrences(db)}
    assert dues[ReminderStep.FACILITATOR_PACK] == MEETING_AT - days(7)
    assert dues[ReminderStep.GROUP] == MEETING_AT - days(3)
    assert dues[ReminderStep.CONFIRM_REQUEST] == MEETING_AT - days(4)
    assert dues[ReminderStep.ESCALATION] == MEETING_AT - timedelta(hours=12)


async def test_planning_twice_plans_nothing_new(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    async with db.transaction() as session:
        await svc.plan_meetings(session, START, settings(config))
    async with db.transaction() as session:
        again = await svc.plan_meetings(session, START + timedelta(minutes=1), settings(config))
    assert again.planned == []
    assert again.settled == []
    assert len(await occurrences(db)) == 7


async def test_cancelled_meeting_sends_nothing(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    await tick(db, config, START)
    async with db.transaction() as session:
        meeting = await session.get(Meeting, team["meeting"])
        assert meeting is not None
        meeting.status = MeetingStatus.CANCELLED
    # Straight to each step's time, without a planning pass in between.
    s = settings(config)
    for when in (
        MEETING_AT - days(7),
        MEETING_AT - days(2),
        MEETING_AT - days(1),
        MEETING_AT + days(2),
    ):
        async with db.transaction() as session:
            await svc.dispatch_due(session, when, s)
        async with db.transaction() as session:
            assert (await svc.claim_ready(session, when, "run-1", s)).claims == []
    assert await deliveries(db) == []
    assert {o.status for o in await occurrences(db)} == {OccurrenceStatus.CANCELLED}


async def test_meeting_cancelled_after_dispatch_is_not_sent(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    s = settings(config)
    await tick(db, config, START)
    due = MEETING_AT - days(7)
    async with db.transaction() as session:
        await svc.dispatch_due(session, due, s)
    async with db.transaction() as session:
        meeting = await session.get(Meeting, team["meeting"])
        assert meeting is not None
        meeting.status = MeetingStatus.CANCELLED
    async with db.transaction() as session:
        result = await svc.claim_ready(session, due, "run-1", s)
    assert result.claims == []
    assert {d.status for d, _ in await deliveries(db)} == {DeliveryStatus.CANCELLED}


async def test_moved_meeting_replans_its_steps(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    await tick(db, config, START)
    moved = MEETING_AT + days(7)
    async with db.transaction() as session:
        meeting = await session.get(Meeting, team["meeting"])
        assert meeting is not None
        meeting.starts_at = moved
    async with db.transaction() as session:
        result = await svc.plan_meetings(session, START + timedelta(minutes=1), settings(config))
    assert len(result.settled) == 7
    assert len(result.planned) == 7
    planned = [o for o in await occurrences(db) if o.status is OccurrenceStatus.PLANNED]
    assert {o.meeting_starts_at for o in planned} == {moved}
    assert min(o.due_at for o in planned) == moved - days(7)


async def test_new_facilitator_gets_pack_at_once_and_own_confirmation(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    s = settings(config)
    week_before = MEETING_AT - days(7)
    claims = await tick(db, config, week_before)
    assert {c.target for c in claims if c.step is ReminderStep.FACILITATOR_PACK} == {
        f"user:{team['ana']}",
        f"user:{team['ben']}",
    }
    await send_all(db, claims, week_before)
    later = week_before + days(1)
    async with db.transaction() as session:
        cal = await session.scalar(select(Meeting).where(Meeting.id == team["meeting"]))
        cal_member = await session.scalar(select(Member).where(Member.user_id == team["cal"]))
        assert cal is not None
        assert cal_member is not None
        await set_facilitator(session, cal, cal_member)
    claims = await tick(db, config, later)
    assert [(c.step, c.target) for c in claims] == [
        (ReminderStep.FACILITATOR_PACK, f"user:{team['cal']}")
    ]
    confirms = [o for o in await occurrences(db) if o.step is ReminderStep.CONFIRM_REQUEST]
    assert {(o.target_user_id, o.status) for o in confirms} == {
        (team["ana"], OccurrenceStatus.SUPERSEDED),
        (team["cal"], OccurrenceStatus.PLANNED),
    }
    del s


# --- confirmation and escalation -----------------------------------------------------------


async def test_confirmed_facilitator_is_not_escalated(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    s = settings(config)
    await tick(db, config, START)
    async with db.transaction() as session:
        outcome = await svc.answer_confirmation(
            session,
            team["meeting"],
            team["ana"],
            confirmed=True,
            now=MEETING_AT - days(2),
            settings=s,
        )
    assert outcome.changed
    assert outcome.confirmed
    claims = await tick(db, config, MEETING_AT - days(1))
    assert ReminderStep.GROUP in {c.step for c in claims}
    assert ReminderStep.ESCALATION not in {c.step for c in claims}
    escalation = next(o for o in await occurrences(db) if o.step is ReminderStep.ESCALATION)
    assert escalation.status is OccurrenceStatus.SKIPPED


async def test_unconfirmed_facilitator_alerts_coordinators_and_asks_a_standby(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    s = settings(config)
    await tick(db, config, START)

    async def standby(  # the rotation's choice
        session: AsyncSession, meeting_id: int, exclude: set[int], now: datetime
    ) -> int | None:
        assert exclude == {team["ana"], team["ben"]}
        return team["cal"]

    when = MEETING_AT - days(1)
    async with db.transaction() as session:
        await svc.dispatch_due(session, when, s, standby=standby)
    targets = {(o.step, d.target) for d, o in await deliveries(db)}
    assert (ReminderStep.ESCALATION, f"channel:{config.channels.coordinators}") in targets
    assert (ReminderStep.ESCALATION, f"user:{team['cal']}") in targets


async def test_declining_escalates_now_and_only_once(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    s = settings(config)
    await tick(db, config, START)
    now = MEETING_AT - days(2)
    async with db.transaction() as session:
        outcome = await svc.answer_confirmation(
            session, team["meeting"], team["ana"], confirmed=False, now=now, settings=s
        )
    assert len(outcome.planned.planned) == 1
    async with db.transaction() as session:
        again = await svc.answer_confirmation(
            session, team["meeting"], team["ana"], confirmed=False, now=now, settings=s
        )
    assert not again.changed
    assert again.planned.planned == []
    claims = await tick(db, config, now)
    assert [c.step for c in claims if c.step is ReminderStep.ESCALATION] == [
        ReminderStep.ESCALATION
    ]
    await send_all(db, claims, now)
    claims = await tick(db, config, MEETING_AT - days(1))
    assert ReminderStep.ESCALATION not in {c.step for c in claims}


async def test_only_the_current_facilitator_can_confirm(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    s = settings(config)
    async with db.transaction() as session:
        with pytest.raises(NotAllowed):
            await svc.answer_confirmation(
                session, team["meeting"], team["ben"], confirmed=True, now=START, settings=s
            )
        with pytest.raises(Conflict):
            await svc.answer_confirmation(
                session, team["meeting"], team["ana"], confirmed=True, now=MEETING_AT, settings=s
            )


# --- idempotent delivery --------------------------------------------------------------------


async def test_claimed_delivery_is_not_claimed_again_by_the_same_run(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    when = MEETING_AT - days(7)
    first = await tick(db, config, when)
    assert len(first) == 3  # the group, the facilitator and the co-facilitator
    assert await tick(db, config, when) == []


async def test_claim_left_by_a_crash_is_recovered_not_duplicated(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    when = MEETING_AT - days(7)
    crashed = await tick(db, config, when, run_id="dead-run")
    assert crashed
    assert not any(c.recovering for c in crashed)
    recovered = await tick(db, config, when + timedelta(seconds=30), run_id="new-run")
    assert {c.delivery_id for c in recovered} == {c.delivery_id for c in crashed}
    assert all(c.recovering for c in recovered)
    assert all(c.attempts == 1 for c in recovered)  # a recovery is not a new attempt
    await send_all(db, recovered, when)
    assert await tick(db, config, when + timedelta(minutes=1), run_id="third-run") == []
    assert len(await deliveries(db)) == 3


async def test_record_sent_refuses_a_claim_it_does_not_hold(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    when = MEETING_AT - days(7)
    crashed = await tick(db, config, when, run_id="dead-run")
    await tick(db, config, when, run_id="new-run")
    async with db.transaction() as session:
        assert not await svc.record_sent(session, crashed[0], when, channel_id=1, message_id=2)


async def test_transient_failures_back_off_then_give_up_and_are_reported(
    db: Database, config_factory: Callable[..., AppConfig], team: dict[str, int]
) -> None:
    config = config_factory(reminders={"max_attempts": 3, "retry_base_seconds": 10})
    s = settings(config)
    when = MEETING_AT - days(1)
    async with db.transaction() as session:
        await svc.plan_all(session, START, s)
    claims = await tick(db, config, when)
    group = next(c for c in claims if c.step is ReminderStep.GROUP)
    waits = []
    now = when
    for attempt in range(3):
        async with db.transaction() as session:
            retry_at = await svc.record_failure(
                session, group, now, s, "503 0: unavailable", permanent=False
            )
        if retry_at is None:
            break
        waits.append(retry_at - now)
        now = retry_at
        async with db.transaction() as session:
            claimed = (await svc.claim_ready(session, now, "run-1", s)).claims
        group = next(c for c in claimed if c.delivery_id == group.delivery_id)
        assert group.attempts == attempt + 2
    assert waits == [timedelta(seconds=10), timedelta(seconds=20)]
    delivery = next(d for d, o in await deliveries(db) if d.id == group.delivery_id)
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.failures == 3
    assert delivery.last_error == "503 0: unavailable"
    async with db.transaction() as session:
        report = await svc.report_problems(session, now, s)
    assert report is not None
    assert report.payload["deliveries"] == [group.delivery_id]
    async with db.transaction() as session:
        assert await svc.report_problems(session, now, s) is None  # reported once


# --- missed while down ----------------------------------------------------------------------


async def test_inside_grace_window_it_is_still_sent(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    await tick(db, config, START)
    late = MEETING_AT - days(7) + timedelta(hours=5)  # grace is 6 hours by default
    claims = await tick(db, config, late)
    assert {c.step for c in claims} == {ReminderStep.GROUP, ReminderStep.FACILITATOR_PACK}
    assert all(late - c.due_at == timedelta(hours=5) for c in claims)


async def test_past_grace_window_it_is_reported_not_sent(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    await tick(db, config, START)
    much_later = MEETING_AT - days(7) + timedelta(hours=7)
    claims = await tick(db, config, much_later)
    assert [(c.step, c.target) for c in claims] == [
        (ReminderStep.REPORT, f"channel:{config.channels.coordinators}")
    ]
    statuses = {o.step: o.status for o in await occurrences(db) if o.due_at == MEETING_AT - days(7)}
    assert statuses == {
        ReminderStep.GROUP: OccurrenceStatus.MISSED,
        ReminderStep.FACILITATOR_PACK: OccurrenceStatus.MISSED,
    }
    async with db.transaction() as session:
        contexts = await svc.delivery_contexts(session, claims, KEYRING)
    lines = next(iter(contexts.values())).report
    assert {(line.what, line.step) for line in lines} == {
        ("missed", ReminderStep.GROUP),
        ("missed", ReminderStep.FACILITATOR_PACK),
    }


# --- custom reminders ------------------------------------------------------------------------


async def test_one_off_personal_reminder_fires_once_then_is_done(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    s = settings(config)
    schedule = svc.parse_when("in 2 hours", BRISBANE, clock())
    async with db.transaction() as session:
        info, planned = await svc.add_reminder(
            session,
            keyring=KEYRING,
            kind=ReminderKind.PERSONAL,
            owner_user_id=42,
            schedule=schedule,
            text="Call Dana about the MoU",
            now=clock(),
            settings=s,
            text_limit=100,
        )
    assert planned.planned == [(planned.planned[0][0], clock() + timedelta(hours=2))]
    assert await tick(db, config, clock() + timedelta(hours=1)) == []
    claims = await tick(db, config, clock() + timedelta(hours=2))
    assert [(c.step, c.target) for c in claims] == [(ReminderStep.CUSTOM, "user:42")]
    async with db.transaction() as session:
        listed = await svc.list_reminders(session, KEYRING, user_id=42, coordinator=False)
    assert listed == []  # done
    del info


async def test_recurring_reminder_keeps_wall_time_across_dst(
    db: Database, config: AppConfig
) -> None:
    sydney = ZoneInfo("Australia/Sydney")
    now = datetime(2026, 3, 20, tzinfo=UTC)
    schedule = svc.parse_when("every week on Monday at 09:00", sydney, now)
    s = settings(config)
    async with db.transaction() as session:
        info, _ = await svc.add_reminder(
            session,
            keyring=KEYRING,
            kind=ReminderKind.CHANNEL,
            owner_user_id=1,
            channel_id=5,
            schedule=schedule,
            text="Weekly check-in",
            now=now,
            settings=s,
            text_limit=100,
        )
    fired = []
    moment = now
    for _ in range(4):
        async with db.transaction() as session:
            due = (await svc.list_reminders(session, KEYRING, user_id=1, coordinator=True))[
                0
            ].next_due
        assert due is not None
        claims = await tick(db, config, due)
        await send_all(db, claims, due)
        fired.append(due)
        moment = due
    local = [f.astimezone(sydney) for f in fired]
    assert [(t.hour, t.minute, t.weekday()) for t in local] == [(9, 0, 0)] * 4
    # Daylight saving ends on 5 April 2026: the UTC time moves, the wall time does not.
    assert {f.hour for f in fired} == {22, 23}
    del info, moment


async def test_recurring_reminder_after_long_downtime_records_one_missed_and_moves_on(
    db: Database, config: AppConfig
) -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    s = settings(config)
    schedule = svc.parse_when("every day at 08:30", BRISBANE, now)
    async with db.transaction() as session:
        info, _ = await svc.add_reminder(
            session,
            keyring=KEYRING,
            kind=ReminderKind.CHANNEL,
            owner_user_id=1,
            channel_id=5,
            schedule=schedule,
            text="Stand-up",
            now=now,
            settings=s,
            text_limit=100,
        )
    back = now + days(10)  # the bot was down for ten days; back at 10:00, 90 minutes late
    claims = await tick(db, config, back)
    assert sorted(c.step for c in claims) == [ReminderStep.CUSTOM, ReminderStep.REPORT]
    late = next(c for c in claims if c.step is ReminderStep.CUSTOM)
    assert back - late.due_at == timedelta(minutes=90)  # inside the grace window: sent late
    rows = await occurrences(db)
    missed = [o for o in rows if o.status is OccurrenceStatus.MISSED]
    assert sum(int(str(o.payload.get("count", 1))) for o in missed) == 9  # the other nine days
    planned = [o for o in rows if o.status is OccurrenceStatus.PLANNED]
    assert len(planned) == 1
    assert planned[0].due_at > back
    assert planned[0].due_at.astimezone(BRISBANE).hour == 8
    del info


async def test_cancel_reminder_stops_it_and_only_owner_or_coordinator_can(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    s = settings(config)
    schedule = svc.parse_when("tomorrow at 9:00", BRISBANE, clock())
    async with db.transaction() as session:
        info, _ = await svc.add_reminder(
            session,
            keyring=KEYRING,
            kind=ReminderKind.PERSONAL,
            owner_user_id=42,
            schedule=schedule,
            text="Prep the agenda",
            now=clock(),
            settings=s,
            text_limit=100,
        )
    async with db.transaction() as session:
        with pytest.raises(NotFound):
            await svc.cancel_reminder(session, info.id, user_id=43, coordinator=True, now=clock())
    async with db.transaction() as session:
        reminder, settled = await svc.cancel_reminder(
            session, info.id, user_id=42, coordinator=False, now=clock()
        )
    assert reminder.status is ReminderStatus.CANCELLED
    assert len(settled) == 1
    assert await tick(db, config, clock() + days(2)) == []
    async with db.transaction() as session:
        with pytest.raises(Conflict):
            await svc.cancel_reminder(session, info.id, user_id=42, coordinator=False, now=clock())


@pytest.mark.parametrize("number", [2**31, 2**53, -(2**31) - 1])
async def test_cancel_reminder_with_a_number_too_big_for_any_id_is_not_found(
    db: Database, clock: FakeClock, number: int
) -> None:
    # /reminder cancel takes any integer Discord allows; PostgreSQL refuses such a number
    # as an ``Integer`` id, SQLite just finds nothing: both must say "not found".
    async with db.transaction() as session:
        with pytest.raises(NotFound, match=f"`#{number}`"):
            await svc.cancel_reminder(session, number, user_id=42, coordinator=True, now=clock())


async def test_personal_reminder_limit_is_enforced(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    s = settings(config)
    async with db.transaction() as session:
        for n in range(2):
            await svc.add_reminder(
                session,
                keyring=KEYRING,
                kind=ReminderKind.PERSONAL,
                owner_user_id=42,
                schedule=svc.parse_when(f"in {n + 1} hours", BRISBANE, clock()),
                text="x",
                now=clock(),
                settings=s,
                text_limit=100,
                personal_limit=2,
            )
        with pytest.raises(Conflict, match="Cancel one"):
            await svc.add_reminder(
                session,
                keyring=KEYRING,
                kind=ReminderKind.PERSONAL,
                owner_user_id=42,
                schedule=svc.parse_when("in 3 hours", BRISBANE, clock()),
                text="x",
                now=clock(),
                settings=s,
                text_limit=100,
                personal_limit=2,
            )


# --- personal data ---------------------------------------------------------------------------


async def test_personal_data_and_erasure(
    db: Database, config: AppConfig, team: dict[str, int]
) -> None:
    s = settings(config)
    async with db.transaction() as session:
        ana = await session.scalar(select(Member).where(Member.user_id == team["ana"]))
        assert ana is not None
        await svc.add_reminder(
            session,
            keyring=KEYRING,
            kind=ReminderKind.PERSONAL,
            owner_user_id=ana.user_id,
            schedule=svc.parse_when("in 2 hours", BRISBANE, START),
            text="Ring Sam",
            now=START,
            settings=s,
            text_limit=100,
        )
        await svc.answer_confirmation(
            session, team["meeting"], ana.user_id, confirmed=True, now=START, settings=s
        )
    claims = await tick(db, config, MEETING_AT - days(7))
    await send_all(db, claims, MEETING_AT - days(7))
    async with db.transaction() as session:
        ana = await session.scalar(select(Member).where(Member.user_id == team["ana"]))
        assert ana is not None
        data = await svc.personal_data(session, ana, KEYRING)
    assert [r["text"] for r in data["reminders"]] == ["Ring Sam"]
    assert {m["kind"] for m in data["messages_sent_to_you"]} >= {"facilitator_pack"}
    assert data["facilitation_confirmations"][0]["answer"] == "confirmed"
    import json

    json.dumps(data)  # JSON-ready
    async with db.transaction() as session:
        ana = await session.scalar(select(Member).where(Member.user_id == team["ana"]))
        assert ana is not None
        await svc.erase_personal_data(session, ana, START)
        after = await svc.personal_data(session, ana, KEYRING)
    assert after == {"reminders": [], "messages_sent_to_you": [], "facilitation_confirmations": []}
    assert not any(str(team["ana"]) in o.key for o in await occurrences(db))


async def test_erase_personal_data_leaves_users_with_longer_ids_alone(db: Database) -> None:
    now = START
    async with db.transaction() as session:
        member = Member(user_id=123, status=MemberStatus.ACTIVE, first_seen_at=now)
        session.add(member)
        for user_id in (123, 1234):
            session.add(
                ReminderOccurrence(
                    key=f"m1@1790000000:pack:u{user_id}",
                    step=ReminderStep.FACILITATOR_PACK,
                    target_user_id=user_id,
                    due_at=now,
                    status=OccurrenceStatus.PLANNED,
                    created_at=now,
                )
            )
    async with db.transaction() as session:
        stored = await session.scalar(select(Member).where(Member.user_id == 123))
        assert stored is not None
        await svc.erase_personal_data(session, stored, now)
    keys = sorted(o.key for o in await occurrences(db))
    assert "m1@1790000000:pack:u1234" in keys
    assert not any(k.endswith(":u123") for k in keys)
