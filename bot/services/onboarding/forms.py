"""The /join form's answers and the four membership checks. Pure: no database, no Discord.

The answers live in a draft while the person fills the form in, so a mistake never
means retyping everything; ``run_checks`` turns complete answers into one result per
membership rule, each saying what would meet it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from bot.config import AppConfig
from bot.errors import InvalidInput
from bot.tags import normalise_tag

ELSEWHERE = "elsewhere"
"""The locality choice for anywhere not on the configured list; it takes a note."""
OTHER_COURSE = "other"
"""The course choice for training not on the configured list; it takes a note."""
NO_COURSE = "none"
"""The course choice for "no partnering training yet"."""

NAME_MAX = 100
ORGANISATION_MAX = 200
ROLE_MAX = 200
INTERESTS_MAX = 400
NOTE_MAX = 200
MAX_TAGS = 12
TAG_MAX = 40
DRAFT_TEXT_MAX = 1000
"""What a draft keeps of any one typed field (more than any limit, so people see what
was too long, but never an unbounded blob)."""
EARLIEST_TRAINING_YEAR = 1980

_TAG_SPLIT = re.compile(r"[,;\n]+")


class Incomplete(InvalidInput):
    """The form can't be sent yet; ``problems`` holds one sentence per thing to fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "Your application isn't complete yet:\n" + "\n".join(f"• {p}" for p in problems)
        )
        self.problems = problems


