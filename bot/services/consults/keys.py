"""The data key and consults: which keys their encrypted values use, and rotation."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.models import Consult
from bot.services.consults.text import asker_aad, content_aad


async def key_ids_in_use(session: AsyncSession) -> dict[str, int]:
    """Each key id consults are encrypted under, with how many consults use it."""
    rows = await session.execute(select(Consult.key_id, func.count()).group_by(Consult.key_id))
    return {ident: int(n) for ident, n in rows}


async def reencrypt(session: AsyncSession, keyring: Keyring, batch: int = 500) -> int:
    """Re-encrypt every consult not yet under the keyring's newest key. Returns how many."""
    primary = keyring.primary_id
    done = 0
    while True:
        rows = (
            await session.scalars(
                select(Consult).where(Consult.key_id != primary).order_by(Consult.id).limit(batch)
            )
        ).all()
        if not rows:
            return done
        for row in rows:
            row.content = keyring.reencrypt(row.content, content_aad(row.id, row.anonymous))
            if row.asker is not None:
                row.asker = keyring.reencrypt(row.asker, asker_aad(row.id))
            row.key_id = primary
        done += len(rows)
        await session.flush()
