"""bot.services.forum: keeping the forum's tags from the themes, and naming posts."""

from __future__ import annotations

from bot.services import forum
from bot.services.consults import parse_themes
from bot.services.forum import Tag, plan_tags, tag_ids_for
from bot.tags import normalise_tag


def test_plan_tags_keeps_existing_and_adds_missing_themes() -> None:
    existing = [Tag("Funding", id=1), Tag("announcements", id=2, moderated=True)]
    plan = forum.plan_tags(existing, ["funding", "Co-Design", "trust"])
    assert plan.tags[:2] == existing
    assert [t.name for t in plan.tags[2:]] == ["co-design", "trust"]
    assert plan.added == ["co-design", "trust"]
    assert plan.changed


def test_plan_tags_unchanged_when_every_theme_has_a_tag() -> None:
    plan = forum.plan_tags([Tag("trust", id=5)], ["Trust"])
    assert not plan.changed
    assert plan.tags == [Tag("trust", id=5)]


def test_plan_tags_never_exceeds_twenty() -> None:
    existing = [Tag(f"t{n}", id=n + 1) for n in range(19)]
    plan = forum.plan_tags(existing, ["alpha", "beta", "gamma"])
    assert len(plan.tags) == forum.MAX_FORUM_TAGS
    assert plan.added == ["alpha"]
    assert plan.left_out == ["beta", "gamma"]


def test_tag_name_is_cut_to_twenty() -> None:
    assert forum.tag_name("  A Very Long Theme Name Indeed ") == "a very long theme na"


def test_tag_ids_for_matches_exact_then_related_at_most_five() -> None:
    available = [Tag(f"theme {n}", id=100 + n) for n in range(8)]
    available.append(Tag("rural health", id=7))
    assert forum.tag_ids_for(["Rural Health"], available) == [7]
    assert forum.tag_ids_for(["health equity"], available) == [7]
    assert forum.tag_ids_for(["astrology"], available) == []
    many = [f"theme {n}" for n in range(8)]
    assert forum.tag_ids_for(many, available) == [100, 101, 102, 103, 104]


def test_thread_name_bounded_and_never_empty() -> None:
    assert forum.thread_name("  two\nlines ") == "two lines"
    assert forum.thread_name("") == "A question"
    long = forum.thread_name("word " * 60)
    assert len(long) <= forum.THREAD_NAME_MAX
    assert long.endswith("…")


def test_tags_and_themes_compare_as_learning_tags_do() -> None:
    # One rule for the forum, consults and learnings (bot.tags): case, spacing and a
    # leading # ignored.
    existing = [Tag("Local Government", 7)]
    assert not plan_tags(existing, ["  #local   government "]).changed
    assert tag_ids_for([" #LOCAL government"], existing) == [7]
    assert parse_themes(["#Local  Government"], ["local government"]) == ("local government",)
    assert normalise_tag(" #Local  Government ") == "local government"
