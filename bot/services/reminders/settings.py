"""The reminder engine's settings and delivery targets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.config import AppConfig
from bot.models import (
    ReminderStep,
)

PLANNING_HORIZON = timedelta(days=67)
"""Chain steps are planned for meetings starting up to this far ahead (more than the
largest allowed offset, so a step is always planned before it comes due)."""

STALE_CLAIM = timedelta(minutes=10)
"""A claim this old from the running process itself is treated as abandoned."""

StandbyFinder = Callable[[AsyncSession, int, set[int], datetime], Awaitable[int | None]]
"""Finds who should stand by for a meeting: (session, meeting id, user ids to leave out,
now) -> a user id, or None when nobody is available."""

FAILURE_STEPS = frozenset({ReminderStep.REPORT})
"""Steps whose own failures are only logged (a report about a failed report would loop)."""


@dataclass(frozen=True)
class EngineSettings:
    chain: bool
    group_before: tuple[timedelta, ...]
    pack_before: timedelta
    confirm_before: timedelta
    escalate_before: timedelta
    learning_after: timedelta
    grace: timedelta
    late_after: timedelta
    max_attempts: int
    retry_base: timedelta
    retry_max: timedelta
    announcements_channel: int
    coordinators_channel: int

    @classmethod
    def from_config(cls, config: AppConfig) -> EngineSettings:
        r = config.reminders
        return cls(
            chain=r.meeting_chain,
            group_before=tuple(timedelta(days=d) for d in r.group_days_before),
            pack_before=timedelta(days=r.facilitator_pack_days_before),
            confirm_before=timedelta(days=r.confirm_days_before),
            escalate_before=timedelta(days=r.escalate_days_before),
            learning_after=timedelta(days=r.learning_prompt_days_after),
            grace=timedelta(minutes=r.late_grace_minutes),
            late_after=timedelta(seconds=r.late_note_after_seconds),
            max_attempts=r.max_attempts,
            retry_base=timedelta(seconds=r.retry_base_seconds),
            retry_max=timedelta(seconds=r.retry_max_seconds),
            announcements_channel=config.channels.announcements,
            coordinators_channel=config.channels.coordinators,
        )

    def backoff(self, attempts: int) -> timedelta:
        """The wait before attempt ``attempts + 1``: base, 2×base, 4×base... capped."""
        return port.retry_wait(attempts, self.retry_base, self.retry_max)


def channel_target(channel_id: int) -> str:
    return f"channel:{channel_id}"


def user_target(user_id: int) -> str:
    return f"user:{user_id}"


def parse_target(target: str) -> tuple[str, int]:
    kind, _, ident = target.partition(":")
    return kind, int(ident)


def marker(delivery_id: int) -> str:
    """Every reminder message ends its footer with this: after a crash the sender finds an
    already-sent message by it instead of sending again."""
    return f"ref R{delivery_id}"


def nonce(delivery_id: int, *, fallback: bool = False) -> str:
    """The Discord nonce of a delivery's message: a resend with the same nonce (and
    ``enforce_nonce``) returns the message already created instead of a second one."""
    return f"cop-rem{'f' if fallback else ''}-{delivery_id}"
