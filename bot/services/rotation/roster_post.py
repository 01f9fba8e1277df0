"""The automatic roster post: when it is due, claiming its slot once, and what it says.

The decisions live here; :func:`run_post` reaches Discord only through the narrow
port (``post`` and ``edit``). Each slot has a unique key, so a slot posts at most once
however many runs race for it; a failed send gives the slot back for the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.config import AppConfig
from bot.models import Meeting, MeetingStatus, RosterPost, RosterPostStatus
from bot.services.rotation.ledger import pool_size, roster
from bot.services.rotation.planner import RotationRules
from bot.services.unique import insert_once

log = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class PostSchedule:
    """When the roster posts itself (from config ``rotation.post_*``)."""

    mode: str = "weekly"
    """``weekly``, ``after_meeting`` or ``off``."""
    weekday: int = 0
    at: time = time(9, 0)
    days_after: int = 1
    grace: timedelta = timedelta(hours=24)

    @classmethod
    def from_config(cls, config: AppConfig) -> PostSchedule:
        section = config.rotation
        hour, minute = (int(p) for p in section.post_time.split(":"))
        return cls(
            mode=section.post_schedule,
            weekday=WEEKDAYS.index(section.post_day),
            at=time(hour, minute),
            days_after=section.post_days_after,
            grace=timedelta(hours=section.post_grace_hours),
        )


@dataclass(frozen=True)
class Slot:
    key: str
    due_at: datetime


async def latest_slot(
    session: AsyncSession, now: datetime, schedule: PostSchedule, zone: ZoneInfo
) -> Slot | None:
    """The most recent moment the roster should have posted, at or before ``now``."""
    if schedule.mode == "weekly":
        local = now.astimezone(zone)
        back = (local.weekday() - schedule.weekday) % 7
        for extra in (0, 7):
            day = local.date() - timedelta(days=back + extra)
            due = datetime.combine(day, schedule.at).replace(tzinfo=zone).astimezone(UTC)
            if due <= now:
                return Slot(f"weekly:{day.isoformat()}T{schedule.at:%H:%M}", due)
        return None
    if schedule.mode == "after_meeting":
        latest_start = now - timedelta(days=schedule.days_after) + timedelta(hours=1)
        candidates = (
            await session.scalars(
                select(Meeting)
                .where(
                    Meeting.status == MeetingStatus.SCHEDULED,
                    Meeting.starts_at <= latest_start,
                    Meeting.starts_at > now - timedelta(days=schedule.days_after + 60),
                )
                .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
                .limit(5)
            )
        ).all()
        for meeting in candidates:
            local = meeting.starts_at.astimezone(zone).replace(tzinfo=None)
            due = (local + timedelta(days=schedule.days_after)).replace(tzinfo=zone)
            due_utc = due.astimezone(UTC)
            if due_utc <= now:
                return Slot(f"after:{meeting.id}", due_utc)
        return None
    return None


async def due_slot(
    session: AsyncSession, now: datetime, schedule: PostSchedule, zone: ZoneInfo
) -> Slot | None:
    """The slot to post for now, if it has not been posted and is not too old.

    Only the latest slot is ever considered, so a bot that was down for weeks posts
    once, not once per missed week; a slot older than the grace period is skipped.
    """
    slot = await latest_slot(session, now, schedule, zone)
    if slot is None or now - slot.due_at > schedule.grace:
        return None
    taken = await session.scalar(select(RosterPost.id).where(RosterPost.slot_key == slot.key))
    return None if taken is not None else slot


async def claim_slot(session: AsyncSession, slot: Slot, now: datetime) -> RosterPost | None:
    """Take the slot (unique key), or None if it was already taken."""
    post = RosterPost(
        slot_key=slot.key,
        scheduled_for=slot.due_at,
        status=RosterPostStatus.CLAIMED,
        created_at=now,
    )
    return post if await insert_once(session, post) else None


async def previous_post(session: AsyncSession, channel_id: int) -> RosterPost | None:
    """The most recent roster post that reached the channel (for editing in place)."""
    return await session.scalar(
        select(RosterPost)
        .where(
            RosterPost.channel_id == channel_id,
            RosterPost.message_id.is_not(None),
            RosterPost.status.in_([RosterPostStatus.SENT, RosterPostStatus.EDITED]),
        )
        .order_by(RosterPost.id.desc())
        .limit(1)
    )


async def finish_post(
    session: AsyncSession,
    post_id: int,
    *,
    status: RosterPostStatus,
    channel_id: int | None,
    message_id: int | None,
    now: datetime,
) -> None:
    post = await session.get(RosterPost, post_id)
    if post is None:
        return
    post.status = status
    post.channel_id = channel_id
    post.message_id = message_id
    post.posted_at = now
    await session.flush()


async def release_slot(session: AsyncSession, post_id: int) -> None:
    """Give a slot back after a failed send, so the next run tries again."""
    await session.execute(
        delete(RosterPost).where(
            RosterPost.id == post_id, RosterPost.status == RosterPostStatus.CLAIMED
        )
    )


# --- one run: claim, deliver through the port, record ---------------------------------


@dataclass(frozen=True)
class PostPlan:
    """A claimed slot and what to post for it (``meetings`` empty: nothing to post)."""

    slot: Slot
    post_id: int
    meetings: list[Meeting]
    previous_message_id: int | None
    in_rotation: int


@dataclass(frozen=True)
class PostOutcome:
    slot_key: str
    status: RosterPostStatus
    message_id: int | None


async def prepare_post(
    session: AsyncSession,
    slot: Slot,
    now: datetime,
    *,
    rules: RotationRules,
    count: int,
    channel_id: int,
    edit_previous: bool,
) -> PostPlan | None:
    """Claim ``slot`` and decide what goes out for it; None if another run has it.

    Commit the session before delivering, so a crash afterwards can lose this post but
    never double it. A slot with no upcoming meetings is recorded as skipped.
    """
    claimed = await claim_slot(session, slot, now)
    if claimed is None:
        return None
    meetings = await roster(session, now, count, rules)
    if not meetings:
        claimed.status = RosterPostStatus.SKIPPED
        claimed.posted_at = now
        await session.flush()
    previous = await previous_post(session, channel_id) if edit_previous and meetings else None
    return PostPlan(
        slot,
        claimed.id,
        meetings,
        previous.message_id if previous is not None else None,
        await pool_size(session, now),
    )


async def deliver_post(
    out: port.DiscordPort, plan: PostPlan, channel_id: int, message: port.Message
) -> PostOutcome | None:
    """Edit the previous roster post in place (when asked and it is still there) or post
    a new one. None when Discord refused: give the slot back with :func:`release_slot`."""
    if not plan.meetings:
        return PostOutcome(plan.slot.key, RosterPostStatus.SKIPPED, None)
    try:
        if plan.previous_message_id is not None:
            try:
                sent = await out.edit(channel_id, plan.previous_message_id, message)
                return PostOutcome(plan.slot.key, RosterPostStatus.EDITED, sent.message_id)
            except port.Gone:
                pass
        sent = await out.post(channel_id, message)
    except port.PortError as exc:
        log.warning("the roster post for %s failed (%s); it will be retried", plan.slot.key, exc)
        return None
    return PostOutcome(plan.slot.key, RosterPostStatus.SENT, sent.message_id)


async def record_post(
    session: AsyncSession,
    plan: PostPlan,
    outcome: PostOutcome | None,
    channel_id: int,
    now: datetime,
) -> None:
    """Record what happened to a delivered plan: sent or edited, or the slot given back."""
    if outcome is None:
        await release_slot(session, plan.post_id)
    elif outcome.status is not RosterPostStatus.SKIPPED:
        await finish_post(
            session,
            plan.post_id,
            status=outcome.status,
            channel_id=channel_id,
            message_id=outcome.message_id,
            now=now,
        )
