"""[connections] and [partnerships]: connection rounds, buddies and the partnership log."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from bot.config.base import Section
from bot.errors import InvalidInput
from bot.services.when import parse_recurrence


class ConnectionsConfig(Section):
    schedule: str = Field(default="", max_length=200)
    """When rounds start, in the time language, e.g. "every 4 weeks on Monday at 9:00".
    Empty (the default) means no rounds."""
    cross_town: bool = False
    """Prefer pairs across localities."""

    @field_validator("schedule")
    @classmethod
    def _readable(cls, value: str) -> str:
        if value.strip():
            try:
                parse_recurrence(value, ZoneInfo("UTC"), datetime.now(UTC))
            except InvalidInput as exc:
                raise ValueError(
                    f"`{value[:60]}` isn't a schedule; write one like "
                    "`every 4 weeks on Monday at 9:00`"
                ) from exc
        return value.strip()


class PartnershipsConfig(Section):
    checkin_days: int = Field(default=30, ge=1, le=365)
    """Days after a partnership starts when both are asked how it is going."""
    buddies: bool = True
    """Ask a newcomer's "meet first" people, in turn, to be their buddy."""
