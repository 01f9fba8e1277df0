"""A person's data: everything the bot holds about them (``/mydata export``), and erasing
it (``/mydata delete``), across every capability, in one transaction.

Each capability contributes its part through a :class:`Contributor`: ``export`` returns
its section of the export (JSON-ready data), ``erase`` deletes or anonymises what it
holds and says which of the bot's Discord posts must be cleaned up afterwards
(:class:`PostCleanup`). The list of contributors is ``bot.services.mydata_sources``;
this package imports no capability, so any capability may import it.

Erasure runs every contributor, then empties the member row itself: history others
rely on (the roster, export records) stays but points at a row that no longer
identifies anyone: name, organisation, role, locality and interests are emptied, the
status is ``erased`` and the Discord id is replaced by a placeholder.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.crypto import Keyring
from bot.models import Member
from bot.services.members import clear_profile, member_by_user

__all__ = [
    "Contributor",
    "Erased",
    "Erasure",
    "Person",
    "PostCleanup",
    "clean_up_posts",
    "collect",
    "erase",
    "jsonable",
    "preview",
    "profile",
    "scrub",
]


@dataclass(frozen=True)
class Person:
    """Whose data, in which unit of work: what every contributor is given."""

    session: AsyncSession
    member: Member
    now: datetime
    keyring: Keyring
    """For decrypting what the person typed (exports show it decrypted)."""


@dataclass(frozen=True)
class PostCleanup:
    """A post the bot made that carried the person's data, to clean up on Discord once
    the erasure is committed.

    ``channel`` is a channel or thread id, or the name of a configured channel
    (``"welcome"``, ``"coordinators"``: a key of ``[channels]``). ``message_id`` None
    means the channel itself goes (a forum post the bot made is a thread). With
    ``replace_with`` the message is edited to that note (embeds and buttons removed)
    instead of being deleted."""

    channel: int | str
    message_id: int | None
    replace_with: str | None = None


@dataclass
class Erased:
    """What one contributor erased: counts to tell the person (``{"learnings": 3}``)
    and the posts to clean up."""

    counts: dict[str, int] = field(default_factory=dict)
    posts: list[PostCleanup] = field(default_factory=list)


@dataclass(frozen=True)
class Contributor:
    """One capability's part of /mydata.

    - ``name``: its section's key in the export, like ``"rotation"``;
    - ``export(person)``: that section, JSON-ready (``jsonable`` is applied after);
    - ``erase(person)``: delete or anonymise what it holds about the person; never
      commits, never touches Discord (return the posts in ``Erased.posts``);
    - ``preview(person)``: optional lines for the "erase your data?" question, like
      ``"your 4 learnings (2 shared) are deleted"``; None or [] when there is nothing.
    """

    name: str
    export: Callable[[Person], Awaitable[Any]]
    erase: Callable[[Person], Awaitable[Erased | None]]
    preview: Callable[[Person], Awaitable[list[str]]] | None = None


def jsonable(value: Any) -> Any:
    """Plain JSON types, for a personal data export."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, bytes):
        return "(encrypted)"
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def profile(member: Member) -> dict[str, Any]:
    return {
        "discord_user_id": member.user_id,
        "display_name": member.display_name,
        "organisation": member.organisation,
        "role": member.job_role,
        "locality": member.locality,
        "locality_note": member.locality_note,
        "interests": list(member.interests or []),
        "status": member.status.value,
        "first_seen_at": member.first_seen_at,
        "joined_at": member.joined_at,
        "left_at": member.left_at,
        "in_guild": member.in_guild,
    }


async def person_of(
    session: AsyncSession, user_id: int, now: datetime, keyring: Keyring
) -> Person | None:
    """The person behind a Discord user, or None when the bot holds no member row for them."""
    member = await member_by_user(session, user_id)
    return None if member is None else Person(session, member, now, keyring)


def nothing_held(user_id: int, now: datetime) -> dict[str, Any]:
    """The export for someone the bot holds nothing about."""
    return {
        "about": "The community's bot holds no profile or learnings for you.",
        "exported_at": now.isoformat(),
        "discord_user_id": user_id,
    }


async def collect(person: Person, contributors: Sequence[Contributor]) -> dict[str, Any]:
    """Everything the bot holds about the person, as JSON-ready data: the profile, then
    each contributor's section under its name."""
    out: dict[str, Any] = {
        "about": (
            "Everything the community's bot holds about you. What you typed is shown "
            "decrypted; in the database it is encrypted."
        ),
        "exported_at": person.now,
        "profile": profile(person.member),
    }
    for contributor in contributors:
        out[contributor.name] = await contributor.export(person)
    return jsonable(out)  # type: ignore[no-any-return]


async def preview(person: Person, contributors: Sequence[Contributor]) -> list[str]:
    """The lines each contributor adds to the "erase your data?" question."""
    lines: list[str] = []
    for contributor in contributors:
        if contributor.preview is not None:
            lines += await contributor.preview(person)
    return lines


@dataclass
class Erasure:
    counts: dict[str, int] = field(default_factory=dict)
    """Added up over the contributors, like ``{"learnings": 3}``."""
    capabilities: list[str] = field(default_factory=list)
    posts: list[PostCleanup] = field(default_factory=list)
    """Posts to clean up on Discord after the commit."""

    def count(self, what: str) -> int:
        return self.counts.get(what, 0)


def scrub(member: Member, now: datetime) -> None:
    """Leave a row that history can point at but that identifies no one."""
    clear_profile(member)
    member.left_at = member.left_at or now
    member.user_id = -member.id  # never a real Discord id; frees theirs for a fresh start


async def erase(person: Person, contributors: Sequence[Contributor]) -> Erasure:
    """Run every contributor's erasure, then empty the member row. Never commits."""
    result = Erasure()
    for contributor in contributors:
        done = await contributor.erase(person)
        result.capabilities.append(contributor.name)
        if done is None:
            continue
        for what, n in done.counts.items():
            result.counts[what] = result.counts.get(what, 0) + n
        result.posts += done.posts
    scrub(person.member, person.now)
    await person.session.flush()
    return result


_log = logging.getLogger(__name__)


async def clean_up_posts(
    out: port.DiscordPort, posts: Sequence[PostCleanup], channels: Mapping[str, int | None]
) -> int:
    """Take the person's data out of what the bot posted, after the erasure is committed:
    delete the post's thread, delete the message, or edit it into the note. A thread that
    was archived (forum posts archive themselves) is unarchived first, since Discord
    refuses edits in an archived thread. ``channels`` resolves a configured channel's
    name. What is already gone is skipped; other failures are logged with no member text.
    Returns how many were cleaned up."""
    done = 0
    for post in posts:
        target = post.channel if isinstance(post.channel, int) else channels.get(post.channel)
        if target is None:
            continue
        try:
            if post.message_id is None:
                await out.delete_channel(target, reason="A member erased their data")
            elif post.replace_with is None:
                await out.delete(target, post.message_id)
            else:
                await out.unarchive(target)
                await out.edit(target, post.message_id, port.Message(content=post.replace_with))
        except port.Gone:
            continue
        except port.PortError as error:
            _log.warning("could not clean up a post in %s after an erasure (%s)", target, error)
            continue
        done += 1
    return done
