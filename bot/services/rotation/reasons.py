"""Why a member is unavailable: encrypted with the data key, bound to the member.

A member may say why they can't facilitate (``/roster unavailable ... reason:``); only
they (``/mydata``) and the bot read it, and the database holds it encrypted like a
learning. Rows written before migration 0014 held it in plain text
(``Unavailability.legacy_reason``): the bot seals those when it starts
(:func:`seal_plain`, called by ``bot.datakeys``) and empties the plain column.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.models import Unavailability


def reason_aad(member_id: int) -> bytes:
    """A reason's associated data: it opens only on its own member's rows."""
    return f"unavailability:{member_id}".encode()


def seal_reason(keyring: Keyring, record: Unavailability, text: str) -> None:
    """Store ``text`` (already cleaned) as ``record``'s reason, encrypted; "" stores none."""
    if text:
        record.reason_sealed = keyring.encrypt(text.encode(), reason_aad(record.member_id))
        record.key_id = keyring.primary_id
    else:
        record.reason_sealed = None
        record.key_id = None
    record.legacy_reason = ""


def open_reason(keyring: Keyring, record: Unavailability) -> str:
    """The reason as the member typed it ("" when none)."""
    if record.reason_sealed is None:
        return record.legacy_reason  # not yet sealed (only before the first start after 0014)
    return keyring.decrypt(record.reason_sealed, reason_aad(record.member_id)).decode()


async def key_ids_in_use(session: AsyncSession) -> dict[str, int]:
    """Each data key id reasons are encrypted under, with how many use it."""
    rows = await session.execute(
        select(Unavailability.key_id, func.count())
        .where(Unavailability.key_id.is_not(None))
        .group_by(Unavailability.key_id)
    )
    return {ident: int(n) for ident, n in rows if ident is not None}


async def _rewrite_each(
    session: AsyncSession,
    which: ColumnElement[bool],
    rewrite: Callable[[Unavailability], None],
    batch: int,
) -> int:
    """``rewrite`` every row that matches ``which``, a batch at a time; a rewritten row
    must no longer match. Returns how many rows were rewritten."""
    done = 0
    while True:
        rows = (
            await session.scalars(
                select(Unavailability).where(which).order_by(Unavailability.id).limit(batch)
            )
        ).all()
        if not rows:
            return done
        for row in rows:
            rewrite(row)
        done += len(rows)
        await session.flush()


async def reencrypt(session: AsyncSession, keyring: Keyring, batch: int = 500) -> int:
    """Re-encrypt every reason not yet under the keyring's newest key; returns how many."""
    primary = keyring.primary_id

    def rekey(row: Unavailability) -> None:
        if row.reason_sealed is not None:
            row.reason_sealed = keyring.reencrypt(row.reason_sealed, reason_aad(row.member_id))
        row.key_id = primary

    stale = and_(Unavailability.key_id.is_not(None), Unavailability.key_id != primary)
    return await _rewrite_each(session, stale, rekey, batch)


async def seal_plain(session: AsyncSession, keyring: Keyring, batch: int = 500) -> int:
    """Encrypt the reasons still held in plain text (written before migration 0014) and
    empty the plain column; returns how many rows changed. Idempotent."""

    def seal(row: Unavailability) -> None:
        if row.reason_sealed is None:
            seal_reason(keyring, row, row.legacy_reason)
        row.legacy_reason = ""

    return await _rewrite_each(session, Unavailability.legacy_reason != "", seal, batch)
