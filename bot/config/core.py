"""The core tables: [discord], [database], [community], [roles], [channels], [logging]."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import (
    Field,
    field_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config.base import (
    DEFAULT_DATABASE_URL,
    DISCORD_API_BASE_URL,
    DISCORD_GATEWAY_URL,
    NonEmpty,
    Section,
    Snowflake,
    TimeZoneName,
)


class DiscordConfig(Section):
    guild_id: Snowflake
    api_base_url: str = DISCORD_API_BASE_URL
    gateway_url: str = DISCORD_GATEWAY_URL
    token_file: Path | None = None

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"`{value}` must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("gateway_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError(f"`{value}` must start with ws:// or wss://")
        return value


class DatabaseConfig(Section):
    url: str = DEFAULT_DATABASE_URL
    backup_dir: Path = Path("data/backups")
    backup_keep: int = Field(default=10, ge=1, le=10_000)
    """How many backups of the SQLite file to keep; older ones are deleted after each."""

    @field_validator("url")
    @classmethod
    def _sqlalchemy_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                f"`{value}` is not a database URL; use `sqlite+aiosqlite:///data/cop.sqlite3` "
                "or `postgresql+asyncpg://user:password@host/dbname`"
            ) from None
        backend, driver = url.get_backend_name(), url.get_driver_name()
        if (backend, driver) not in {("sqlite", "aiosqlite"), ("postgresql", "asyncpg")}:
            raise ValueError(
                f"`{backend}+{driver}` is not supported; use `sqlite+aiosqlite://` "
                "or `postgresql+asyncpg://`"
            )
        return value


DEFAULT_RULES = (
    "Have undertaken specific partnering training.",
    "Work in the region (Central Queensland).",
    "Share the workload of facilitating the group.",
    "Maintain confidentiality and be willing to share your own learnings.",
)


class CommunityConfig(Section):
    name: NonEmpty = "Central Queensland Partnership Brokers CoP"
    timezone: TimeZoneName = "Australia/Brisbane"
    purpose: NonEmpty = (
        "A Community of Practice for partnership brokers working in Central Queensland: "
        "we meet regularly, take turns facilitating, keep what is said among us "
        "confidential, and record what we learn so it can be shared."
    )
    rules: tuple[NonEmpty, ...] = DEFAULT_RULES
    rules_version: NonEmpty = "1"
    principles: tuple[NonEmpty, ...] = (
        "Membership is voluntary and individual.",
        "Partnerships are built one person at a time, around shared interests.",
        "What is said in the group stays in the group (Chatham House rule).",
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @field_validator("rules_version")
    @classmethod
    def _short_version(cls, value: str) -> str:
        if len(value) > 50:  # it is stored with each application and agreement
            raise ValueError("keep the version short, like `2` or `2026-03`")
        return value

    @field_validator("rules")
    @classmethod
    def _at_least_one_rule(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("list at least one membership rule")
        return value


class RolesConfig(Section):
    coordinator: Snowflake
    member: Snowflake
    alumni: Snowflake | None = None
    """Given to members whose membership lapses; optional."""


class ChannelsConfig(Section):
    welcome: Snowflake
    roster: Snowflake
    coordinators: Snowflake
    announcements: Snowflake
    forum: Snowflake | None = None
    """A forum channel: consults (/ask) and the knowledge base are posted there."""
    meetings: Snowflake | None = None
    """Where each meeting's thread opens (default: the announcements channel)."""


class LoggingConfig(Section):
    level: str = "INFO"

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError(f"`{value}` is not a log level; use DEBUG, INFO, WARNING or ERROR")
        return upper
