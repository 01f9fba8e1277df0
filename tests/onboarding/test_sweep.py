"""The sweep and the welcome decisions as plain service tests: a real database, the real
texts, and a fake port (``tests.fakes.FakePort``) in place of Discord."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select

from bot.config import AppConfig
from bot.db import Database
from bot.models import Installation, Member, MemberStatus, Standing
from bot.services.onboarding import flows
from bot.services.onboarding.lifecycle import Verdict, decide, submit_application
from bot.services.onboarding.outreach import Outreach
from bot.services.onboarding.sweep import Census, Present, Sweep
from cogs.onboarding.render import Texts
from tests.conftest import FakeClock
from tests.fakes import FakePort
from tests.onboarding.helpers import good_answers

FIRST_USER = 810000000000000000


@dataclass
class FakePins:
    pinned: list[tuple[int, int]] = field(default_factory=list)

    async def pin(self, channel_id: int, message_id: int) -> bool:
        self.pinned.append((channel_id, message_id))
        return True


@dataclass
class FakeMemberList:
    people: list[Present]
    complete: bool = True

    async def census(self) -> Census | None:
        return Census(list(self.people), self.complete)


def crowd(
    config: AppConfig, size: int, clock: FakeClock, *, every_nth_member: int = 5
) -> list[Present]:
    """``size`` people already in the server; every fifth holds the member role."""
    joined = clock() - timedelta(days=400)
    return [
        Present(
            FIRST_USER + n,
            f"Person {n}",
            joined,
            (config.roles.member,) if n % every_nth_member == 0 else (),
        )
        for n in range(size)
    ]


def outreach(db: Database, config: AppConfig, clock: FakeClock, fake: FakePort) -> Outreach:
    return Outreach(db, config, clock, fake, Texts(config), FakePins())


def closed_dms_outreach(
    db: Database, config: AppConfig, clock: FakeClock, user_id: int
) -> tuple[FakePort, Outreach]:
    """The outreach, over a fake Discord where ``user_id`` has DMs closed."""
    fake = FakePort(closed_dms={user_id})
    return fake, outreach(db, config, clock, fake)


async def count(db: Database, *where: ColumnElement[bool]) -> int:
    async with db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(Member).where(*where)) or 0)


async def test_sweep_first_connect_sends_no_dm_and_recognises_members(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    fake = FakePort()
    people = crowd(config, 1000, clock)
    sweep = Sweep(outreach(db, config, clock, fake), FakeMemberList(people))
    report = await sweep.run(on_connect=True)
    assert report.first_connect
    assert [d for d in fake.sent if d.user_id is not None] == []  # no DM at all
    assert report.adopted == 200
    assert report.recorded == 800
    assert await count(db, Member.status == MemberStatus.ACTIVE) == 200
    assert (
        await count(db, Member.status == MemberStatus.APPLICANT, Member.display_name == "") == 800
    )
    [post] = fake.posts_in(config.channels.welcome)
    assert "/join" in post.text
    again = await sweep.run(on_connect=True)
    assert again.adopted == again.recorded == again.welcomed == 0
    assert len(fake.posts_in(config.channels.welcome)) == 1  # edited, not posted twice
    assert [e.message_id for e in fake.edits] == [post.message_id]
    assert [d for d in fake.sent if d.user_id is not None] == []


async def test_sweep_welcomes_only_people_who_joined_after_install(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    fake = FakePort()
    members = FakeMemberList(crowd(config, 50, clock))
    sweep = Sweep(outreach(db, config, clock, fake), members)
    await sweep.run(on_connect=True)
    clock.advance(hours=2)
    newcomer = Present(FIRST_USER + 999, "Nova Newcomer", clock() - timedelta(hours=1))
    old_timer = Present(FIRST_USER + 998, "Olive Oldtimer", clock() - timedelta(days=30))
    members.people += [newcomer, old_timer]  # both unknown to the bot (it was down)
    report = await sweep.run()
    assert report.welcomed == 1
    [dm] = fake.dms_to(newcomer.user_id)
    assert "/join" in dm.text
    assert fake.dms_to(old_timer.user_id) == []
    await sweep.run()
    assert len(fake.dms_to(newcomer.user_id)) == 1  # once


async def test_sweep_marks_leavers_only_from_a_complete_list(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    fake = FakePort()
    people = crowd(config, 20, clock)
    members = FakeMemberList(people)
    sweep = Sweep(outreach(db, config, clock, fake), members)
    await sweep.run(on_connect=True)
    leaver = people[0]  # holds the member role: an ACTIVE member
    members.people = people[1:]
    members.complete = False
    assert (await sweep.run()).departed == 0
    members.complete = True
    assert (await sweep.run()).departed == 1
    assert (
        await count(db, Member.user_id == leaver.user_id, Member.status == MemberStatus.LEFT) == 1
    )
    [notice] = fake.posts_in(config.channels.coordinators)
    assert "left the server" in notice.text


async def test_join_post_is_posted_again_when_deleted(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    fake = FakePort()
    out = outreach(db, config, clock, fake)
    sweep = Sweep(out, FakeMemberList([]))
    await sweep.run(on_connect=True)
    [first] = fake.posts_in(config.channels.welcome)
    fake.sent.remove(first)  # someone deleted it
    report = await sweep.run(on_connect=True)
    assert report.join_post == "posted"
    [second] = fake.posts_in(config.channels.welcome)
    assert second.message_id != first.message_id
    async with db.transaction() as s:
        installation = await s.get(Installation, config.discord.guild_id)
        assert installation is not None
        assert installation.join_post_message_id == second.message_id
    assert isinstance(out.pins, FakePins)
    assert [m for _, m in out.pins.pinned] == [first.message_id, second.message_id]


async def test_welcome_new_member_grants_role_introduces_and_reports_closed_dms(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    user_id = FIRST_USER + 5
    fake, out = closed_dms_outreach(db, config, clock, user_id)
    async with db.transaction() as s:
        submitted = await submit_application(
            s, user_id, "nina", good_answers(config), config, clock()
        )
        await decide(
            s, submitted.application.id, Verdict.APPROVE, by_user_id=1, config=config, now=clock()
        )
    report = await flows.welcome_new_member(out, submitted.application.id)
    assert report.role_granted
    assert report.intro_posted
    assert not report.dm_sent
    assert config.roles.member in fake.roles[user_id]
    [intro] = fake.posts_in(config.channels.welcome)
    assert intro.message.ping_users == (user_id,)
    assert "DMs are closed" in report.sentence("Nina")
    again = await flows.welcome_new_member(out, submitted.application.id)
    assert again.already
    assert len(fake.posts_in(config.channels.welcome)) == 1


async def test_welcome_arrival_falls_back_to_the_channel_once(
    db: Database, config: AppConfig, clock: FakeClock
) -> None:
    user_id = FIRST_USER + 7
    fake, out = closed_dms_outreach(db, config, clock, user_id)
    assert await flows.welcome_arrival(out, user_id, "Cleo") == "channel"
    assert await flows.welcome_arrival(out, user_id, "Cleo") is None
    [pointer] = fake.posts_in(config.channels.welcome)
    assert pointer.message.ping_users == (user_id,)
    async with db.transaction() as s:
        standing = await s.scalar(
            select(Standing)
            .join(Member, Member.id == Standing.member_id)
            .where(Member.user_id == user_id)
        )
        assert standing is not None
        assert standing.welcomed_via == "channel"
