"""Configuration: a TOML file validated into frozen pydantic models.

Every mistake becomes one line that names the key and the problem, for example::

    community.timezone: `Mars/Olympus` is not an IANA time zone; use ...

The Discord token never lives in this file: it comes from the ``DISCORD_TOKEN``
environment variable or from the file named by ``discord.token_file``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.errors import ConfigError

DISCORD_API_BASE_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/cop.sqlite3"
TOKEN_ENV = "DISCORD_TOKEN"  # noqa: S105 (the variable's name, not a token)

Snowflake = Annotated[int, Field(strict=True, gt=0)]
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


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DiscordConfig(_Section):
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


class DatabaseConfig(_Section):
    url: str = DEFAULT_DATABASE_URL
    backup_dir: Path = Path("data/backups")

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


class CommunityConfig(_Section):
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

    @field_validator("rules")
    @classmethod
    def _four_rules(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("list at least one membership rule")
        return value


class RolesConfig(_Section):
    coordinator: Snowflake
    member: Snowflake
    alumni: Snowflake | None = None
    """Given to members whose membership lapses; optional."""


class ChannelsConfig(_Section):
    welcome: Snowflake
    roster: Snowflake
    coordinators: Snowflake
    announcements: Snowflake


class LoggingConfig(_Section):
    level: str = "INFO"

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError(f"`{value}` is not a log level; use DEBUG, INFO, WARNING or ERROR")
        return upper


# --- capability sections ------------------------------------------------------------
# Each capability owns one section class below. Keep them in this order.


# >>> onboarding config (issue 3)
class OnboardingConfig(_Section):
    pass


# <<< onboarding config


# >>> rotation config (issue 4)
class RotationConfig(_Section):
    pass


# <<< rotation config


# >>> learnings config (issue 5)
class LearningsConfig(_Section):
    pass


# <<< learnings config


# >>> reminders config (issue 6)
class RemindersConfig(_Section):
    pass


# <<< reminders config


class AppConfig(_Section):
    discord: DiscordConfig
    database: DatabaseConfig = DatabaseConfig()
    community: CommunityConfig = CommunityConfig()
    roles: RolesConfig
    channels: ChannelsConfig
    logging: LoggingConfig = LoggingConfig()
    onboarding: OnboardingConfig = OnboardingConfig()
    rotation: RotationConfig = RotationConfig()
    learnings: LearningsConfig = LearningsConfig()
    reminders: RemindersConfig = RemindersConfig()

    source: Path | None = Field(default=None, exclude=True)
    """Where the file was read from (relative paths in it are resolved against the cwd)."""


# --- loading ------------------------------------------------------------------------

_FRIENDLY = {
    "missing": "is required but missing",
    "extra_forbidden": "is not a known setting; check its spelling against config.example.toml",
    "int_type": "must be a whole number (write it without quotes)",
    "int_parsing": "must be a whole number (write it without quotes)",
    "greater_than": "must be a positive Discord id",
    "string_type": "must be text in quotes",
    "string_too_short": "must not be empty",
    "bool_type": "must be true or false",
    "tuple_type": 'must be a list, like ["a", "b"]',
    "list_type": 'must be a list, like ["a", "b"]',
    "model_type": "must be a [section] table",
    "model_attributes_type": "must be a [section] table",
    "path_type": "must be a file path in quotes",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
}


def _describe(error: Any) -> str:
    loc = ".".join(str(part) for part in error["loc"]) or "(file)"
    kind = error["type"]
    if loc == "discord.token" and kind == "extra_forbidden":
        return (
            f"{loc}: never put the token in the config file; set the {TOKEN_ENV} "
            "environment variable or `discord.token_file` instead"
        )
    if kind == "value_error":
        message = str(error.get("ctx", {}).get("error", error["msg"]))
    else:
        message = _FRIENDLY.get(kind, error["msg"])
        if kind in {"int_type", "int_parsing", "string_type", "bool_type"} and "input" in error:
            message = f"{message}, got `{error['input']!r}`"
    return f"{loc}: {message}"


def parse_config(data: dict[str, Any], source: Path | None = None) -> AppConfig:
    try:
        return AppConfig.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise ConfigError([_describe(e) for e in exc.errors()]) from None


def load_config(path: Path) -> AppConfig:
    """Read and validate a TOML config file. Raises ``ConfigError`` with one line per mistake."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [f"{path}: no such file; copy config.example.toml to {path} and fill it in"]
        ) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror})"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: is not valid TOML ({exc})"]) from None
    return parse_config(data, path)


def resolve_token(config: AppConfig, environ: dict[str, str] | None = None) -> str | None:
    """The bot token from ``DISCORD_TOKEN``, else from ``discord.token_file``; None if neither."""
    env = os.environ if environ is None else environ
    token = env.get(TOKEN_ENV, "").strip()
    if token:
        return token
    if config.discord.token_file is not None:
        try:
            token = config.discord.token_file.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return token or None
    return None
