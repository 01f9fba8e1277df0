"""The whole config file (``AppConfig``, one field per table) and how it is loaded.

Every mistake becomes one line that names the key and the problem, for example::

    community.timezone: `Mars/Olympus` is not an IANA time zone; use ...

The Discord token never lives in the file: it comes from the ``DISCORD_TOKEN``
environment variable or from the file named by ``discord.token_file``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import (
    Field,
    ValidationError,
)

from bot.config.base import (
    TOKEN_ENV,
    Section,
)
from bot.config.consults import ConsultsConfig
from bot.config.core import (
    ChannelsConfig,
    CommunityConfig,
    DatabaseConfig,
    DiscordConfig,
    LoggingConfig,
    RolesConfig,
)
from bot.config.events import EventsConfig
from bot.config.learnings import LearningsConfig
from bot.config.notifications import NotificationsConfig
from bot.config.onboarding import OnboardingConfig
from bot.config.partnerships import ConnectionsConfig, PartnershipsConfig
from bot.config.reminders import RemindersConfig
from bot.config.report import ReportConfig
from bot.config.rotation import RotationConfig
from bot.errors import ConfigError


class AppConfig(Section):
    discord: DiscordConfig
    database: DatabaseConfig = DatabaseConfig()
    community: CommunityConfig = CommunityConfig()
    roles: RolesConfig
    channels: ChannelsConfig
    logging: LoggingConfig = LoggingConfig()
    onboarding: OnboardingConfig = OnboardingConfig()
    rotation: RotationConfig = RotationConfig()
    events: EventsConfig = EventsConfig()
    learnings: LearningsConfig = LearningsConfig()
    reminders: RemindersConfig = RemindersConfig()
    notifications: NotificationsConfig = NotificationsConfig()
    consults: ConsultsConfig = ConsultsConfig()
    report: ReportConfig = ReportConfig()
    connections: ConnectionsConfig = ConnectionsConfig()
    partnerships: PartnershipsConfig = PartnershipsConfig()

    source: Path | None = Field(default=None, exclude=True)
    """Where the file was read from (relative paths in it are resolved against the cwd)."""


# --- loading ------------------------------------------------------------------------

_FRIENDLY = {
    "missing": "is required but missing",
    "extra_forbidden": "is not a known setting; check its spelling against config.example.toml",
    "int_type": "must be a whole number (write it without quotes)",
    "int_parsing": "must be a whole number (write it without quotes)",
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


# A value outside a limit: each has its own sentence naming the key, the value and the limit,
# like "reminders.poll_seconds = 1: must be at least 5".
_LIMITS = {
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "string_too_long": "must be at most {max_length} characters long",
    "string_too_short": "must be at least {min_length} characters long",
    "too_long": "must have at most {max_length} items",
    "too_short": "must have at least {min_length} items",
}


def _as_toml(value: Any) -> str:
    """A value as it would be written in the config file, cut short if long."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return '"' + (value if len(value) <= 40 else value[:39] + "…") + '"'
    if isinstance(value, list | tuple):
        return f"[{len(value)} items]"
    return repr(value)


def _describe(error: Any) -> str:
    loc = ".".join(str(part) for part in error["loc"]) or "(file)"
    kind = error["type"]
    if kind in _LIMITS and "input" in error:
        if kind == "string_too_short" and error.get("ctx", {}).get("min_length") == 1:
            return f"{loc}: must not be empty"
        ctx = {k: _as_toml(v) for k, v in error.get("ctx", {}).items()}
        limit = _LIMITS[kind].format(**ctx)
        return f"{loc} = {_as_toml(error['input'])}: {limit}"
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


def token_file_problem(config: AppConfig, environ: dict[str, str] | None = None) -> str | None:
    """Why ``discord.token_file`` gives no token, in one line naming the key; None when it
    gives one, or when it is not used (``DISCORD_TOKEN`` is set, or no file is named)."""
    env = os.environ if environ is None else environ
    path = config.discord.token_file
    if env.get(TOKEN_ENV, "").strip() or path is None:
        return None
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return (
            f"discord.token_file: `{path}` does not exist; put the bot's token in that file "
            f"(or set {TOKEN_ENV}) and try again"
        )
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or exc.__class__.__name__
        return (
            f"discord.token_file: `{path}` cannot be read ({why}); check that the user "
            "running the bot may read it"
        )
    if not token:
        return f"discord.token_file: `{path}` is empty; put the bot's token in it"
    return None


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
