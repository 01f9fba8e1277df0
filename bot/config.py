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

    @field_validator("rules_version")
    @classmethod
    def _short_version(cls, value: str) -> str:
        if len(value) > 50:  # it is stored with each application and agreement
            raise ValueError("keep the version short, like `2` or `2026-03`")
        return value

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
DEFAULT_LOCALITIES = (
    "Rockhampton",
    "Yeppoon",
    "Gladstone",
    "Mackay",
    "Emerald",
    "Biloela",
    "Moranbah",
    "Longreach",
    "Bundaberg",
    "Blackwater",
    "Mount Morgan",
    "Sarina",
    "Clermont",
    "Barcaldine",
    "Moura",
    "Agnes Water",
    "Woorabinda",
    "Winton",
)
DEFAULT_COURSES = (
    "Partnering Essentials",
    "Partnering Above and Below the Line",
    "Partnership Brokers accreditation Level 1",
    "Partnership Brokers accreditation Level 2",
)
DEFAULT_PLEDGE = (
    "I will keep what is said in our meetings confidential, under the Chatham House rule: "
    "I may use what I hear, but I will not reveal who said it or which organisation they are "
    "from. I am willing to share my own learnings with the group."
)
DEFAULT_FACILITATION = (
    "Members take turns facilitating our meetings, shared fairly among everyone. Your first "
    "turn is paired with an experienced co-facilitator."
)
MAX_LOCALITIES = 24
"""A select menu holds 25 options; one is kept for "Elsewhere"."""
MAX_COURSES = 23
"""A select menu holds 25 options; two are kept for "Other training" and "None yet"."""


def _option_list(value: tuple[str, ...], what: str, limit: int) -> tuple[str, ...]:
    cleaned = tuple(" ".join(v.split()) for v in value)
    if not cleaned:
        raise ValueError(f"list at least one {what}")
    if len(cleaned) > limit:
        raise ValueError(f"list at most {limit} {what}s (a Discord menu holds 25 options)")
    for item in cleaned:
        if len(item) > 100:
            raise ValueError(f"`{item[:40]}...` is longer than 100 characters; shorten it")
    seen: set[str] = set()
    for item in cleaned:
        if item.casefold() in seen:
            raise ValueError(f"`{item}` is listed twice; list each {what} once")
        seen.add(item.casefold())
    return cleaned


class OnboardingConfig(_Section):
    region: NonEmpty = "Central Queensland"
    """The region's name, as applicants read it ("Do you work in Central Queensland?")."""
    localities: tuple[NonEmpty, ...] = DEFAULT_LOCALITIES
    """Where members may work; anything else goes to "elsewhere" with a note."""
    courses: tuple[NonEmpty, ...] = DEFAULT_COURSES
    """The partnering trainings that meet rule 1."""
    pledge_text: NonEmpty = DEFAULT_PLEDGE
    pledge_version: NonEmpty = "1"
    """Change it when the pledge text changes: members are asked to agree again."""
    facilitation_text: NonEmpty = DEFAULT_FACILITATION
    auto_approve: bool = False
    """Approve without a coordinator when every rule is met."""
    renewal_days: int = 365
    renewal_grace_days: int = 30
    sweep_interval_minutes: int = 30
    meet_first_count: int = 3

    @field_validator("localities")
    @classmethod
    def _localities(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _option_list(value, "locality", MAX_LOCALITIES)

    @field_validator("courses")
    @classmethod
    def _courses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _option_list(value, "course", MAX_COURSES)

    @field_validator("pledge_text", "facilitation_text")
    @classmethod
    def _fits_a_field(cls, value: str) -> str:
        if len(value) > 1000:
            raise ValueError(f"is {len(value)} characters long; keep it to 1000 or fewer")
        return value.strip()

    @field_validator("pledge_version")
    @classmethod
    def _short_version(cls, value: str) -> str:
        if len(value) > 50:
            raise ValueError("keep the version short, like `2` or `2026-03`")
        return value.strip()

    @field_validator("renewal_days")
    @classmethod
    def _renewal_days(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"must be at least 1 day, got `{value}`")
        return value

    @field_validator("renewal_grace_days")
    @classmethod
    def _grace_days(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"must be at least 1 day, got `{value}`")
        return value

    @field_validator("sweep_interval_minutes")
    @classmethod
    def _sweep_interval(cls, value: int) -> int:
        if not 1 <= value <= 1440:
            raise ValueError(f"must be between 1 and 1440 minutes, got `{value}`")
        return value

    @field_validator("meet_first_count")
    @classmethod
    def _meet_first(cls, value: int) -> int:
        if value not in (2, 3):
            raise ValueError(f"must be 2 or 3 (people named to meet first), got `{value}`")
        return value


# <<< onboarding config


# >>> rotation config (issue 4)
_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class RotationConfig(_Section):
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


# <<< rotation config


# >>> learnings config (issue 5)
class LearningsConfig(_Section):
    key_file: Path | None = None
    """The data key file, used when ``COP_DATA_KEY`` is not set. Default: ``cop.key``
    beside the SQLite database (``data/cop.key``), or ``data/cop.key`` for PostgreSQL.
    Created with mode 0600 on the first run."""
    page_size: int = Field(default=5, ge=1, le=10)
    """Learnings per page in /learning mine and /learning browse."""
    progress_threshold: int = Field(default=500, ge=1)
    """A digest export of more entries than this shows its progress as it goes."""
    attachment_limit_mb: float = Field(default=10, gt=0, le=500)
    """The largest file Discord accepts in the server (10 MB unless boosted). A bigger
    digest is zipped; if that is still too big, the reply points to the command line."""
    max_export_mb: float = Field(default=200, gt=0)
    """A digest export from Discord stops past this size (use the command line instead)."""

    def resolved_key_file(self, database_url: str) -> Path:
        if self.key_file is not None:
            return self.key_file
        from bot.db import sqlite_path

        database = sqlite_path(database_url)
        return database.parent / "cop.key" if database is not None else Path("data/cop.key")


# <<< learnings config


# >>> reminders config (issue 6)
Days = Annotated[float, Field(gt=0, le=60)]
"""An offset from a meeting, in days (fractions allowed: 0.5 is 12 hours)."""


class RemindersConfig(_Section):
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
    retry_base_seconds: float = Field(default=30, gt=0, le=3600)
    """The first retry waits this long; each next one waits twice as long."""
    retry_max_seconds: float = Field(default=1800, gt=0, le=86400)
    """The longest wait between two retries."""
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

    @field_validator("retry_max_seconds")
    @classmethod
    def _max_after_base(cls, value: float, info: Any) -> float:
        base = info.data.get("retry_base_seconds")
        if base is not None and value < base:
            raise ValueError(f"must be at least retry_base_seconds ({base:g})")
        return value


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
