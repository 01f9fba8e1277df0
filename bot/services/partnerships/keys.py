"""The partnerships' encrypted text (the log, offers' sentences) and the data key."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.models import OfferNeed, Partnership
from bot.services import sealed
from bot.services.partnerships.log import content_aad
from bot.services.partnerships.offers import sentences_aad


async def key_ids_in_use(session: AsyncSession) -> dict[str, int]:
    """Each key id the log and the offers' sentences are encrypted under, with how many."""
    return await sealed.key_id_counts(session, Partnership, OfferNeed)


def _reseal_log(row: Partnership, keyring: Keyring) -> None:
    row.content = keyring.reencrypt(row.content, content_aad(row.id))


def _reseal_offer(offer: OfferNeed, keyring: Keyring) -> None:
    if offer.sentences is not None:
        offer.sentences = keyring.reencrypt(offer.sentences, sentences_aad(offer.member_id))


async def reencrypt(session: AsyncSession, keyring: Keyring, batch: int = sealed.BATCH) -> int:
    """Re-encrypt the log and the offers' sentences not yet under the newest key."""
    log = await sealed.reseal_stale(session, Partnership, keyring, _reseal_log, batch)
    offers = await sealed.reseal_stale(session, OfferNeed, keyring, _reseal_offer, batch)
    return log + offers
