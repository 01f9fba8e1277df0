"""Every capability's part of /mydata, in one list (``bot.services.mydata`` explains a
contributor). A new capability adds its contributor here; this is the only module that
imports them all, so none of them depends on another through /mydata.
"""

from __future__ import annotations

from typing import Any

from bot.services import (
    consults,
    events,
    learnings,
    notifications,
    onboarding,
    outcomes,
    partnerships,
    reminders,
    rotation,
)
from bot.services.mydata import Contributor, Erased, Person, PostCleanup

ERASED_REVIEW = (
    "This application's details were erased at the applicant's request (`/mydata delete`)."
)


async def _onboarding_erase(person: Person) -> Erased:
    """Onboarding's erasure, and the posts about the person: review posts keep only a
    note, introduction cards are deleted."""
    posts = await onboarding.public_posts(person.session, person.member)
    await onboarding.erase_personal_data(person.session, person.member, person.now)
    return Erased(
        posts=[PostCleanup("coordinators", m, ERASED_REVIEW) for m in posts.reviews]
        + [PostCleanup("welcome", m) for m in posts.introductions]
    )


async def _onboarding_export(person: Person) -> Any:
    return await onboarding.personal_data(person.session, person.member)


def contributors() -> tuple[Contributor, ...]:
    """In erasure order: learnings first (their posts are withdrawn), the profile last."""
    return (
        learnings.MYDATA,
        consults.MYDATA,
        outcomes.MYDATA,
        partnerships.MYDATA,
        rotation.MYDATA,
        events.MYDATA,
        reminders.MYDATA,
        notifications.MYDATA,
        Contributor("onboarding", export=_onboarding_export, erase=_onboarding_erase),
    )
