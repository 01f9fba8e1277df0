"""Property: whatever the community looks like, the report shows no private or group
text and no category with fewer than ``min_group`` people."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from bot.config import AppConfig
from bot.crypto import Keyring
from bot.db import Database
from bot.models import Learning, Member, SharingLevel
from bot.services import report
from bot.services.learnings.store import add_learning
from bot.services.learnings.text import Draft, validate
from tests.builders import add_member

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
KEYRING = Keyring.generate()
TOKEN = st.text(alphabet="bcdfghjkmnpqrstvwxz", min_size=6, max_size=6)
EXAMPLES = int(os.environ.get("COP_REPORT_EXAMPLES", "12"))

person = st.fixed_dictionaries(
    {
        "locality": st.sampled_from(["Rockhampton", "Gladstone", "Emerald"]) | TOKEN,
        "learnings": st.lists(
            st.tuples(
                st.sampled_from(list(SharingLevel)),
                st.sampled_from(["trust", "funding", "governance"]) | TOKEN,
                TOKEN,
            ),
            max_size=3,
        ),
    }
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=st.lists(person, min_size=1, max_size=9), min_group=st.integers(2, 4))
async def test_report_never_shows_private_text_or_a_small_group(
    db: Database, config: AppConfig, people: list[dict[str, object]], min_group: int
) -> None:
    async with db.transaction() as session:  # a fresh community for each example
        await session.execute(delete(Learning))
        await session.execute(delete(Member))
    localities: dict[str, set[int]] = {}
    theme_authors: dict[str, set[int]] = {}
    secrets: list[str] = []
    async with db.transaction() as session:
        for n, who in enumerate(people):
            member = await add_member(
                session,
                f"Member {n}",
                NOW - timedelta(days=30),
                locality=str(who["locality"]),
            )
            localities.setdefault(member.locality, set()).add(member.id)
            for level, tag, secret in who["learnings"]:  # type: ignore[attr-defined]
                text = validate(
                    Draft(title=f"T{secret}", happened="h", learned=f"L{secret}", tags=tag)
                )
                await add_learning(
                    session, KEYRING, member, text, NOW - timedelta(days=3), sharing=level
                )
                if level in (SharingLevel.DIGEST_ANONYMOUS, SharingLevel.DIGEST_NAMED):
                    theme_authors.setdefault(tag, set()).add(member.id)
                secrets.append(secret)
    settings_ = config.model_copy(
        update={"report": config.report.model_copy(update={"min_group": min_group})}
    )
    async with db.transaction() as session:
        data, rendered = await report.make_report(
            session, KEYRING, settings_, NOW.date() - timedelta(days=60), NOW.date(), NOW
        )
    html = rendered.html.decode()
    for secret in secrets:  # no learning text, at any level
        assert f"T{secret}" not in html
        assert f"L{secret}" not in html
    for label, count in data.localities.counts:
        assert count >= min_group  # one locality per person: a count is a number of people
        if label != "Other":
            assert len(localities[label]) >= min_group
    for label, ids in localities.items():
        if len(ids) < min_group:
            assert label not in html
    for label, _ in data.themes.counts:
        if label != "Other":
            assert len(theme_authors[label]) >= min_group
    for label, ids in theme_authors.items():
        if len(ids) < min_group:
            assert label not in html
    for name in (f"Member {n}" for n in range(len(people))):
        assert name not in html
