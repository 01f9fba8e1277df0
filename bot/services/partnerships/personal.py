"""The partnerships' part of /mydata. Erasing a member keeps the other person's record of
a partnership, naming them "a former member"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select, update

from bot.models import (
    Buddy,
    ConnectionOptIn,
    ConnectionPair,
    OfferNeed,
    Partnership,
    PartnershipStatus,
)
from bot.services.mydata import Contributor, Erased, Person
from bot.services.partnerships.log import list_for, open_body, seal_body
from bot.services.partnerships.offers import get_offers


async def _export(person: Person) -> Any:
    session, member, keyring = person.session, person.member, person.keyring
    offers = await get_offers(session, keyring, member)
    rounds = (
        await session.execute(
            select(ConnectionPair.round_id, ConnectionPair.answer).where(
                ConnectionPair.member_id == member.id
            )
        )
    ).all()
    buddy = await session.get(Buddy, member.id)
    return {
        "offers": {"tags": list(offers.offer_tags), "sentence": offers.offer_text},
        "looking_for": {"tags": list(offers.need_tags), "sentence": offers.need_text},
        "connection_rounds_opted_in": await session.get(ConnectionOptIn, member.id) is not None,
        "connection_rounds": [
            {"round": r, "did_you_meet": a.value if a else None} for r, a in rounds
        ],
        "partnerships": [
            {
                "id": v.id,
                "with": v.other_name,
                "status": v.status.value,
                "interest": v.interest,
                "you_bring": v.me_brings,
                "they_bring": v.other_brings,
                "started": v.started_on,
                "notes": list(v.notes),
            }
            for v in await list_for(session, keyring, member)
        ],
        "buddy": {"status": buddy.status.value} if buddy else None,
        "first_meeting_role": (
            {k: buddy.role_offer.get(k) for k in ("answer", "role", "offered_at")}
            if buddy and buddy.role_offer
            else None
        ),
    }


_THEIRS = (OfferNeed.member_id, ConnectionOptIn.member_id, Buddy.newcomer_id)
"""Rows that are the member's own: erased with them."""
_NAMING_THEM = (ConnectionPair.member_id, Buddy.buddy_id)
"""Rows that are someone else's too: kept, with the member's name cleared."""


async def _erase(person: Person) -> Erased:
    session, member, keyring = person.session, person.member, person.keyring
    for column in _THEIRS:
        await session.execute(delete(column.class_).where(column == member.id))
    for reference in _NAMING_THEM:
        await session.execute(
            update(reference.class_)
            .where(reference == member.id)
            .values({reference: None})
            .execution_options(synchronize_session=False)
        )
    rows = (
        await session.scalars(
            select(Partnership).where(
                or_(Partnership.proposer_id == member.id, Partnership.partner_id == member.id)
            )
        )
    ).all()
    for row in rows:
        body = open_body(keyring, row)
        if row.proposer_id == member.id:
            body["proposer_brings"] = ""
            row.proposer_id = None
        else:
            body["partner_brings"] = ""
            row.partner_id = None
        body["notes"] = []
        seal_body(keyring, row, body)
        row.open_pair = None
        if row.status is PartnershipStatus.PROPOSED:
            row.status = PartnershipStatus.DECLINED
    await session.flush()
    return Erased(counts={"partnerships": len(rows)} if rows else {})


CONTRIBUTOR = Contributor("partnerships", export=_export, erase=_erase)
