"""Arranging onboarding state for service tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import AppConfig
from bot.models import Member, MemberStatus
from bot.services.onboarding.forms import Answers
from bot.services.onboarding.lifecycle import Verdict, decide, submit_application
from tests import builders

COORDINATOR_ID = 700000000000000001


def good_answers(config: AppConfig, **changes: object) -> Answers:
    answers = Answers(
        name="Nina Newcomer",
        organisation="Fitzroy Health Partnership",
        job_role="Partnerships lead",
        interests="co-design, rural health, first nations partnerships",
        training_year="2023",
        locality=config.onboarding.localities[0],
        course=config.onboarding.courses[0],
        agreed_facilitation=True,
        agreed_pledge=True,
        pledge_version=config.onboarding.pledge_version,
    )
    for key, value in changes.items():
        setattr(answers, key, value)
    return answers


async def add_member(
    session: AsyncSession,
    user_id: int,
    name: str,
    interests: list[str],
    *,
    joined_at: datetime,
    organisation: str = "Somewhere Inc",
    status: MemberStatus = MemberStatus.ACTIVE,
    in_guild: bool = True,
) -> Member:
    """A member with a full profile (``tests.builders.add_member``); only active members
    have a ``joined_at``."""
    member = await builders.add_member(
        session,
        name,
        joined_at,
        user_id=user_id,
        status=status,
        interests=interests,
        organisation=organisation,
        job_role="Broker",
        locality="Rockhampton",
        locality_note="",
        in_guild=in_guild,
        first_seen_at=joined_at - timedelta(days=1),
    )
    if status is not MemberStatus.ACTIVE:
        member.joined_at = None
        await session.flush()
    return member


async def approved_member(
    session: AsyncSession, config: AppConfig, user_id: int, now: datetime, **changes: object
) -> Member:
    """Someone who went through /join and was approved."""
    submitted = await submit_application(
        session, user_id, "discord name", good_answers(config, **changes), config, now
    )
    decision = await decide(
        session,
        submitted.application.id,
        Verdict.APPROVE,
        by_user_id=COORDINATOR_ID,
        config=config,
        now=now,
    )
    return decision.member
