"""[consults]: /ask, the community's themes (the forum's tags) and invitations."""

from __future__ import annotations

import re

from pydantic import (
    Field,
    field_validator,
)

from bot.config.base import (
    Section,
    Snowflake,
)

DEFAULT_THEMES = (
    "co-design",
    "funding",
    "governance",
    "trust",
    "evaluation",
    "first nations",
    "health",
    "education",
    "local government",
    "conflict",
    "agreements",
    "engagement",
    "data sharing",
    "roles",
)

THEME_MAX_LENGTH = 20
"""Discord's limit on a forum tag's name."""
MAX_THEMES = 20
"""Discord's limit on the tags of one forum channel."""

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class ConsultsConfig(Section):
    invite_count: int = Field(default=3, ge=1, le=10)
    """How many members are invited to help with each consult at once."""
    themes: tuple[str, ...] = DEFAULT_THEMES
    """The community's themes: a consult's choices, and the forum's tags (at most 20,
    each at most 20 characters)."""
    weekly_day: str = "monday"
    """The weekly post of open consults nobody has offered to help with: which day."""
    weekly_time: str = "09:00"
    """...and at what time (HH:MM, the community's time zone)."""
    weekly_channel: Snowflake | None = None
    """Where the weekly post goes (default: channels.announcements)."""

    @field_validator("themes")
    @classmethod
    def _themes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned: list[str] = []
        for theme in value:
            name = " ".join(theme.split()).casefold()
            if not name:
                raise ValueError("a theme must not be empty")
            if len(name) > THEME_MAX_LENGTH:
                raise ValueError(
                    f"`{name[:40]}` is longer than {THEME_MAX_LENGTH} characters "
                    "(Discord's limit for a forum tag); shorten it"
                )
            if name in cleaned:
                raise ValueError(f"`{name}` is listed twice; list each theme once")
            cleaned.append(name)
        if not cleaned:
            raise ValueError("list at least one theme")
        if len(cleaned) > MAX_THEMES:
            raise ValueError(
                f"{len(cleaned)} themes is too many; a Discord forum holds at most "
                f"{MAX_THEMES} tags"
            )
        return tuple(cleaned)

    @field_validator("weekly_day")
    @classmethod
    def _day(cls, value: str) -> str:
        day = value.strip().casefold()
        if day not in _DAYS:
            raise ValueError(f"`{value[:20]}` is not a day of the week; use one like `monday`")
        return day

    @field_validator("weekly_time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value.strip()):
            raise ValueError(f"`{value[:20]}` is not a time; use HH:MM, like `09:00`")
        return value.strip()

    @property
    def weekday(self) -> int:
        """Monday is 0."""
        return _DAYS.index(self.weekly_day)

    @property
    def hour_minute(self) -> tuple[int, int]:
        hour, minute = self.weekly_time.split(":")
        return int(hour), int(minute)
