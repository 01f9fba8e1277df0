"""What each member can offer and is looking for: tags (plain, like interests) and one
sentence each (encrypted, bound to the member)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.errors import InvalidInput
from bot.models import Member, MemberStatus, OfferNeed
from bot.services.partnerships.matching import Profile
from bot.services.unique import get_or_insert
from bot.tags import split_tags

MAX_TAGS = 8
TAG_MAX = 40
SENTENCE_MAX = 200


def sentences_aad(member_id: int) -> bytes:
    return f"offers:{member_id}".encode()


@dataclass(frozen=True)
class Offers:
    offer_tags: tuple[str, ...] = ()
    need_tags: tuple[str, ...] = ()
    offer_text: str = ""
    need_text: str = ""

    @property
    def empty(self) -> bool:
        return not (self.offer_tags or self.need_tags or self.offer_text or self.need_text)


def _tags(text: str, what: str) -> tuple[str, ...]:
    tags = split_tags(text.replace("\x00", ""))
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"List at most {MAX_TAGS} things you {what}, separated by commas.")
    long = next((t for t in tags if len(t) > TAG_MAX), None)
    if long is not None:
        raise InvalidInput(
            f"Keep each thing you {what} to {TAG_MAX} characters, like `grant writing`; "
            "put the detail in the sentence."
        )
    return tuple(tags)


def _sentence(text: str) -> str:
    text = " ".join(text.replace("\x00", "").split())
    if len(text) > SENTENCE_MAX:
        raise InvalidInput(f"Keep each sentence to {SENTENCE_MAX} characters (it has {len(text)}).")
    return text


def parse_offers(offer_tags: str, offer_text: str, need_tags: str, need_text: str) -> Offers:
    return Offers(
        _tags(offer_tags, "can offer"),
        _tags(need_tags, "are looking for"),
        _sentence(offer_text),
        _sentence(need_text),
    )


async def get_offers(session: AsyncSession, keyring: Keyring, member: Member) -> Offers:
    row = await session.get(OfferNeed, member.id)
    if row is None:
        return Offers()
    texts: dict[str, Any] = {}
    if row.sentences is not None:
        texts = keyring.decrypt_json(row.sentences, sentences_aad(member.id))
    return Offers(
        tuple(row.offer_tags),
        tuple(row.need_tags),
        str(texts.get("offer", "")),
        str(texts.get("need", "")),
    )


async def set_offers(
    session: AsyncSession, keyring: Keyring, member: Member, offers: Offers, now: datetime
) -> Offers:
    row = await get_or_insert(
        session, OfferNeed, member.id, lambda: OfferNeed(member_id=member.id, updated_at=now)
    )
    row.offer_tags = list(offers.offer_tags)
    row.need_tags = list(offers.need_tags)
    if offers.offer_text or offers.need_text:
        row.sentences = keyring.encrypt_json(
            {"offer": offers.offer_text, "need": offers.need_text}, sentences_aad(member.id)
        )
        row.key_id = keyring.primary_id
    else:
        row.sentences = None
        row.key_id = None
    row.updated_at = now
    await session.flush()
    return offers


async def profiles(session: AsyncSession, member_ids: Iterable[int] | None = None) -> list[Profile]:
    """Profiles of current members in the server (all of them, or those named), with
    their offers and needs: one query, whatever the size of the server."""
    query = (
        select(Member, OfferNeed)
        .outerjoin(OfferNeed, OfferNeed.member_id == Member.id)
        .where(Member.status == MemberStatus.ACTIVE, Member.in_guild.is_(True))
        .order_by(Member.id)
    )
    if member_ids is not None:
        query = query.where(Member.id.in_(list(member_ids)))
    out = []
    for member, offer in (await session.execute(query)).all():
        out.append(
            Profile(
                member_id=member.id,
                name=member.display_name or "a member",
                locality=member.locality,
                interests=tuple(member.interests or ()),
                offers=tuple(offer.offer_tags) if offer else (),
                needs=tuple(offer.need_tags) if offer else (),
            )
        )
    return out
