"""Scheduled reminders that survive restarts: the meeting chain, custom reminders, and the
engine's database side. See :mod:`bot.services.reminders.engine` for how delivery is kept
exactly-once across crashes.
"""

from bot.services.reminders.custom import (
    ReminderInfo,
    add_reminder,
    cancel_reminder,
    clean_text,
    list_reminders,
)
from bot.services.reminders.delivery import (
    ConfirmOutcome,
    DeliveryContext,
    ReportLine,
    answer_confirmation,
    delivery_contexts,
    is_confirmed,
)
from bot.services.reminders.engine import (
    Claim,
    ClaimResult,
    DispatchResult,
    EngineCounts,
    EngineSettings,
    PlanResult,
    StandbyFinder,
    claim_ready,
    counts,
    dispatch_due,
    parse_target,
    plan_all,
    plan_custom,
    plan_meetings,
    record_failure,
    record_missed,
    record_sent,
    release,
    report_problems,
    wake_times,
)
from bot.services.reminders.meetings import MeetingFacts, meeting_facts
from bot.services.reminders.privacy import erase_personal_data, personal_data
from bot.services.reminders.schedule import Schedule, parse_when

__all__ = [
    "Claim",
    "ClaimResult",
    "ConfirmOutcome",
    "DeliveryContext",
    "DispatchResult",
    "EngineCounts",
    "EngineSettings",
    "MeetingFacts",
    "PlanResult",
    "ReminderInfo",
    "ReportLine",
    "Schedule",
    "StandbyFinder",
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
    "list_reminders",
    "meeting_facts",
    "parse_target",
    "parse_when",
    "personal_data",
    "plan_all",
    "plan_custom",
    "plan_meetings",
    "record_failure",
    "record_missed",
    "record_sent",
    "release",
    "report_problems",
    "wake_times",
]
