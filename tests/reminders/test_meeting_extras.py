"""The events capability in the reminders: how many are coming (group reminder), who is
coming and the newcomers' roles (hand-over pack), and the learning prompt only to those who
came once attendance is recorded. Real database, fake port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from bot.config import AppConfig
from bot.db import Database
from bot.models import Meeting, MeetingRsvp, Member, OutboundItem
from bot.services import events, outbound, partnerships
from tests.conftest import FakeClock
from tests.fakes import FakePort
from tests.reminders.helpers import add_meeting, add_member
from tests.reminders.test_sender import make_sender

START = datetime(2026, 3, 2, tzinfo=UTC)
MEETING_AT = START + timedelta(days=10)
PACK_AT = MEETING_AT - timedelta(days=7)  # the pack and the first group reminder
BRISBANE = ZoneInfo("Australia/Brisbane")
ROLES = partnerships.first_meeting_roles_at


async def offered_role(db: Database, newcomer: Member, meeting_id: int, answer: str) -> None:
    """The newcomer's answer to the first-meeting role offer, as partnerships records it."""
    async with db.transaction() as session:
        offer = {"meeting_id": meeting_id, "answer": "yes" if answer else "no", "role": answer}
        session.add(partnerships.roles.offer_only(newcomer.id, START, offer))


async def rsvp(db: Database, meeting_id: int, *user_ids: int) -> None:
    async with db.transaction() as session:
        for n, user_id in enumerate(user_ids):
            session.add(
                MeetingRsvp(
                    meeting_id=meeting_id, user_id=user_id, created_at=START + timedelta(hours=n)
                )
            )


async def arrange(db: Database, names: list[str]) -> tuple[list[Member], int]:
    async with db.transaction() as session:
        people = [await add_member(session, name) for name in names]
        meeting = await add_meeting(session, MEETING_AT, facilitator=people[0], now=START)
    return people, meeting.id


async def test_group_reminder_says_how_many_are_coming(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    clock, fake = FakeClock(START), FakePort()
    people, meeting_id = await arrange(db, ["Ana", "Ben", "Cal"])
    await rsvp(db, meeting_id, people[1].user_id, people[2].user_id, 999_000_000_000_000_001)
    sender = make_sender(db, config, fake, clock, scheduler, roles=ROLES)
    await sender.run_due()
    clock.set(PACK_AT)
    await sender.run_due()
    (group,) = fake.posts_in(config.channels.announcements)
    assert "3 members are coming" in group.text


async def test_group_reminder_says_nothing_about_coming_without_rsvps(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    clock, fake = FakeClock(START), FakePort()
    await arrange(db, ["Ana"])
    sender = make_sender(db, config, fake, clock, scheduler, roles=ROLES)
    await sender.run_due()
    clock.set(PACK_AT)
    await sender.run_due()
    (group,) = fake.posts_in(config.channels.announcements)
    assert "coming" not in group.text
    assert "in 7 days" in group.text


async def test_pack_names_who_is_coming_and_the_newcomers_role(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    clock, fake = FakeClock(START), FakePort()
    people, meeting_id = await arrange(db, ["Ana Facilitator", "Ben *Bold*", "Nina Newcomer"])
    ana, ben, nina = people
    stranger = 999_000_000_000_000_002  # Interested, but no member record: counted, not named
    await rsvp(db, meeting_id, nina.user_id, ben.user_id, stranger)
    await offered_role(db, nina, meeting_id, "scribe")
    sender = make_sender(db, config, fake, clock, scheduler, roles=ROLES)
    await sender.run_due()
    clock.set(PACK_AT)
    await sender.run_due()
    (pack,) = fake.dms_to(ana.user_id)
    assert "Who is coming** (3 marked Interested): Nina Newcomer, Ben \\*Bold\\* and 1 other" in (
        pack.text
    )
    assert f"<@{ben.user_id}>" not in pack.text  # names only: nobody is pinged or mentioned
    assert "Nina Newcomer is scribe" in pack.text


async def test_pack_says_nobody_is_coming_yet_and_no_role_when_declined(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    clock, fake = FakeClock(START), FakePort()
    people, meeting_id = await arrange(db, ["Ana", "Nina Newcomer"])
    await offered_role(db, people[1], meeting_id, "")
    sender = make_sender(db, config, fake, clock, scheduler, roles=ROLES)
    await sender.run_due()
    clock.set(PACK_AT)
    await sender.run_due()
    (pack,) = fake.dms_to(people[0].user_id)
    assert "nobody has marked the meeting's event Interested yet" in pack.text
    assert "Nina Newcomer" not in pack.text


async def prompted(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler, *, came: list[int] | None
) -> tuple[list[Member], set[int]]:
    clock, fake = FakeClock(START), FakePort()
    people, meeting_id = await arrange(db, ["Ana", "Ben", "Cal", "Dee"])
    outbox = outbound.Outbox(db, fake, clock, BRISBANE, outbound.OutboxSettings(dm_per_second=5))
    sender = make_sender(db, config, fake, clock, scheduler, outbox, roles=ROLES)
    await sender.run_due()
    clock.set(MEETING_AT + timedelta(hours=3))
    if came is not None:
        async with db.transaction() as session:
            meeting = await session.get(Meeting, meeting_id)
            assert meeting is not None
            await events.record(
                session,
                meeting,
                [people[i].user_id for i in came],
                by_user=people[0].user_id,
                coordinator=True,
                now=clock(),
            )
    clock.set(MEETING_AT + timedelta(days=1, hours=3))
    await sender.run_due()
    async with db.transaction() as session:
        items = list(await session.scalars(select(OutboundItem)))
    return people, {i.user_id for i in items}


async def test_learning_prompt_goes_to_those_who_came(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    people, prompted_ids = await prompted(db, config, scheduler, came=[0, 2])
    assert prompted_ids == {people[0].user_id, people[2].user_id}


async def test_learning_prompt_goes_to_everyone_without_attendance(
    db: Database, config: AppConfig, scheduler: AsyncIOScheduler
) -> None:
    people, prompted_ids = await prompted(db, config, scheduler, came=None)
    assert prompted_ids == {p.user_id for p in people}
