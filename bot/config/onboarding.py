"""[onboarding]: joining, review, the pledge and renewals."""

from __future__ import annotations

from pydantic import (
    field_validator,
)

from bot.config.base import (
    NonEmpty,
    Section,
)

DEFAULT_LOCALITIES = (
    "Rockhampton",
    "Yeppoon",
    "Gladstone",
    "Mackay",
    "Emerald",
    "Biloela",
    "Moranbah",
    "Longreach",
    "Bundaberg",
    "Blackwater",
    "Mount Morgan",
    "Sarina",
    "Clermont",
    "Barcaldine",
    "Moura",
    "Agnes Water",
    "Woorabinda",
    "Winton",
)
DEFAULT_COURSES = (
    "Partnering Essentials",
    "Partnering Above and Below the Line",
    "Partnership Brokers accreditation Level 1",
    "Partnership Brokers accreditation Level 2",
)
DEFAULT_PLEDGE = (
    "I will keep what is said in our meetings confidential, under the Chatham House rule: "
    "I may use what I hear, but I will not reveal who said it or which organisation they are "
    "from. I am willing to share my own learnings with the group."
)
DEFAULT_FACILITATION = (
    "Members take turns facilitating our meetings, shared fairly among everyone. Your first "
    "turn is paired with an experienced co-facilitator."
)
MAX_LOCALITIES = 24
"""A select menu holds 25 options; one is kept for "Elsewhere"."""
MAX_COURSES = 23
"""A select menu holds 25 options; two are kept for "Other training" and "None yet"."""


def _option_list(value: tuple[str, ...], what: str, limit: int) -> tuple[str, ...]:
    cleaned = tuple(" ".join(v.split()) for v in value)
    if not cleaned:
        raise ValueError(f"list at least one {what}")
    if len(cleaned) > limit:
        raise ValueError(f"list at most {limit} {what}s (a Discord menu holds 25 options)")
    for item in cleaned:
        if len(item) > 100:
            raise ValueError(f"`{item[:40]}...` is longer than 100 characters; shorten it")
    seen: set[str] = set()
    for item in cleaned:
        if item.casefold() in seen:
            raise ValueError(f"`{item}` is listed twice; list each {what} once")
        seen.add(item.casefold())
    return cleaned


class OnboardingConfig(Section):
    region: NonEmpty = "Central Queensland"
    """The region's name, as applicants read it ("Do you work in Central Queensland?")."""
    localities: tuple[NonEmpty, ...] = DEFAULT_LOCALITIES
    """Where members may work; anything else goes to "elsewhere" with a note."""
    courses: tuple[NonEmpty, ...] = DEFAULT_COURSES
    """The partnering trainings that meet rule 1."""
    pledge_text: NonEmpty = DEFAULT_PLEDGE
    pledge_version: NonEmpty = "1"
    """Change it when the pledge text changes: members are asked to agree again."""
    facilitation_text: NonEmpty = DEFAULT_FACILITATION
    auto_approve: bool = False
    """Approve without a coordinator when every rule is met."""
    renewal_days: int = 365
    renewal_grace_days: int = 30
    sweep_interval_minutes: int = 30
    meet_first_count: int = 3

    @field_validator("localities")
    @classmethod
    def _localities(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _option_list(value, "locality", MAX_LOCALITIES)

    @field_validator("courses")
    @classmethod
    def _courses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _option_list(value, "course", MAX_COURSES)

    @field_validator("pledge_text", "facilitation_text")
    @classmethod
    def _fits_a_field(cls, value: str) -> str:
        if len(value) > 1000:
            raise ValueError(f"is {len(value)} characters long; keep it to 1000 or fewer")
        return value.strip()

    @field_validator("pledge_version")
    @classmethod
    def _short_version(cls, value: str) -> str:
        if len(value) > 50:
            raise ValueError("keep the version short, like `2` or `2026-03`")
        return value.strip()

    @field_validator("renewal_days", "renewal_grace_days")
    @classmethod
    def _whole_days(cls, value: int) -> int:
        if value < 1:
            raise ValueError(f"must be at least 1 day, got `{value}`")
        return value

    @field_validator("sweep_interval_minutes")
    @classmethod
    def _sweep_interval(cls, value: int) -> int:
        if not 1 <= value <= 1440:
            raise ValueError(f"must be between 1 and 1440 minutes, got `{value}`")
        return value

    @field_validator("meet_first_count")
    @classmethod
    def _meet_first(cls, value: int) -> int:
        if value not in (2, 3):
            raise ValueError(f"must be 2 or 3 (people named to meet first), got `{value}`")
        return value
