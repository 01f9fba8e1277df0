"""Fixtures for the consult service tests: a real SQLite file (``db``), a keyring and
members with interests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import pytest

from bot.db import Database
from bot.models import Member, MemberStatus
from tests.builders import add_member

MakeMember = Callable[..., Awaitable[Member]]


@pytest.fixture
def make_member(db: Database, clock: Callable[[], datetime]) -> MakeMember:
    """``tests.builders.add_member`` in its own transaction, joined now."""

    async def make(
        name: str,
        interests: Sequence[str] = (),
        *,
        status: MemberStatus = MemberStatus.ACTIVE,
        in_guild: bool = True,
    ) -> Member:
        async with db.transaction() as session:
            return await add_member(
                session, name, clock(), status=status, interests=interests, in_guild=in_guild
            )

    return make
