"""The sweep: catch up on what happened while the bot was away, in set-based steps.

It runs when the bot connects and then every ``sweep_interval_minutes``:

- the member sync: one bulk read of the people the bot knows, one bulk insert of the
  people it did not know, one bulk update of those who came back; the welcome DM only for
  people who joined the server after the bot was installed, and nobody at all on the
  first connect (one pinned **How to join** post instead);
- reviews and welcomes left undone;
- renewal prompts due, and memberships lapsed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.models import Installation, Member, MemberStatus
from bot.services import rotation
from bot.services.onboarding import flows, lifecycle, matching
from bot.services.onboarding.outreach import Outreach
from bot.services.onboarding.renewals import open_due_renewals

log = logging.getLogger(__name__)

BATCH = 5000
"""Rows per bulk statement (well under SQLite's and PostgreSQL's parameter limits)."""


@dataclass(frozen=True, slots=True)
class Present:
    """Someone in the server now (never a bot), as the member list gives them."""

    user_id: int
    display_name: str
    joined_at: datetime | None
    role_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Census:
    """The server's member list: ``complete`` when every page arrived in time."""

    people: Sequence[Present]
    complete: bool


class MemberList(Protocol):
    async def census(self) -> Census | None:
        """Everyone in the server now, or None when the server is not available."""
        ...


@dataclass
class SweepReport:
    welcomed: int = 0
    departed: int = 0
    adopted: int = 0
    recorded: int = 0
    reviews_posted: int = 0
    welcomes_finished: int = 0
    renewals_opened: int = 0
    prompts_sent: int = 0
    prompts_in_channel: int = 0
    lapsed: int = 0
    first_connect: bool = False
    join_post: str = ""
    failed_steps: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0
    """The process's CPU time while the sweep ran (for the large-guild benchmark)."""


# --- the installation ----------------------------------------------------------------


async def settle_in(
    session: AsyncSession, guild_id: int, now: datetime
) -> tuple[Installation, bool]:
    """The installation record, made on the first connect. True when it is new."""
    found = await session.get(Installation, guild_id)
    if found is not None:
        return found, False
    installation = Installation(guild_id=guild_id, installed_at=now)
    session.add(installation)
    await session.flush()
    return installation, True


async def installation(session: AsyncSession, guild_id: int) -> Installation | None:
    return await session.get(Installation, guild_id)


async def update_join_post(out: Outreach) -> str:
    """Post, or update in place, the one pinned **How to join** message in the welcome
    channel. Re-posted if it was deleted. Returns what was done: posted, updated or failed."""
    guild_id = out.config.discord.guild_id
    channel_id = out.config.channels.welcome
    async with out.db.transaction() as session:
        record, _ = await settle_in(session, guild_id, out.clock())
        known = (record.join_post_channel_id, record.join_post_message_id)
    message = out.texts.how_to_join()
    if known[0] == channel_id and known[1] is not None:
        try:
            await out.port.edit(channel_id, known[1], message)
            return "updated"
        except port.Gone:
            log.info("the How to join message was deleted; posting it again")
        except port.PortError as exc:
            log.warning("could not update the How to join message: %s", exc.detail)
            return "failed"
    try:
        posted = await out.port.post(channel_id, message)
    except port.PortError as exc:
        log.error("could not post the How to join message: %s", exc.detail)
        return "failed"
    if not await out.pins.pin(posted.channel_id, posted.message_id):
        log.warning("could not pin the How to join message (the bot needs Pin Messages)")
    async with out.db.transaction() as session:
        await session.execute(
            update(Installation)
            .where(Installation.guild_id == guild_id)
            .values(join_post_channel_id=posted.channel_id, join_post_message_id=posted.message_id)
        )
    return "posted"


# --- the member sync -----------------------------------------------------------------


@dataclass
class MemberSync:
    """What the database decided about the member list."""

    to_welcome: list[Present] = field(default_factory=list)
    departed: list[int] = field(default_factory=list)
    adopted: int = 0
    recorded: int = 0
    returned: int = 0


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(Member).on_conflict_do_nothing(index_elements=["user_id"])
    return sqlite.insert(Member).on_conflict_do_nothing(index_elements=["user_id"])


