"""Scheduled reminders that survive restarts: the meeting chain, custom reminders, and
how each one goes out exactly once.

The tables are the source of truth; scheduler jobs only wake the engine up.

- A **reminder occurrence** is one time something is due, with a unique ``key``
  (``r12@1790000000`` for a custom reminder, ``m7@1790000000:group:604800s`` for a meeting
  step), so planning the same thing twice is impossible (``plan``).
- When it comes due it is **dispatched** (``dispatch``): the targets are resolved from the
  current state (meeting cancelled? facilitator changed? already confirmed?) and one
  **delivery** row is written per target, unique on ``(occurrence_id, target)``.
- A delivery is **claimed** (``claims``: ``status='sending'``, committed) *before* anything is
  sent and marked ``sent`` with the message id after. A claim left behind by a crash is never
  blindly resent: the sender (``sender``) first looks for the message (each carries its
  delivery's reference), and a resend carries the same Discord nonce.
- The learning prompt to every member is a bulk send: its deliveries are handed to the one
  outbound path (``bot.services.outbound``), which paces them and respects each member's
  /notifications choices.
- Occurrences found more than the grace window late are **missed**: reported to coordinators,
  never sent. Deliveries that fail are retried with exponential backoff and, once given up,
  reported too. Nothing is dropped silently.

Every function takes the session and ``now``; none commits. The sender reaches Discord only
through the port (``bot.port``).
"""

from bot.services.reminders.claims import (
    Claim,
    ClaimResult,
    EngineCounts,
    claim_ready,
    counts,
    record_failure,
    record_missed,
    record_sent,
    release,
    wake_times,
)
from bot.services.reminders.custom import (
    SNOOZES,
    ReminderInfo,
    add_reminder,
    cancel_reminder,
    clean_text,
    list_reminders,
    snooze,
    snooze_until,
)
from bot.services.reminders.delivery import (
    ConfirmOutcome,
    DeliveryContext,
    ReportLine,
    answer_confirmation,
    delivery_contexts,
    is_confirmed,
)
from bot.services.reminders.dispatch import DispatchResult, dispatch_due, report_problems
from bot.services.reminders.extras import Extras, RolesFinder, ThemesFinder
from bot.services.reminders.meetings import MeetingFacts, meeting_facts
from bot.services.reminders.plan import (
    PlanResult,
    plan_all,
    plan_custom,
    plan_meetings,
    schedule_of,
)
from bot.services.reminders.privacy import MYDATA, erase_personal_data, personal_data
from bot.services.reminders.schedule import Schedule, parse_when
from bot.services.reminders.sender import (
    LEARNING_TEMPLATE,
    Look,
    ReminderSender,
    RunSummary,
)
from bot.services.reminders.settings import (
    EngineSettings,
    StandbyFinder,
    marker,
    nonce,
    parse_target,
)
from bot.services.reminders.text import key_ids_in_use, open_text, reencrypt, seal_plain

__all__ = [
    "LEARNING_TEMPLATE",
    "MYDATA",
    "SNOOZES",
    "Claim",
    "ClaimResult",
    "ConfirmOutcome",
    "DeliveryContext",
    "DispatchResult",
    "EngineCounts",
    "EngineSettings",
    "Extras",
    "Look",
    "MeetingFacts",
    "PlanResult",
    "ReminderInfo",
    "ReminderSender",
    "ReportLine",
    "RolesFinder",
    "RunSummary",
    "Schedule",
    "StandbyFinder",
    "ThemesFinder",
    "add_reminder",
    "answer_confirmation",
    "cancel_reminder",
    "claim_ready",
    "clean_text",
    "counts",
    "delivery_contexts",
    "dispatch_due",
    "erase_personal_data",
    "is_confirmed",
    "key_ids_in_use",
    "list_reminders",
    "marker",
    "meeting_facts",
    "nonce",
    "open_text",
    "parse_target",
    "parse_when",
    "personal_data",
    "plan_all",
    "plan_custom",
    "plan_meetings",
    "record_failure",
    "record_missed",
    "record_sent",
    "reencrypt",
    "release",
    "report_problems",
    "schedule_of",
    "seal_plain",
    "snooze",
    "snooze_until",
    "wake_times",
]
