"""ORM models only, one module per capability. Times are aware UTC (``UtcDateTime``);
Discord ids are ``BigInteger``. Import models from here: ``from bot.models import Member``.
"""

from bot.models.learnings import (
    DigestExport,
    Learning,
    SharingLevel,
)
from bot.models.members import (
    Member,
    MemberStatus,
)
from bot.models.onboarding import (
    Application,
    ApplicationStatus,
    Attestation,
    ConnectSuggestion,
    JoinDraft,
    Renewal,
    RenewalOutcome,
    RenewalReason,
    Standing,
)
from bot.models.outcomes import ConsentStatus, Outcome, OutcomeKind, OutcomePerson
from bot.models.reminders import (
    DeliveryStatus,
    FacilitatorConfirmation,
    OccurrenceStatus,
    Reminder,
    ReminderDelivery,
    ReminderKind,
    ReminderOccurrence,
    ReminderStatus,
    ReminderStep,
)
from bot.models.rotation import (
    AssignmentRole,
    AssignmentSource,
    FacilitationAssignment,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    RosterPost,
    RosterPostStatus,
    RotationEntry,
    SwapRequest,
    SwapStatus,
    Unavailability,
)

__all__ = [
    "Application",
    "ApplicationStatus",
    "AssignmentRole",
    "AssignmentSource",
    "Attestation",
    "ConnectSuggestion",
    "ConsentStatus",
    "DeliveryStatus",
    "DigestExport",
    "FacilitationAssignment",
    "FacilitatorConfirmation",
    "JoinDraft",
    "Learning",
    "Meeting",
    "MeetingSeries",
    "MeetingStatus",
    "Member",
    "MemberStatus",
    "OccurrenceStatus",
    "Outcome",
    "OutcomeKind",
    "OutcomePerson",
    "Reminder",
    "ReminderDelivery",
    "ReminderKind",
    "ReminderOccurrence",
    "ReminderStatus",
    "ReminderStep",
    "Renewal",
    "RenewalOutcome",
    "RenewalReason",
    "RosterPost",
    "RosterPostStatus",
    "RotationEntry",
    "SharingLevel",
    "Standing",
    "SwapRequest",
    "SwapStatus",
    "Unavailability",
]
