"""``/onboarding invite``: a coordinator invites people in the server to apply, on
purpose. Nobody is invited twice, nobody who is a member (or has applied, or was already
pointed to ``/join``) is invited at all, and the DMs go out through the one outbound
path, paced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.models import Application, ApplicationStatus, Member, MemberStatus, Standing
from bot.services import outbound
from bot.services.onboarding.outreach import Texts

BATCH = 5000
INVITED_VIA = "invite"
INVITE_TEMPLATE = "onboarding.invite"


@dataclass(frozen=True)
class InvitePlan:
    """Who an invitation would go to, and how many were left out."""

    user_ids: list[int]
    skipped: int
    """Members, alumni, applicants, people declined or erased, and people already
    pointed to ``/join`` (by the arrival welcome or an earlier invitation)."""

    @property
    def count(self) -> int:
        return len(self.user_ids)


def _invitable() -> Any:
    """People the bot knows who may be invited: in the server, never a member, no
    application, never pointed to /join."""
    open_application = (
        select(Application.id)
        .where(
            Application.member_id == Member.id,
            Application.status == ApplicationStatus.PENDING,
        )
        .exists()
    )
    return (
        select(Member.user_id)
        .outerjoin(Standing, Standing.member_id == Member.id)
        .where(
            Member.status == MemberStatus.APPLICANT,
            Member.in_guild.is_(True),
            Standing.welcomed_at.is_(None),
            ~open_application,
        )
    )


async def plan_invites(session: AsyncSession, candidates: Sequence[int] | None) -> InvitePlan:
    """Who to invite: everyone not yet a member (``candidates`` None), or those of
    ``candidates`` (say, holders of a role) who may be invited. People the bot has no
    record of yet count as invitable."""
    if candidates is None:
        ids = list(await session.scalars(_invitable().order_by(Member.user_id)))
        everyone = await session.scalar(
            select(func.count()).select_from(Member).where(Member.in_guild.is_(True))
        )
        return InvitePlan(ids, int(everyone or 0) - len(ids))
    wanted = sorted(set(candidates))
    invitable: set[int] = set()
    known: set[int] = set()
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        invitable.update(await session.scalars(_invitable().where(Member.user_id.in_(chunk))))
        known.update(await session.scalars(select(Member.user_id).where(Member.user_id.in_(chunk))))
    ids = [u for u in wanted if u in invitable or u not in known]
    return InvitePlan(ids, len(wanted) - len(ids))


async def record_invited(session: AsyncSession, user_ids: Sequence[int], now: datetime) -> None:
    """Remember that these people were pointed to ``/join`` (so nobody is invited twice,
    and the arrival welcome does not repeat it). In bulk."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for start in range(0, len(user_ids), BATCH):
        chunk = list(user_ids[start : start + BATCH])
        await session.execute(
            insert(Member).on_conflict_do_nothing(index_elements=["user_id"]),
            [
                {
                    "user_id": u,
                    "display_name": "",
                    "organisation": "",
                    "job_role": "",
                    "locality": "",
                    "locality_note": "",
                    "interests": [],
                    "status": MemberStatus.APPLICANT,
                    "first_seen_at": now,
                    "in_guild": True,
                }
                for u in chunk
            ],
        )
        member_ids = list(await session.scalars(select(Member.id).where(Member.user_id.in_(chunk))))
        await session.execute(
            insert(Standing).on_conflict_do_nothing(index_elements=["member_id"]),
            [{"member_id": m, "welcomed_via": ""} for m in member_ids],
        )
        await session.execute(
            update(Standing)
            .where(and_(Standing.member_id.in_(member_ids), Standing.welcomed_at.is_(None)))
            .values(welcomed_at=now, welcomed_via=INVITED_VIA)
        )


async def still_invitable(session: AsyncSession, user_id: int) -> bool:
    """At send time: True unless they have since applied or become a member."""
    member = await session.scalar(select(Member).where(Member.user_id == user_id))
    if member is None:
        return True
    if member.status is not MemberStatus.APPLICANT or not member.in_guild:
        return False
    pending = await session.scalar(
        select(Application.id).where(
            Application.member_id == member.id, Application.status == ApplicationStatus.PENDING
        )
    )
    return pending is None


async def queue_invites(
    session: AsyncSession,
    now: datetime,
    user_ids: Sequence[int],
    *,
    key: str,
    label: str,
    created_by: int,
) -> outbound.BatchInfo:
    """Record the invitations and queue one DM each on the outbound path, as one batch
    (its progress is what the coordinator watches). Nothing is sent before the commit."""
    await record_invited(session, user_ids, now)
    return await outbound.enqueue_many(
        session,
        now,
        kind=outbound.Kind.INVITE,
        key=key,
        user_ids=user_ids,
        template=INVITE_TEMPLATE,
        label=label,
        created_by=created_by,
    )


async def render_invitation(
    session: AsyncSession, item: outbound.Rendering, texts: Texts
) -> port.Message | None:
    """The invitation DM, written when the outbound path sends it; None (skipped) when
    they have applied or become a member meanwhile."""
    if not await still_invitable(session, item.user_id):
        return None
    return texts.invitation_dm()
