"""The outcomes' encrypted text and the data key: which keys it uses, and rotation."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.models import Outcome
from bot.services import sealed
from bot.services.outcomes.store import content_aad


async def key_ids_in_use(session: AsyncSession) -> dict[str, int]:
    """Each key id outcomes are encrypted under, with how many outcomes use it."""
    return await sealed.key_id_counts(session, Outcome)


def _reseal(row: Outcome, keyring: Keyring) -> None:
    row.content = keyring.reencrypt(row.content, content_aad(row.author_id))


async def reencrypt(session: AsyncSession, keyring: Keyring, batch: int = sealed.BATCH) -> int:
    """Re-encrypt every outcome not yet under the keyring's newest key. Returns how many."""
    return await sealed.reseal_stale(session, Outcome, keyring, _reseal, batch)
