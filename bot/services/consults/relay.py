"""The anonymous asker's side: replies in the post reach the asker by DM, and the asker
answers through the bot, posted as "the asker".

Nobody's identity is revealed by a relay: a member's reply is posted under their name
(they chose to reply in public) and sent to the asker; the asker's answer is posted by
the bot as "the asker". The asker's record is looked up only to send the DM and is never
returned to anyone else or logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import Keyring
from bot.errors import Conflict, NotAllowed
from bot.models import Consult, ConsultStatus, Member, MemberStatus
from bot.services.consults.store import asker_member, get_consult, is_asker
from bot.services.consults.text import validate_reply


@dataclass(frozen=True)
class Relay:
    """What to do with a reply: post ``text`` in ``thread_id`` as the asker (``as_asker``)
    or under the replier's name, and, for a member's reply to an anonymous consult, DM it
    to ``dm_to`` (the asker; never shown)."""

    consult: Consult
    text: str
    as_asker: bool
    thread_id: int
    dm_to: Member | None


async def plan_reply(
    session: AsyncSession, keyring: Keyring, consult_id: int, member: Member | None, text: str
) -> Relay:
    consult = await get_consult(session, consult_id)
    body = validate_reply(text)
    if consult.status is not ConsultStatus.OPEN:
        raise Conflict(
            f"Consult `#{consult.id}` is {consult.status.value}, so replies are closed. "
            "Nothing was sent."
        )
    if consult.thread_id is None:
        raise Conflict("This consult's post isn't up yet; try again in a minute.")
    if is_asker(keyring, consult, member):
        return Relay(consult, body, True, consult.thread_id, None)
    if member is None or member.status is not MemberStatus.ACTIVE:
        raise NotAllowed("Only members of the community can reply to a consult.")
    target = await asker_member(session, keyring, consult) if consult.anonymous else None
    return Relay(consult, body, False, consult.thread_id, target)


async def may_reply_as_asker(
    session: AsyncSession, keyring: Keyring, consult_id: int, member: Member | None
) -> Consult:
    """The consult, if ``member`` asked it (for the asker's Reply button)."""
    consult = await get_consult(session, consult_id)
    if not is_asker(keyring, consult, member):
        raise NotAllowed("Only the person who asked can answer as the asker.")
    return consult