@dataclass
class Answers:
    """Everything the /join form collects. Text is kept as typed until it is checked."""

    name: str = ""
    organisation: str = ""
    job_role: str = ""
    interests: str = ""
    training_year: str = ""
    locality: str = ""
    """A configured locality, ``ELSEWHERE``, or "" (not chosen yet)."""
    locality_note: str = ""
    course: str = ""
    """A configured course, ``OTHER_COURSE``, ``NO_COURSE``, or "" (not chosen yet)."""
    course_note: str = ""
    agreed_facilitation: bool = False
    agreed_pledge: bool = False
    pledge_version: str = ""
    """The pledge version shown when they agreed."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Answers:
        data = data or {}
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, spec in known.items():
            if name not in data:
                continue
            raw = data[name]
            values[name] = bool(raw) if spec.type == "bool" else str(raw)[:DRAFT_TEXT_MAX]
        return cls(**values)

    @property
    def has_text(self) -> bool:
        """True once the typed part of the form (the modal) has been filled in."""
        return bool(self.name.strip() or self.organisation.strip() or self.interests.strip())


def clean(text: str) -> str:
    """Collapse runs of whitespace (people paste from documents)."""
    return " ".join(text.split())


def parse_interests(text: str) -> list[str]:
    """Free interest tags, separated by commas, semicolons or new lines; lower-cased and
    without duplicates, in the order given."""
    tags: list[str] = []
    for part in _TAG_SPLIT.split(text):
        tag = normalise_tag(part)
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise InvalidInput(
                f"The interest `{tag[:TAG_MAX]}...` is longer than {TAG_MAX} characters. "
                "Use short tags separated by commas, like `co-design, health, first nations`."
            )
        if tag not in tags:
            tags.append(tag)
    if not tags:
        raise InvalidInput(
            "List at least one partnering interest, separated by commas, like "
            "`co-design, health, first nations`."
        )
    if len(tags) > MAX_TAGS:
        raise InvalidInput(
            f"You listed {len(tags)} interests; keep it to {MAX_TAGS} or fewer, the ones "
            "you care about most."
        )
    return tags


def parse_training_year(text: str, this_year: int) -> int | None:
    cleaned = text.strip()
    if not cleaned:
        return None
    if not re.fullmatch(r"\d{4}", cleaned) or not (
        EARLIEST_TRAINING_YEAR <= int(cleaned) <= this_year
    ):
        raise InvalidInput(
            f"`{cleaned[:20]}` isn't a training year. Use four digits between "
            f"{EARLIEST_TRAINING_YEAR} and {this_year}, like `{this_year - 1}`, or leave it empty."
        )
    return int(cleaned)


def _length_problem(label: str, value: str, limit: int, *, required: bool = True) -> str | None:
    if required and not value:
        return f"**{label}** is empty; fill it in."
    if len(value) > limit:
        return f"**{label}** is {len(value)} characters long; shorten it to {limit} or fewer."
    return None


def text_problems(answers: Answers, this_year: int) -> list[str]:
    """Every problem with the typed fields, one sentence each (empty if all is well)."""
    problems = [
        p
        for p in (
            _length_problem("Name", clean(answers.name), NAME_MAX),
            _length_problem("Organisation", clean(answers.organisation), ORGANISATION_MAX),
            _length_problem("Role", clean(answers.job_role), ROLE_MAX),
            _length_problem("Interests", answers.interests.strip(), INTERESTS_MAX),
        )
        if p is not None
    ]
    if answers.interests.strip() and len(answers.interests.strip()) <= INTERESTS_MAX:
        try:
            parse_interests(answers.interests)
        except InvalidInput as exc:
            problems.append(exc.message)
    try:
        parse_training_year(answers.training_year, this_year)
    except InvalidInput as exc:
        problems.append(exc.message)
    return problems


def note_problems(answers: Answers) -> list[str]:
    problems = []
    if answers.locality == ELSEWHERE:
        problem = _length_problem("Where you work", clean(answers.locality_note), NOTE_MAX)
        if problem:
            problems.append(problem)
    if answers.course == OTHER_COURSE:
        problem = _length_problem("Your training", clean(answers.course_note), NOTE_MAX)
        if problem:
            problems.append(problem)
    return problems


def match_option(text: str, options: tuple[str, ...]) -> str | None:
    """The configured option that ``text`` names (ignoring case and spacing), if any."""
    wanted = clean(text).casefold()
    for option in options:
        if option.casefold() == wanted:
            return option
    return None


def resolve_locality(choice: str, note: str, config: AppConfig) -> tuple[str, str]:
    """(locality, note): a configured locality, or ``ELSEWHERE`` with the note.

    A note that names a configured locality ("rockhampton") counts as that locality.
    Anything else unknown goes to ``ELSEWHERE`` with a note; it is never dropped.
    """
    localities = config.onboarding.localities
    known = match_option(choice, localities)
    if known is not None:
        return known, ""
    named = match_option(note, localities)
    if named is not None:
        return named, ""
    note = clean(note)
    if choice and choice != ELSEWHERE and not note:
        note = clean(choice)
    return ELSEWHERE, note


def resolve_course(choice: str, note: str, config: AppConfig) -> tuple[str, str]:
    """(course, note): a configured course, ``NO_COURSE``, or ``OTHER_COURSE`` with a note."""
    courses = config.onboarding.courses
    known = match_option(choice, courses)
    if known is not None:
        return known, ""
    if choice == NO_COURSE:
        return NO_COURSE, ""
    named = match_option(note, courses)
    if named is not None:
        return named, ""
    note = clean(note)
    if choice and choice != OTHER_COURSE and not note:
        note = clean(choice)
    return OTHER_COURSE, note


# --- the four membership checks ---------------------------------------------------


class Outcome(StrEnum):
    MET = "met"
    UNMET = "unmet"
    REVIEW = "review"
    """Not on the configured lists: a coordinator decides."""


@dataclass(frozen=True)
class Check:
    rule: int
    """1-based, as the rules are numbered on the info sheet."""
    outcome: Outcome
    detail: str
    """What the bot found, in a sentence."""
    remedy: str = ""
    """What would meet the rule (empty when it is met)."""

    @property
    def met(self) -> bool:
        return self.outcome is Outcome.MET

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "outcome": self.outcome.value,
            "detail": self.detail,
            "remedy": self.remedy,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Check:
        return cls(
            rule=int(data["rule"]),
            outcome=Outcome(data["outcome"]),
            detail=str(data.get("detail", "")),
            remedy=str(data.get("remedy", "")),
        )


@dataclass(frozen=True)
class Complete:
    """Answers that passed validation, ready to be checked and recorded."""

    name: str
    organisation: str
    job_role: str
    interests: list[str]
    training_year: int | None
    locality: str
    locality_note: str
    course: str
    course_note: str
    agreed_facilitation: bool
    agreed_pledge: bool
    pledge_version: str
    checks: list[Check] = field(default_factory=list)

    @property
    def all_met(self) -> bool:
        return all(c.met for c in self.checks)


def complete(answers: Answers, config: AppConfig, this_year: int) -> Complete:
    """Validate the whole form. Raises ``InvalidInput`` listing everything to fix."""
    problems = text_problems(answers, this_year)
    if not answers.locality:
        problems.append("Choose **where you work** in the first menu.")
    if not answers.course:
        problems.append("Choose **your partnering training** in the second menu.")
    problems += note_problems(answers)
    if problems:
        raise Incomplete(problems)
    locality, locality_note = resolve_locality(answers.locality, answers.locality_note, config)
    course, course_note = resolve_course(answers.course, answers.course_note, config)
    pledge_ok = answers.agreed_pledge and answers.pledge_version == config.onboarding.pledge_version
    done = Complete(
        name=clean(answers.name),
        organisation=clean(answers.organisation),
        job_role=clean(answers.job_role),
        interests=parse_interests(answers.interests),
        training_year=parse_training_year(answers.training_year, this_year),
        locality=locality,
        locality_note=locality_note,
        course=course,
        course_note=course_note,
        agreed_facilitation=answers.agreed_facilitation,
        agreed_pledge=pledge_ok,
        pledge_version=config.onboarding.pledge_version if pledge_ok else "",
    )
    return replace(done, checks=run_checks(done, config))


def _courses_list(config: AppConfig) -> str:
    return ", ".join(f"“{c}”" for c in config.onboarding.courses)


def run_checks(answers: Complete, config: AppConfig) -> list[Check]:
    """One result per membership rule, in the rules' order."""
    onboarding = config.onboarding
    region = onboarding.region

    if answers.course in onboarding.courses:
        year = f" ({answers.training_year})" if answers.training_year else ""
        training = Check(1, Outcome.MET, f"Completed “{answers.course}”{year}.")
    elif answers.course == OTHER_COURSE:
        training = Check(
            1,
            Outcome.REVIEW,
            f"Named other training: “{answers.course_note}”. A coordinator will check it.",
            f"These count straight away: {_courses_list(config)}.",
        )
    else:
        training = Check(
            1,
            Outcome.UNMET,
            "No partnering training yet.",
            f"Complete one of these: {_courses_list(config)}.",
        )

    if answers.locality in onboarding.localities:
        where = Check(2, Outcome.MET, f"Works in {answers.locality}, in {region}.")
    else:
        where = Check(
            2,
            Outcome.REVIEW,
            f"Works in “{answers.locality_note}”, which isn't on the list for {region}. "
            "A coordinator will check it.",
            f"Members work in {region}, for example in {', '.join(onboarding.localities[:6])}.",
        )

    if answers.agreed_facilitation:
        facilitation = Check(3, Outcome.MET, "Agreed to share the facilitation workload.")
    else:
        facilitation = Check(
            3,
            Outcome.UNMET,
            "Has not agreed to share the facilitation workload.",
            "Agree to take your turn facilitating meetings (your first turn is co-facilitated).",
        )

    if answers.agreed_pledge:
        pledge = Check(
            4,
            Outcome.MET,
            f"Agreed to the confidentiality pledge (version {answers.pledge_version}).",
        )
    else:
        pledge = Check(
            4,
            Outcome.UNMET,
            "Has not agreed to the confidentiality pledge.",
            f"Agree to the confidentiality pledge (version {onboarding.pledge_version}), "
            "including sharing your own learnings.",
        )
    return [training, where, facilitation, pledge]


def preview_checks(answers: Answers, config: AppConfig, this_year: int) -> list[Check] | None:
    """The checks as they would come out now, or None while the form is incomplete."""
    try:
        return complete(answers, config, this_year).checks
    except InvalidInput:
        return None
