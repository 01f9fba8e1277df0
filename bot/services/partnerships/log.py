"""The partnership log: two people, a shared interest, what each brings, how it goes.

Only the two people and the coordinators see a partnership. Decisions are made in the
database: a proposal is accepted once, and two open partnerships between the same two
people cannot exist (a unique column), however many press at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.models import Member, MemberStatus, OutcomeKind, Partnership, PartnershipStatus
from bot.services import outcomes
from bot.services.partnerships.matching import pair_key
from bot.services.unique import insert_once, rows_changed

BRINGS_MAX = 200
INTEREST_MAX = 100
NOTE_MAX = 300
FORMER = "a former member"
OPEN = (PartnershipStatus.PROPOSED, PartnershipStatus.ACTIVE, PartnershipStatus.PAUSED)


def content_aad(partnership_id: int) -> bytes:
    return f"partnership:{partnership_id}".encode()


def _open_pair(a: int, b: int) -> str:
    low, high = pair_key(a, b)
    return f"{low}:{high}"


def _line(text: str, limit: int, what: str) -> str:
    text = " ".join(text.replace("\x00", "").split())
    if len(text) > limit:
        raise InvalidInput(f"Keep {what} to {limit} characters (it has {len(text)}).")
    return text


def open_body(keyring: Keyring, row: Partnership) -> dict[str, Any]:
    body: dict[str, Any] = keyring.decrypt_json(row.content, content_aad(row.id))
    return body


def seal_body(keyring: Keyring, row: Partnership, body: dict[str, Any]) -> None:
    row.content = keyring.encrypt_json(body, content_aad(row.id))
    row.key_id = keyring.primary_id


async def propose(
    session: AsyncSession,
    keyring: Keyring,
    proposer: Member,
    partner: Member,
    *,
    interest: str,
    brings: str,
    now: datetime,
) -> Partnership:
    if proposer.id == partner.id:
        raise InvalidInput("A partnership takes two people: choose someone other than yourself.")
    if partner.status is not MemberStatus.ACTIVE:
        raise NotAllowed("You can only partner with current members of the community.")
    interest = _line(interest, INTEREST_MAX, "the shared interest")
    brings = _line(brings, BRINGS_MAX, "what you bring")
    if not interest or not brings:
        raise InvalidInput("Say what you share an interest in, and what you bring to the table.")
    existing = await session.scalar(
        select(Partnership).where(Partnership.open_pair == _open_pair(proposer.id, partner.id))
    )
    if existing is not None:
        raise Conflict(
            f"You and {partner.display_name or 'they'} already have an open partnership "
            f"(#{existing.id}). `/partnership list` shows it."
        )
    row = Partnership(
        proposer_id=proposer.id,
        partner_id=partner.id,
        open_pair=_open_pair(proposer.id, partner.id),
        status=PartnershipStatus.PROPOSED,
        content=b"",
        key_id=keyring.primary_id,
        created_at=now,
        updated_at=now,
    )
    if not await insert_once(session, row):
        raise Conflict(
            f"You and {partner.display_name or 'they'} already have an open partnership. "
            "`/partnership list` shows it."
        )
    seal_body(keyring, row, {"interest": interest, "proposer_brings": brings, "partner_brings": ""})
    await session.flush()
    return row


async def _get(session: AsyncSession, partnership_id: int) -> Partnership:
    row = await session.get(Partnership, partnership_id)
    if row is None:
        raise NotFound(
            f"There is no partnership #{partnership_id}. `/partnership list` shows yours."
        )
    return row


async def answer(
    session: AsyncSession,
    keyring: Keyring,
    partnership_id: int,
    partner: Member,
    *,
    accept: bool,
    brings: str,
    now: datetime,
    checkin_days: int,
) -> Partnership:
    """The invited person accepts (saying what they bring) or declines. Only they can,
    and only once: a conditional update decides it."""
    row = await _get(session, partnership_id)
    if row.partner_id != partner.id:
        raise NotAllowed("Only the person invited to this partnership can answer it.")
    brings = _line(brings, BRINGS_MAX, "what you bring")
    if accept and not brings:
        raise InvalidInput("Say in one line what you bring to the table, then accept.")
    values: dict[str, Any] = {"updated_at": now}
    if accept:
        values |= {
            "status": PartnershipStatus.ACTIVE,
            "started_on": now.date(),
            "checkin_due_at": now + timedelta(days=checkin_days),
        }
    else:
        values |= {"status": PartnershipStatus.DECLINED, "open_pair": None}
    result = await rows_changed(
        session,
        update(Partnership)
        .where(Partnership.id == row.id, Partnership.status == PartnershipStatus.PROPOSED)
        .values(**values)
        .execution_options(synchronize_session=False),
    )
    if not result:
        await session.refresh(row)
        raise Conflict(f"Partnership #{row.id} was already answered: it is {row.status.value}.")
    await session.refresh(row)
    if accept:
        body = open_body(keyring, row)
        body["partner_brings"] = brings
        seal_body(keyring, row, body)
        await session.flush()
    return row


@dataclass(frozen=True)
class PartnershipView:
    id: int
    status: PartnershipStatus
    interest: str
    me_brings: str
    other_brings: str
    other_name: str
    other_member_id: int | None
    started_on: date | None
    notes: tuple[str, ...]
    outcome_id: int | None


def _view(keyring: Keyring, row: Partnership, me: int, names: dict[int, str]) -> PartnershipView:
    body = open_body(keyring, row)
    mine_is_proposer = row.proposer_id == me
    other = row.partner_id if mine_is_proposer else row.proposer_id
    return PartnershipView(
        id=row.id,
        status=row.status,
        interest=str(body.get("interest", "")),
        me_brings=str(body.get("proposer_brings" if mine_is_proposer else "partner_brings", "")),
        other_brings=str(body.get("partner_brings" if mine_is_proposer else "proposer_brings", "")),
        other_name=names.get(other, FORMER) if other is not None else FORMER,
        other_member_id=other,
        started_on=row.started_on,
        notes=tuple(str(n) for n in body.get("notes", [])),
        outcome_id=row.outcome_id,
    )


async def _names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Member.id, Member.display_name, Member.status).where(Member.id.in_(ids))
    )
    return {
        i: (name or FORMER) if status is not MemberStatus.ERASED else FORMER
        for i, name, status in rows
    }


async def list_for(
    session: AsyncSession, keyring: Keyring, member: Member
) -> list[PartnershipView]:
    rows = (
        await session.scalars(
            select(Partnership)
            .where(or_(Partnership.proposer_id == member.id, Partnership.partner_id == member.id))
            .order_by(Partnership.id.desc())
        )
    ).all()
    ids = {i for r in rows for i in (r.proposer_id, r.partner_id) if i is not None}
    names = await _names(session, ids)
    return [_view(keyring, r, member.id, names) for r in rows]


async def view(
    session: AsyncSession,
    keyring: Keyring,
    partnership_id: int,
    viewer: Member,
    *,
    coordinator: bool,
) -> PartnershipView:
    row = await _get(session, partnership_id)
    if viewer.id not in (row.proposer_id, row.partner_id) and not coordinator:
        raise NotAllowed("Only the two partners and the coordinators can see a partnership.")
    ids = {i for i in (row.proposer_id, row.partner_id) if i is not None}
    return _view(keyring, row, viewer.id, await _names(session, ids))


async def update_status(
    session: AsyncSession,
    keyring: Keyring,
    partnership_id: int,
    member: Member,
    *,
    status: PartnershipStatus | None,
    note: str,
    now: datetime,
) -> Partnership:
    row = await _get(session, partnership_id)
    if member.id not in (row.proposer_id, row.partner_id):
        raise NotAllowed("Only the two partners can update a partnership.")
    if row.status in (PartnershipStatus.PROPOSED, PartnershipStatus.DECLINED):
        raise Conflict(f"Partnership #{row.id} has not started, so it can't be updated yet.")
    note = _line(note, NOTE_MAX, "the note")
    if status is not None:
        if status not in (
            PartnershipStatus.ACTIVE,
            PartnershipStatus.PAUSED,
            PartnershipStatus.COMPLETE,
        ):
            raise InvalidInput("A partnership can be set to active, paused or complete.")
        row.status = status
        row.open_pair = (
            None
            if status is PartnershipStatus.COMPLETE
            else _open_pair(row.proposer_id or 0, row.partner_id or 0)
        )
    if note:
        body = open_body(keyring, row)
        body.setdefault("notes", []).append(f"{now.date().isoformat()}: {note}")
        seal_body(keyring, row, body)
    row.updated_at = now
    await session.flush()
    return row


async def checkins_due(session: AsyncSession, now: datetime) -> list[Partnership]:
    """Active partnerships whose check-in is due; each is asked once (the time is cleared)."""
    rows = list(
        (
            await session.scalars(
                select(Partnership).where(
                    Partnership.status == PartnershipStatus.ACTIVE,
                    Partnership.checkin_due_at.is_not(None),
                    Partnership.checkin_due_at <= now,
                )
            )
        ).all()
    )
    for row in rows:
        row.checkin_due_at = None
    await session.flush()
    return rows


async def make_outcome(
    session: AsyncSession, keyring: Keyring, partnership_id: int, member: Member, now: datetime
) -> outcomes.Added:
    """A completed partnership becomes an outcome ("partnership formed"). Whoever asks
    records it and agrees to be named; the other person is asked, as for any outcome."""
    row = await _get(session, partnership_id)
    if member.id not in (row.proposer_id, row.partner_id):
        raise NotAllowed("Only the two partners can turn a partnership into an outcome.")
    if row.status is not PartnershipStatus.COMPLETE:
        raise Conflict("Mark the partnership complete first (`/partnership update`).")
    if row.outcome_id is not None:
        raise Conflict(f"Partnership #{row.id} is already outcome #{row.outcome_id}.")
    body = open_body(keyring, row)
    other_id = row.partner_id if row.proposer_id == member.id else row.proposer_id
    other = await session.get(Member, other_id) if other_id is not None else None
    people = [member] + ([other] if other is not None and other.is_active else [])
    draft = outcomes.validate(
        kind=OutcomeKind.PARTNERSHIP_FORMED,
        happened_on=row.started_on or now.date(),
        title=f"Partnership on {body.get('interest', 'a shared interest')}"[:100],
        description="",
        today=now.date(),
    )
    added = await outcomes.add_outcome(session, keyring, member, draft, people, now)
    row.outcome_id = added.outcome.id
    await session.flush()
    return added
