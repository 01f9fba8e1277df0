"""Gateway v10 (JSON encoding, optional zlib-stream / zstd-stream transport compression)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from emulator.models import JSON

log = logging.getLogger(__name__)

try:  # zstandard is optional; discord.py only asks for zstd-stream when it has it too
    import zstandard  # type: ignore[import-not-found,unused-ignore]

    HAS_ZSTD = True
except ImportError:  # pragma: no cover - depends on the environment
    HAS_ZSTD = False

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE = 3
OP_VOICE_STATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

#: Intents bits that gate the dispatches the emulator sends.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
INTENT_GUILD_SCHEDULED_EVENTS = 1 << 16
#: Intents an application must have enabled in the developer portal before it may ask for them.
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

EVENT_INTENTS: dict[str, int] = {
    "GUILD_MEMBER_ADD": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_REMOVE": INTENT_GUILD_MEMBERS,
    "GUILD_MEMBER_UPDATE": INTENT_GUILD_MEMBERS,
    "GUILD_ROLE_CREATE": INTENT_GUILDS,
    "CHANNEL_CREATE": INTENT_GUILDS,
    "CHANNEL_UPDATE": INTENT_GUILDS,
    "THREAD_CREATE": INTENT_GUILDS,
    "THREAD_UPDATE": INTENT_GUILDS,
    "THREAD_DELETE": INTENT_GUILDS,
    "THREAD_MEMBERS_UPDATE": INTENT_GUILD_MEMBERS,
    "GUILD_SCHEDULED_EVENT_CREATE": INTENT_GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_UPDATE": INTENT_GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_DELETE": INTENT_GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_USER_ADD": INTENT_GUILD_SCHEDULED_EVENTS,
    "GUILD_SCHEDULED_EVENT_USER_REMOVE": INTENT_GUILD_SCHEDULED_EVENTS,
}

MAX_BUFFERED_EVENTS = 50_000


class _Connection:
    """One websocket, with the transport compression it asked for."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        compress: str | None,
        transport: asyncio.BaseTransport | None,
    ) -> None:
        self.ws = ws
        self.transport = transport
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd: Any = None
        if compress == "zstd-stream" and HAS_ZSTD:
            self._zstd = zstandard.ZstdCompressor().compressobj()
        self._lock = asyncio.Lock()

    async def send(self, payload: JSON) -> None:
        text = json.dumps(payload, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                raise ConnectionResetError("gateway socket closed")
            if self._zlib is not None:
                raw = text.encode()
                await self.ws.send_bytes(
                    self._zlib.compress(raw) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                )
            elif self._zstd is not None:
                chunk = self._zstd.compress(text.encode())
                chunk += self._zstd.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
                await self.ws.send_bytes(chunk)
            else:
                await self.ws.send_str(text)


@dataclass
class GatewaySession:
    id: str
    intents: int
    large_threshold: int = 50  # IDENTIFY's large_threshold, 50 to 250
    seq: int = 0
    buffer: list[tuple[int, JSON]] = field(default_factory=list)
    connection: _Connection | None = None
    invalid: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(frozen=True)
class GatewayFrame:
    """A frame seen on the gateway, for tests that check the protocol itself."""

    direction: str  # "in" (from the bot) or "out"
    op: int
    t: str | None = None
    s: int | None = None


class Gateway:
    """Sessions, sockets, sequence numbers and the replay buffer of one emulated bot."""

    def __init__(
        self,
        *,
        token: Callable[[], str],
        heartbeat_interval_ms: int,
        resume_url: Callable[[], str],
        on_identify: Callable[[GatewaySession], Awaitable[None]],
        on_request_members: Callable[[GatewaySession, JSON], Awaitable[None]],
        notify: Callable[[], None],
    ) -> None:
        self._token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self._resume_url = resume_url
        self._on_identify = on_identify
        self._on_request_members = on_request_members
        self._notify = notify
        self.sessions: dict[str, GatewaySession] = {}
        self.current: GatewaySession | None = None
        self.frames: list[GatewayFrame] = []
        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0
        self._open = asyncio.Event()
        self._open.set()
        self._invalidate_next_resume = False
        self._connections: set[_Connection] = set()
        self.connect_paths: list[str] = []
        #: The privileged intents the application has enabled (all, unless a test says).
        self.enabled_privileged_intents = PRIVILEGED_INTENTS

    # ----------------------------------------------------------------- control
    @property
    def connected(self) -> bool:
        return self.current is not None and self.current.connection is not None

    def hold(self) -> None:
        """New sockets are accepted but get no HELLO until ``release``."""
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    def invalidate_next_resume(self) -> None:
        self._invalidate_next_resume = True

    async def drop(self, code: int | None) -> None:
        """Close the current socket; later dispatches stay buffered for RESUME."""
        session = self.current
        if session is None or session.connection is None:
            return
        async with session.lock:
            conn, session.connection = session.connection, None
        await self._close(conn, code)

    async def send_invalid_session(self, resumable: bool) -> None:
        session = self.current
        if session is None or session.connection is None:
            raise RuntimeError("no gateway session is connected")
        async with session.lock:
            if not resumable:
                session.invalid = True
            conn = session.connection
            if conn is not None:
                await self._send(conn, {"op": OP_INVALID_SESSION, "d": resumable})

    async def close_all(self) -> None:
        self._open.set()
        for conn in list(self._connections):
            await self._close(conn, 1001)

    async def _close(self, conn: _Connection, code: int | None) -> None:
        with contextlib.suppress(Exception):
            if code is None:
                transport = conn.transport
                if isinstance(transport, asyncio.Transport):
                    transport.abort()
                    return
                code = 4000
            await asyncio.wait_for(conn.ws.close(code=code), timeout=2)

    # ----------------------------------------------------------------- dispatch
    async def dispatch(self, event: str, data: JSON) -> bool:
        """Send (or buffer, if the socket is down) a dispatch. False if no session wants it."""
        session = self.current
        if session is None or session.invalid:
            return False
        needed = EVENT_INTENTS.get(event)
        if event in ("MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE"):
            needed = (
                INTENT_DIRECT_MESSAGES if data.get("guild_id") is None else INTENT_GUILD_MESSAGES
            )
        if needed is not None and not session.intents & needed:
            return False
        async with session.lock:
            await self._dispatch_locked(session, event, data)
        return True

    async def dispatch_to(self, session: GatewaySession, event: str, data: JSON) -> None:
        """Send a dispatch to ``session`` whatever its intents (answers to its own requests)."""
        async with session.lock:
            await self._dispatch_locked(session, event, data)

    async def _dispatch_locked(self, session: GatewaySession, event: str, data: JSON) -> None:
        session.seq += 1
        payload: JSON = {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data}
        session.buffer.append((session.seq, payload))
        if len(session.buffer) > MAX_BUFFERED_EVENTS:
            del session.buffer[: len(session.buffer) - MAX_BUFFERED_EVENTS]
        if session.connection is not None:
            try:
                await self._send(session.connection, payload)
            except (ConnectionResetError, RuntimeError):
                session.connection = None

    async def _send(self, conn: _Connection, payload: JSON) -> None:
        self.frames.append(GatewayFrame("out", payload["op"], payload.get("t"), payload.get("s")))
        await conn.send(payload)

    # ----------------------------------------------------------------- socket handler
    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(heartbeat=None, max_msg_size=0)
        await ws.prepare(request)
        compress = request.query.get("compress")
        if compress == "zstd-stream" and not HAS_ZSTD:
            compress = None  # discord.py reads plain text frames whatever it asked for
        conn = _Connection(ws, compress, request.transport)
        self.connect_paths.append(request.path_qs)
        self._connections.add(conn)
        try:
            await self._open.wait()
            if ws.closed:
                return ws
            await self._send(
                conn, {"op": OP_HELLO, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                await self._received(conn, json.loads(msg.data))
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(conn)
            for session in self.sessions.values():
                if session.connection is conn:
                    session.connection = None
            self._notify()
        return ws

    async def _received(self, conn: _Connection, msg: JSON) -> None:
        op = int(msg.get("op", -1))
        data = msg.get("d")
        self.frames.append(GatewayFrame("in", op))
        if op == OP_HEARTBEAT:
            self.heartbeat_count += 1
            await self._send(conn, {"op": OP_HEARTBEAT_ACK})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        elif op == OP_REQUEST_MEMBERS:
            session = self._session_of(conn)
            if session is not None:
                await self._on_request_members(session, data or {})
        elif op in (OP_PRESENCE, OP_VOICE_STATE):
            pass
        else:
            log.warning("emulator gateway: unhandled op %s", op)

    def _session_of(self, conn: _Connection) -> GatewaySession | None:
        for session in self.sessions.values():
            if session.connection is conn:
                return session
        return None

    async def _identify(self, conn: _Connection, data: JSON) -> None:
        if data.get("token") != self._token():
            await self._close(conn, 4004)  # Authentication failed
            return
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.enabled_privileged_intents:
            await self._close(conn, 4014)  # Disallowed intent(s)
            return
        threshold = min(250, max(50, int(data.get("large_threshold") or 50)))
        session = GatewaySession(
            id=secrets.token_hex(16), intents=intents, large_threshold=threshold
        )
        old = self.current
        if old is not None and old.connection is not None and old.connection is not conn:
            await self._close(old.connection, 4000)
        self.sessions[session.id] = session
        self.current = session
        async with session.lock:
            session.connection = conn
        self.identify_count += 1
        await self._on_identify(session)
        self._notify()

    async def _resume(self, conn: _Connection, data: JSON) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        seq = int(data.get("seq") or 0)
        if (
            self._invalidate_next_resume
            or session is None
            or session.invalid
            or data.get("token") != self._token()
            or (session.buffer and session.buffer[0][0] > seq + 1)
        ):
            self._invalidate_next_resume = False
            if session is not None:
                session.invalid = True
            await self._send(conn, {"op": OP_INVALID_SESSION, "d": False})
            return
        async with session.lock:
            session.connection = conn
            self.current = session
            for s, payload in session.buffer:
                if s > seq:
                    await self._send(conn, payload)
            await self._dispatch_locked(session, "RESUMED", {})
        self.resume_count += 1
        self._notify()

    async def send_ready_sequence(
        self, session: GatewaySession, events: list[tuple[str, JSON]]
    ) -> None:
        async with session.lock:
            for event, data in events:
                await self._dispatch_locked(session, event, data)
