"""Shared pieces of the config: constants, value types and the section base class."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
)

DISCORD_API_BASE_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/cop.sqlite3"
TOKEN_ENV = "DISCORD_TOKEN"  # noqa: S105 (the variable's name, not a token)


def _check_snowflake(value: int) -> int:
    if value <= 0:
        raise ValueError(
            f"`{value}` is not a Discord id; copy the id in Discord "
            "(Developer Mode, then right-click > Copy ID)"
        )
    return value


Snowflake = Annotated[int, Field(strict=True), AfterValidator(_check_snowflake)]
"""A Discord id: a positive integer written without quotes."""

NonEmpty = Annotated[str, Field(min_length=1)]


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"`{name}` is not an IANA time zone; use a name like `Australia/Brisbane`"
        ) from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_check_timezone)]


class Section(BaseModel):
    """A frozen config table; unknown keys are mistakes."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Retries(Section):
    """A table whose sends are retried with exponential backoff: ``retry_base_seconds``,
    doubling each time up to ``retry_max_seconds``."""

    retry_base_seconds: float = Field(default=30, gt=0, le=3600)
    """The first retry waits this long; each next one twice as long."""
    retry_max_seconds: float = Field(default=1800, gt=0, le=86400)
    """The longest wait between two retries."""

    @field_validator("retry_max_seconds")
    @classmethod
    def _max_after_base(cls, value: float, info: Any) -> float:
        base = info.data.get("retry_base_seconds")
        if base is not None and value < base:
            raise ValueError(f"must be at least retry_base_seconds ({base:g})")
        return value
