"""The impact report: its numbers, its privacy, its page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import AppConfig
from bot.crypto import Keyring
from bot.db import Database
from bot.errors import InvalidInput
from bot.services import report
from bot.services.report.data import OTHER, group_small
from tests.report.seed import (
    DIGEST_SECRET,
    END,
    GROUP_SECRET,
    NOW,
    PRIVATE_SECRET,
    START,
    seed,
)


def test_group_small_merges_small_groups_into_other() -> None:
    people = {"A": {1, 2, 3, 4}, "B": {5, 6, 7}, "C": {8}, "D": {9}, "E": {10}}
    grouped = group_small(people, 3)
    assert grouped.counts == [("A", 4), ("B", 3), (OTHER, 3)]
    assert grouped.merged == 3
    assert not grouped.hidden
    # With only two people in the small groups, the smallest named group joins them.
    grouped = group_small({"A": {1, 2, 3, 4}, "B": {5, 6, 7}, "C": {8}, "D": {9}}, 3)
    assert grouped.counts == [("A", 4), (OTHER, 5)]


def test_group_small_folds_a_named_group_in_when_other_is_too_small() -> None:
    grouped = group_small({"A": {1, 2, 3, 4}, "B": {5, 6, 7}, "C": {8}}, 3)
    labels = dict(grouped.counts)
    assert "C" not in labels
    assert labels[OTHER] >= 3
    assert sum(labels.values()) == 8


def test_group_small_hides_everything_under_min_group() -> None:
    grouped = group_small({"A": {1}, "B": {2}}, 3)
    assert grouped.hidden
    assert grouped.counts == []


@settings(max_examples=300, deadline=None)
@given(
    people=st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.sets(st.integers(min_value=0, max_value=40), min_size=1, max_size=12),
        max_size=12,
    ),
    min_group=st.integers(min_value=2, max_value=6),
)
def test_group_small_never_shows_a_group_under_min_group(
    people: dict[str, set[int]], min_group: int
) -> None:
    grouped = group_small(people, min_group)
    shown = {label for label, _ in grouped.counts}
    for label in shown:
        if label == OTHER:
            merged = set().union(
                *(v for k, v in people.items() if (k or OTHER) not in shown or k == OTHER)
            )
            assert len(merged) >= min_group
        else:
            assert len(people[label]) >= min_group
    everyone = set().union(*people.values()) if people else set()
    if 0 < len(everyone) < min_group:
        assert grouped.hidden


async def test_report_counts_the_community_and_keeps_its_confidences(
    db: Database, config: AppConfig, keyring: Keyring
) -> None:
    seeded = await seed(db, keyring)
    async with db.transaction() as session:
        data, rendered = await report.make_report(session, keyring, config, START, END, NOW)
    assert data.active_members == 9
    assert sum(data.joined) == 11  # the one who left and the one who lapsed joined too
    assert sum(data.left) == 1
    assert sum(data.lapsed) == 1
    assert sum(data.meetings_held) == 10
    assert data.attendance is not None
    assert sum(data.attendance) == sum(3 + i % 3 for i in range(10))
    between = dict(data.extras["Between meetings: consults and connections"])
    assert between["Connection-round pairs"] == 2
    assert between["Consults asked"] == 0
    assert data.turns_per_member is not None
    assert sorted(data.turns_per_member, reverse=True)[:4] == [3, 3, 2, 2]
    assert len(data.turns_per_member) == 9  # everyone in the rotation, turns or not
    assert sum(data.learnings_recorded) == 36
    assert sum(data.learnings_shared) == 27
    localities = dict(data.localities.counts)
    assert seeded.lonely_locality not in localities
    assert localities == {"Rockhampton": 6, OTHER: 3}
    assert seeded.lonely_course not in dict(data.trainings.counts)
    themes = dict(data.themes.counts)
    assert themes == {"trust": 18, "funding": 9}
    html = rendered.html.decode()
    for secret in (PRIVATE_SECRET, GROUP_SECRET, DIGEST_SECRET, "private theme", "group theme"):
        assert secret not in html
    for person in ("Person 1", "Gone Person", "Lapsed Person", "Org 0"):
        assert person not in html  # Person 1 declined to be named
    assert "Youth hub grant" in html
    assert "Person 0" in html  # named in outcomes they recorded and agreed to
    assert "Unshareable quiet outcome" not in html
    assert rendered.charts >= 7
    assert rendered.headline_png.startswith(b"\x89PNG")
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)  # self-contained


async def test_report_of_an_empty_period_says_so(
    db: Database, config: AppConfig, keyring: Keyring
) -> None:
    async with db.transaction() as session:
        data, rendered = await report.make_report(
            session, keyring, config, date(2026, 1, 1), date(2026, 1, 31), NOW
        )
    assert data.empty
    html = rendered.html.decode()
    assert 'id="no-data"' in html
    assert "No meetings were held in this period." in html
    assert rendered.charts == 0
    assert rendered.headline_png.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (date(2026, 5, 1), date(2026, 4, 1), "before it starts"),
        (date(2027, 5, 1), date(2027, 6, 1), "in the future"),
        (date(1990, 1, 1), date(2026, 1, 1), "at most"),
    ],
)
async def test_report_refuses_a_bad_range_with_one_sentence(
    db: Database, config: AppConfig, keyring: Keyring, start: date, end: date, words: str
) -> None:
    async with db.transaction() as session:
        with pytest.raises(InvalidInput, match=words):
            await report.make_report(session, keyring, config, start, end, NOW)


async def test_report_is_recorded_with_its_digest(
    db: Database, config: AppConfig, keyring: Keyring
) -> None:
    async with db.transaction() as session:
        data, rendered = await report.make_report(session, keyring, config, START, END, NOW)
        record = await report.record_report(
            session, keyring, by=None, via="test", period=data.period, rendered=rendered, now=NOW
        )
    assert record.sha256 == rendered.sha256
    assert record.format == report.REPORT_FORMAT
