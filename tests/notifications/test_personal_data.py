"""/mydata for notifications: export the choices and queued DMs; erase forgets them and a
bulk send's progress still finishes."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from bot.crypto import Keyring
from bot.db import Database
from bot.models import NotificationPreference, OutboundItem, OutboundKind
from bot.services import notifications, outbound
from bot.services.mydata import Person
from tests.reminders.helpers import add_member

NOW = datetime(2026, 3, 2, tzinfo=UTC)


async def test_export_and_erase_notification_data(db: Database) -> None:
    async with db.transaction() as session:
        member = await add_member(session, "Ana")
        other = await add_member(session, "Ben")
        await notifications.set_kind(
            session, NOW, member.user_id, OutboundKind.CONSULT_INVITATION, False
        )
        await notifications.set_quiet_hours(session, NOW, member.user_id, "21:00", "6am")
        batch = await outbound.enqueue_many(
            session,
            NOW,
            kind=OutboundKind.LEARNING_PROMPT,
            key="learn-x",
            user_ids=[member.user_id, other.user_id],
            template="t",
        )
        person = Person(session, member, NOW, Keyring.generate())
        exported = await notifications.MYDATA.export(person)
        erased = await notifications.MYDATA.erase(person)
    assert exported["notifications"]["consult_invitations"] is False
    assert exported["notifications"]["quiet_hours"] == {"from": "21:00", "until": "06:00"}
    assert len(exported["direct_messages_queued"]) == 1
    assert erased is not None
    assert erased.counts["unsent direct messages cancelled"] == 1
    async with db.transaction() as session:
        assert await session.get(NotificationPreference, member.user_id) is None
        users = set(await session.scalars(sa.select(OutboundItem.user_id)))
        progress = await outbound.progress(session, batch.id)
    assert users == {other.user_id}
    assert (progress.cancelled, progress.pending) == (1, 1)
