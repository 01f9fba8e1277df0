"""Whose a name is, as the matcher keeps it (one id for a name only one member has, a set
for a name several share): a named author's own name is not flagged, a name they share
with someone else still is, and a mention is flagged whoever wrote it."""

from __future__ import annotations

from bot.services.learnings.flags import NameMatcher

MEMBERS = [
    (1, "Ana Alvarez", "Rocky Council"),
    (2, "Ben Brooks", "Rocky Council"),
    (3, "Ben Brooks", ""),
    (4, "Kim Lee", "CQ Health"),
]


def test_name_owners_leave_out_only_what_is_the_authors_alone() -> None:
    matcher = NameMatcher(MEMBERS)
    text = ["Ana Alvarez and Ben Brooks met at Rocky Council; CQ Health joined."]
    everyone = {"Ana Alvarez", "Ana", "Alvarez", "Ben Brooks", "Ben", "Brooks"}
    everyone |= {"Rocky Council", "CQ Health"}
    assert set(matcher.find(text)) == everyone
    assert set(matcher.find(text, exclude=1)) == everyone - {"Ana Alvarez", "Ana", "Alvarez"}
    assert set(matcher.find(text, exclude=4)) == everyone - {"CQ Health"}
    # Ben Brooks is two members' name, and Rocky Council two members' organisation.
    assert set(matcher.find(text, exclude=2)) == everyone
    assert set(matcher.find(text, exclude=3)) == everyone


def test_name_owners_a_mention_is_flagged_whoever_wrote_it() -> None:
    matcher = NameMatcher(MEMBERS)
    assert matcher.find(["ask <@123>"], exclude=1) == ["<@123>"]
    assert matcher.find(["Kim said so"], exclude=4) == []
    assert matcher.find(["Kim said so"], exclude=1) == ["Kim"]


def test_name_owners_found_in_the_order_the_text_says_them() -> None:
    # The matcher finds names through sets, whose order changes from run to run with
    # Python's string hashing; a review note must read the same in every run.
    people = ["Zoe", "Yan", "Xia", "Wes", "Vic", "Uma", "Tom", "Sam"]
    matcher = NameMatcher((i, f"{name} Quinn{i}", "") for i, name in enumerate(people, 1))
    said = ", ".join(reversed(people)) + " and <@42>, then Zoe again"
    assert matcher.find([said]) == [*reversed(people), "<@42>"]
