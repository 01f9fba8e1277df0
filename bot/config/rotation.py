"""[rotation]: meetings and the facilitation rotation."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    Field,
    field_validator,
)

from bot.config.base import (
    Section,
)

_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class RotationConfig(Section):
    meeting_minutes: Annotated[int, Field(strict=True, ge=15, le=600)] = 90
    """How long a meeting lasts unless /meeting series or /meeting add says otherwise."""
    horizon_days: Annotated[int, Field(strict=True, ge=28, le=730)] = 180
    """How far ahead the series' meetings (and their roster) are planned."""
    settle_days: Annotated[int, Field(strict=True, ge=0, le=60)] = 7
    """Automatic turns this close to the meeting stay put unless the member can't do it."""
    experienced_after: Annotated[int, Field(strict=True, ge=1, le=50)] = 1
    """Turns taken before a member can co-facilitate someone's first turn."""
    post_schedule: str = "weekly"
    """When the roster posts itself: "weekly", "after_meeting" or "off"."""
    post_day: str = "monday"
    post_time: str = "09:00"
    post_days_after: Annotated[int, Field(strict=True, ge=0, le=60)] = 1
    post_count: Annotated[int, Field(strict=True, ge=1, le=20)] = 4
    post_edit_previous: bool = False
    post_grace_hours: Annotated[int, Field(strict=True, ge=1, le=336)] = 24
    """A post missed while the bot was down still goes out if it is this recent."""

    @field_validator("post_schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        cleaned = value.strip().lower().replace("-", "_").replace(" ", "_")
        if cleaned not in {"weekly", "after_meeting", "off"}:
            raise ValueError(f"`{value}` isn't a schedule; use 'weekly', 'after_meeting' or 'off'")
        return cleaned

    @field_validator("post_day")
    @classmethod
    def _day(cls, value: str) -> str:
        cleaned = value.strip().lower()
        for name in _WEEKDAY_NAMES:
            if cleaned in {name, name[:3]}:
                return name
        raise ValueError(f"`{value}` isn't a day of the week; use a name like 'monday'")

    @field_validator("post_time")
    @classmethod
    def _time(cls, value: str) -> str:
        parts = value.strip().split(":")
        if len(parts) == 2 and all(p.isdigit() for p in parts):
            hour, minute = int(parts[0]), int(parts[1])
            if 0 <= hour <= 23 and 0 <= minute <= 59:
                return f"{hour:02d}:{minute:02d}"
        raise ValueError(f"`{value}` isn't a time; use 24-hour HH:MM like '09:00'")
