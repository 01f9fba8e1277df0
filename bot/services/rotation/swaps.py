"""Swaps: a facilitator asks another member to take their turn (and, if that member has
a turn of their own coming, offers to take it in exchange).

Answering is contested (the asked member may press twice, or from two devices): the
swap's state changes by a conditional UPDATE, and the turn itself moves only if the
requester still holds it, so exactly one answer counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.models import (
    AssignmentRole,
    AssignmentSource,
    Meeting,
    Member,
    MemberStatus,
    SwapRequest,
    SwapStatus,
)
from bot.services.rotation import availability
from bot.services.rotation.assignments import (
    assignment_of,
    claim,
    drop_co_role_of,
    local_day,
    require_future_scheduled,
)
from bot.services.rotation.planner import RotationRules, TurnMoved, announced, plan_changes
from bot.services.rotation.series import upcoming_meetings


async def request_swap(
    session: AsyncSession,
    *,
    requester: Member,
    target: Member,
    meeting: Meeting,
    now: datetime,
    rules: RotationRules | None = None,
) -> SwapRequest:
    """Ask ``target`` to take ``requester``'s turn at ``meeting``; if the target has an
    upcoming turn of their own, the requester offers to take it in exchange."""
    rules = rules or RotationRules()
    day = local_day(meeting.starts_at, rules.zone).isoformat()
    if requester.id == target.id:
        raise InvalidInput(
            f"You can't swap with yourself. Name the member you'd like to take your turn, "
            f"like `/roster swap date:{day} member:@name`."
        )
    require_future_scheduled(meeting, now)
    current = assignment_of(meeting, AssignmentRole.FACILITATOR)
    if current is None or current.member_id != requester.id:
        who = f" <@{current.member.user_id}> is down for it." if current is not None else ""
        raise NotAllowed(
            f"You don't facilitate the meeting on `{day}`, so you can't swap it.{who} "
            "See your turns with `/roster show`."
        )
    if target.status is not MemberStatus.ACTIVE:
        raise InvalidInput(
            f"<@{target.user_id}> isn't in the facilitation rotation, so they can't take a turn. "
            "Ask an active member instead."
        )
    blocked = await availability.blocking(session, target, meeting, rules.zone)
    if blocked is not None:
        what = (
            f"has marked `{day}` as unavailable"
            if blocked.rule is None
            else f"can only facilitate {blocked.rule.describe()}"
        )
        raise Conflict(f"<@{target.user_id}> {what}. Ask someone else.")
    pending = await session.scalar(
        select(SwapRequest).where(
            SwapRequest.meeting_id == meeting.id,
            SwapRequest.requester_id == requester.id,
            SwapRequest.status == SwapStatus.PENDING,
        )
    )
    if pending is not None:
        asked = await session.get(Member, pending.target_id)
        who = f"<@{asked.user_id}>" if asked is not None else "someone"
        raise Conflict(f"You've already asked {who} to swap `{day}`; wait for their answer first.")
    return_meeting: Meeting | None = None
    for later in await upcoming_meetings(session, now):
        if later.id == meeting.id:
            continue
        fac = assignment_of(later, AssignmentRole.FACILITATOR)
        if fac is not None and fac.member_id == target.id:
            if not await availability.is_unavailable(session, requester, later, rules.zone):
                return_meeting = later
            break
    swap = SwapRequest(
        meeting_id=meeting.id,
        requester_id=requester.id,
        target_id=target.id,
        return_meeting_id=return_meeting.id if return_meeting else None,
        status=SwapStatus.PENDING,
        created_at=now,
    )
    session.add(swap)
    await session.flush()
    return swap


@dataclass(frozen=True)
class SwapView:
    """A swap request with what it refers to, for rendering."""

    swap: SwapRequest
    meeting: Meeting
    requester: Member
    target: Member
    return_meeting: Meeting | None

    @property
    def requester_mention(self) -> str:
        return f"<@{self.requester.user_id}>"

    @property
    def target_mention(self) -> str:
        return f"<@{self.target.user_id}>"


async def swap_view(session: AsyncSession, swap_id: int) -> SwapView:
    swap = await session.get(SwapRequest, swap_id)
    if swap is None:
        raise NotFound("That swap request no longer exists.")
    meeting = await session.get(Meeting, swap.meeting_id)
    requester = await session.get(Member, swap.requester_id)
    target = await session.get(Member, swap.target_id)
    if meeting is None or requester is None or target is None:
        raise NotFound("That swap request no longer exists.")
    back = await session.get(Meeting, swap.return_meeting_id) if swap.return_meeting_id else None
    return SwapView(swap, meeting, requester, target, back)


@dataclass(frozen=True)
class SwapDecision:
    view: SwapView
    status: SwapStatus
    exchanged: bool
    """The requester took the asked member's turn at ``view.return_meeting``."""
    note: str = ""
    """Why an accepted swap could not go ahead (then ``status`` is WITHDRAWN)."""
    moved: list[TurnMoved] = field(default_factory=list)
    """Other members' announced turns that moved because of the swap (to tell them)."""


