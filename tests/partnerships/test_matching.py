"""Who fits whom, and a round's pairs: pure functions, no database."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

from bot.services.partnerships import Profile, fit, pair_round, rank
from bot.services.partnerships.matching import pair_key


def person(i: int, **kw: object) -> Profile:
    return Profile(member_id=i, name=kw.pop("name", f"P{i}"), **kw)  # type: ignore[arg-type]


def test_needs_meet_offers_both_ways_and_say_why() -> None:
    me = person(1, name="Ana", interests=("rural health",), needs=("grant writing",))
    sam = person(2, name="Sam", interests=("rural health",), offers=("grant writing",))
    kim = person(3, name="Kim", interests=("rural health", "youth"))
    fits = rank(me, [kim, sam])
    assert [f.other.name for f in fits] == ["Sam", "Kim"]
    assert fits[0].they_offer == ("grant writing",)
    assert fits[0].reason(me) == (
        "You both work on rural health; Sam offers grant writing, which you are looking for."
    )
    # My offers that meet their needs count too.
    lee = person(4, name="Lee", needs=("facilitation",))
    assert fit(person(5, offers=("facilitation",)), lee).i_offer == ("facilitation",)


def test_rank_ties_go_by_id_and_avoid_the_last_suggestion() -> None:
    me = person(1, interests=("trust",))
    a, b = person(2, interests=("trust",)), person(3, interests=("trust",))
    assert [f.other.member_id for f in rank(me, [b, a])] == [2, 3]
    assert [f.other.member_id for f in rank(me, [b, a], avoid=2)] == [3, 2]
    assert [f.other.member_id for f in rank(me, [a], avoid=2)] == [2]  # nobody else fits
    assert rank(me, [person(9, interests=("cricket",))]) == []


def test_a_round_pairs_everyone_with_a_trio_when_odd() -> None:
    people = [person(i) for i in range(1, 8)]
    pairing = pair_round(people, set())
    sizes = sorted(len(g) for g in pairing.groups)
    assert sizes == [2, 2, 3]
    assert sorted(m for g in pairing.groups for m in g) == list(range(1, 8))
    assert pair_round(people[:1], set()).groups == []


def test_a_round_prefers_pairs_across_towns_when_asked() -> None:
    people = [
        person(1, locality="Rockhampton"),
        person(2, locality="Rockhampton"),
        person(3, locality="Emerald"),
        person(4, locality="Emerald"),
    ]
    for group in pair_round(people, set(), cross_town=True).groups:
        assert len({people[m - 1].locality for m in group}) == 2
    # Without the setting, fit decides: same-town pairs are fine.
    fits = [
        person(1, locality="Rockhampton", interests=("trust",)),
        person(2, locality="Rockhampton", interests=("trust",)),
        person(3, locality="Emerald", interests=("youth",)),
        person(4, locality="Emerald", interests=("youth",)),
    ]
    assert sorted(pair_round(fits, set()).groups) == [(1, 2), (3, 4)]


def most_new_pairs(people: list[int], met: set[tuple[int, int]]) -> int:
    """By brute force: the most disjoint pairs of people who have not met."""
    best = 0

    def walk(left: list[int], count: int) -> None:
        nonlocal best
        best = max(best, count)
        if len(left) < 2 or count + len(left) // 2 <= best:
            return
        first, rest = left[0], left[1:]
        for other in rest:
            if pair_key(first, other) not in met:
                walk([x for x in rest if x != other], count + 1)
        walk(rest, count)

    walk(sorted(people), 0)
    return best


def test_no_repeat_pairs_over_ten_rounds_with_joins_and_leaves() -> None:
    rng = random.Random(7)
    active = set(range(1, 9))
    next_id = 9
    met: set[tuple[int, int]] = set()
    for round_no in range(10):
        if round_no in (2, 4, 6):  # someone joins
            active.add(next_id)
            next_id += 1
        if round_no in (5, 8):  # someone leaves
            active.discard(rng.choice(sorted(active)))
        people = [person(i, interests=(rng.choice(["trust", "youth", "health"]),)) for i in active]
        pairing = pair_round(people, met)
        pairs = [g[:2] for g in pairing.groups]
        fresh = sum(1 for a, b in pairs if pair_key(a, b) not in met)
        # As many new pairs as the group allows: a repeat only when nothing new is left.
        assert fresh == most_new_pairs(sorted(active), met), round_no
        for group in pairing.groups:
            if len(group) == 3:
                odd, a, b = group[2], group[0], group[1]
                fresh_options = [g for g in pairs if all(pair_key(odd, m) not in met for m in g)]
                if fresh_options:
                    assert pair_key(odd, a) not in met
                    assert pair_key(odd, b) not in met
        new = {pair_key(a, b) for g in pairing.groups for a, b in itertools.combinations(g, 2)}
        met |= new
    assert len(met) > 30  # ten rounds really paired people


def test_a_bad_schedule_is_one_line_naming_the_key(tmp_path: Path) -> None:
    from bot.config import parse_config
    from bot.services.partnerships import config_problems
    from tests.conftest import make_config_data

    data = make_config_data(tmp_path, connections={"schedule": "whenever we like"})
    assert config_problems(parse_config(data)) == [
        "connections.schedule: `whenever we like` isn't a schedule; write one like "
        "`every 4 weeks on Monday at 9:00`"
    ]
    good = make_config_data(tmp_path, connections={"schedule": "every 4 weeks on Monday at 9"})
    assert config_problems(parse_config(good)) == []
