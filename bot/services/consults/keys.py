"""The data key and consults: which keys their encrypted values use, and rotation."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.models import Consult
from bot.services import sealed
from bot.services.consults.text import asker_aad, content_aad


async def key_ids_in_use(session: AsyncSession) -> dict[str, int]:
    """Each key id consults are encrypted under, with how many consults use it."""
    return await sealed.key_id_counts(session, Consult)


def _reseal(row: Consult, keyring: Keyring) -> None:
    row.content = keyring.reencrypt(row.content, content_aad(row.id, row.anonymous))
    if row.asker is not None:
        row.asker = keyring.reencrypt(row.asker, asker_aad(row.id))


async def reencrypt(session: AsyncSession, keyring: Keyring, batch: int = sealed.BATCH) -> int:
    """Re-encrypt every consult not yet under the keyring's newest key. Returns how many."""
    return await sealed.reseal_stale(session, Consult, keyring, _reseal, batch)
