"""/connect with offers and needs: one member at a time, ranked by what each brings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Member
from bot.services.onboarding import choose_next
from bot.services.partnerships.matching import Fit, rank
from bot.services.partnerships.offers import profiles

OFFERS_BUTTON = "offers:edit"
"""The custom id of the button that opens the offers-and-needs form (answered by the
partnerships cog), offered after `/join` and `/profile edit`."""
PROPOSE_BUTTON = "partner:propose:{member_id}"
"""The custom id of the **Let's partner** button (answered by the partnerships cog), for
other capabilities' messages that offer it."""


@dataclass(frozen=True)
class Suggestion:
    member: Member
    fit: Fit
    reason: str


async def suggest(session: AsyncSession, member: Member, now: datetime) -> Suggestion | None:
    """The next member who fits: their offers that meet my needs, mine that meet theirs,
    then shared interests; moving on each time like /connect (the same history). None
    when the member has said neither what they offer nor what they look for, or nobody
    fits: /connect then matches interests alone."""
    everyone = await profiles(session)
    me = next((p for p in everyone if p.member_id == member.id), None)
    if me is None or not (me.offers or me.needs):
        return None
    fits = rank(me, everyone)
    if not fits:
        return None
    chosen = await choose_next(session, member, [f.other.member_id for f in fits], "", now)
    fit = next(f for f in fits if f.other.member_id == chosen)
    other = await session.get(Member, chosen)
    if other is None:  # pragma: no cover - the profile was read in this transaction
        return None
    return Suggestion(other, fit, fit.reason(me))
