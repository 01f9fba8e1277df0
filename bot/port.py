"""The one narrow port through which service-side background work reaches Discord.

Scheduled and background work (reminder dispatch, the outbound queue, onboarding's sweep,
the roster post) decides on the service side and acts through a :class:`DiscordPort`:
DM a user, post to a channel or thread, edit a message, open, edit, unarchive or delete a
forum post or thread, add or remove a role, look a member up, and find a message a
crashed run already sent. Everything here is plain data: no ``discord`` import, so
services stay testable with :class:`tests.fakes.FakePort`.

The cog side implements the port once (:class:`bot.discord_port.DiscordPort`), which
always sets ``allowed_mentions``: a :class:`Message` pings only the users it names in
``ping_users``, never ``@everyone``, ``@here`` or a role, whatever its text says.

Errors: every method raises only :class:`PortError` subclasses, so a service handles a
small closed set:

- :class:`DmClosed` (alias ``Unreachable``): the user does not accept DMs from the bot;
- :class:`Gone`: the user, member, channel or message does not exist (any more);
- :class:`Forbidden`: the bot lacks a permission; retrying will not help;
- :class:`Transient`: worth retrying, after ``retry_after`` seconds when Discord said so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Literal, Protocol, TypedDict, runtime_checkable

if TYPE_CHECKING:
    from typing_extensions import Unpack

ButtonStyle = Literal["primary", "secondary", "success", "danger"]


@dataclass(frozen=True)
class Button:
    """A button. With ``custom_id`` it is handled by a persistent item (a ``CopItem``
    whose template matches); with ``url`` it is a link."""

    label: str
    custom_id: str | None = None
    url: str | None = None
    style: ButtonStyle = "secondary"
    emoji: str | None = None

    def __post_init__(self) -> None:
        if (self.custom_id is None) == (self.url is None):
            raise ValueError("a button needs exactly one of custom_id and url")


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Card:
    """An embed."""

    title: str | None = None
    description: str | None = None
    colour: int | None = None
    footer: str | None = None
    fields: tuple[Field, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class Message:
    """What to send or what to edit a message into.

    ``nonce``: a resend with the same nonce returns the message already created instead of
    a second one (Discord's ``enforce_nonce``), so a retried send after a crash doubles
    nothing. ``ping_users``: the only mentions that notify; text can never ping
    everyone, here or a role."""

    content: str | None = None
    cards: tuple[Card, ...] = ()
    buttons: tuple[Button, ...] = ()
    ping_users: tuple[int, ...] = ()
    nonce: str | None = None


@dataclass(frozen=True)
class Sent:
    """Where a message is: enough to edit it or link to it later."""

    channel_id: int
    message_id: int


class ThreadChanges(TypedDict, total=False):
    """What :meth:`DiscordPort.edit_thread` changes; a key left out, or None, stays."""

    name: str | None
    tag_ids: Sequence[int] | None
    """A forum post's tags."""
    archived: bool | None


@dataclass(frozen=True)
class MemberInfo:
    user_id: int
    display_name: str
    role_ids: frozenset[int] = field(default_factory=frozenset)
    bot: bool = False


# --- errors ----------------------------------------------------------------------------


class PortError(Exception):
    """Anything the port could not do. ``detail`` is safe to log (no member text)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or type(self).__name__)
        self.detail = detail or type(self).__name__


class DmClosed(PortError):
    """The user does not accept DMs from the bot (Discord 50007)."""


Unreachable = DmClosed


class Gone(PortError):
    """Unknown user, member, channel or message: it is not there, so do not retry."""


class Forbidden(PortError):
    """Missing permission or access; retrying will not help."""


class Transient(PortError):
    """A failure worth retrying (rate limit, 5xx, network). ``retry_after`` is Discord's
    wait in seconds when it gave one."""

    def __init__(self, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


def is_permanent(error: PortError) -> bool:
    """True when retrying the same call cannot succeed."""
    return not isinstance(error, Transient)


def retry_wait(
    attempts: int, base: timedelta, cap: timedelta, retry_after: float | None = None
) -> timedelta:
    """The wait before attempt ``attempts + 1`` after a :class:`Transient` failure: base,
    2×base, 4×base... up to ``cap``, and never shorter than Discord's ``retry_after``."""
    wait = min(base * float(2 ** max(0, min(attempts - 1, 30))), cap)
    if retry_after is not None:
        wait = max(wait, timedelta(seconds=retry_after))
    return wait


# --- the protocol ----------------------------------------------------------------------


@runtime_checkable
class DiscordPort(Protocol):
    """What service-side work may do on Discord. Every call may raise a PortError."""

    async def dm(self, user_id: int, message: Message) -> Sent:
        """DM a user. Raises DmClosed when they don't accept DMs, Gone for an unknown user."""
        ...

    async def post(self, channel_id: int, message: Message) -> Sent:
        """Post in a text channel or thread."""
        ...

    async def start_thread(
        self, channel_id: int, name: str, message: Message, *, private: bool = False
    ) -> Sent:
        """Start a thread in a text channel with ``message`` as its first message; the
        result's ``channel_id`` is the thread."""
        ...

    async def edit(self, channel_id: int, message_id: int, message: Message) -> Sent:
        """Replace a message's content, cards and buttons."""
        ...

    async def forum_post(
        self, forum_id: int, name: str, message: Message, tag_ids: Sequence[int] = ()
    ) -> Sent:
        """Open a post in a forum channel under the forum tags ``tag_ids`` (unknown ids are
        left out); the result's ``channel_id`` is the post's thread, ``message_id`` its
        first message (the same id)."""
        ...

    async def edit_thread(self, thread_id: int, **changes: Unpack[ThreadChanges]) -> None:
        """Rename a thread, set a forum post's tags, or (un)archive it; only what is given
        changes. Discord refuses edits in an archived thread, so unarchive it first."""
        ...

    async def unarchive(self, channel_id: int) -> bool:
        """If ``channel_id`` is an archived thread, unarchive it (so its messages can be
        edited) and return True; any other channel is left alone (False)."""
        ...

    async def delete_channel(self, channel_id: int, *, reason: str = "") -> None:
        """Delete a channel or thread (a forum post with all its messages); Gone when it is
        already gone."""
        ...

    async def delete(self, channel_id: int, message_id: int) -> None:
        """Delete a message; Gone when it is already gone."""
        ...

    async def add_role(self, user_id: int, role_id: int, *, reason: str = "") -> None: ...

    async def remove_role(self, user_id: int, role_id: int, *, reason: str = "") -> None: ...

    async def member(self, user_id: int) -> MemberInfo | None:
        """The guild member, or None when they are not (or no longer) in the guild."""
        ...

    async def find_in_channel(
        self, channel_id: int, marker: str, *, limit: int = 100
    ) -> Sent | None:
        """A recent message of the bot's in a channel whose card footer or content ends with
        ``marker``: a message a crashed run sent but never recorded. None if there is none or
        the history can't be read; never raises for an unreadable history."""
        ...

    async def find_in_dm(self, user_id: int, marker: str, *, limit: int = 100) -> Sent | None:
        """As :meth:`find_in_channel`, in the DM with a user."""
        ...
