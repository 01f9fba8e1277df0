"""Onboarding: membership checks, coordinator review, the day-one welcome, profiles,
connections and renewal. Plain async functions over an ``AsyncSession``.

Other capabilities use:
- ``personal_data(session, member)`` / ``erase_personal_data(session, member, now)`` and
  ``public_posts`` for /mydata;
- ``member_by_user(session, user_id)`` for the person record.
"""

from bot.services.members import member_by_user
from bot.services.onboarding.forms import (
    ELSEWHERE,
    NO_COURSE,
    OTHER_COURSE,
    Answers,
    Check,
    Outcome,
    parse_interests,
    run_checks,
)
from bot.services.onboarding.lifecycle import (
    Decision,
    MemberRecord,
    Verdict,
    decide,
    member_record,
    pending_applications,
    record_departure,
    submit_application,
)
from bot.services.onboarding.matching import (
    Match,
    choose_next,
    meet_first,
    overlap,
    suggest_connection,
)
from bot.services.onboarding.personal import erase_personal_data, personal_data, public_posts
from bot.services.onboarding.renewals import (
    answer_renewal,
    lapse_overdue,
    mark_notified,
    open_due_renewals,
)

__all__ = [
    "ELSEWHERE",
    "NO_COURSE",
    "OTHER_COURSE",
    "Answers",
    "Check",
    "Decision",
    "Match",
    "MemberRecord",
    "Outcome",
    "Verdict",
    "answer_renewal",
    "choose_next",
    "decide",
    "erase_personal_data",
    "lapse_overdue",
    "mark_notified",
    "meet_first",
    "member_by_user",
    "member_record",
    "open_due_renewals",
    "overlap",
    "parse_interests",
    "pending_applications",
    "personal_data",
    "public_posts",
    "record_departure",
    "run_checks",
    "submit_application",
    "suggest_connection",
]
