"""The /join answers and the four membership checks, with no database or Discord."""

from __future__ import annotations

import pytest

from bot.config import AppConfig
from bot.errors import InvalidInput
from bot.services.onboarding.forms import (
    ELSEWHERE,
    NO_COURSE,
    OTHER_COURSE,
    Answers,
    Incomplete,
    Outcome,
    complete,
    parse_interests,
    parse_training_year,
    resolve_locality,
    text_problems,
)
from tests.onboarding.helpers import good_answers

YEAR = 2026


def outcomes(answers: Answers, config: AppConfig) -> list[Outcome]:
    return [c.outcome for c in complete(answers, config, YEAR).checks]


def test_checks_all_met_for_a_complete_application(config: AppConfig) -> None:
    done = complete(good_answers(config), config, YEAR)
    assert [c.rule for c in done.checks] == [1, 2, 3, 4]
    assert all(c.met for c in done.checks)
    assert done.all_met
    assert done.interests == ["co-design", "rural health", "first nations partnerships"]
    assert done.training_year == 2023


def test_checks_no_training_is_unmet_and_lists_the_courses_that_count(config: AppConfig) -> None:
    done = complete(good_answers(config, course=NO_COURSE), config, YEAR)
    training = done.checks[0]
    assert training.outcome is Outcome.UNMET
    for course in config.onboarding.courses:
        assert course in training.remedy
    assert not done.all_met


def test_checks_other_training_goes_to_review_with_its_note(config: AppConfig) -> None:
    answers = good_answers(config, course=OTHER_COURSE, course_note="TPI Brokering Course")
    training = complete(answers, config, YEAR).checks[0]
    assert training.outcome is Outcome.REVIEW
    assert "TPI Brokering Course" in training.detail


def test_checks_unknown_locality_goes_to_elsewhere_with_a_note(config: AppConfig) -> None:
    answers = good_answers(config, locality=ELSEWHERE, locality_note="  Theodore ")
    done = complete(answers, config, YEAR)
    assert (done.locality, done.locality_note) == (ELSEWHERE, "Theodore")
    assert done.checks[1].outcome is Outcome.REVIEW
    assert "Theodore" in done.checks[1].detail


def test_checks_elsewhere_naming_a_listed_locality_counts_as_it(config: AppConfig) -> None:
    answers = good_answers(config, locality=ELSEWHERE, locality_note="gladstone")
    done = complete(answers, config, YEAR)
    assert done.locality == "Gladstone"
    assert done.checks[1].met


def test_resolve_locality_never_drops_an_unknown_value(config: AppConfig) -> None:
    assert resolve_locality("Atlantis", "", config) == (ELSEWHERE, "Atlantis")


def test_checks_without_agreements_are_unmet_with_remedies(config: AppConfig) -> None:
    answers = good_answers(config, agreed_facilitation=False, agreed_pledge=False)
    checks = complete(answers, config, YEAR).checks
    assert [c.outcome for c in checks[2:]] == [Outcome.UNMET, Outcome.UNMET]
    assert "facilitat" in checks[2].remedy
    assert f"version {config.onboarding.pledge_version}" in checks[3].remedy


def test_checks_agreement_to_an_old_pledge_version_does_not_count(config: AppConfig) -> None:
    answers = good_answers(config, pledge_version="0")
    assert outcomes(answers, config)[3] is Outcome.UNMET


def test_complete_lists_every_missing_part_at_once(config: AppConfig) -> None:
    answers = Answers(name="  ", organisation="Org", job_role="", interests="x")
    with pytest.raises(Incomplete) as caught:
        complete(answers, config, YEAR)
    problems = caught.value.problems
    assert any("Name" in p for p in problems)
    assert any("Role" in p for p in problems)
    assert any("where you work" in p for p in problems)
    assert any("partnering training" in p for p in problems)


def test_complete_elsewhere_without_a_note_asks_for_one(config: AppConfig) -> None:
    with pytest.raises(Incomplete) as caught:
        complete(good_answers(config, locality=ELSEWHERE), config, YEAR)
    assert caught.value.problems == ["**Where you work** is empty; fill it in."]


def test_text_problems_overlong_fields_say_the_limit(config: AppConfig) -> None:
    problems = text_problems(good_answers(config, organisation="x" * 250), YEAR)
    assert problems == ["**Organisation** is 250 characters long; shorten it to 200 or fewer."]


def test_parse_interests_normalises_and_dedupes() -> None:
    assert parse_interests("Co-Design; #Health\nco-design ,  rural   health") == [
        "co-design",
        "health",
        "rural health",
    ]


@pytest.mark.parametrize("text", ["", " , ; ", "x" * 41, ",".join(f"t{i}" for i in range(13))])
def test_parse_interests_refuses_empty_long_or_too_many(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_interests(text)


@pytest.mark.parametrize("text", ["20233", "1975", "2027", "twenty"])
def test_parse_training_year_refuses_impossible_years(text: str) -> None:
    with pytest.raises(InvalidInput, match="isn't a training year"):
        parse_training_year(text, YEAR)


def test_parse_training_year_empty_is_none() -> None:
    assert parse_training_year(" ", YEAR) is None


def test_answers_round_trip_through_a_draft(config: AppConfig) -> None:
    answers = good_answers(config)
    assert Answers.from_json(answers.to_json()) == answers
    assert Answers.from_json({"name": "x" * 5000, "bogus": 1}).name == "x" * 1000
