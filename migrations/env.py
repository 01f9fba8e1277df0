"""Alembic environment: async, reusing the app's ``Base.metadata``.

When the app migrates itself (``bot.db.migrate``) it hands over an open connection
in ``config.attributes["connection"]``; from the ``alembic`` command line an async
engine is built from the URL (see alembic.ini for where that comes from).
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy.engine import Connection

import bot.models  # noqa: F401  (registers every table on Base.metadata)
from bot.config import DEFAULT_DATABASE_URL, load_config
from bot.db import Base, UtcDateTime, create_engine, is_sqlite

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None and "connection" not in config.attributes:
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    if url := config.attributes.get("database_url"):
        return str(url)
    if url := context.get_x_argument(as_dictionary=True).get("url"):
        return url
    if url := os.environ.get("COP_DATABASE_URL"):
        return url
    path = Path(os.environ.get("COP_CONFIG", "config.toml"))
    if path.exists():
        return load_config(path).database.url
    return DEFAULT_DATABASE_URL


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "bot.db.UtcDateTime()"
    return False


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite(database_url()),
        compare_type=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_engine(database_url())
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
        await connection.commit()
    await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=is_sqlite(database_url()),
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
elif (connection := config.attributes.get("connection")) is not None:
    do_run_migrations(connection)
else:
    asyncio.run(run_async_migrations())
