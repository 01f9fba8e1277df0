"""Connection rounds: members who opted in are paired on a schedule, then asked halfway
through whether they met. Coordinators see counts, never names."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotAllowed
from bot.models import (
    CheckinAnswer,
    ConnectionOptIn,
    ConnectionPair,
    ConnectionRound,
    Member,
    MemberStatus,
)
from bot.services.partnerships.matching import pair_key, pair_round
from bot.services.partnerships.offers import profiles
from bot.services.unique import insert_once, rows_changed


async def opt_in(session: AsyncSession, member: Member, now: datetime) -> bool:
    """True when newly joined; False when they were already in."""
    if member.status is not MemberStatus.ACTIVE:
        raise NotAllowed("Connection rounds are for members of the Community of Practice.")
    if await session.get(ConnectionOptIn, member.id) is not None:
        return False
    session.add(ConnectionOptIn(member_id=member.id, joined_at=now))
    await session.flush()
    return True


async def opt_out(session: AsyncSession, member: Member) -> bool:
    result = await rows_changed(
        session, delete(ConnectionOptIn).where(ConnectionOptIn.member_id == member.id)
    )
    return bool(result)


async def met_pairs(session: AsyncSession) -> set[tuple[int, int]]:
    """Every two people who were in the same pair or trio in an earlier round."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    rows = await session.execute(
        select(ConnectionPair.round_id, ConnectionPair.pair_no, ConnectionPair.member_id).where(
            ConnectionPair.member_id.is_not(None)
        )
    )
    for round_id, pair_no, member_id in rows:
        if member_id is not None:
            groups[(round_id, pair_no)].append(member_id)
    met: set[tuple[int, int]] = set()
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                met.add(pair_key(a, b))
    return met


@dataclass(frozen=True)
class RoundMade:
    round_id: int
    groups: list[tuple[int, ...]]
    reasons: dict[tuple[int, ...], str]

    @property
    def people(self) -> list[int]:
        return [m for g in self.groups for m in g]


async def make_round(
    session: AsyncSession,
    starts_at: datetime,
    now: datetime,
    *,
    checkin_after: timedelta,
    cross_town: bool,
) -> RoundMade | None:
    """Pair everyone opted in (members still in the server) for the round at
    ``starts_at``. None when that round was already made (by an earlier run, or another
    process at the same moment: the round's time is unique) or nobody can be paired."""
    optins = list(
        (
            await session.scalars(
                select(ConnectionOptIn.member_id).join(
                    Member, Member.id == ConnectionOptIn.member_id
                )
            )
        ).all()
    )
    people = await profiles(session, optins)
    if len(people) < 2:
        return None
    row = ConnectionRound(starts_at=starts_at, checkin_at=starts_at + checkin_after, created_at=now)
    if not await insert_once(session, row):
        return None
    pairing = pair_round(people, await met_pairs(session), cross_town=cross_town)
    for n, group in enumerate(pairing.groups, start=1):
        for member_id in group:
            session.add(
                ConnectionPair(
                    round_id=row.id,
                    pair_no=n,
                    member_id=member_id,
                    reason=pairing.reasons[group][:300],
                )
            )
    await session.flush()
    return RoundMade(row.id, pairing.groups, pairing.reasons)


async def group_of(session: AsyncSession, round_id: int, member_id: int) -> list[Member]:
    """The others in a member's pair or trio for a round (members who left are skipped)."""
    pair_no = await session.scalar(
        select(ConnectionPair.pair_no).where(
            ConnectionPair.round_id == round_id, ConnectionPair.member_id == member_id
        )
    )
    if pair_no is None:
        return []
    rows = await session.scalars(
        select(Member)
        .join(ConnectionPair, ConnectionPair.member_id == Member.id)
        .where(
            ConnectionPair.round_id == round_id,
            ConnectionPair.pair_no == pair_no,
            Member.id != member_id,
            Member.status == MemberStatus.ACTIVE,
        )
        .order_by(Member.id)
    )
    return list(rows)


async def reason_for(session: AsyncSession, round_id: int, member_id: int) -> str:
    return (
        await session.scalar(
            select(ConnectionPair.reason).where(
                ConnectionPair.round_id == round_id, ConnectionPair.member_id == member_id
            )
        )
        or ""
    )


async def answer_checkin(
    session: AsyncSession, round_id: int, member: Member, answer: CheckinAnswer, now: datetime
) -> bool:
    """Record "did you meet?". False when the member was not in that round."""
    result = await rows_changed(
        session,
        update(ConnectionPair)
        .where(ConnectionPair.round_id == round_id, ConnectionPair.member_id == member.id)
        .values(answer=answer, answered_at=now)
        .execution_options(synchronize_session=False),
    )
    return bool(result)


async def rounds_due_checkin(session: AsyncSession, now: datetime, window: timedelta) -> list[int]:
    """Rounds whose check-in time has come within ``window`` (older ones are not asked)."""
    rows = await session.scalars(
        select(ConnectionRound.id).where(
            ConnectionRound.checkin_at <= now, ConnectionRound.checkin_at > now - window
        )
    )
    return list(rows)


async def members_of(session: AsyncSession, round_id: int) -> list[int]:
    rows = await session.scalars(
        select(Member.user_id)
        .join(ConnectionPair, ConnectionPair.member_id == Member.id)
        .where(ConnectionPair.round_id == round_id, Member.status == MemberStatus.ACTIVE)
    )
    return list(rows)


@dataclass(frozen=True)
class Summary:
    rounds: int
    pairs: int
    people: int
    met: int
    not_yet: int
    skipped: int
    unanswered: int
    opted_in: int


async def summary(session: AsyncSession) -> Summary:
    """Counts only: it names no one."""
    rounds = await session.scalar(select(func.count()).select_from(ConnectionRound)) or 0
    pairs = (
        await session.scalar(
            select(func.count()).select_from(
                select(ConnectionPair.round_id, ConnectionPair.pair_no).distinct().subquery()
            )
        )
        or 0
    )
    answers: dict[CheckinAnswer | None, int] = defaultdict(int)
    for answer, count in await session.execute(
        select(ConnectionPair.answer, func.count()).group_by(ConnectionPair.answer)
    ):
        answers[answer] = count
    opted = await session.scalar(select(func.count()).select_from(ConnectionOptIn)) or 0
    return Summary(
        rounds=rounds,
        pairs=pairs,
        people=sum(answers.values()),
        met=answers[CheckinAnswer.MET],
        not_yet=answers[CheckinAnswer.NOT_YET],
        skipped=answers[CheckinAnswer.SKIP],
        unanswered=answers[None],
        opted_in=opted,
    )
