"""Configuration: a TOML file validated into frozen pydantic models, one module per table.

A new capability adds ``bot/config/<capability>.py`` with its ``Section`` subclass and one
field on ``AppConfig`` in ``bot/config/app.py``. The sections are imported from their own
modules (``bot.config.core``, ``bot.config.reminders``...); this package exports the whole
file's model and how it is loaded.
"""

from bot.config.app import AppConfig, load_config, parse_config, resolve_token
from bot.config.base import DEFAULT_DATABASE_URL, TOKEN_ENV, Section

__all__ = [
    "DEFAULT_DATABASE_URL",
    "TOKEN_ENV",
    "AppConfig",
    "Section",
    "load_config",
    "parse_config",
    "resolve_token",
]
