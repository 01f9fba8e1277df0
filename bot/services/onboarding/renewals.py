"""Renewal: every ``renewal_days`` members reconfirm they still work in the region and
still hold to the pledge; a new pledge version asks everyone again. No answer within
``renewal_grace_days`` of the prompt: the membership lapses (ALUMNI, out of the rotation).

The sweep job calls these in order: ``open_due_renewals``, then for each prompt it
delivers ``mark_notified``, then ``lapse_overdue``. All of it is decided from the
database and ``now``, so a test drives it with a fake clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import AppConfig
from bot.errors import Conflict, NotAllowed, NotFound
from bot.models import (
    Attestation,
    Member,
    MemberStatus,
    Renewal,
    RenewalOutcome,
    RenewalReason,
    Standing,
)
from bot.services.onboarding.lifecycle import leave_rotation, standing_of
from bot.services.unique import rows_changed
from bot.timeutil import show


def _due_reason(standing: Standing, config: AppConfig, now: datetime) -> RenewalReason | None:
    onboarding = config.onboarding
    if standing.pledge_version is not None and standing.pledge_version != onboarding.pledge_version:
        return RenewalReason.PLEDGE
    anchor = standing.renewal_anchor_at
    if anchor is not None and anchor + timedelta(days=onboarding.renewal_days) <= now:
        return RenewalReason.PERIODIC
    return None


async def open_due_renewals(
    session: AsyncSession, config: AppConfig, now: datetime
) -> list[Renewal]:
    """Open a renewal for every active member who is due one and has none open.

    A member the bot finds active with no record of agreeing (they were members before
    the bot) starts their renewal clock now, rather than all being asked at once. Reads
    and writes in bulk: one query for the members and their standing, one insert for the
    standings that are new.
    """
    rows = (
        await session.execute(
            select(Member.id, Standing)
            .outerjoin(Standing, Standing.member_id == Member.id)
            .where(Member.status == MemberStatus.ACTIVE, Member.in_guild.is_(True))
            .order_by(Member.id)
        )
    ).all()
    if not rows:
        return []
    open_ids = set(
        await session.scalars(
            select(Renewal.member_id).where(Renewal.outcome == RenewalOutcome.OPEN)
        )
    )
    new_standings: list[dict[str, object]] = []
    opened = []
    for member_id, standing in rows:
        if member_id in open_ids:
            continue
        if standing is None:
            new_standings.append(
                {"member_id": member_id, "welcomed_via": "", "renewal_anchor_at": now}
            )
            continue
        if standing.renewal_anchor_at is None:
            standing.renewal_anchor_at = now
            continue
        reason = _due_reason(standing, config, now)
        if reason is None:
            continue
        renewal = Renewal(
            member_id=member_id,
            open_member_id=member_id,
            reason=reason,
            pledge_version=config.onboarding.pledge_version,
            created_at=now,
            notified_via="",
            outcome=RenewalOutcome.OPEN,
        )
        session.add(renewal)
        opened.append(renewal)
    for start in range(0, len(new_standings), 5000):
        await session.execute(insert(Standing), new_standings[start : start + 5000])
    await session.flush()
    return opened


@dataclass(frozen=True)
class Prompt:
    renewal: Renewal
    member: Member


async def prompts_to_deliver(session: AsyncSession) -> list[Prompt]:
    """Open renewals whose prompt has not been delivered yet."""
    rows = await session.execute(
        select(Renewal, Member)
        .join(Member, Member.id == Renewal.member_id)
        .where(Renewal.outcome == RenewalOutcome.OPEN, Renewal.notified_at.is_(None))
        .order_by(Renewal.id)
    )
    return [Prompt(r, m) for r, m in rows.all()]


async def mark_prompted_in_channel(
    session: AsyncSession, renewal_id: int, config: AppConfig, now: datetime
) -> None:
    """The DM could not be delivered and the prompt was posted in the welcome channel
    instead: the grace period starts again from now."""
    await session.execute(
        update(Renewal)
        .where(Renewal.id == renewal_id)
        .values(
            notified_at=now,
            notified_via="channel",
            deadline_at=now + timedelta(days=config.onboarding.renewal_grace_days),
        )
    )


async def open_renewals_prompted_by_dm(session: AsyncSession) -> list[Prompt]:
    """Open renewals whose prompt went to the outbound path as a DM."""
    rows = await session.execute(
        select(Renewal, Member)
        .join(Member, Member.id == Renewal.member_id)
        .where(Renewal.outcome == RenewalOutcome.OPEN, Renewal.notified_via == "dm")
        .order_by(Renewal.id)
    )
    return [Prompt(r, m) for r, m in rows.all()]


async def mark_notified(
    session: AsyncSession, renewal_id: int, via: str, config: AppConfig, now: datetime
) -> datetime:
    """The prompt went out: the grace period starts now. Returns the deadline."""
    deadline = now + timedelta(days=config.onboarding.renewal_grace_days)
    await session.execute(
        update(Renewal)
        .where(Renewal.id == renewal_id, Renewal.notified_at.is_(None))
        .values(notified_at=now, notified_via=via, deadline_at=deadline)
    )
    return deadline


@dataclass(frozen=True)
class Lapse:
    renewal: Renewal
    member: Member
    meetings_changed: int
    """How many upcoming meetings the rotation changed to take back their turns."""


async def _end_membership(
    session: AsyncSession, renewal: Renewal, outcome: RenewalOutcome, now: datetime
) -> Lapse | None:
    result = await rows_changed(
        session,
        update(Renewal)
        .where(Renewal.id == renewal.id, Renewal.outcome == RenewalOutcome.OPEN)
        .values(outcome=outcome, closed_at=now, open_member_id=None)
        .execution_options(synchronize_session=False),
    )
    if result != 1:
        return None
    await session.refresh(renewal)
    member = await session.get(Member, renewal.member_id)
    assert member is not None
    if member.status is MemberStatus.ACTIVE:
        member.status = MemberStatus.ALUMNI
    changed = await leave_rotation(session, member, now)
    return Lapse(renewal, member, changed)


async def lapse_overdue(session: AsyncSession, now: datetime) -> list[Lapse]:
    """Every open renewal past its deadline: the member becomes alumni."""
    overdue = list(
        await session.scalars(
            select(Renewal)
            .where(
                Renewal.outcome == RenewalOutcome.OPEN,
                Renewal.deadline_at.is_not(None),
                Renewal.deadline_at <= now,
            )
            .order_by(Renewal.id)
        )
    )
    lapses = []
    for renewal in overdue:
        lapse = await _end_membership(session, renewal, RenewalOutcome.LAPSED, now)
        if lapse is not None:
            lapses.append(lapse)
    return lapses


async def mark_coordinators_told(session: AsyncSession, renewal_id: int, now: datetime) -> None:
    await session.execute(
        update(Renewal).where(Renewal.id == renewal_id).values(coordinators_told_at=now)
    )


@dataclass(frozen=True)
class Answer:
    renewal: Renewal
    member: Member
    confirmed: bool
    next_due: datetime | None
    lapse: Lapse | None = None


async def answer_renewal(
    session: AsyncSession,
    renewal_id: int,
    user_id: int,
    confirm: bool,
    config: AppConfig,
    now: datetime,
) -> Answer:
    """The member confirms (a new attestation; the clock restarts) or steps back (alumni).

    Only the member asked may answer, and only once.
    """
    renewal = await session.get(Renewal, renewal_id)
    if renewal is None:
        raise NotFound("That renewal request no longer exists. Nothing more to do.")
    member = await session.get(Member, renewal.member_id)
    assert member is not None
    if member.user_id != user_id:
        raise NotAllowed("This renewal request is for someone else, so you can't answer it.")
    if renewal.outcome is not RenewalOutcome.OPEN:
        if renewal.outcome is RenewalOutcome.CONFIRMED:
            raise Conflict("You've already confirmed this renewal. Thank you, nothing more to do.")
        when = f" {show(renewal.closed_at, 'R')}" if renewal.closed_at else ""
        raise Conflict(
            f"This renewal request closed{when}. To take part again, apply with `/join`."
        )
    if not confirm:
        lapse = await _end_membership(session, renewal, RenewalOutcome.STEPPED_BACK, now)
        if lapse is None:
            raise Conflict("This renewal request was already answered.")
        return Answer(renewal, member, False, None, lapse)
    result = await rows_changed(
        session,
        update(Renewal)
        .where(Renewal.id == renewal.id, Renewal.outcome == RenewalOutcome.OPEN)
        .values(outcome=RenewalOutcome.CONFIRMED, closed_at=now, open_member_id=None)
        .execution_options(synchronize_session=False),
    )
    if result != 1:
        raise Conflict("You've already answered this renewal. Thank you, nothing more to do.")
    await session.refresh(renewal)
    session.add(
        Attestation(
            member_id=member.id,
            application_id=None,
            kind="renewal",
            rules_version=config.community.rules_version,
            pledge_version=renewal.pledge_version,
            locality=(member.locality if member.locality != "elsewhere" else member.locality_note)[
                :100
            ],
            agreed_at=now,
            recorded_at=now,
            approved_by=None,
        )
    )
    standing = await standing_of(session, member)
    standing.renewal_anchor_at = now
    standing.pledge_version = renewal.pledge_version
    await session.flush()
    return Answer(renewal, member, True, now + timedelta(days=config.onboarding.renewal_days))


async def open_renewal_for(session: AsyncSession, member: Member) -> Renewal | None:
    return await session.scalar(
        select(Renewal).where(
            Renewal.member_id == member.id, Renewal.outcome == RenewalOutcome.OPEN
        )
    )
