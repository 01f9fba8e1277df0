"""Forum channels, threads and thread members, modelled on Discord's documentation and its
published OpenAPI spec (``CreateForumThreadRequest``, ``CreatedThreadResponse``,
``ThreadResponse``, ``ThreadMetadataResponse``, ``ForumTagResponse``,
``ThreadMemberResponse``), never on what a bot happens to send.

- A forum channel (type 15) holds ``available_tags`` (at most 20; a name is 1-20 characters)
  and ``flags`` (``REQUIRE_TAG`` = 1 << 4). ``PATCH /channels/{id}`` edits them (needs
  MANAGE_CHANNELS). Posting a message straight into a forum is refused (40058).
- ``POST /channels/{forum_id}/threads`` makes a forum post: a public thread (type 11) whose
  first message is ``message`` (content/embeds/components) and whose id is the thread's id;
  ``applied_tags`` at most 5, each one of the forum's; a forum with REQUIRE_TAG refuses a post
  without one (40067). Needs SEND_MESSAGES.
- ``POST /channels/{channel_id}/threads`` in a text channel makes a thread without a message
  (type 12, private, unless ``type`` says 11; needs CREATE_PUBLIC/PRIVATE_THREADS);
  ``POST /channels/{channel_id}/messages/{message_id}/threads`` starts a public thread from a
  message; a message starts only one thread (160004).
- Messages in threads need SEND_MESSAGES_IN_THREADS. A locked thread refuses them (160005)
  unless the sender has MANAGE_THREADS; an archived thread refuses edits to its messages
  (50083) and a message sent to it unarchives it (THREAD_UPDATE).
- Thread members: ``/channels/{id}/thread-members[/@me|/{user_id}]``. Locking, archiving
  someone else's thread or deleting a thread needs MANAGE_THREADS.
- Gateway: THREAD_CREATE, THREAD_UPDATE, THREAD_DELETE (GUILDS intent), THREAD_MEMBERS_UPDATE
  (GUILD_MEMBERS); messages in threads are MESSAGE_CREATE with the channel being the thread.
  A member's message reaches the bot with its content only if the bot has MESSAGE_CONTENT
  (1 << 15) or is mentioned.

Test-facing actions are in :class:`ThreadActions` (``ThreadActions(emu)``): make a forum,
a member posts in a thread, a member opens a forum post, someone deletes a post by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from emulator.errors import ApiError, invalid_form, missing_permissions, unknown
from emulator.gateway import INTENT_MESSAGE_CONTENT, Gateway
from emulator.messages import Messages
from emulator.models import JSON, EmuChannel, EmulatorEvent, RecordedMessage, iso, new_snowflake
from emulator.rest.base import Call, Resource, serves
from emulator.rest.channels import Channels
from emulator.state import IdLike, World, to_id

if TYPE_CHECKING:
    from emulator.facade import DiscordEmulator

GUILD_TEXT = 0
GUILD_ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
GUILD_FORUM = 15

REQUIRE_TAG = 1 << 4

MANAGE_CHANNELS = 1 << 4
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
SEND_MESSAGES_IN_THREADS = 1 << 38

MAX_FORUM_TAGS = 20
MAX_APPLIED_TAGS = 5
TAG_NAME_MAX = 20
THREAD_NAME_MAX = 100
AUTO_ARCHIVE = (60, 1440, 4320, 10080)


@dataclass
class ForumTag:
    id: int
    name: str
    moderated: bool = False
    emoji_id: int | None = None
    emoji_name: str | None = None

    def to_json(self) -> JSON:
        return {
            "id": str(self.id),
            "name": self.name,
            "moderated": self.moderated,
            "emoji_id": str(self.emoji_id) if self.emoji_id else None,
            "emoji_name": self.emoji_name,
        }


@dataclass
class EmuForum(EmuChannel):
    """A forum channel (type 15)."""

    available_tags: list[ForumTag] = field(default_factory=list)
    flags: int = 0

    def extra_json(self) -> JSON:
        return {
            "available_tags": [t.to_json() for t in self.available_tags],
            "flags": self.flags,
            "default_reaction_emoji": None,
            "default_thread_rate_limit_per_user": 0,
            "default_sort_order": None,
            "default_forum_layout": 0,
            "default_auto_archive_duration": 4320,
        }


@dataclass
class EmuThread(EmuChannel):
    """A thread (types 10-12): a forum post or a thread in a text channel."""

    owner_id: int = 0
    archived: bool = False
    locked: bool = False
    invitable: bool = True
    auto_archive_duration: int = 4320
    applied_tags: list[int] = field(default_factory=list)
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    archive_timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))
    message_count: int = 0
    total_message_sent: int = 0
    members: dict[int, datetime] = field(default_factory=dict)
    deleted: bool = False
    flags: int = 0

    def extra_json(self) -> JSON:
        return {
            "owner_id": str(self.owner_id),
            "thread_metadata": {
                "archived": self.archived,
                "archive_timestamp": iso(self.archive_timestamp),
                "auto_archive_duration": self.auto_archive_duration,
                "locked": self.locked,
                "create_timestamp": iso(self.created_at),
                **({"invitable": self.invitable} if self.type == PRIVATE_THREAD else {}),
            },
            "message_count": self.message_count,
            "member_count": min(len(self.members), 50),
            "total_message_sent": self.total_message_sent,
            "applied_tags": [str(t) for t in self.applied_tags],
            "flags": self.flags,
        }


def member_json(thread: EmuThread, user_id: int) -> JSON:
    return {
        "id": str(thread.id),
        "user_id": str(user_id),
        "join_timestamp": iso(thread.members[user_id]),
        "flags": 0,
    }


class ThreadRules:
    """What threads add to the world: lookups, permissions and gateway dispatches."""

    def __init__(self, world: World, gateway: Gateway) -> None:
        self.world = world
        self.gateway = gateway

    def perms(self, channel: EmuChannel, user_id: int) -> int:
        assert channel.guild_id is not None
        return self.world.permissions(self.world.guilds[channel.guild_id], user_id)

    def require(self, channel: EmuChannel, user_id: int, bits: int) -> None:
        if self.perms(channel, user_id) & bits != bits:
            raise missing_permissions()

    def thread_json(self, thread: EmuThread, *, for_user: int | None = None) -> JSON:
        data = self.world.channel_json(thread)
        user = self.world.bot_user.id if for_user is None else for_user
        if user in thread.members:
            data["member"] = member_json(thread, user)
        return data

    async def dispatch_thread(self, event: str, thread: EmuThread) -> None:
        if event == "THREAD_DELETE":
            data: JSON = {
                "id": str(thread.id),
                "guild_id": str(thread.guild_id),
                "parent_id": str(thread.parent_id),
                "type": thread.type,
            }
        else:
            data = self.thread_json(thread)
            if event == "THREAD_CREATE":
                data["newly_created"] = True
        self.world.notify()
        await self.gateway.dispatch(event, data)

    async def dispatch_members(
        self, thread: EmuThread, added: int | None, removed: int | None
    ) -> None:
        data: JSON = {
            "id": str(thread.id),
            "guild_id": str(thread.guild_id),
            "member_count": min(len(thread.members), 50),
        }
        if added is not None:
            data["added_members"] = [member_json(thread, added)]
        if removed is not None:
            data["removed_member_ids"] = [str(removed)]
        await self.gateway.dispatch("THREAD_MEMBERS_UPDATE", data)

    def check_send(self, channel: EmuChannel, user_id: int) -> None:
        """Discord's refusals for sending a message in a forum or a thread."""
        if isinstance(channel, EmuForum) or channel.type == GUILD_FORUM:
            raise ApiError(
                400, 40058, "Cannot send messages in a forum channel; create a post (thread)"
            )
        if isinstance(channel, EmuThread):
            if channel.deleted:
                raise unknown("Channel", 10003)
            perms = self.perms(channel, user_id)
            if not perms & SEND_MESSAGES_IN_THREADS:
                raise missing_permissions()
            if channel.locked and not perms & MANAGE_THREADS:
                raise ApiError(400, 160005, "Thread is locked")

    async def after_send(self, channel: EmuChannel, user_id: int) -> None:
        """A message was sent in a thread: counted, the sender joins, an archived thread
        wakes up."""
        if not isinstance(channel, EmuThread):
            return
        channel.message_count += 1
        channel.total_message_sent += 1
        joined = user_id not in channel.members
        if joined:
            channel.members[user_id] = datetime.now(UTC)
        if channel.archived:
            channel.archived = False
            channel.archive_timestamp = datetime.now(UTC)
            await self.dispatch_thread("THREAD_UPDATE", channel)
        if joined and user_id == self.world.bot_user.id:
            await self.dispatch_members(channel, user_id, None)

    def check_edit(self, channel: EmuChannel) -> None:
        if isinstance(channel, EmuThread) and channel.archived:
            raise ApiError(400, 50083, "Thread is archived")

    def new_thread(
        self,
        parent: EmuChannel,
        name: str,
        owner_id: int,
        *,
        type: int,
        thread_id: int | None = None,
        auto_archive_duration: int = 4320,
        applied_tags: list[int] | None = None,
        invitable: bool = True,
    ) -> EmuThread:
        thread = EmuThread(
            id=thread_id or new_snowflake(),
            name=name,
            type=type,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=owner_id,
            auto_archive_duration=auto_archive_duration,
            applied_tags=list(applied_tags or []),
            invitable=invitable,
        )
        thread.members[owner_id] = datetime.now(UTC)
        self.world.channels[thread.id] = thread
        return thread


