"""Logging set-up.

discord.py logs HTTP request bodies and gateway payloads at DEBUG, and those can hold
what members typed (a learning's text in a form). Its loggers are therefore never
allowed below INFO, whatever the configured level.
"""

from __future__ import annotations

import logging

_QUIET_AT_DEBUG = ("discord.http", "discord.gateway", "discord.webhook", "discord.state")


def setup_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        force=True,
    )
    for name in _QUIET_AT_DEBUG:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
