"""FakePort: an in-memory :class:`bot.port.DiscordPort` for service tests.

It behaves like Discord where the services care: a resend with a nonce already used in
that channel returns the first message (``enforce_nonce``); closed DMs, departed members,
unknown channels and scripted failures raise the port's errors. Everything sent is kept in
``sent`` (and ``edits``/``roles``) for assertions.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot import port

if TYPE_CHECKING:
    from typing_extensions import Unpack

FIRST_ID = 900_000_000_000_000_000


@dataclass
class Delivered:
    channel_id: int
    message_id: int
    message: port.Message
    user_id: int | None = None
    """Set for a DM: the recipient."""

    @property
    def text(self) -> str:
        """Content, card titles, descriptions and footers, and button labels, joined."""
        parts = [self.message.content or ""]
        for card in self.message.cards:
            parts += [card.title or "", card.description or "", card.footer or ""]
        parts += [b.label for b in self.message.buttons]
        return "\n".join(p for p in parts if p)


Hook = Callable[[str, int, port.Message | None], None]
"""Called before each call with (operation, target id, message); raise a PortError to fail it."""


@dataclass
class FakePort:
    closed_dms: set[int] = field(default_factory=set)
    departed: set[int] = field(default_factory=set)
    """Users who are not (or no longer) guild members; DMs to them still work, as on Discord."""
    unknown_users: set[int] = field(default_factory=set)
    unknown_channels: set[int] = field(default_factory=set)
    forbidden_channels: set[int] = field(default_factory=set)
    names: dict[int, str] = field(default_factory=dict)
    roles: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    sent: list[Delivered] = field(default_factory=list)
    edits: list[Delivered] = field(default_factory=list)
    deleted: list[tuple[int, int]] = field(default_factory=list)
    threads: list[tuple[int, str]] = field(default_factory=list)
    forum_posts: list[tuple[int, int, str, tuple[int, ...]]] = field(default_factory=list)
    """(forum id, thread id, name, tag ids) of each forum post opened."""
    archived: set[int] = field(default_factory=set)
    """Archived threads: editing a message in one fails (Discord 50083) until unarchived."""
    thread_edits: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    deleted_channels: list[int] = field(default_factory=list)
    hook: Hook | None = None
    calls: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(FIRST_ID))
    _nonces: dict[tuple[int, str], Delivered] = field(default_factory=dict)

    # --- helpers for tests -------------------------------------------------------------

    def dms_to(self, user_id: int) -> list[Delivered]:
        return [d for d in self.sent if d.user_id == user_id]

    def posts_in(self, channel_id: int) -> list[Delivered]:
        return [d for d in self.sent if d.channel_id == channel_id and d.user_id is None]

    @staticmethod
    def dm_channel_id(user_id: int) -> int:
        return user_id + 1

    def fail_times(self, operation: str, error: port.PortError, times: int = 1) -> None:
        """Make the next ``times`` calls of ``operation`` ("dm", "post", ...) raise ``error``."""
        left = {"n": times}
        previous = self.hook

        def hook(op: str, target: int, message: port.Message | None) -> None:
            if op == operation and left["n"] > 0:
                left["n"] -= 1
                raise error
            if previous is not None:
                previous(op, target, message)

        self.hook = hook

    # --- the port ----------------------------------------------------------------------

    def _before(self, op: str, target: int, message: port.Message | None) -> None:
        self.calls += 1
        if self.hook is not None:
            self.hook(op, target, message)

    def _deliver(self, channel_id: int, message: port.Message, user_id: int | None) -> port.Sent:
        if message.nonce is not None and (channel_id, message.nonce) in self._nonces:
            first = self._nonces[(channel_id, message.nonce)]
            return port.Sent(first.channel_id, first.message_id)
        delivered = Delivered(channel_id, next(self._ids), message, user_id)
        self.sent.append(delivered)
        if message.nonce is not None:
            self._nonces[(channel_id, message.nonce)] = delivered
        return port.Sent(channel_id, delivered.message_id)

    def _channel(self, channel_id: int) -> None:
        if channel_id in self.unknown_channels:
            raise port.Gone(f"unknown channel {channel_id}")
        if channel_id in self.forbidden_channels:
            raise port.Forbidden(f"no access to {channel_id}")

    async def dm(self, user_id: int, message: port.Message) -> port.Sent:
        self._before("dm", user_id, message)
        if user_id in self.unknown_users:
            raise port.Gone(f"unknown user {user_id}")
        if user_id in self.closed_dms:
            raise port.DmClosed("403 50007")
        return self._deliver(self.dm_channel_id(user_id), message, user_id)

    async def post(self, channel_id: int, message: port.Message) -> port.Sent:
        self._before("post", channel_id, message)
        self._channel(channel_id)
        return self._deliver(channel_id, message, None)

    async def start_thread(
        self, channel_id: int, name: str, message: port.Message, *, private: bool = False
    ) -> port.Sent:
        self._before("start_thread", channel_id, message)
        self._channel(channel_id)
        thread_id = next(self._ids)
        self.threads.append((thread_id, name))
        return self._deliver(thread_id, message, None)

    async def edit(self, channel_id: int, message_id: int, message: port.Message) -> port.Sent:
        self._before("edit", channel_id, message)
        self._channel(channel_id)
        if not any(d.message_id == message_id for d in self.sent):
            raise port.Gone(f"unknown message {message_id}")
        if channel_id in self.archived:
            raise port.PortError("400 50083")
        self.edits.append(Delivered(channel_id, message_id, message))
        return port.Sent(channel_id, message_id)

    async def forum_post(
        self, forum_id: int, name: str, message: port.Message, tag_ids: Sequence[int] = ()
    ) -> port.Sent:
        self._before("forum_post", forum_id, message)
        self._channel(forum_id)
        thread_id = next(self._ids)
        self.forum_posts.append((forum_id, thread_id, name, tuple(tag_ids)))
        delivered = Delivered(thread_id, thread_id, message)
        self.sent.append(delivered)
        return port.Sent(thread_id, thread_id)

    async def edit_thread(self, thread_id: int, **changes: Unpack[port.ThreadChanges]) -> None:
        self._before("edit_thread", thread_id, None)
        self._channel(thread_id)
        if thread_id in self.deleted_channels:
            raise port.Gone(f"unknown channel {thread_id}")
        self.thread_edits.append((thread_id, {k: v for k, v in changes.items() if v is not None}))
        if (archived := changes.get("archived")) is not None:
            (self.archived.add if archived else self.archived.discard)(thread_id)

    async def unarchive(self, channel_id: int) -> bool:
        self._before("unarchive", channel_id, None)
        self._channel(channel_id)
        if channel_id not in self.archived:
            return False
        self.archived.discard(channel_id)
        self.thread_edits.append((channel_id, {"archived": False}))
        return True

    async def delete_channel(self, channel_id: int, *, reason: str = "") -> None:
        self._before("delete_channel", channel_id, None)
        self._channel(channel_id)
        if channel_id in self.deleted_channels:
            raise port.Gone(f"unknown channel {channel_id}")
        self.deleted_channels.append(channel_id)

    async def delete(self, channel_id: int, message_id: int) -> None:
        self._before("delete", channel_id, None)
        if (channel_id, message_id) in self.deleted:
            raise port.Gone(f"unknown message {message_id}")
        self.deleted.append((channel_id, message_id))

    async def add_role(self, user_id: int, role_id: int, *, reason: str = "") -> None:
        self._before("add_role", user_id, None)
        if user_id in self.departed:
            raise port.Gone(f"unknown member {user_id}")
        self.roles[user_id].add(role_id)

    async def remove_role(self, user_id: int, role_id: int, *, reason: str = "") -> None:
        self._before("remove_role", user_id, None)
        if user_id in self.departed:
            raise port.Gone(f"unknown member {user_id}")
        self.roles[user_id].discard(role_id)

    async def member(self, user_id: int) -> port.MemberInfo | None:
        self._before("member", user_id, None)
        if user_id in self.departed or user_id in self.unknown_users:
            return None
        return port.MemberInfo(
            user_id, self.names.get(user_id, f"user{user_id}"), frozenset(self.roles[user_id])
        )

    def _find(self, channel_id: int, marker: str, limit: int) -> port.Sent | None:
        mine = [d for d in self.sent if d.channel_id == channel_id][-limit:]
        for d in reversed(mine):
            footers = [c.footer or "" for c in d.message.cards]
            if (d.message.content or "").endswith(marker) or any(
                f.endswith(marker) for f in footers
            ):
                return port.Sent(d.channel_id, d.message_id)
        return None

    async def find_in_channel(
        self, channel_id: int, marker: str, *, limit: int = 100
    ) -> port.Sent | None:
        return self._find(channel_id, marker, limit)

    async def find_in_dm(self, user_id: int, marker: str, *, limit: int = 100) -> port.Sent | None:
        return self._find(self.dm_channel_id(user_id), marker, limit)


def _conforms(fake: FakePort) -> port.DiscordPort:
    """mypy checks here that FakePort satisfies the protocol."""
    return fake
