"""/mydata for notifications: a member's choices and the DMs queued for them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.models import NotificationPreference, OutboundBatch, OutboundItem, OutboundStatus
from bot.services.mydata import Contributor, Erased, Person
from bot.services.notifications.preferences import preferences, show_clock
from bot.services.unique import rows_changed


async def export(person: Person) -> dict[str, Any]:
    user_id = person.member.user_id
    prefs = await preferences(person.session, user_id)
    quiet = (
        {"from": show_clock(prefs.quiet_start), "until": show_clock(prefs.quiet_end)}
        if prefs.quiet_start is not None and prefs.quiet_end is not None
        else None
    )
    rows = await person.session.execute(
        sa.select(OutboundItem.kind, OutboundItem.status, OutboundItem.due_at, OutboundItem.sent_at)
        .where(OutboundItem.user_id == user_id)
        .order_by(OutboundItem.id)
    )
    return {
        "notifications": {
            "meeting_reminders": prefs.meeting_reminders,
            "learning_prompts": prefs.learning_prompts,
            "consult_invitations": prefs.consult_invitations,
            "quiet_hours": quiet,
        },
        "direct_messages_queued": [
            {"kind": kind, "status": status, "due_at": due, "sent_at": sent}
            for kind, status, due, sent in rows.all()
        ],
    }


async def erase(person: Person) -> Erased:
    """Forget the choices; cancel what is still waiting and forget every queued DM."""
    user_id = person.member.user_id
    session = person.session
    prefs = await rows_changed(
        session, sa.delete(NotificationPreference).where(NotificationPreference.user_id == user_id)
    )
    waiting = (
        await session.execute(
            sa.select(OutboundItem.batch_id, sa.func.count())
            .where(OutboundItem.user_id == user_id, OutboundItem.status == OutboundStatus.PENDING)
            .group_by(OutboundItem.batch_id)
        )
    ).all()
    for batch_id, count in waiting:
        if batch_id is not None:  # the batch's progress counts them as cancelled
            await session.execute(
                sa.update(OutboundBatch)
                .where(OutboundBatch.id == batch_id)
                .values(cancelled=OutboundBatch.cancelled + count)
            )
    removed = await rows_changed(
        session, sa.delete(OutboundItem).where(OutboundItem.user_id == user_id)
    )
    return Erased(
        counts={
            "notification choices": prefs,
            "queued direct messages": removed,
            "unsent direct messages cancelled": sum(int(n) for _, n in waiting),
        }
    )


CONTRIBUTOR = Contributor("notifications", export=export, erase=erase)
