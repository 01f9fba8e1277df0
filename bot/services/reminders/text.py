"""What a custom reminder says: encrypted with the data key, bound to its reminder.

Reminder text (``/remindme``, ``/reminder add``) is member text: the database holds it
encrypted like a learning, and only the reminder's own DM or post, ``/reminder list`` and
``/mydata`` show it. Rows written before migration 0014 held it in plain text
(``Reminder.legacy_text``): the bot seals those when it starts (:func:`seal_plain`, called
by ``bot.datakeys``) and empties the plain column.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import DecryptionError, Keyring
from bot.models import Reminder
from bot.services import sealed

log = logging.getLogger(__name__)

UNREADABLE = (
    "(This reminder's text could not be decrypted with the bot's data key. "
    "Cancel it with `/reminder cancel` and set it again.)"
)
"""Shown instead of a text the data key does not open (never the ciphertext)."""


def text_aad(reminder_id: int) -> bytes:
    """A reminder text's associated data: it opens only on its own reminder."""
    return f"reminder:{reminder_id}".encode()


TEXTS = sealed.LegacySealed(
    Reminder, Reminder.text_sealed, Reminder.legacy_text, lambda row: text_aad(row.id)
)
"""Reminder texts: sealed in ``text_sealed``, bound to their reminder's id."""


def seal_text(keyring: Keyring, reminder: Reminder, text: str) -> None:
    """Store ``text`` as the reminder's, encrypted. The reminder must have its id (flushed)."""
    if reminder.id is None:
        raise ValueError("flush the reminder before sealing its text: the text is bound to its id")
    reminder.text_sealed = keyring.encrypt(text.encode(), text_aad(reminder.id))
    reminder.key_id = keyring.primary_id
    reminder.legacy_text = ""


def open_text(keyring: Keyring, reminder: Reminder) -> str:
    """The reminder's text as it was typed. Raises ``DecryptionError`` for a wrong key."""
    return TEXTS.open(keyring, reminder)


def readable_text(keyring: Keyring, reminder: Reminder) -> str:
    """The reminder's text, or :data:`UNREADABLE` (logged, by id only) when the key does
    not open it: for sending and listing, where one bad row must not stop the others."""
    try:
        return open_text(keyring, reminder)
    except DecryptionError as exc:
        log.error("reminders: the text of reminder #%d cannot be decrypted (%s)", reminder.id, exc)
        return UNREADABLE


async def key_ids_in_use(session: AsyncSession) -> dict[str, int]:
    """Each data key id reminder texts are encrypted under, with how many use it."""
    return await TEXTS.key_ids_in_use(session)


async def reencrypt(session: AsyncSession, keyring: Keyring, batch: int = sealed.BATCH) -> int:
    """Re-encrypt every reminder text not yet under the keyring's newest key."""
    return await TEXTS.reencrypt(session, keyring, batch)


async def seal_plain(session: AsyncSession, keyring: Keyring, batch: int = sealed.BATCH) -> int:
    """Encrypt the reminder texts still held in plain text (written before migration 0014)
    and empty the plain column; returns how many rows changed. Idempotent."""
    return await TEXTS.seal_plain(session, keyring, seal_text, batch)
