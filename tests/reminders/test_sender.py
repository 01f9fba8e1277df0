"""The reminder sender as a plain service test: the real database and the fake port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from bot import port
from bot.config import AppConfig
from bot.crypto import Keyring
from bot.db import Database
from bot.errors import NotAllowed
from bot.models import (
    DeliveryStatus,
    OutboundItem,
    OutboundKind,
    ReminderDelivery,
    ReminderKind,
    ReminderOccurrence,
)
from bot.services import notifications, outbound
from bot.services import reminders as svc
from bot.services.reminders import Schedule
from cogs.reminders.components import BUTTONS
from cogs.reminders.render import Look
from tests.conftest import FakeClock
from tests.fakes import FakePort
from tests.reminders.helpers import add_meeting, add_member

START = datetime(2026, 3, 2, tzinfo=UTC)
OWNER = 830_000_000_000_000_001
BRISBANE = ZoneInfo("Australia/Brisbane")
KEYRING = Keyring.generate()


class Killed(BaseException):
    """The process dying: nothing after it runs, like SIGKILL."""


def make_sender(
    db: Database,
    config: AppConfig,
    fake: FakePort,
    clock: FakeClock,
    scheduler: AsyncIOScheduler,
    outbox: outbound.Outbox | None = None,
    roles: svc.RolesFinder | None = None,
) -> svc.ReminderSender:
    return svc.ReminderSender(
        db,
        fake,
        clock,
        config,
        scheduler,
        Look(config.community.name, 90, BUTTONS),
        keyring=lambda: KEYRING,
        outbox=outbox,
        roles=roles,
    )


async def personal(db: Database, config: AppConfig, due: datetime, text: str = "Call Ana") -> int:
    async with db.transaction() as session:
        info, _ = await svc.add_reminder(
            session,
            keyring=KEYRING,
            kind=ReminderKind.PERSONAL,
            owner_user_id=OWNER,
            schedule=Schedule(first_at=due, rule=None, timezone="Australia/Brisbane"),
            text=text,
            now=START,
            settings=svc.EngineSettings.from_config(config),
            text_limit=1500,
        )
    return info.id


class Due(NamedTuple):
    clock: FakeClock
    fake: FakePort
    sender: svc.ReminderSender
    reminder_id: int


async def due_personal(
    db: Database,
    config: AppConfig,
    scheduler: AsyncIOScheduler,
    fake: FakePort | None = None,
    *,
    after: timedelta = timedelta(minutes=5),
    text: str = "Call Ana",
) -> Due:
    """A personal reminder due ``after`` START, a sender, and the clock at the due time."""
    clock, fake = FakeClock(START), fake or FakePort()
    reminder_id = await personal(db, config, START + after, text)
    sender = make_sender(db, config, fake, clock, scheduler)
    clock.set(START + after)
    return Due(clock, fake, sender, reminder_id)


async def test_personal_reminder_dm_has_snooze_and_settings_buttons(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    _, fake, sender, reminder_id = await due_personal(
        db, config, scheduler, after=timedelta(hours=1)
    )
    summary = await sender.run_due()
    assert summary.sent == 1
    (dm,) = fake.dms_to(OWNER)
    assert "Call Ana" in dm.text
    ids = [b.custom_id for b in dm.message.buttons]
    assert ids == [
        f"rem:snooze:{reminder_id}:10m",
        f"rem:snooze:{reminder_id}:1h",
        f"rem:snooze:{reminder_id}:tomorrow",
        outbound.NOTIFICATIONS_BUTTON_ID,
    ]
    footer = dm.message.cards[0].footer or ""
    assert "/notifications" in footer
    assert footer.endswith(svc.marker(1))
    assert dm.message.nonce == svc.nonce(1)
    assert (await sender.run_due()).sent == 0  # nothing twice


async def test_closed_dms_fall_back_to_a_mention_without_the_private_text(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    _, fake, sender, _ = await due_personal(
        db, config, scheduler, FakePort(closed_dms={OWNER}), text="My private note"
    )
    summary = await sender.run_due()
    assert (summary.sent, summary.fallbacks) == (1, 1)
    (post,) = fake.posts_in(config.channels.welcome)
    assert post.message.ping_users == (OWNER,)
    assert "My private note" not in post.text


async def test_crashed_claim_is_found_not_resent(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    clock, fake, dying, _ = await due_personal(db, config, scheduler)

    def die(op: str, target: int, message: port.Message | None) -> None:
        if op == "dm":
            fake.hook = None
            raise Killed  # the process dies mid-send, after the claim committed

    fake.hook = die
    with pytest.raises(Killed):
        await dying.run_due()
    # It had in fact reached Discord before dying: the DM is in the history.
    marked = port.Card(description="x", footer=f"Your reminder · {svc.marker(1)}")
    await fake.dm(OWNER, port.Message(cards=(marked,)))
    clock.advance(minutes=11)  # past the stale-claim window
    summary = await make_sender(db, config, fake, clock, scheduler).run_due()
    assert (summary.sent, summary.recovered) == (1, 1)
    assert len(fake.dms_to(OWNER)) == 1


async def test_transient_failure_is_retried_then_sent_once(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    clock, fake, sender, _ = await due_personal(db, config, scheduler)
    fake.fail_times("dm", port.Transient("502"), times=2)
    assert (await sender.run_due()).retrying == 1
    for _ in range(3):
        clock.advance(hours=1)
        await sender.run_due()
    assert len(fake.dms_to(OWNER)) == 1
    async with db.transaction() as session:
        (delivery,) = await session.scalars(select(ReminderDelivery))
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 3)


async def test_learning_prompts_are_handed_to_the_outbound_path(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    clock, fake = FakeClock(START), FakePort()
    async with db.transaction() as session:
        people = [await add_member(session, f"P{i}") for i in range(5)]
        meeting = await add_meeting(
            session, START + timedelta(days=3), facilitator=people[0], now=START
        )
    outbox = outbound.Outbox(db, fake, clock, BRISBANE, outbound.OutboxSettings(dm_per_second=5))
    sender = make_sender(db, config, fake, clock, scheduler, outbox)
    await sender.run_due()
    clock.set(START + timedelta(days=4, hours=3))
    summary = await sender.run_due()
    assert summary.queued == 5
    assert not [d for d in fake.sent if "What did you learn" in d.text]  # not sent directly
    async with db.transaction() as session:
        items = list(await session.scalars(select(OutboundItem)))
    assert sorted(i.user_id for i in items) == sorted(p.user_id for p in people)
    assert {i.params["meeting_id"] for i in items} == {meeting.id}
    # Run again (a restart would): nothing is queued twice.
    assert (await sender.run_due()).queued == 0


async def test_snooze_plans_the_reminder_again_for_its_owner_only(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    clock, fake, sender, reminder_id = await due_personal(db, config, scheduler)
    await sender.run_due()
    async with db.transaction() as session:
        with pytest.raises(NotAllowed):
            await svc.snooze(
                session, clock(), reminder_id, user_id=OWNER + 1, choice="1h", zone=BRISBANE
            )
        due, planned = await svc.snooze(
            session, clock(), reminder_id, user_id=OWNER, choice="10m", zone=BRISBANE
        )
        again, repeat = await svc.snooze(
            session, clock(), reminder_id, user_id=OWNER, choice="10m", zone=BRISBANE
        )
    assert due == again == clock() + timedelta(minutes=10)
    assert (len(planned.planned), len(repeat.planned)) == (1, 0)
    clock.advance(minutes=9)
    await sender.run_due()
    assert len(fake.dms_to(OWNER)) == 1
    clock.advance(minutes=1)
    await sender.run_due()
    assert len(fake.dms_to(OWNER)) == 2
    async with db.transaction() as session:
        keys = list(await session.scalars(select(ReminderOccurrence.key)))
    assert sum(k.endswith(":snooze") for k in keys) == 1


def test_snooze_tomorrow_keeps_the_local_time_across_dst() -> None:
    sydney = ZoneInfo("Australia/Sydney")
    # 09:00 AEDT on Saturday 4 April 2026; clocks go back overnight.
    now = datetime(2026, 4, 3, 22, 0, tzinfo=UTC)
    due = svc.snooze_until(now, "tomorrow", sydney)
    assert due.astimezone(sydney).strftime("%d %H:%M %z") == "05 09:00 +1000"
    assert due - now == timedelta(hours=25)


async def test_meeting_dms_respect_opt_out_and_quiet_hours(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    # Brisbane is UTC+10: the pack falls due at 10:00 local, seven days before the meeting.
    meeting_at = datetime(2026, 3, 24, 0, 0, tzinfo=UTC)
    clock, fake = FakeClock(START), FakePort()
    async with db.transaction() as session:
        quiet = await add_member(session, "Quiet Facilitator")
        away = await add_member(session, "Opted-out Co-facilitator")
        await add_meeting(session, meeting_at, facilitator=quiet, co_facilitator=away, now=START)
        await notifications.set_quiet_hours(session, START, quiet.user_id, "9am", "11:30")
        await notifications.set_kind(
            session, START, away.user_id, OutboundKind.MEETING_REMINDER, False
        )
    sender = make_sender(db, config, fake, clock, scheduler)
    await sender.run_due()
    clock.set(meeting_at - timedelta(days=7))
    await sender.run_due()
    assert fake.dms_to(quiet.user_id) == []
    assert fake.dms_to(away.user_id) == []
    clock.set(meeting_at - timedelta(days=7) + timedelta(minutes=89))  # 11:29
    await sender.run_due()
    assert fake.dms_to(quiet.user_id) == []
    clock.set(meeting_at - timedelta(days=7) + timedelta(minutes=90))  # 11:30
    await sender.run_due()
    (pack,) = fake.dms_to(quiet.user_id)
    assert "hand-over pack" in pack.text
    assert "Sent late" not in pack.text  # it waited on purpose
    assert fake.dms_to(away.user_id) == []
    async with db.transaction() as session:
        statuses = {
            d.last_error: d.status
            for d in await session.scalars(select(ReminderDelivery))
            if d.status is DeliveryStatus.CANCELLED
        }
    assert statuses == {"turned meeting reminders off": DeliveryStatus.CANCELLED}
