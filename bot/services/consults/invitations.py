"""Who is invited to help, the ledger that spreads the load, and answering an invitation.

People are matched on their interests, and the offers in their profiles (``partnerships``),
against the consult's themes (``onboarding.overlap``: an exact theme counts more than a
related word; a theme matching both an interest and an offer counts twice). Among equally
good matches the one asked least often comes first (then the one asked longest ago), so that
over many consults the same people are not always asked. Never invited: the asker, anyone
who muted consults, anyone unavailable today, anyone who is not a current member in the
server.

Answers are decided in the database: a conditional update from ``invited`` means that of any
number of simultaneous presses exactly one counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import DecryptionError, Keyring
from bot.db import fits_integer
from bot.errors import Conflict, NotAllowed, NotFound
from bot.models import (
    Consult,
    ConsultInvitation,
    ConsultInvitationStatus,
    ConsultMute,
    ConsultStatus,
    Member,
    MemberStatus,
    Unavailability,
)
from bot.services import outbound, partnerships
from bot.services.consults.store import get_consult, themes_of
from bot.services.consults.text import asker_of
from bot.services.onboarding import overlap

OUTSTANDING = (ConsultInvitationStatus.INVITED, ConsultInvitationStatus.HELPING)


@dataclass(frozen=True)
class Candidate:
    member: Member
    score: int
    asked: int
    last_asked: datetime | None


async def _ask_counts(
    session: AsyncSession, member_ids: Sequence[int]
) -> dict[int, tuple[int, datetime | None]]:
    rows = await session.execute(
        select(ConsultInvitation.member_id, func.count(), func.max(ConsultInvitation.invited_at))
        .where(ConsultInvitation.member_id.in_(list(member_ids)))
        .group_by(ConsultInvitation.member_id)
    )
    return {mid: (int(n), last) for mid, n, last in rows}


async def _unavailable(session: AsyncSession, member_ids: Sequence[int], today: date) -> set[int]:
    rows = await session.scalars(
        select(Unavailability.member_id).where(
            Unavailability.member_id.in_(list(member_ids)),
            Unavailability.first_day <= today,
            Unavailability.last_day >= today,
        )
    )
    return set(rows)


async def rank_candidates(
    session: AsyncSession,
    themes: Sequence[str],
    today: date,
    *,
    exclude: set[int],
) -> list[Candidate]:
    """Members who match the themes and may be invited, best first."""
    muted = select(ConsultMute.member_id)
    members = list(
        await session.scalars(
            select(Member)
            .where(
                Member.status == MemberStatus.ACTIVE,
                Member.in_guild.is_(True),
                Member.id.not_in(muted),
            )
            .order_by(Member.id)
        )
    )
    members = [m for m in members if m.id not in exclude]
    offers = {
        p.member_id: p.offers
        for p in await partnerships.profiles(session, [m.id for m in members])
        if p.offers
    }
    scored = []
    for member in members:
        score = overlap(themes, member.interests or []).score
        score += overlap(themes, offers.get(member.id, ())).score
        if score > 0:
            scored.append((member, score))
    ids = [m.id for m, _ in scored]
    away = await _unavailable(session, ids, today)
    counts = await _ask_counts(session, ids)
    candidates = [
        Candidate(m, score, *counts.get(m.id, (0, None))) for m, score in scored if m.id not in away
    ]
    floor = datetime.min.replace(tzinfo=UTC)
    candidates.sort(
        key=lambda c: (
            -c.score,
            c.asked,
            c.last_asked or floor,
            c.member.id,
        )
    )
    return candidates


async def invite_more(
    session: AsyncSession,
    keyring: Keyring,
    consult: Consult,
    invite_count: int,
    today: date,
    now: datetime,
) -> list[ConsultInvitation]:
    """Invite the best matches until ``invite_count`` are invited or helping (or nobody
    else matches). Returns the new invitations, best first."""
    if consult.status is not ConsultStatus.OPEN:
        return []
    existing = list(
        await session.scalars(
            select(ConsultInvitation).where(ConsultInvitation.consult_id == consult.id)
        )
    )
    wanted = invite_count - sum(1 for i in existing if i.status in OUTSTANDING)
    if wanted <= 0:
        return []
    exclude = {i.member_id for i in existing}
    try:
        exclude.add(asker_of(keyring, consult))
    except DecryptionError:
        return []  # without knowing the asker, never risk inviting them
    themes = await themes_of(session, consult.id)
    chosen = (await rank_candidates(session, themes, today, exclude=exclude))[:wanted]
    invitations = [
        ConsultInvitation(
            consult_id=consult.id,
            member_id=c.member.id,
            status=ConsultInvitationStatus.INVITED,
            score=c.score,
            invited_at=now,
        )
        for c in chosen
    ]
    session.add_all(invitations)
    await session.flush()
    return invitations


# --- answering ----------------------------------------------------------------------------


@dataclass
class Answer:
    invitation: ConsultInvitation
    consult: Consult
    helping: bool
    invited_next: list[ConsultInvitation] = field(default_factory=list)


_ANSWERED = {
    ConsultInvitationStatus.HELPING: "you already said you'll help",
    ConsultInvitationStatus.DECLINED: "you already said not this time",
    ConsultInvitationStatus.LAPSED: "the consult was closed before you answered",
}


async def answer(
    session: AsyncSession,
    keyring: Keyring,
    invitation_id: int,
    member: Member | None,
    helping: bool,
    now: datetime,
    *,
    invite_count: int,
    today: date,
) -> Answer:
    """I'll help (``helping``) or Not this time, decided once: the first press wins and
    every other press is told what was decided. Not this time invites the next match."""
    if not fits_integer(invitation_id) or member is None:
        raise NotFound("That invitation no longer exists.")
    open_consults = select(Consult.id).where(Consult.status == ConsultStatus.OPEN)
    result = await session.execute(
        update(ConsultInvitation)
        .where(
            ConsultInvitation.id == invitation_id,
            ConsultInvitation.member_id == member.id,
            ConsultInvitation.status == ConsultInvitationStatus.INVITED,
            ConsultInvitation.consult_id.in_(open_consults),
        )
        .values(
            status=(
                ConsultInvitationStatus.HELPING if helping else ConsultInvitationStatus.DECLINED
            ),
            answered_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    invitation = await session.get(ConsultInvitation, invitation_id, populate_existing=True)
    if invitation is None or invitation.consult_id is None:
        raise NotFound("That invitation no longer exists.")
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if invitation.member_id != member.id:
            raise NotAllowed("This invitation is for someone else, so only they can answer it.")
        consult = await get_consult(session, invitation.consult_id)
        if invitation.status is ConsultInvitationStatus.INVITED:
            raise Conflict(
                f"Consult `#{consult.id}` is {consult.status.value} now, so it needs no answer."
            )
        raise Conflict(f"Your answer was already recorded: {_ANSWERED[invitation.status]}.")
    consult = await get_consult(session, invitation.consult_id)
    outcome = Answer(invitation, consult, helping)
    if not helping:
        outcome.invited_next = await invite_more(
            session, keyring, consult, invite_count, today, now
        )
    return outcome


async def invitation(session: AsyncSession, invitation_id: int) -> ConsultInvitation:
    row = (
        await session.get(ConsultInvitation, invitation_id) if fits_integer(invitation_id) else None
    )
    if row is None or row.consult_id is None:
        raise NotFound("That invitation no longer exists.")
    return row


async def invitations_of(session: AsyncSession, consult_id: int) -> list[ConsultInvitation]:
    rows = await session.scalars(
        select(ConsultInvitation)
        .where(ConsultInvitation.consult_id == consult_id)
        .order_by(ConsultInvitation.invited_at, ConsultInvitation.id)
    )
    return list(rows)


# --- the ledger ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    member: Member
    invited: int
    helped: int
    thanked: int


async def ledger(session: AsyncSession) -> list[LedgerRow]:
    """Invitations, help and thanks per member (anyone ever invited), most thanked first."""
    helping = case((ConsultInvitation.status == ConsultInvitationStatus.HELPING, 1), else_=0)
    thanked = case((ConsultInvitation.thanked.is_(True), 1), else_=0)
    rows = await session.execute(
        select(Member, func.count(), func.sum(helping), func.sum(thanked))
        .join(ConsultInvitation, ConsultInvitation.member_id == Member.id)
        .where(Member.status != MemberStatus.ERASED)
        .group_by(Member.id)
    )
    out = [LedgerRow(m, int(n), int(h or 0), int(t or 0)) for m, n, h, t in rows]
    out.sort(key=lambda r: (-r.thanked, -r.helped, r.invited, r.member.display_name.casefold()))
    return out


# --- muting -------------------------------------------------------------------------------


async def is_muted(session: AsyncSession, member: Member) -> bool:
    return await session.get(ConsultMute, member.id) is not None


async def set_muted(session: AsyncSession, member: Member, muted: bool, now: datetime) -> bool:
    """Mute (or unmute) invitations to consults. Returns whether anything changed."""
    row = await session.get(ConsultMute, member.id)
    if muted and row is None:
        session.add(ConsultMute(member_id=member.id, muted_at=now))
        await session.flush()
        return True
    if not muted and row is not None:
        await session.delete(row)
        await session.flush()
        return True
    return False


# --- invitation DMs (the one outbound path) -----------------------------------------------

INVITATION_TEMPLATE = "consults.invitation"


async def queue_invitation_dms(
    session: AsyncSession, now: datetime, invitations: Sequence[ConsultInvitation]
) -> int:
    """Queue a DM for each new invitation on the outbound path, which honours each
    member's choice for consult invitations (/notifications) and quiet hours. Returns how
    many were queued (a repeat queues nothing)."""
    queued = 0
    for inv in invitations:
        member = await session.get(Member, inv.member_id)
        if member is None or member.user_id <= 0:
            continue
        item = await outbound.enqueue(
            session,
            now,
            kind=outbound.Kind.CONSULT_INVITATION,
            key=f"consult-invitation-{inv.id}",
            user_id=member.user_id,
            template=INVITATION_TEMPLATE,
            params={"invitation_id": inv.id},
        )
        queued += item is not None
    return queued


async def pending_invitation(session: AsyncSession, invitation_id: int) -> ConsultInvitation | None:
    """The invitation if it still waits for an answer on an open consult (for rendering
    its DM at send time: an answered one sends nothing)."""
    inv = (
        await session.get(ConsultInvitation, invitation_id) if fits_integer(invitation_id) else None
    )
    if inv is None or inv.consult_id is None or inv.status is not ConsultInvitationStatus.INVITED:
        return None
    consult = await session.get(Consult, inv.consult_id)
    if consult is None or consult.status is not ConsultStatus.OPEN:
        return None
    return inv


async def invitation_for(
    session: AsyncSession, consult_id: int, member: Member | None
) -> ConsultInvitation:
    """The member's invitation to a consult (for the buttons in the post)."""
    row = None
    if member is not None and fits_integer(consult_id):
        row = await session.scalar(
            select(ConsultInvitation).where(
                ConsultInvitation.consult_id == consult_id,
                ConsultInvitation.member_id == member.id,
            )
        )
    if row is None:
        raise NotAllowed(
            "These buttons are for the members invited to help with this consult. You can "
            "still reply in the post."
        )
    return row
