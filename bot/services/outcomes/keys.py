"""The outcomes' encrypted text and the data key: which keys it uses, and rotation."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.models import Outcome
from bot.services.outcomes.store import content_aad


async def key_ids_in_use(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Outcome.key_id, func.count()).group_by(Outcome.key_id))
    return {ident: int(n) for ident, n in rows}


async def reencrypt(session: AsyncSession, keyring: Keyring, batch: int = 500) -> int:
    """Re-encrypt every outcome not yet under the keyring's newest key. Returns how many."""
    primary, done = keyring.primary_id, 0
    while True:
        rows = (
            await session.scalars(
                select(Outcome).where(Outcome.key_id != primary).order_by(Outcome.id).limit(batch)
            )
        ).all()
        if not rows:
            return done
        for row in rows:
            row.content = keyring.reencrypt(row.content, content_aad(row.author_id))
            row.key_id = primary
        done += len(rows)
        await session.flush()
