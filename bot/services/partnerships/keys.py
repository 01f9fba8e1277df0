"""The partnerships' encrypted text (the log, offers' sentences) and the data key."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.models import OfferNeed, Partnership
from bot.services.partnerships.log import content_aad
from bot.services.partnerships.offers import sentences_aad


async def key_ids_in_use(session: AsyncSession) -> dict[str, int]:
    counts: dict[str, int] = {}
    for column in (Partnership.key_id, OfferNeed.key_id):
        rows = await session.execute(
            select(column, func.count()).where(column.is_not(None)).group_by(column)
        )
        for ident, n in rows:
            if ident is not None:
                counts[ident] = counts.get(ident, 0) + int(n)
    return counts


async def reencrypt(session: AsyncSession, keyring: Keyring, batch: int = 500) -> int:
    """Re-encrypt the log and the offers' sentences not yet under the newest key."""
    primary, done = keyring.primary_id, 0
    while True:
        rows = (
            await session.scalars(
                select(Partnership)
                .where(Partnership.key_id != primary)
                .order_by(Partnership.id)
                .limit(batch)
            )
        ).all()
        if not rows:
            break
        for row in rows:
            row.content = keyring.reencrypt(row.content, content_aad(row.id))
            row.key_id = primary
        done += len(rows)
        await session.flush()
    while True:
        offers = (
            await session.scalars(
                select(OfferNeed)
                .where(OfferNeed.key_id.is_not(None), OfferNeed.key_id != primary)
                .order_by(OfferNeed.member_id)
                .limit(batch)
            )
        ).all()
        if not offers:
            return done
        for offer in offers:
            if offer.sentences is not None:
                offer.sentences = keyring.reencrypt(offer.sentences, sentences_aad(offer.member_id))
            offer.key_id = primary
        done += len(offers)
        await session.flush()