async def _blocker(
    session: AsyncSession, view: SwapView, now: datetime, rules: RotationRules
) -> str:
    meeting = view.meeting
    current = assignment_of(meeting, AssignmentRole.FACILITATOR)
    if meeting.starts_at <= now:
        return "The meeting has already started, so the swap can't happen."
    if meeting.is_cancelled:
        return "The meeting was cancelled, so there's nothing to swap."
    if current is None or current.member_id != view.requester.id:
        return f"{view.requester_mention} no longer facilitates that meeting."
    if view.target.status is not MemberStatus.ACTIVE:
        return "You're no longer in the facilitation rotation."
    blocked = await availability.blocking(session, view.target, meeting, rules.zone)
    if blocked is None:
        return ""
    if blocked.rule is None:
        return "You've marked that day as unavailable; clear it with `/roster available` first."
    return (
        f"Your standing availability is {blocked.rule.describe()}; change it with "
        "`/roster availability` first."
    )


async def _answer(
    session: AsyncSession, swap: SwapRequest, status: SwapStatus, now: datetime
) -> bool:
    result = await session.execute(
        update(SwapRequest)
        .where(SwapRequest.id == swap.id, SwapRequest.status == SwapStatus.PENDING)
        .values(status=status, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1


async def decide_swap(
    session: AsyncSession,
    swap_id: int,
    *,
    user_id: int,
    accept: bool,
    now: datetime,
    rules: RotationRules | None = None,
) -> SwapDecision:
    """The asked member accepts or declines. Only they may; exactly one answer counts
    (the swap's state changes by a conditional UPDATE, and the turn moves only if the
    requester still holds it)."""
    rules = rules or RotationRules()
    view = await swap_view(session, swap_id)
    swap = view.swap
    if view.target.user_id != user_id:
        raise NotAllowed(
            f"Only {view.target_mention} can answer this swap request, because they were asked."
        )
    if swap.status is not SwapStatus.PENDING:
        raise Conflict(f"This swap request has already been answered ({swap.status.value}).")

    note = await _blocker(session, view, now, rules) if accept else ""
    before = await announced(session, now, rules)
    status = SwapStatus.ACCEPTED if accept and not note else SwapStatus.DECLINED
    if note:
        status = SwapStatus.WITHDRAWN
    if not await _answer(session, swap, status, now):
        raise Conflict("This swap request has already been answered.")
    if status is SwapStatus.ACCEPTED:
        won = await claim(
            session,
            view.meeting,
            AssignmentRole.FACILITATOR,
            view.target,
            AssignmentSource.SWAP,
            now,
            from_member_id=view.requester.id,
        )
        if not won:
            note = f"{view.requester_mention} no longer facilitates that meeting."
            status = SwapStatus.WITHDRAWN
            await session.execute(
                update(SwapRequest)
                .where(SwapRequest.id == swap.id)
                .values(status=status)
                .execution_options(synchronize_session=False)
            )
    await session.refresh(swap)
    if status is not SwapStatus.ACCEPTED:
        return SwapDecision(view, status, False, note)
    await drop_co_role_of(session, view.meeting, view.target)
    exchanged = await _exchange(session, view, now, rules)
    result = await plan_changes(session, now, rules, before=before)
    involved = {view.requester.id, view.target.id}
    moved = [m for m in result.moved if m.member.id not in involved]
    return SwapDecision(view, status, exchanged, note, moved)


async def _exchange(
    session: AsyncSession, view: SwapView, now: datetime, rules: RotationRules
) -> bool:
    """The requester takes the asked member's own turn, if it is still theirs."""
    back = view.return_meeting
    if back is None or back.starts_at <= now or back.is_cancelled:
        return False
    if await availability.is_unavailable(session, view.requester, back, rules.zone):
        return False
    won = await claim(
        session,
        back,
        AssignmentRole.FACILITATOR,
        view.requester,
        AssignmentSource.SWAP,
        now,
        from_member_id=view.target.id,
    )
    if won:
        await drop_co_role_of(session, back, view.requester)
    return won


async def set_swap_message(
    session: AsyncSession, swap_id: int, channel_id: int, message_id: int
) -> None:
    swap = await session.get(SwapRequest, swap_id)
    if swap is not None:
        swap.channel_id = channel_id
        swap.message_id = message_id
        await session.flush()


async def withdraw_swaps_of(session: AsyncSession, member: Member, now: datetime) -> None:
    await session.execute(
        update(SwapRequest)
        .where(
            SwapRequest.status == SwapStatus.PENDING,
            or_(SwapRequest.requester_id == member.id, SwapRequest.target_id == member.id),
        )
        .values(status=SwapStatus.WITHDRAWN, decided_at=now)
    )
