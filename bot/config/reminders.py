"""[reminders]: reminders and their delivery."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    Field,
    field_validator,
)

from bot.config.base import (
    Retries,
    Snowflake,
)

Days = Annotated[float, Field(gt=0, le=60)]
"""An offset from a meeting, in days (fractions allowed: 0.5 is 12 hours)."""


class RemindersConfig(Retries):
    meeting_chain: bool = True
    """Send the automatic reminders for each meeting (the offsets below)."""
    group_days_before: tuple[Days, ...] = (7, 1)
    """Reminders in the announcements channel, this many days before each meeting."""
    facilitator_pack_days_before: Days = 7
    """The facilitator's hand-over pack (DM)."""
    confirm_days_before: Days = 2
    """The facilitator is asked to confirm (DM with a button)."""
    escalate_days_before: Days = 1
    """Not confirmed by then: coordinators are alerted and a stand-by is asked."""
    learning_prompt_days_after: Days = 1
    """Members are prompted (DM) to record a learning, this long after the meeting."""
    themes_lookback_days: int = Field(default=90, ge=1, le=3650)
    """The hand-over pack lists themes of shareable learnings from this many days back."""
    late_grace_minutes: int = Field(default=360, ge=1, le=7 * 24 * 60)
    """A reminder missed while the bot was down is still sent (marked late) within this
    window after its time; older ones are reported to coordinators instead."""
    late_note_after_seconds: int = Field(default=60, ge=1, le=3600)
    """A reminder sent more than this long after its time says that it is late."""
    max_attempts: int = Field(default=5, ge=1, le=20)
    """Sending attempts for one delivery before it is given up and reported."""
    poll_seconds: int = Field(default=30, ge=5, le=3600)
    """How often the engine re-reads meetings and sweeps for anything due."""
    text_max_length: int = Field(default=1500, ge=10, le=3500)
    """The longest text a custom reminder may carry (characters)."""
    personal_max_active: int = Field(default=25, ge=1, le=1000)
    """How many active personal reminders (/remindme) one member may hold."""
    dm_fallback_channel: Snowflake | None = None
    """Where people with closed DMs are pointed to their reminder (default: channels.welcome)."""

    @field_validator("group_days_before")
    @classmethod
    def _distinct_days(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(set(value)) != len(value):
            raise ValueError("list each number of days once, like [7, 1]")
        return tuple(sorted(value, reverse=True))

    @field_validator("escalate_days_before")
    @classmethod
    def _ask_before_escalating(cls, value: float, info: Any) -> float:
        confirm = info.data.get("confirm_days_before")
        if confirm is not None and confirm <= value:
            raise ValueError(
                f"must be less than confirm_days_before ({confirm:g}), so the facilitator "
                "is asked to confirm before coordinators are alerted"
            )
        return value