def _name(body: JSON) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= THREAD_NAME_MAX:
        raise invalid_form("name", f"Must be between 1 and {THREAD_NAME_MAX} in length.")
    return name


def _auto_archive(body: JSON, default: int) -> int:
    value = body.get("auto_archive_duration")
    if value is None:
        return default
    if value not in AUTO_ARCHIVE:
        raise invalid_form("auto_archive_duration", "Value must be one of (60, 1440, 4320, 10080).")
    return int(value)


def _tags(body: JSON, forum: EmuForum) -> list[int]:
    raw = body.get("applied_tags") or []
    if not isinstance(raw, list):
        raise invalid_form("applied_tags", "Must be an array.")
    if len(raw) > MAX_APPLIED_TAGS:
        raise invalid_form("applied_tags", f"Must be {MAX_APPLIED_TAGS} or fewer in length.")
    known = {t.id for t in forum.available_tags}
    tags: list[int] = []
    for n, value in enumerate(raw):
        try:
            tag = int(value)
        except (TypeError, ValueError):
            raise invalid_form(f"applied_tags.{n}", "Value is not snowflake.") from None
        if tag not in known:
            raise invalid_form(f"applied_tags.{n}", "Unknown tag.")
        if tag not in tags:
            tags.append(tag)
    return tags


