"""The one outbound path: every bulk DM is queued here, then sent paced, exactly once,
respecting each member's /notifications choices and quiet hours.

Callers enqueue inside their own transaction (``enqueue_many``/``enqueue``), register a
renderer for their template once (``Outbox.register``), and wake the outbox after the
commit. See the module docs of ``queue`` (exactly once) and ``sender`` (pacing).
"""

from bot.models import OutboundKind as Kind
from bot.models import OutboundStatus as Status
from bot.services.outbound.queue import (
    BatchInfo,
    Claim,
    Progress,
    cancel_batch,
    counts,
    enqueue,
    enqueue_many,
    item_key,
    progress,
)
from bot.services.outbound.sender import (
    NOTIFICATIONS_BUTTON,
    NOTIFICATIONS_BUTTON_ID,
    NOTIFICATIONS_LINE,
    DrainSummary,
    Outbox,
    OutboxSettings,
    Renderer,
    Rendering,
    decorate,
    late_note,
    marker,
)

__all__ = [
    "NOTIFICATIONS_BUTTON",
    "NOTIFICATIONS_BUTTON_ID",
    "NOTIFICATIONS_LINE",
    "BatchInfo",
    "Claim",
    "DrainSummary",
    "Kind",
    "Outbox",
    "OutboxSettings",
    "Progress",
    "Renderer",
    "Rendering",
    "Status",
    "cancel_batch",
    "counts",
    "decorate",
    "enqueue",
    "enqueue_many",
    "item_key",
    "late_note",
    "marker",
    "progress",
]
