"""Outcomes of the CoP's work (``/outcome``): the public functions of the capability.

``MYDATA`` is its part of /mydata.
"""

from bot.services.outcomes.keys import key_ids_in_use, reencrypt
from bot.services.outcomes.personal import CONTRIBUTOR as MYDATA
from bot.services.outcomes.store import (
    DESCRIPTION_MAX,
    KIND_LABELS,
    LINK_MAX,
    PEOPLE_MAX,
    TITLE_MAX,
    Added,
    ConsentAnswer,
    OutcomeDraft,
    OutcomeView,
    ReportOutcome,
    add_outcome,
    answer_consent,
    awaiting_answer,
    delete_outcome,
    edit_outcome,
    erase_member,
    export_member,
    list_outcomes,
    open_text,
    outcome_title,
    outcomes_for_report,
    own_outcome,
    parse_kind,
    validate,
)

__all__ = [
    "DESCRIPTION_MAX",
    "KIND_LABELS",
    "LINK_MAX",
    "MYDATA",
    "PEOPLE_MAX",
    "TITLE_MAX",
    "Added",
    "ConsentAnswer",
    "OutcomeDraft",
    "OutcomeView",
    "ReportOutcome",
    "add_outcome",
    "answer_consent",
    "awaiting_answer",
    "delete_outcome",
    "edit_outcome",
    "erase_member",
    "export_member",
    "key_ids_in_use",
    "list_outcomes",
    "open_text",
    "outcome_title",
    "outcomes_for_report",
    "own_outcome",
    "parse_kind",
    "reencrypt",
    "validate",
]
