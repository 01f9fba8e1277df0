"""Learnings: confidential capture, browsing, the coordinators' digest and personal data.

- ``store``: capture, a member's own learnings, browsing, themes, personal data.
- ``digest``: the streaming digest export and its record.

Other capabilities use :func:`shareable_themes` (the facilitator's hand-over pack).
"""

from bot.services.learnings.store import (
    DIGEST_LEVELS,
    SHARED_LEVELS,
    erase_personal_data,
    personal_data,
    shareable_themes,
)

__all__ = [
    "DIGEST_LEVELS",
    "SHARED_LEVELS",
    "erase_personal_data",
    "personal_data",
    "shareable_themes",
]
