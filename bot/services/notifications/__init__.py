"""Members' notification choices (/notifications): kinds of DM and quiet hours.

The outbound path (``bot.services.outbound``) consults them before every DM it sends.
"""

from bot.services.notifications.personal import CONTRIBUTOR as MYDATA
from bot.services.notifications.preferences import (
    CLOCK_EXAMPLES,
    OPTIONAL_KINDS,
    REQUIRED_KINDS,
    Preferences,
    clear_quiet_hours,
    erase,
    parse_clock,
    preferences,
    preferences_for,
    quiet_until,
    set_kind,
    set_quiet_hours,
    show_clock,
)

__all__ = [
    "CLOCK_EXAMPLES",
    "MYDATA",
    "OPTIONAL_KINDS",
    "REQUIRED_KINDS",
    "Preferences",
    "clear_quiet_hours",
    "erase",
    "parse_clock",
    "preferences",
    "preferences_for",
    "quiet_until",
    "set_kind",
    "set_quiet_hours",
    "show_clock",
]
