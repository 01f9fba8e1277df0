"""Fixtures for the consult service tests: a real SQLite file (``db``), a keyring and
members with interests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import pytest

from bot.crypto import Keyring
from bot.db import Database
from bot.models import Member, MemberStatus
from bot.services.members import add_member

MakeMember = Callable[..., Awaitable[Member]]


@pytest.fixture
def keyring() -> Keyring:
    return Keyring.generate()


@pytest.fixture
def make_member(db: Database, clock: Callable[[], datetime]) -> MakeMember:
    counter = iter(range(1, 10_000))

    async def make(
        name: str,
        interests: Sequence[str] = (),
        *,
        status: MemberStatus = MemberStatus.ACTIVE,
        in_guild: bool = True,
    ) -> Member:
        async with db.transaction() as session:
            member = await add_member(
                session, 700_000_000_000_000_000 + next(counter), name, clock(), status=status
            )
            member.interests = list(interests)
            member.in_guild = in_guild
            member.joined_at = clock()
            await session.flush()
            return member

    return make
