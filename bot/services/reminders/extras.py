"""What a meeting reminder says beyond the meeting itself, read when it is written: how many
are coming (the group reminder), who is coming, the newcomers' light roles and the themes of
recent learnings (the facilitator's hand-over pack).

"Coming" is Discord's **Interested** on the meeting's scheduled event (``bot.services.events``);
the newcomers' roles come from a finder the bot passes in (the partnerships capability).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import Member, ReminderStep
from bot.services import events

ThemesFinder = Callable[[AsyncSession, datetime, datetime], Awaitable[list[tuple[str, int]]]]
"""(session, since, until) -> (theme, count) of learnings members shared in that window."""

RolesFinder = Callable[[AsyncSession, int], Awaitable[list[tuple[str, str]]]]
"""(session, meeting id) -> (newcomer's name, the light role they took) at that meeting."""

MAX_COMING = 40
"""The pack names at most this many; the rest are counted."""


@dataclass(frozen=True)
class Extras:
    themes: tuple[tuple[str, int], ...] = ()
    coming_count: int = 0
    """How many marked the meeting's event Interested (the group reminder)."""
    coming: tuple[str, ...] = ()
    """The names of the members who marked it Interested, earliest first (the pack)."""
    others_coming: int = 0
    """Interested people the pack doesn't name (no member record, or past MAX_COMING)."""
    roles: tuple[tuple[str, str], ...] = ()
    """(newcomer's name, role) for newcomers who took a light role at this meeting."""


NONE = Extras()


async def coming_names(session: AsyncSession, meeting_id: int) -> tuple[tuple[str, ...], int]:
    """The names of members who marked the meeting Interested, and how many others did."""
    user_ids = await events.coming(session, meeting_id)
    if not user_ids:
        return (), 0
    shown = user_ids[:MAX_COMING]
    names = dict(
        (
            await session.execute(
                select(Member.user_id, Member.display_name).where(Member.user_id.in_(shown))
            )
        ).all()
    )
    named = tuple(names[u] for u in shown if names.get(u))
    return named, len(user_ids) - len(named)


async def group_extras(session: AsyncSession, meeting_id: int) -> Extras:
    return Extras(coming_count=await events.rsvp_count(session, meeting_id))


async def pack_extras(
    session: AsyncSession,
    meeting_id: int,
    due_at: datetime,
    *,
    themes: ThemesFinder | None,
    lookback: timedelta,
    roles: RolesFinder | None,
) -> Extras:
    found_themes = await themes(session, due_at - lookback, due_at) if themes else []
    names, others = await coming_names(session, meeting_id)
    taken = await roles(session, meeting_id) if roles else []
    return Extras(
        themes=tuple(found_themes),
        coming_count=len(names) + others,
        coming=names,
        others_coming=others,
        roles=tuple(taken),
    )


async def extras_for(
    session: AsyncSession,
    step: ReminderStep,
    meeting_id: int | None,
    due_at: datetime,
    *,
    themes: ThemesFinder | None,
    lookback: timedelta,
    roles: RolesFinder | None,
) -> Extras:
    """The extras of one delivery (nothing for steps that show none)."""
    if meeting_id is None:
        return NONE
    if step is ReminderStep.GROUP:
        return await group_extras(session, meeting_id)
    if step is ReminderStep.FACILITATOR_PACK:
        return await pack_extras(
            session, meeting_id, due_at, themes=themes, lookback=lookback, roles=roles
        )
    return NONE
