"""Meetings where Discord shows them: each meeting mirrored as a scheduled event, RSVPs
(Discord's "Interested"), a thread per meeting, and attendance.

- ``scheduled``: the events as plain data, and the narrow port to them;
- ``mirror``: the sweep that makes the events match the meetings (claims, self-repair);
- ``rsvp``: who is coming;
- ``sweep``: one sweep over all meetings, each in its own unit of work;
- ``threads``: the thread before each meeting and the follow-up after it;
- ``attendance``: who came;
- ``personal``: the part of /mydata.

Other capabilities use the names exported here: :func:`rsvp_count` (the group reminder),
:func:`coming` (the facilitator's hand-over pack), :func:`prompt_recipients` (the
post-meeting learning prompt).
"""

from bot.services.events.attendance import (
    Recipients,
    Recorded,
    attended,
    facilitators_of,
    may_record,
    prompt_recipients,
    record,
)
from bot.services.events.mirror import (
    PERMISSION,
    PERMISSION_PROBLEM,
    REFUSED,
    EventsSettings,
    active_mirrors,
    clear_problem,
    desired,
    marker,
    meeting_of,
    meetings_to_sync,
    mirrored_count,
    note_problem,
    problems,
    release_lease,
    sync_meeting,
    take_lease,
)
from bot.services.events.personal import CONTRIBUTOR as MYDATA
from bot.services.events.rsvp import add as add_rsvp
from bot.services.events.rsvp import coming, rsvp_count, rsvp_counts
from bot.services.events.rsvp import remove as remove_rsvp
from bot.services.events.rsvp import replace as replace_rsvps
from bot.services.events.scheduled import EventSpec, EventsPort, GuildEvent, Place
from bot.services.events.sweep import SweepReport, UnitOfWork, sweep
from bot.services.events.threads import (
    claim_follow_up,
    claim_thread,
    follow_ups_due,
    open_thread,
    record_thread,
    release_follow_up,
    thread_of,
    threads_due,
)

__all__ = [
    "MYDATA",
    "PERMISSION",
    "PERMISSION_PROBLEM",
    "REFUSED",
    "EventSpec",
    "EventsPort",
    "EventsSettings",
    "GuildEvent",
    "Place",
    "Recipients",
    "Recorded",
    "SweepReport",
    "UnitOfWork",
    "active_mirrors",
    "add_rsvp",
    "attended",
    "claim_follow_up",
    "claim_thread",
    "clear_problem",
    "coming",
    "desired",
    "facilitators_of",
    "follow_ups_due",
    "marker",
    "may_record",
    "meeting_of",
    "meetings_to_sync",
    "mirrored_count",
    "note_problem",
    "open_thread",
    "problems",
    "prompt_recipients",
    "record",
    "record_thread",
    "release_follow_up",
    "release_lease",
    "remove_rsvp",
    "replace_rsvps",
    "rsvp_count",
    "rsvp_counts",
    "sweep",
    "sync_meeting",
    "take_lease",
    "thread_of",
    "threads_due",
]
