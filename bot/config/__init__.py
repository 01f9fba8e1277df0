"""Configuration: a TOML file validated into frozen pydantic models, one module per table.

A new capability adds ``bot/config/<capability>.py`` with its ``Section`` subclass and one
field on ``AppConfig`` in ``bot/config/app.py``.
"""

from bot.config.app import AppConfig, load_config, parse_config, resolve_token
from bot.config.base import (
    DEFAULT_DATABASE_URL,
    DISCORD_API_BASE_URL,
    DISCORD_GATEWAY_URL,
    TOKEN_ENV,
    Section,
)
from bot.config.core import (
    ChannelsConfig,
    CommunityConfig,
    DatabaseConfig,
    DiscordConfig,
    LoggingConfig,
    RolesConfig,
)
from bot.config.learnings import LearningsConfig
from bot.config.onboarding import OnboardingConfig
from bot.config.reminders import RemindersConfig
from bot.config.rotation import RotationConfig

__all__ = [
    "DEFAULT_DATABASE_URL",
    "DISCORD_API_BASE_URL",
    "DISCORD_GATEWAY_URL",
    "TOKEN_ENV",
    "AppConfig",
    "ChannelsConfig",
    "CommunityConfig",
    "DatabaseConfig",
    "DiscordConfig",
    "LearningsConfig",
    "LoggingConfig",
    "OnboardingConfig",
    "RemindersConfig",
    "RolesConfig",
    "RotationConfig",
    "Section",
    "load_config",
    "parse_config",
    "resolve_token",
]
