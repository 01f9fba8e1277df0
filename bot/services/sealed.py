"""Rows holding text sealed with the data key: the key ids they use, and rewriting them.

Every table with encrypted member text has a ``key_id`` column naming the data key its row
is sealed under (``None`` on a row with nothing sealed). The data key's start-up check
counts those ids (:func:`key_id_counts`), and ``rotate-key`` reseals each row not yet under
the newest key (:func:`reseal_stale`), a batch at a time, through a per-row function that
re-encrypts that capability's columns with their own associated data.

A text that used to be stored in plain (before migration 0014) is described once by a
:class:`LegacySealed`: its sealed column, the plain column it replaced and its associated
data; it opens the text and reseals or seals the table's rows for that capability.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.attributes import set_attribute

from bot.crypto import Keyring
from bot.db import Base

M = TypeVar("M", bound=Base)

BATCH = 500
"""Rows read, rewritten and flushed at a time."""


def _key_id(model: type[Base]) -> ColumnElement[Any]:
    return inspect(model).columns["key_id"]


async def key_id_counts(session: AsyncSession, *models: type[Base]) -> dict[str, int]:
    """Each data key id the models' rows are sealed under, with how many rows use it."""
    counts: dict[str, int] = {}
    for model in models:
        column = _key_id(model)
        rows = await session.execute(
            select(column, func.count()).where(column.is_not(None)).group_by(column)
        )
        for ident, n in rows:
            counts[ident] = counts.get(ident, 0) + int(n)
    return counts


async def rewrite_each(
    session: AsyncSession,
    model: type[M],
    which: ColumnElement[bool],
    rewrite: Callable[[M], None],
    batch: int = BATCH,
) -> int:
    """``rewrite`` every row of ``model`` that matches ``which``, a batch at a time in
    primary-key order; a rewritten row must no longer match. Returns how many rows."""
    order = inspect(model).primary_key
    done = 0
    while True:
        rows = (
            await session.scalars(select(model).where(which).order_by(*order).limit(batch))
        ).all()
        if not rows:
            return done
        for row in rows:
            rewrite(row)
        done += len(rows)
        await session.flush()


async def reseal_stale(
    session: AsyncSession,
    model: type[M],
    keyring: Keyring,
    reseal: Callable[[M, Keyring], None],
    batch: int = BATCH,
) -> int:
    """Re-encrypt every row of ``model`` sealed under a key other than the keyring's newest:
    ``reseal(row, keyring)`` re-encrypts the row's sealed columns (``keyring.reencrypt``
    with their associated data), then the row's ``key_id`` becomes the newest key's.
    Returns how many rows."""
    primary = keyring.primary_id
    column = _key_id(model)

    def rekey(row: M) -> None:
        reseal(row, keyring)
        set_attribute(row, "key_id", primary)

    stale = and_(column.is_not(None), column != primary)
    return await rewrite_each(session, model, stale, rekey, batch)


@dataclass(frozen=True)
class LegacySealed(Generic[M]):
    """A member-text column sealed with the data key, and the plain column it replaced.

    ``aad`` binds a row's ciphertext to that row (or its owner), so it opens nowhere else.
    Rows from before migration 0014 hold the text in ``legacy`` until :meth:`seal_plain`
    (at start-up) encrypts it and empties the plain column.
    """

    model: type[M]
    sealed: InstrumentedAttribute[bytes | None]
    legacy: InstrumentedAttribute[str]
    aad: Callable[[M], bytes]

    def open(self, keyring: Keyring, row: M) -> str:
        """The row's text as it was typed. Raises ``DecryptionError`` for a wrong key."""
        token: bytes | None = getattr(row, self.sealed.key)
        if token is None:
            legacy: str = getattr(row, self.legacy.key)
            return legacy  # not yet sealed (only before the first start after 0014)
        return keyring.decrypt(token, self.aad(row)).decode()

    async def key_ids_in_use(self, session: AsyncSession) -> dict[str, int]:
        """Each data key id the table's texts are encrypted under, with how many use it."""
        return await key_id_counts(session, self.model)

    async def reencrypt(self, session: AsyncSession, keyring: Keyring, batch: int = BATCH) -> int:
        """Re-encrypt every text not yet under the keyring's newest key; returns how many."""

        def reseal(row: M, keyring: Keyring) -> None:
            token: bytes | None = getattr(row, self.sealed.key)
            if token is not None:
                set_attribute(row, self.sealed.key, keyring.reencrypt(token, self.aad(row)))

        return await reseal_stale(session, self.model, keyring, reseal, batch)

    async def seal_plain(
        self,
        session: AsyncSession,
        keyring: Keyring,
        seal: Callable[[Keyring, M, str], None],
        batch: int = BATCH,
    ) -> int:
        """``seal`` the texts still held in plain text (written before migration 0014) and
        empty the plain column; returns how many rows changed. Idempotent."""

        def rewrite(row: M) -> None:
            if getattr(row, self.sealed.key) is None:
                seal(keyring, row, getattr(row, self.legacy.key))
            set_attribute(row, self.legacy.key, "")

        return await rewrite_each(session, self.model, self.legacy != "", rewrite, batch)
