"""The outbound path as a service: exactly once, paced, resumable, respecting choices."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.db import Database
from bot.errors import NotAllowed
from bot.models import OutboundItem, OutboundKind, OutboundStatus
from bot.services import notifications, outbound
from tests.conftest import FakeClock
from tests.fakes import FakePort

SYDNEY = ZoneInfo("Australia/Sydney")
TEMPLATE = "test.learning_prompt"
USERS = [700_000_000_000_000_000 + i for i in range(1, 41)]


class FakeTime:
    """A monotonic clock that only moves when the outbox sleeps."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.slept: list[float] = []
        self.sends: list[float] = []

    def monotonic(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


async def render(session: AsyncSession, item: outbound.Rendering) -> port.Message | None:
    if item.params.get("cancelled"):
        return None
    return port.Message(
        cards=(port.Card(title="What did you learn?", description=f"Meeting {item.params['m']}"),)
    )


def make_outbox(
    db: Database, fake: port.DiscordPort, clock: FakeClock, ft: FakeTime, **settings: object
) -> outbound.Outbox:
    box = outbound.Outbox(
        db,
        fake,
        clock,
        SYDNEY,
        outbound.OutboxSettings(**settings),  # type: ignore[arg-type]
        sleep=ft.sleep,
        monotonic=ft.monotonic,
    )
    box.register(TEMPLATE, render)
    return box


async def queue_prompts(
    db: Database,
    now: datetime,
    users: list[int],
    *,
    key: str = "learn-1",
    template: str = TEMPLATE,
    params: Mapping[str, object] | None = None,
) -> outbound.BatchInfo:
    """A batch of learning prompts for ``users`` (``params`` default: meeting 1)."""
    async with db.transaction() as session:
        return await outbound.enqueue_many(
            session,
            now,
            kind=OutboundKind.LEARNING_PROMPT,
            key=key,
            user_ids=users,
            template=template,
            params={"m": 1} if params is None else params,
            label="Learning prompt",
        )


async def queue_one(
    db: Database, now: datetime, user_id: int, kind: OutboundKind, key: str, **params: object
) -> None:
    """One DM of ``kind`` for ``user_id``, rendered by the test template from ``params``."""
    async with db.transaction() as session:
        await outbound.enqueue(
            session, now, kind=kind, key=key, user_id=user_id, template=TEMPLATE, params=params
        )


async def test_enqueue_many_same_key_adds_nobody_twice(db: Database, clock: FakeClock) -> None:
    first = await queue_prompts(db, clock(), USERS[:10])
    again = await queue_prompts(db, clock(), USERS[:15])
    assert (first.added, again.added, again.total) == (10, 5, 15)
    assert first.id == again.id


async def test_drain_sends_each_once_with_settings_pointer(db: Database, clock: FakeClock) -> None:
    fake, ft = FakePort(), FakeTime()
    batch = await queue_prompts(db, clock(), USERS)
    summary = await make_outbox(db, fake, clock, ft).drain()
    assert summary.sent == len(USERS)
    assert Counter(d.user_id for d in fake.sent) == Counter(USERS)
    message = fake.sent[0].message
    assert message.nonce is not None
    assert message.cards[-1].footer is not None
    assert "/notifications" in message.cards[-1].footer
    assert outbound.NOTIFICATIONS_BUTTON_ID in [b.custom_id for b in message.buttons]
    async with db.transaction() as session:
        progress = await outbound.progress(session, batch.id)
    assert (progress.sent, progress.pending, progress.done) == (len(USERS), 0, True)
    # Nothing is due any more: a second drain sends nothing.
    assert (await make_outbox(db, fake, clock, ft).drain()).sent == 0
    assert len(fake.sent) == len(USERS)


async def test_pacing_never_exceeds_the_configured_rate(db: Database, clock: FakeClock) -> None:
    ft = FakeTime()

    class Timed(FakePort):
        async def dm(self, user_id: int, message: port.Message) -> port.Sent:
            ft.sends.append(ft.t)
            return await super().dm(user_id, message)

    await queue_prompts(db, clock(), USERS)
    await make_outbox(db, Timed(), clock, ft, dm_per_second=2.0).drain()
    assert len(ft.sends) == len(USERS)
    for i in range(len(ft.sends) - 2):
        # any three consecutive sends span at least one second: at most 2 a second
        assert ft.sends[i + 2] - ft.sends[i] >= 1.0 - 1e-9


async def test_429_storm_loses_nothing_and_doubles_nothing(db: Database, clock: FakeClock) -> None:
    fake, ft = FakePort(), FakeTime()
    storm = {"left": 25}

    def hook(op: str, target: int, message: port.Message | None) -> None:
        if op == "dm" and storm["left"] > 0 and target % 3 == 0:
            storm["left"] -= 1
            raise port.Transient("429", retry_after=5.0)

    fake.hook = hook
    batch = await queue_prompts(db, clock(), USERS)
    box = make_outbox(db, fake, clock, ft, max_attempts=20)
    first = await box.drain()
    assert first.retrying > 0
    assert max(ft.slept) >= 5.0  # the whole outbox paused for retry_after
    for _ in range(30):
        clock.advance(minutes=31)
        await box.drain()
    assert Counter(d.user_id for d in fake.sent) == Counter(USERS)
    async with db.transaction() as session:
        progress = await outbound.progress(session, batch.id)
    assert (progress.sent, progress.failed) == (len(USERS), 0)


async def test_member_who_left_is_skipped_and_recorded(db: Database, clock: FakeClock) -> None:
    gone = USERS[3]
    fake = FakePort(departed={gone})
    batch = await queue_prompts(db, clock(), USERS[:5])
    box = make_outbox(db, fake, clock, FakeTime())
    await box.drain()
    clock.advance(days=2)
    await box.drain()
    assert gone not in {d.user_id for d in fake.sent}
    async with db.transaction() as session:
        item = await session.scalar(sa.select(OutboundItem).where(OutboundItem.user_id == gone))
        progress = await outbound.progress(session, batch.id)
    assert item is not None
    assert (item.status, item.reason, item.attempts) == (
        OutboundStatus.SKIPPED,
        "left the server",
        1,
    )
    assert (progress.sent, progress.skipped) == (4, 1)


async def test_closed_dms_fail_once_without_retrying(db: Database, clock: FakeClock) -> None:
    fake = FakePort(closed_dms={USERS[0]})
    batch = await queue_prompts(db, clock(), USERS[:2])
    box = make_outbox(db, fake, clock, FakeTime())
    await box.drain()
    clock.advance(days=1)
    await box.drain()
    async with db.transaction() as session:
        progress = await outbound.progress(session, batch.id)
    assert (progress.sent, progress.failed, progress.pending) == (1, 1, 0)
    assert fake.calls == 2 + 2  # one member lookup and one DM attempt each, no retry


class Killed(BaseException):
    """The process dying: nothing after it runs, like SIGKILL."""


async def test_crash_mid_burst_resumes_exactly_once(db: Database, clock: FakeClock) -> None:
    ft = FakeTime()

    class DiesAfter(FakePort):
        def __init__(self, deliveries: int) -> None:
            super().__init__()
            self.left = deliveries

        async def dm(self, user_id: int, message: port.Message) -> port.Sent:
            sent = await super().dm(user_id, message)
            self.left -= 1
            if self.left == 0:
                raise Killed  # delivered, but the process dies before recording it
            return sent

    fake = DiesAfter(17)
    await queue_prompts(db, clock(), USERS)
    with pytest.raises(Killed):
        await make_outbox(db, fake, clock, ft).drain()
    assert len(fake.sent) == 17
    fake.left = -1
    summary = await make_outbox(db, fake, clock, ft).drain()  # a new run: a new token
    # The DMs of the dying run's last group went out but were not recorded: found, not resent.
    assert summary.recovered == 17 % outbound.OutboxSettings().claim_batch
    assert summary.sent == len(USERS) - 17 + summary.recovered
    assert Counter(d.user_id for d in fake.sent) == Counter(USERS)


async def test_opted_out_member_gets_nothing_of_that_kind(db: Database, clock: FakeClock) -> None:
    out, stays = USERS[0], USERS[1]
    async with db.transaction() as session:
        await notifications.set_kind(session, clock(), out, OutboundKind.LEARNING_PROMPT, False)
    fake = FakePort()
    batch = await queue_prompts(db, clock(), [out, stays])
    await queue_one(db, clock(), out, OutboundKind.RENEWAL_PROMPT, "renew-1", m=2)
    await make_outbox(db, fake, clock, FakeTime()).drain()
    assert [d.message.cards[0].description for d in fake.dms_to(out)] == ["Meeting 2"]
    assert len(fake.dms_to(stays)) == 1
    async with db.transaction() as session:
        progress = await outbound.progress(session, batch.id)
    assert (progress.sent, progress.skipped) == (1, 1)


async def test_required_kind_cannot_be_turned_off(db: Database, clock: FakeClock) -> None:
    async with db.transaction() as session:
        with pytest.raises(NotAllowed, match="required"):
            await notifications.set_kind(
                session, clock(), USERS[0], OutboundKind.RENEWAL_PROMPT, False
            )


async def test_quiet_hours_delay_a_dm_to_the_right_minute_across_dst(
    db: Database, clock: FakeClock
) -> None:
    user = USERS[0]
    # Sydney leaves daylight saving at 03:00 on Sunday 5 April 2026 (AEDT +11 -> AEST +10).
    clock.set(datetime(2026, 4, 4, 12, 0, tzinfo=UTC))  # 23:00 AEDT on Saturday
    async with db.transaction() as session:
        await notifications.set_quiet_hours(session, clock(), user, "10pm", "07:00")
    fake = FakePort()
    await queue_prompts(db, clock(), [user])
    box = make_outbox(db, fake, clock, FakeTime())
    summary = await box.drain()
    assert (summary.delayed, fake.sent) == (1, [])
    end = datetime(2026, 4, 4, 21, 0, tzinfo=UTC)  # 07:00 AEST on Sunday
    async with db.transaction() as session:
        item = await session.scalar(sa.select(OutboundItem))
    assert item is not None
    assert item.next_attempt_at == end
    assert end.astimezone(SYDNEY).strftime("%H:%M %z") == "07:00 +1000"
    clock.set(end - timedelta(minutes=1))
    await box.drain()
    assert fake.sent == []
    clock.set(end)
    await box.drain()
    assert len(fake.dms_to(user)) == 1
    assert fake.sent[0].message.content is None  # not late: it waited on purpose


async def test_renderer_returning_none_skips(db: Database, clock: FakeClock) -> None:
    fake = FakePort()
    await queue_one(db, clock(), USERS[0], OutboundKind.NOTICE, "n-1", cancelled=True)
    summary = await make_outbox(db, fake, clock, FakeTime()).drain()
    assert (summary.skipped, fake.sent) == (1, [])


async def test_late_dm_says_it_is_late(db: Database, clock: FakeClock) -> None:
    fake = FakePort()
    await queue_prompts(db, clock(), USERS[:1])
    clock.advance(hours=3)
    await make_outbox(db, fake, clock, FakeTime()).drain()
    content = fake.sent[0].message.content
    assert content is not None
    assert content.startswith("⏰ Sent late")
