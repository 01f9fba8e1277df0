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
from bot.config.learnings import LearningsConfig
from bot.config.notifications import NotificationsConfig
from bot.config.onboarding import OnboardingConfig
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
    learnings: LearningsConfig = LearningsConfig()
    reminders: RemindersConfig = RemindersConfig()
    notifications: NotificationsConfig = NotificationsConfig()
    consults: ConsultsConfig = ConsultsConfig()
    report: ReportConfig = ReportConfig()

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
