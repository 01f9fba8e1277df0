"""Insert a row that a unique constraint guards, when another unit of work may insert the
same row at the same moment (two presses, two processes, a retried job).

The insert runs inside a savepoint (``session.begin_nested()``): when the constraint
refuses it, only the savepoint rolls back (the rows added in it leave the session) and the
enclosing unit of work carries on. The constraint is the arbiter, never an earlier read,
so exactly one of the racers wins. Likewise a row is claimed by a conditional UPDATE
whose changed-row count (:func:`rows_changed`) says who won.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from sqlalchemy import Delete, Update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

Row = TypeVar("Row")


async def insert_once(session: AsyncSession, *rows: object) -> bool:
    """Add ``rows`` (all or none). True when they went in; False when a unique constraint
    refused them because they, or rows with the same key, are there already."""
    try:
        async with session.begin_nested():
            session.add_all(rows)
    except IntegrityError:
        return False
    return True


async def insert_or_winner(
    session: AsyncSession, row: Row, winner: Callable[[], Awaitable[Row | None]]
) -> Row:
    """``row`` once it is in, or, when a unique constraint refuses it, the row that got
    there first, read by ``winner``. The constraint's error goes on when ``winner`` finds
    nothing (the clash was not the one this caller expected)."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = await winner()
        if found is None:
            raise
        return found
    return row


async def get_or_insert(
    session: AsyncSession, model: type[Row], key: object, make: Callable[[], Row]
) -> Row:
    """The ``model`` row with primary key ``key``; when there is none, ``make()``'s row,
    inserted, or the one a concurrent unit of work inserted first."""
    found = await session.get(model, key)
    if found is not None:
        return found
    return await insert_or_winner(
        session, make(), lambda: session.get(model, key, populate_existing=True)
    )


async def rows_changed(session: AsyncSession, statement: Update | Delete) -> int:
    """Run an UPDATE or DELETE and return how many rows it changed. A conditional UPDATE
    is how a unit of work claims a row: of two running it at once, exactly one sees 1."""
    result = await session.execute(statement)
    return int(cast("CursorResult[Any]", result).rowcount or 0)
