"""The demo's sample community: a Discord server on the project's emulator, a demo config with
compressed time, and the members' profiles."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.config import AppConfig, parse_config
from bot.db import Database
from bot.models import Member, MemberStatus
from emulator import DiscordEmulator, EmuChannel, EmuGuild, EmuRole, EmuUser

SECOND_IN_DAYS = 1 / 86400
TIMEZONE = "Australia/Brisbane"


@dataclass(frozen=True)
class Person:
    username: str
    name: str
    organisation: str
    job_role: str
    locality: str
    interests: tuple[str, ...]


COORDINATOR = Person(
    "cora", "Cora Nguyen", "CQ Regional Partnerships", "Coordinator", "Rockhampton",
    ("co-design", "governance"),
)  # fmt: skip
MEMBERS = (
    Person("ana", "Ana Alvarez", "Fitzroy Health Alliance", "Partnerships lead", "Rockhampton",
           ("rural health", "co-design")),
    Person("ben", "Ben Walker", "Gladstone Ports Community Fund", "Community broker", "Gladstone",
           ("First Nations partnerships", "governance")),
    Person("cal", "Cal Chen", "Mackay Youth Connect", "Program manager", "Mackay",
           ("youth", "evaluation")),
    Person("dee", "Dee Dawson", "Central Highlands Council", "Community development officer",
           "Emerald", ("rural health", "funding")),
    Person("eli", "Eli Brown", "Capricorn Coast Landcare", "Partnership broker", "Yeppoon",
           ("environment", "co-design")),
    Person("fay", "Fay Roberts", "Banana Shire Learning Hub", "Education partnerships",
           "Biloela", ("education", "evaluation")),
)  # fmt: skip
NEWCOMER = Person(
    "nina", "Nina Patel", "Rockhampton Hospital Foundation", "Partnerships officer", "Rockhampton",
    ("rural health", "co-design"),
)  # fmt: skip

APPLICANT = Person(
    "sam", "Sam Okafor", "Livingstone Shire Council", "Community engagement officer", "Yeppoon",
    ("housing", "co-design"),
)  # fmt: skip
"""Not a member: joins the server when the interactive demo begins, so a coordinator can
rehearse an application (``as sam``, ``/join``) and its review (``as cora``)."""


@dataclass
class SampleServer:
    """Handles to the sample server's people, roles and channels on the emulator."""

    emu: DiscordEmulator
    guild: EmuGuild
    coordinator_role: EmuRole
    member_role: EmuRole
    alumni_role: EmuRole
    channels: dict[str, EmuChannel]
    users: dict[str, EmuUser] = field(default_factory=dict)

    def user(self, username: str) -> EmuUser:
        return self.users[username]

    def username_of(self, user_id: int) -> str | None:
        return next((name for name, user in self.users.items() if user.id == user_id), None)


def build_server(emu: DiscordEmulator) -> SampleServer:
    owner = emu.add_user(COORDINATOR.username, global_name=COORDINATOR.name)
    guild = emu.add_guild("CQ Partnership Brokers", owner_id=owner.id)
    server = SampleServer(
        emu=emu,
        guild=guild,
        coordinator_role=emu.add_role(guild.id, "Coordinator"),
        member_role=emu.add_role(guild.id, "Member"),
        alumni_role=emu.add_role(guild.id, "Alumni"),
        channels={
            name: emu.add_channel(guild.id, name)
            for name in ("welcome", "roster", "coordinators", "announcements", "general")
        },
    )
    for person in (COORDINATOR, *MEMBERS):
        user = (
            owner
            if person is COORDINATOR
            else emu.add_user(person.username, global_name=person.name)
        )
        roles = [server.member_role.id]
        if person is COORDINATOR:
            roles.append(server.coordinator_role.id)
        emu.add_member(guild.id, user.id, roles=roles)
        server.users[person.username] = user
    newcomer = emu.add_user(NEWCOMER.username, global_name=NEWCOMER.name)
    server.users[NEWCOMER.username] = newcomer  # joins the server in scene 1
    applicant = emu.add_user(APPLICANT.username, global_name=APPLICANT.name)
    server.users[APPLICANT.username] = applicant  # joins when the interactive demo begins
    return server


@dataclass(frozen=True)
class DemoTimes:
    """Compressed time: the demo meeting's start and how far ahead each reminder fires."""

    meeting_at: datetime
    group_before: tuple[timedelta, ...] = (timedelta(seconds=24), timedelta(seconds=7))
    pack_before: timedelta = timedelta(seconds=24)
    confirm_before: timedelta = timedelta(seconds=17)
    escalate_before: timedelta = timedelta(seconds=7)


def demo_config(server: SampleServer, workdir: Path, times: DemoTimes, now: datetime) -> AppConfig:
    zone = ZoneInfo(TIMEZONE)
    local = now.astimezone(zone)
    data: dict[str, Any] = {
        "discord": {
            "guild_id": server.guild.id,
            "api_base_url": server.emu.api_base_url,
            "gateway_url": server.emu.gateway_url,
        },
        "database": {
            "url": f"sqlite+aiosqlite:///{workdir / 'demo.sqlite3'}",
            "backup_dir": str(workdir / "backups"),
        },
        "community": {"timezone": TIMEZONE},
        "roles": {
            "coordinator": server.coordinator_role.id,
            "member": server.member_role.id,
            "alumni": server.alumni_role.id,
        },
        "channels": {name: server.channels[name].id for name in
                     ("welcome", "roster", "coordinators", "announcements")},
        "rotation": {
            "post_schedule": "weekly",
            "post_day": local.strftime("%A").lower(),
            "post_time": local.strftime("%H:%M"),
            "post_count": 3,
        },
        "reminders": {
            "group_days_before": [d.total_seconds() * SECOND_IN_DAYS for d in times.group_before],
            "facilitator_pack_days_before": times.pack_before.total_seconds() * SECOND_IN_DAYS,
            "confirm_days_before": times.confirm_before.total_seconds() * SECOND_IN_DAYS,
            "escalate_days_before": times.escalate_before.total_seconds() * SECOND_IN_DAYS,
            "poll_seconds": 5,
            "late_note_after_seconds": 1,
        },
        "learnings": {"key_file": str(workdir / "demo.key")},
        "logging": {"level": "ERROR"},
    }  # fmt: skip
    return parse_config(data)


async def seed_profiles(db: Database, server: SampleServer, now: datetime) -> None:
    """The sample members have been in the CoP for a while, with profiles and interests."""
    async with db.transaction() as session:
        for n, person in enumerate((COORDINATOR, *MEMBERS)):
            user = server.user(person.username)
            member = await session.scalar(select(Member).where(Member.user_id == user.id))
            if member is None:
                member = Member(user_id=user.id)
                session.add(member)
            joined = now.astimezone(UTC) - timedelta(days=300 - 30 * n)
            member.display_name = person.name
            member.organisation = person.organisation
            member.job_role = person.job_role
            member.locality = person.locality
            member.locality_note = ""
            member.interests = list(person.interests)
            member.status = MemberStatus.ACTIVE
            member.first_seen_at = joined
            member.joined_at = joined
            member.in_guild = True