async def _insert_members(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        await session.execute(_insert(session), rows[start : start + BATCH])


async def sync_members(
    session: AsyncSession,
    census: Census,
    *,
    member_role: int,
    coordinator_role: int,
    installed_at: datetime,
    first_connect: bool,
    now: datetime,
) -> MemberSync:
    """Bring the person records in line with the member list, in bulk.

    - Holders of the member role the bot does not know are recorded as ACTIVE members
      (they were members before the bot) and enter the facilitation rotation in the same
      transaction (``rotation.sync_pool``), so the rotation never races to add them.
    - Other people it does not know are recorded quietly (no name, no DM) when they were
      in the server before the bot was installed, and on the first connect; people who
      joined later, while the bot was down, are returned in ``to_welcome``.
    - Someone recorded as gone who is back: back in the server; returned in
      ``to_welcome`` unless they hold the member or coordinator role.
    - With a complete list, people recorded in the server who are not in it are returned
      in ``departed``.
    """
    result = MemberSync()
    known: dict[int, tuple[bool, MemberStatus]] = {
        user_id: (in_guild, status)
        for user_id, in_guild, status in (
            await session.execute(select(Member.user_id, Member.in_guild, Member.status))
        ).all()
    }
    fresh: list[dict[str, Any]] = []
    back: list[int] = []
    role_holders = {member_role, coordinator_role}
    for person in census.people:
        seen = known.get(person.user_id)
        holds_member = member_role in person.role_ids
        if seen is None:
            if holds_member:
                joined = min(person.joined_at or now, now)
                fresh.append(_row(person, MemberStatus.ACTIVE, now, joined, person.display_name))
                result.adopted += 1
            elif (
                not first_connect
                and person.joined_at is not None
                and person.joined_at > installed_at
            ):
                result.to_welcome.append(person)
            else:
                fresh.append(_row(person, MemberStatus.APPLICANT, now, None, ""))
                result.recorded += 1
            continue
        in_guild, status = seen
        if in_guild:
            continue
        if status is MemberStatus.ACTIVE or role_holders.intersection(person.role_ids):
            back.append(person.user_id)
        elif status is not MemberStatus.ERASED:
            result.to_welcome.append(person)
    await _insert_members(session, fresh)
    for start in range(0, len(back), BATCH):
        chunk = back[start : start + BATCH]
        await session.execute(
            update(Member)
            .where(Member.user_id.in_(chunk), Member.status == MemberStatus.LEFT)
            .values(status=MemberStatus.APPLICANT)
        )
        await session.execute(
            update(Member).where(Member.user_id.in_(chunk)).values(in_guild=True, left_at=None)
        )
    result.returned = len(back)
    if census.complete:
        present = {p.user_id for p in census.people}
        result.departed = [
            user_id
            for user_id, (in_guild, status) in known.items()
            if in_guild and status is not MemberStatus.ERASED and user_id not in present
        ]
    if result.adopted:
        await rotation.sync_pool(session, now)
    return result


def _row(
    person: Present, status: MemberStatus, now: datetime, joined: datetime | None, name: str
) -> dict[str, Any]:
    return {
        "user_id": person.user_id,
        "display_name": name[:100],
        "organisation": "",
        "job_role": "",
        "locality": "",
        "locality_note": "",
        "interests": [],
        "status": status,
        "first_seen_at": now,
        "joined_at": joined,
        "in_guild": True,
    }


# --- the sweep ----------------------------------------------------------------------


class Sweep:
    """The sweep, run one at a time. Safe to run at any time and any number of times."""

    def __init__(self, out: Outreach, members: MemberList) -> None:
        self.out = out
        self.members = members
        self._lock = asyncio.Lock()

    async def run(self, *, on_connect: bool = False) -> SweepReport:
        async with self._lock:
            report = SweepReport()
            cpu = time.process_time()
            steps = [self._members, self._reviews, self._renewals]
            for step in steps:
                try:
                    await step(report, on_connect)
                except Exception:
                    log.exception("onboarding sweep step %s failed", step.__name__)
                    report.failed_steps.append(step.__name__.strip("_"))
            report.cpu_seconds = time.process_time() - cpu
            return report

    async def _members(self, report: SweepReport, on_connect: bool) -> None:
        out = self.out
        config = out.config
        async with out.db.transaction() as session:
            record, first = await settle_in(session, config.discord.guild_id, out.clock())
            installed_at = record.installed_at
        report.first_connect = first
        if on_connect or first:
            report.join_post = await update_join_post(out)
        census = await self.members.census()
        if census is None:
            return
        if not census.complete:
            log.warning(
                "the member list arrived incomplete (%d people); nobody is marked as gone",
                len(census.people),
            )
        async with out.db.transaction() as session:
            sync = await sync_members(
                session,
                census,
                member_role=config.roles.member,
                coordinator_role=config.roles.coordinator,
                installed_at=installed_at,
                first_connect=first,
                now=out.clock(),
            )
        report.adopted, report.recorded = sync.adopted, sync.recorded
        async with out.db.transaction() as session:
            await matching.index_unindexed(session)
        for person in sync.to_welcome:
            if await flows.welcome_arrival(out, person.user_id, person.display_name):
                report.welcomed += 1
        for user_id in sync.departed:
            if await flows.handle_departure(out, user_id):
                report.departed += 1

    async def _reviews(self, report: SweepReport, on_connect: bool) -> None:
        out = self.out
        now = out.clock()
        async with out.db.transaction() as session:
            unposted = [
                a.id
                for a in await lifecycle.applications_without_review_post(session)
                if a.submitted_at <= now - lifecycle.WELCOME_RETRY_AFTER
            ]
            unwelcomed = [a.id for a in await lifecycle.approvals_not_welcomed(session, now)]
        for application_id in unposted:
            if await flows.post_review(out, application_id) is not None:
                report.reviews_posted += 1
        for application_id in unwelcomed:
            result = await flows.welcome_new_member(out, application_id)
            if result.intro_posted or result.role_granted:
                report.welcomes_finished += 1

    async def _renewals(self, report: SweepReport, on_connect: bool) -> None:
        out = self.out
        async with out.db.transaction() as session:
            opened = await open_due_renewals(session, out.config, out.clock())
        report.renewals_opened = len(opened)
        report.prompts_sent = await flows.deliver_renewal_prompts(out)
        report.prompts_in_channel = await flows.prompt_in_channel_when_dms_closed(out)
        report.lapsed = await flows.lapse_overdue(out)
