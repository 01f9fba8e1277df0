"""What onboarding holds about a person (for /mydata export) and how it is erased
(for /mydata delete)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.models import (
    Application,
    ApplicationStatus,
    Attestation,
    ConnectSuggestion,
    JoinDraft,
    Member,
    MemberStatus,
    Renewal,
    Standing,
)
from bot.services.members import clear_profile
from bot.services.onboarding.lifecycle import close_open_renewals, leave_rotation

WITHDRAWN = "Withdrawn: the applicant erased their data."


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


@dataclass(frozen=True)
class PublicPosts:
    """Posts the bot made about a person: review posts in the coordinators' channel and
    introduction cards in the welcome channel (message ids)."""

    reviews: tuple[int, ...]
    introductions: tuple[int, ...]


async def public_posts(session: AsyncSession, member: Member) -> PublicPosts:
    rows = (
        await session.execute(
            select(Application.review_message_id, Application.intro_message_id).where(
                Application.member_id == member.id
            )
        )
    ).all()
    return PublicPosts(
        reviews=tuple(r for r, _ in rows if r is not None),
        introductions=tuple(i for _, i in rows if i is not None),
    )


async def personal_data(session: AsyncSession, member: Member) -> dict[str, Any]:
    """Everything onboarding holds about ``member``, as JSON-ready data: the profile,
    applications (with check results and decisions), attestations, renewals, the /join
    draft and who /connect suggested to them."""
    profile = {
        "user_id": str(member.user_id),
        "display_name": member.display_name,
        "organisation": member.organisation,
        "job_role": member.job_role,
        "locality": member.locality,
        "locality_note": member.locality_note,
        "interests": list(member.interests),
        "status": member.status.value,
        "first_seen_at": _iso(member.first_seen_at),
        "joined_at": _iso(member.joined_at),
        "left_at": _iso(member.left_at),
        "in_guild": member.in_guild,
    }
    applications = await session.scalars(
        select(Application).where(Application.member_id == member.id).order_by(Application.id)
    )
    attestations = await session.scalars(
        select(Attestation).where(Attestation.member_id == member.id).order_by(Attestation.id)
    )
    renewals = await session.scalars(
        select(Renewal).where(Renewal.member_id == member.id).order_by(Renewal.id)
    )
    suggestions = await session.execute(
        select(ConnectSuggestion, Member.user_id)
        .join(Member, Member.id == ConnectSuggestion.suggested_member_id)
        .where(ConnectSuggestion.member_id == member.id)
        .order_by(ConnectSuggestion.id)
    )
    draft = await session.get(JoinDraft, member.user_id)
    standing = await session.get(Standing, member.id)
    return {
        "profile": profile,
        "applications": [
            {
                "id": a.id,
                "status": a.status.value,
                "submitted_at": _iso(a.submitted_at),
                "display_name": a.display_name,
                "organisation": a.organisation,
                "job_role": a.job_role,
                "interests": list(a.interests),
                "locality": a.locality,
                "locality_note": a.locality_note,
                "course": a.course,
                "course_note": a.course_note,
                "training_year": a.training_year,
                "agreed_facilitation": a.agreed_facilitation,
                "agreed_pledge": a.agreed_pledge,
                "pledge_version": a.pledge_version,
                "rules_version": a.rules_version,
                "checks": list(a.checks),
                "decided_at": _iso(a.decided_at),
                "decided_by": str(a.decided_by) if a.decided_by else None,
                "auto_approved": a.auto_approved,
                "decline_reason": a.decline_reason,
            }
            for a in applications
        ],
        "attestations": [
            {
                "kind": t.kind,
                "rules_version": t.rules_version,
                "pledge_version": t.pledge_version,
                "locality": t.locality,
                "agreed_at": _iso(t.agreed_at),
                "approved_by": str(t.approved_by) if t.approved_by else None,
            }
            for t in attestations
        ],
        "renewals": [
            {
                "reason": r.reason.value,
                "pledge_version": r.pledge_version,
                "asked_at": _iso(r.notified_at or r.created_at),
                "deadline_at": _iso(r.deadline_at),
                "outcome": r.outcome.value,
                "closed_at": _iso(r.closed_at),
            }
            for r in renewals
        ],
        "welcomed_at": _iso(standing.welcomed_at) if standing else None,
        "join_draft": draft.answers if draft else None,
        "connect_suggestions": [
            {"suggested_user_id": str(uid), "interest": s.interest, "at": _iso(s.suggested_at)}
            for s, uid in suggestions.all()
        ],
    }


async def erase_personal_data(session: AsyncSession, member: Member, now: datetime) -> None:
    """Erase what onboarding holds about ``member``: the profile, the /join draft, the
    free text of their applications, and /connect history. What the rules demand is kept
    without personal text: that an application was decided (when, by whom) and the
    attestations (which rules and pledge version were agreed, when). Applications no
    longer carry their Discord id (``-member.id`` instead, as /mydata does for the member
    row); a pending one is closed as withdrawn. The member becomes ERASED, which takes
    them out of the rotation; their future turns are reassigned."""
    was_active = member.status is MemberStatus.ACTIVE
    await session.execute(delete(JoinDraft).where(JoinDraft.user_id == member.user_id))
    await session.execute(
        update(Application)
        .where(Application.member_id == member.id, Application.status == ApplicationStatus.PENDING)
        .values(
            status=ApplicationStatus.DECLINED,
            open_user_id=None,
            decided_at=now,
            decided_by=None,
            decline_reason=WITHDRAWN,
        )
    )
    await session.execute(
        update(Application)
        .where(Application.member_id == member.id)
        .values(
            user_id=-member.id,
            display_name="",
            organisation="",
            job_role="",
            interests=[],
            locality="",
            locality_note="",
            course="",
            course_note="",
            training_year=None,
            checks=[],
            meet_first=[],
        )
    )
    await session.execute(
        update(Application)
        .where(Application.member_id == member.id, Application.decline_reason != WITHDRAWN)
        .values(decline_reason="")
    )
    await session.execute(
        update(Attestation).where(Attestation.member_id == member.id).values(locality="")
    )
    await session.execute(
        delete(ConnectSuggestion).where(
            or_(
                ConnectSuggestion.member_id == member.id,
                ConnectSuggestion.suggested_member_id == member.id,
            )
        )
    )
    await close_open_renewals(session, member, now)
    clear_profile(member)
    if was_active:
        await leave_rotation(session, member, now)
    await session.flush()
