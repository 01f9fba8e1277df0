"""Why a member is unavailable: encrypted with the data key, bound to the member.

A member may say why they can't facilitate (``/roster unavailable ... reason:``); only
they (``/mydata``) and the bot read it, and the database holds it encrypted like a
learning. Rows written before migration 0014 held it in plain text
(``Unavailability.legacy_reason``): the bot seals those when it starts
(:func:`seal_plain`, called by ``bot.datakeys``) and empties the plain column.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.models import Unavailability
from bot.services import sealed


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


REASONS = sealed.LegacySealed(
    Unavailability,
    Unavailability.reason_sealed,
    Unavailability.legacy_reason,
    lambda row: reason_aad(row.member_id),
)
"""Unavailability reasons: sealed in ``reason_sealed``, bound to their member."""


def open_reason(keyring: Keyring, record: Unavailability) -> str:
    """The reason as the member typed it ("" when none)."""
    return REASONS.open(keyring, record)


async def key_ids_in_use(session: AsyncSession) -> dict[str, int]:
    """Each data key id reasons are encrypted under, with how many use it."""
    return await REASONS.key_ids_in_use(session)


async def reencrypt(session: AsyncSession, keyring: Keyring, batch: int = sealed.BATCH) -> int:
    """Re-encrypt every reason not yet under the keyring's newest key; returns how many."""
    return await REASONS.reencrypt(session, keyring, batch)


async def seal_plain(session: AsyncSession, keyring: Keyring, batch: int = sealed.BATCH) -> int:
    """Encrypt the reasons still held in plain text (written before migration 0014) and
    empty the plain column; returns how many rows changed. Idempotent."""
    return await REASONS.seal_plain(session, keyring, seal_reason, batch)
