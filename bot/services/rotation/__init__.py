"""The facilitation rotation: who facilitates each meeting, fairly, and the roster post.

One module per concern:

- ``series``: the meetings themselves (the recurring series, one-offs, cancellations,
  finding a meeting by the date typed, the ``.ics`` calendar);
- ``planner``: the fairness rules and :func:`plan` (deterministic);
- ``availability``: unavailable days and standing availability, read as one snapshot;
- ``assignments``: reading and setting turns, and claiming one in the database;
- ``turns``: changes people make (unavailable, assign, volunteer, co-facilitator,
  missed turns, leavers);
- ``swaps``: asking another member to take a turn, and answering;
- ``roster_post``: when the roster posts itself, claimed once per slot;
- ``ledger``: the roster and the shared workload;
- ``personal``: what /mydata shows, and erasure;
- ``reasons``: why a member is unavailable, encrypted with the data key.

Other capabilities use the names exported here.
"""

from bot.services.rotation.assignments import PINNED
from bot.services.rotation.availability import (
    AVAILABILITY_EXAMPLES,
    Availability,
    Blocked,
    StandingRule,
    is_unavailable,
    parse_standing,
    standing_rule,
)
from bot.services.rotation.ledger import (
    LEDGER_ROWS,
    LedgerRow,
    attended_counts,
    has_series,
    ledger,
    nobody_experienced,
    pool_size,
    roster,
)
from bot.services.rotation.personal import MYDATA, erase_personal_data, personal_data
from bot.services.rotation.planner import (
    PlanResult,
    RotationRules,
    Standing,
    TurnMoved,
    ensure_planned,
    plan,
    plan_changes,
    rotation_size,
    standby_for,
    sync_pool,
)
from bot.services.rotation.reasons import key_ids_in_use, open_reason, reencrypt, seal_plain
from bot.services.rotation.roster_post import (
    PostOutcome,
    PostPlan,
    PostSchedule,
    Slot,
    claim_slot,
    deliver_post,
    due_slot,
    finish_post,
    latest_slot,
    prepare_post,
    previous_post,
    record_post,
    release_slot,
)
from bot.services.rotation.series import (
    SeriesChange,
    active_series,
    add_meeting,
    build_calendar,
    cancel_meeting,
    extend_series,
    find_meeting,
    meetings_on,
    next_meeting,
    next_turn_of,
    series_recurrence,
    set_series,
    upcoming_meetings,
)
from bot.services.rotation.swaps import (
    SwapDecision,
    SwapView,
    decide_swap,
    request_swap,
    set_swap_message,
    swap_view,
)
from bot.services.rotation.turns import (
    MAX_REASON,
    MAX_UNAVAILABLE_DAYS,
    UnavailableResult,
    assign,
    clear_unavailable,
    mark_unavailable,
    name_co_facilitator,
    reassign_future_turns,
    record_missed,
    require_in_rotation,
    set_standing_availability,
    volunteer,
)

__all__ = [
    "AVAILABILITY_EXAMPLES",
    "LEDGER_ROWS",
    "MAX_REASON",
    "MAX_UNAVAILABLE_DAYS",
    "MYDATA",
    "PINNED",
    "Availability",
    "Blocked",
    "LedgerRow",
    "PlanResult",
    "PostOutcome",
    "PostPlan",
    "PostSchedule",
    "RotationRules",
    "SeriesChange",
    "Slot",
    "Standing",
    "StandingRule",
    "SwapDecision",
    "SwapView",
    "TurnMoved",
    "UnavailableResult",
    "active_series",
    "add_meeting",
    "assign",
    "attended_counts",
    "build_calendar",
    "cancel_meeting",
    "claim_slot",
    "clear_unavailable",
    "decide_swap",
    "deliver_post",
    "due_slot",
    "ensure_planned",
    "erase_personal_data",
    "extend_series",
    "find_meeting",
    "finish_post",
    "has_series",
    "is_unavailable",
    "key_ids_in_use",
    "latest_slot",
    "ledger",
    "mark_unavailable",
    "meetings_on",
    "name_co_facilitator",
    "next_meeting",
    "next_turn_of",
    "nobody_experienced",
    "open_reason",
    "parse_standing",
    "personal_data",
    "plan",
    "plan_changes",
    "pool_size",
    "prepare_post",
    "previous_post",
    "reassign_future_turns",
    "record_missed",
    "record_post",
    "reencrypt",
    "release_slot",
    "request_swap",
    "require_in_rotation",
    "roster",
    "rotation_size",
    "seal_plain",
    "series_recurrence",
    "set_series",
    "set_standing_availability",
    "set_swap_message",
    "standby_for",
    "standing_rule",
    "swap_view",
    "sync_pool",
    "upcoming_meetings",
    "volunteer",
]