class Threads(Resource):
    """Forums, threads and thread members. Listed before ``Channels`` in ``RESOURCES``: it
    answers message sends, edits and deletes in forums and threads itself (Discord's thread
    rules) and hands everything else to ``Channels``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = ThreadRules(self.world, self.gateway)
        self.channels = Channels(self.ctx)

    # ---------------------------------------------------------------- lookups
    def thread_of(self, call: Call) -> EmuThread:
        channel = self.channel_of(call)
        if not isinstance(channel, EmuThread) or channel.deleted:
            if isinstance(channel, EmuThread):
                raise unknown("Channel", 10003)
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        return channel

    @property
    def me(self) -> int:
        return self.world.bot_user.id

    # ---------------------------------------------------------------- messages
    @serves("POST", "/channels/{channel_id}/messages")
    async def create_message(self, call: Call) -> tuple[int, Any]:
        channel = self.channel_of(call)
        self.rules.check_send(channel, self.me)
        status, body = await self.channels.create_message(call)
        await self.rules.after_send(channel, self.me)
        return status, body

    @serves("PATCH", "/channels/{channel_id}/messages/{message_id}")
    async def edit_message(self, call: Call) -> tuple[int, Any]:
        self.rules.check_edit(self.channel_of(call))
        return await self.channels.edit_message(call)

    # ---------------------------------------------------------------- channels
    @serves("PATCH", "/channels/{channel_id}")
    async def modify_channel(self, call: Call) -> tuple[int, Any]:
        channel = self.channel_of(call)
        body = call.body()
        if isinstance(channel, EmuThread):
            return await self._modify_thread(channel, body)
        if channel.is_dm:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        self.rules.require(channel, self.me, MANAGE_CHANNELS)
        if "name" in body:
            name = body["name"]
            if not isinstance(name, str) or not 1 <= len(name) <= 100:
                raise invalid_form("name", "Must be between 1 and 100 in length.")
            channel.name = name
        if "topic" in body:
            channel.topic = body["topic"]
        if isinstance(channel, EmuForum):
            if "available_tags" in body:
                channel.available_tags = self._parse_tags(channel, body["available_tags"])
            if "flags" in body and body["flags"] is not None:
                channel.flags = int(body["flags"]) & REQUIRE_TAG
        data = self.world.channel_json(channel)
        await self.gateway.dispatch("CHANNEL_UPDATE", data)
        return 200, data

    def _parse_tags(self, forum: EmuForum, raw: Any) -> list[ForumTag]:
        if not isinstance(raw, list):
            raise invalid_form("available_tags", "Must be an array.")
        if len(raw) > MAX_FORUM_TAGS:
            raise invalid_form("available_tags", f"Must be {MAX_FORUM_TAGS} or fewer in length.")
        old = {t.id: t for t in forum.available_tags}
        tags: list[ForumTag] = []
        for n, item in enumerate(raw):
            if not isinstance(item, dict):
                raise invalid_form(f"available_tags.{n}", "Must be an object.")
            name = item.get("name")
            if not isinstance(name, str) or not 1 <= len(name) <= TAG_NAME_MAX:
                raise invalid_form(
                    f"available_tags.{n}.name", f"Must be between 1 and {TAG_NAME_MAX} in length."
                )
            ident = item.get("id")
            tag_id = int(ident) if ident is not None and int(ident) in old else new_snowflake()
            emoji_id = item.get("emoji_id")
            tags.append(
                ForumTag(
                    tag_id,
                    name,
                    bool(item.get("moderated") or False),
                    int(emoji_id) if emoji_id else None,
                    item.get("emoji_name"),
                )
            )
        return tags

    async def _modify_thread(self, thread: EmuThread, body: JSON) -> tuple[int, Any]:
        perms = self.rules.perms(thread, self.me)
        manage = bool(perms & MANAGE_THREADS)
        if thread.locked and not manage:
            raise ApiError(400, 160005, "Thread is locked")
        own = thread.owner_id == self.me
        if "locked" in body and bool(body["locked"]) != thread.locked and not manage:
            raise missing_permissions()
        changes_post = {"name", "applied_tags", "auto_archive_duration"} & body.keys()
        if changes_post and not (own or manage):
            raise missing_permissions()
        if "archived" in body and bool(body["archived"]) != thread.archived and not (own or manage):
            raise missing_permissions()
        if "name" in body:
            thread.name = _name(body)
        if "applied_tags" in body:
            parent = self.world.channels.get(thread.parent_id or 0)
            if not isinstance(parent, EmuForum):
                raise invalid_form("applied_tags", "Only forum posts carry tags.")
            tags = _tags(body, parent)
            if parent.flags & REQUIRE_TAG and not tags:
                raise ApiError(
                    400, 40067, "A tag is required to create a forum post in this channel"
                )
            thread.applied_tags = tags
        thread.auto_archive_duration = _auto_archive(body, thread.auto_archive_duration)
        if "locked" in body:
            thread.locked = bool(body["locked"])
        if "archived" in body and bool(body["archived"]) != thread.archived:
            thread.archived = bool(body["archived"])
            thread.archive_timestamp = datetime.now(UTC)
        await self.rules.dispatch_thread("THREAD_UPDATE", thread)
        return 200, self.rules.thread_json(thread)

    @serves("DELETE", "/channels/{channel_id}")
    async def delete_channel(self, call: Call) -> tuple[int, Any]:
        channel = self.channel_of(call)
        if isinstance(channel, EmuThread):
            if channel.deleted:
                raise unknown("Channel", 10003)
            self.rules.require(channel, self.me, MANAGE_THREADS)
            data = self.rules.thread_json(channel)
            await ThreadActions.remove_thread(self.world, self.rules, channel)
            return 200, data
        self.rules.require(channel, self.me, MANAGE_CHANNELS)
        raise ApiError(400, 50074, "Cannot delete a channel required for Community guilds")

    # ---------------------------------------------------------------- creating threads
    @serves("POST", "/channels/{channel_id}/threads")
    async def create_thread(self, call: Call) -> tuple[int, Any]:
        channel = self.channel_of(call)
        body = call.body()
        if isinstance(channel, EmuForum):
            return await self._forum_post(call, channel, body)
        if channel.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT) or channel.guild_id is None:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        name = _name(body)
        kind = int(body.get("type") or PRIVATE_THREAD)
        if kind not in (PUBLIC_THREAD, PRIVATE_THREAD, ANNOUNCEMENT_THREAD):
            raise invalid_form("type", "Value must be one of (10, 11, 12).")
        needed = CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else CREATE_PUBLIC_THREADS
        self.rules.require(channel, self.me, needed)
        thread = self.rules.new_thread(
            channel,
            name,
            self.me,
            type=kind,
            auto_archive_duration=_auto_archive(body, 4320),
            invitable=bool(body.get("invitable", True)),
        )
        await self.rules.dispatch_thread("THREAD_CREATE", thread)
        return 201, self.rules.thread_json(thread)

    async def _forum_post(self, call: Call, forum: EmuForum, body: JSON) -> tuple[int, Any]:
        self.rules.require(forum, self.me, SEND_MESSAGES)
        name = _name(body)
        message = body.get("message")
        if not isinstance(message, dict):
            raise invalid_form("message", "This field is required", "BASE_TYPE_REQUIRED")
        tags = _tags(body, forum)
        if forum.flags & REQUIRE_TAG and not tags:
            raise ApiError(400, 40067, "A tag is required to create a forum post in this channel")
        thread_id = new_snowflake()
        probe = EmuChannel(thread_id, name, PUBLIC_THREAD, forum.guild_id, parent_id=forum.id)
        # The first message is validated (and made) before the thread exists: a refused
        # message makes no post.
        msg = self.messages.new_message(probe, self.me, message, call.files)
        msg.id = thread_id  # a forum post's first message has the thread's id
        self.world.messages.pop(probe.last_message_id or 0, None)
        self.world.messages[msg.id] = msg
        thread = self.rules.new_thread(
            forum,
            name,
            self.me,
            type=PUBLIC_THREAD,
            thread_id=thread_id,
            auto_archive_duration=_auto_archive(body, 4320),
            applied_tags=tags,
        )
        thread.last_message_id = msg.id
        thread.message_count = 0
        thread.total_message_sent = 1
        forum.last_message_id = thread.id
        await self.rules.dispatch_thread("THREAD_CREATE", thread)
        await self.messages.announce(msg)
        data = self.rules.thread_json(thread)
        data["message"] = self.world.message_json(msg)
        return 201, data

    @serves("POST", "/channels/{channel_id}/messages/{message_id}/threads")
    async def thread_from_message(self, call: Call) -> tuple[int, Any]:
        channel = self.channel_of(call)
        if channel.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT) or channel.guild_id is None:
            raise ApiError(400, 50024, "Cannot execute action on this channel type")
        msg = self.world.messages.get(int(call.params["message_id"]))
        if msg is None or msg.deleted or msg.channel_id != channel.id or msg.ephemeral:
            raise unknown("Message", 10008)
        self.rules.require(channel, self.me, CREATE_PUBLIC_THREADS)
        body = call.body()
        name = _name(body)
        if msg.id in self.world.channels:
            raise ApiError(400, 160004, "A thread has already been created for this message")
        kind = ANNOUNCEMENT_THREAD if channel.type == GUILD_ANNOUNCEMENT else PUBLIC_THREAD
        thread = self.rules.new_thread(
            channel,
            name,
            self.me,
            type=kind,
            thread_id=msg.id,
            auto_archive_duration=_auto_archive(body, 4320),
        )
        await self.rules.dispatch_thread("THREAD_CREATE", thread)
        return 201, self.rules.thread_json(thread)

    # ---------------------------------------------------------------- members
    @serves("GET", "/channels/{channel_id}/thread-members")
    async def list_members(self, call: Call) -> tuple[int, Any]:
        thread = self.thread_of(call)
        return 200, [member_json(thread, u) for u in thread.members]

    @serves("GET", "/channels/{channel_id}/thread-members/{user_id}")
    async def get_member(self, call: Call) -> tuple[int, Any]:
        thread = self.thread_of(call)
        user_id = int(call.params["user_id"])
        if user_id not in thread.members:
            raise unknown("Member", 10007)
        return 200, member_json(thread, user_id)

    @serves("PUT", "/channels/{channel_id}/thread-members/@me")
    async def join(self, call: Call) -> tuple[int, Any]:
        thread = self.thread_of(call)
        if thread.archived and thread.locked:
            raise ApiError(400, 50083, "Thread is archived")
        if self.me not in thread.members:
            thread.members[self.me] = datetime.now(UTC)
            await self.rules.dispatch_members(thread, self.me, None)
        return 204, None

    @serves("DELETE", "/channels/{channel_id}/thread-members/@me")
    async def leave(self, call: Call) -> tuple[int, Any]:
        thread = self.thread_of(call)
        if thread.members.pop(self.me, None) is not None:
            await self.rules.dispatch_members(thread, None, self.me)
        return 204, None

    @serves("PUT", "/channels/{channel_id}/thread-members/{user_id}")
    async def add_member(self, call: Call) -> tuple[int, Any]:
        thread = self.thread_of(call)
        if thread.archived:
            raise ApiError(400, 50083, "Thread is archived")
        self.rules.require(thread, self.me, SEND_MESSAGES_IN_THREADS)
        user_id = int(call.params["user_id"])
        assert thread.guild_id is not None
        if user_id not in self.world.guilds[thread.guild_id].members:
            raise unknown("Member", 10007)
        if user_id not in thread.members:
            thread.members[user_id] = datetime.now(UTC)
            await self.rules.dispatch_members(thread, user_id, None)
        return 204, None

    @serves("DELETE", "/channels/{channel_id}/thread-members/{user_id}")
    async def remove_member(self, call: Call) -> tuple[int, Any]:
        thread = self.thread_of(call)
        self.rules.require(thread, self.me, MANAGE_THREADS)
        user_id = int(call.params["user_id"])
        if thread.members.pop(user_id, None) is not None:
            await self.rules.dispatch_members(thread, None, user_id)
        return 204, None

    @serves("GET", "/guilds/{guild_id}/threads/active")
    async def active_threads(self, call: Call) -> tuple[int, Any]:
        guild = self.guild_of(call)
        threads = [
            c
            for c in self.world.channels.values()
            if isinstance(c, EmuThread)
            and c.guild_id == guild.id
            and not c.deleted
            and not c.archived
        ]
        return 200, {
            "threads": [self.world.channel_json(t) for t in threads],
            "members": [member_json(t, self.me) for t in threads if self.me in t.members],
        }


class ThreadActions:
    """Test-facing actions: what people (not the bot) do with forums and threads."""

    def __init__(self, emu: DiscordEmulator) -> None:
        self.emu = emu
        self.world: World = emu.world
        self.gateway: Gateway = emu.gateway
        self.messages: Messages = emu.messages
        self.rules = ThreadRules(self.world, self.gateway)

    def add_forum(
        self,
        guild_id: IdLike,
        name: str,
        *,
        tags: list[str] = (),  # type: ignore[assignment]
        require_tag: bool = False,
        id: int | None = None,
    ) -> EmuForum:
        """A forum channel (before or after the bot connects; no CHANNEL_CREATE)."""
        return self.world.place_channel(
            EmuForum(
                id or new_snowflake(),
                name,
                GUILD_FORUM,
                self.world.guild(guild_id).id,
                available_tags=[ForumTag(new_snowflake(), t) for t in tags],
                flags=REQUIRE_TAG if require_tag else 0,
            )
        )

    def forum(self, channel_id: IdLike) -> EmuForum:
        channel = self.world.channel(channel_id)
        assert isinstance(channel, EmuForum), f"channel {channel_id} is not a forum"
        return channel

    def thread(self, channel_id: IdLike) -> EmuThread:
        channel = self.world.channel(channel_id)
        assert isinstance(channel, EmuThread), f"channel {channel_id} is not a thread"
        return channel

    def threads_in(self, forum_id: IdLike) -> list[EmuThread]:
        fid = to_id(forum_id)
        return [
            c
            for c in self.world.channels.values()
            if isinstance(c, EmuThread) and c.parent_id == fid and not c.deleted
        ]

    def tag_names(self, thread: EmuThread) -> list[str]:
        parent = self.forum(thread.parent_id or 0)
        names = {t.id: t.name for t in parent.available_tags}
        return [names[t] for t in thread.applied_tags if t in names]

    def _message_data(self, msg: RecordedMessage, mentioned_bot: bool) -> JSON:
        data = self.world.message_create_json(msg)
        session = self.gateway.current
        has_content = session is not None and bool(session.intents & INTENT_MESSAGE_CONTENT)
        if not has_content and not mentioned_bot:
            data.update(content="", embeds=[], attachments=[], components=[])
        return data

    async def post_in_thread(
        self, thread_id: IdLike, user_id: IdLike, content: str
    ) -> RecordedMessage:
        """A member posts a message in a thread (Discord's rules for them apply)."""
        thread = self.thread(thread_id)
        author = to_id(user_id)
        self.rules.check_send(thread, author)
        msg = self.messages.new_message(thread, author, {"content": content}, [])
        self.world.emit(
            EmulatorEvent(
                "user_message", False, msg.guild_id, msg.channel_id, msg.author_id, message=msg
            )
        )
        await self.rules.after_send(thread, author)
        mentioned = self.world.bot_user.id in msg.mentions.user_ids or (
            f"<@{self.world.bot_user.id}>" in content
        )
        await self.gateway.dispatch("MESSAGE_CREATE", self._message_data(msg, mentioned))
        return msg

    async def open_post(
        self,
        forum_id: IdLike,
        user_id: IdLike,
        name: str,
        content: str,
        tags: list[str] = (),  # type: ignore[assignment]
    ) -> EmuThread:
        """A member opens a forum post by hand."""
        forum = self.forum(forum_id)
        author = to_id(user_id)
        self.rules.require(forum, author, SEND_MESSAGES)
        by_name = {t.name: t.id for t in forum.available_tags}
        applied = [by_name[t] for t in tags]
        if forum.flags & REQUIRE_TAG and not applied:
            raise ApiError(400, 40067, "A tag is required to create a forum post in this channel")
        thread = self.rules.new_thread(
            forum, name, author, type=PUBLIC_THREAD, applied_tags=applied
        )
        msg = self.messages.new_message(thread, author, {"content": content}, [])
        self.world.messages.pop(msg.id)
        msg.id = thread.id
        self.world.messages[msg.id] = msg
        thread.last_message_id = msg.id
        thread.total_message_sent = 1
        await self.rules.dispatch_thread("THREAD_CREATE", thread)
        await self.gateway.dispatch("MESSAGE_CREATE", self._message_data(msg, False))
        return thread

    async def delete_post(self, thread_id: IdLike) -> None:
        """Someone (a moderator) deletes a forum post or thread by hand: THREAD_DELETE."""
        await self.remove_thread(self.world, self.rules, self.thread(thread_id))

    async def archive(self, thread_id: IdLike, *, locked: bool = False) -> None:
        """Discord (or a moderator) archives a thread, optionally locking it: THREAD_UPDATE."""
        thread = self.thread(thread_id)
        thread.archived = True
        thread.locked = locked or thread.locked
        thread.archive_timestamp = datetime.now(UTC)
        await self.rules.dispatch_thread("THREAD_UPDATE", thread)

    @staticmethod
    async def remove_thread(world: World, rules: ThreadRules, thread: EmuThread) -> None:
        thread.deleted = True
        for msg in world.messages_in(thread.id):
            msg.deleted = True
        await rules.dispatch_thread("THREAD_DELETE", thread)
