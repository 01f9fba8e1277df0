"""The outbox: sends what the queue says is due, paced, through the port.

One DM at a time, at most ``dm_per_second`` (a token bucket on a monotonic clock); a
rate-limited answer pauses the whole outbox for Discord's ``retry_after`` and retries the
DM later, so a 429 storm slows sending down and neither loses nor doubles a message. Each
DM is claimed (committed) before it is sent and recorded right after, in its own small
transaction, so a process killed mid-burst loses at most the one in flight, and that one
is found by its marker (or deduplicated by its nonce) on the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.config import AppConfig
from bot.db import Database
from bot.models import OutboundKind, OutboundStatus
from bot.services.outbound import queue
from bot.timeutil import Clock, show

log = logging.getLogger(__name__)

NOTIFICATIONS_BUTTON_ID = "notif:open"
"""The custom id of the "Notification settings" button on every automatic DM; the
notifications cog answers it with the member's settings."""
NOTIFICATIONS_BUTTON = port.Button(
    "Notification settings", custom_id=NOTIFICATIONS_BUTTON_ID, emoji="🔔"
)
"""That button, as every automatic DM (outbox or reminder) ends with it."""
NOTIFICATIONS_LINE = "Choose what I DM you, and when: /notifications"
NO_RENDERER_WAIT = timedelta(minutes=1)


def marker(item_id: int) -> str:
    return f"ref O{item_id}"


def nonce(item_id: int) -> str:
    return f"cop-out-{item_id}"


@dataclass(frozen=True)
class Rendering:
    """What a renderer gets to write one DM."""

    item_id: int
    user_id: int
    kind: OutboundKind
    params: dict[str, object]
    now: datetime
    due_at: datetime
    late: bool


Renderer = Callable[[AsyncSession, Rendering], Awaitable[port.Message | None]]
"""Writes the DM at send time; returns None when it is no longer needed (skipped)."""


@dataclass(frozen=True)
class OutboxSettings:
    dm_per_second: float = 2.0
    poll_seconds: float = 10
    max_attempts: int = 8
    retry_base: timedelta = timedelta(seconds=30)
    retry_max: timedelta = timedelta(minutes=30)
    late_after: timedelta = timedelta(minutes=30)
    claim_batch: int = 10

    @classmethod
    def from_config(cls, config: AppConfig) -> OutboxSettings:
        section = config.notifications
        return cls(
            dm_per_second=section.dm_per_second,
            poll_seconds=section.poll_seconds,
            max_attempts=section.max_attempts,
            retry_base=timedelta(seconds=section.retry_base_seconds),
            retry_max=timedelta(seconds=section.retry_max_seconds),
            late_after=timedelta(minutes=section.late_after_minutes),
        )

    def backoff(self, attempts: int, retry_after: float | None) -> timedelta:
        """The wait before attempt ``attempts + 1``, at least Discord's ``retry_after``."""
        return port.retry_wait(attempts, self.retry_base, self.retry_max, retry_after)


@dataclass
class DrainSummary:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retrying: int = 0
    delayed: int = 0
    recovered: int = 0
    reasons: list[str] = field(default_factory=list)


def late_note(due_at: datetime) -> str:
    """The line an automatic message carries when it goes out late."""
    return (
        f"⏰ Sent late: this was due {show(due_at, 'f')} ({show(due_at, 'R')}), "
        "while the bot was offline or couldn't reach Discord."
    )


def decorate(message: port.Message, item_id: int, *, late_since: datetime | None) -> port.Message:
    """Add what every automatic DM carries: the /notifications line and button, the
    marker that finds it after a crash, the nonce, and a late note when it is late."""
    footer = f"{NOTIFICATIONS_LINE} · {marker(item_id)}"
    cards = list(message.cards)
    if cards:
        last = cards[-1]
        text = f"{last.footer} · {footer}" if last.footer else footer
        cards[-1] = replace(last, footer=text[-2048:])
    else:
        cards.append(port.Card(footer=footer))
    content = message.content
    if late_since is not None:
        note = late_note(late_since)
        content = f"{note}\n{content}" if content else note
    buttons = (
        *message.buttons,
        NOTIFICATIONS_BUTTON,
    )
    return replace(
        message, content=content, cards=tuple(cards), buttons=buttons[:25], nonce=nonce(item_id)
    )


class Outbox:
    """Sends queued DMs. ``start()`` runs it in the background; ``wake()`` after a commit
    that queued something; ``drain()`` sends everything due now (tests call it)."""

    def __init__(
        self,
        db: Database,
        out: port.DiscordPort,
        clock: Clock,
        zone: ZoneInfo,
        settings: OutboxSettings,
        *,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.port = out
        self.clock = clock
        self.zone = zone
        self.settings = settings
        self.token = secrets.token_hex(8)
        """Identifies this run's claims; a claim under another token was left by a crash."""
        self._sleep = sleep
        self._monotonic = monotonic
        self._renderers: dict[str, Renderer] = {}
        self._missing: set[str] = set()
        self._next_slot = 0.0
        self._wake = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # --- wiring ------------------------------------------------------------------------

    def register(self, template: str, renderer: Renderer) -> None:
        """The renderer that writes DMs queued with ``template``."""
        self._renderers[template] = renderer
        self._missing.discard(template)
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._closing = False
            self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        self._closing = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._closing:
            try:
                await self.drain()
            except Exception:
                log.exception("outbox: a run failed; the next wake-up retries it")
            timeout = float(self.settings.poll_seconds)
            try:
                async with self.db.transaction() as session:
                    upcoming = await queue.next_wake(session)
                if upcoming is not None:
                    ahead = (upcoming - self.clock()).total_seconds()
                    timeout = min(timeout, max(0.05, ahead))
            except Exception:
                log.exception("outbox: could not read the next due time")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            self._wake.clear()

    # --- pacing ------------------------------------------------------------------------

    async def _pace(self) -> None:
        interval = 1.0 / self.settings.dm_per_second
        now = self._monotonic()
        wait = self._next_slot - now
        if wait > 0:
            await self._sleep(wait)
            now = self._monotonic()
        self._next_slot = max(now, self._next_slot) + interval

    def _pause(self, seconds: float) -> None:
        """Hold every send for ``seconds`` (Discord asked us to wait)."""
        self._next_slot = max(self._next_slot, self._monotonic() + seconds)

    # --- sending -----------------------------------------------------------------------

    async def drain(self) -> DrainSummary:
        """Send everything due now, paced. Safe to call at any time, any number of times.

        Claims are taken (and committed) a few at a time; their messages are written in one
        read, sent one by one, and their outcomes recorded together. A process killed in
        between leaves them claimed: the next run finds each sent one by its marker."""
        summary = DrainSummary()
        async with self._lock:
            while not self._closing:
                async with self.db.transaction() as session:
                    claimed = await queue.claim_due(
                        session,
                        self.clock(),
                        self.token,
                        self.zone,
                        limit=self.settings.claim_batch,
                    )
                summary.skipped += claimed.skipped
                summary.delayed += claimed.delayed
                if not claimed.claims:
                    if claimed.skipped or claimed.delayed:
                        continue
                    break
                await self._send_group(claimed.claims, summary)
        return summary

    async def _render_all(
        self, claims: list[queue.Claim]
    ) -> dict[int, port.Message | _Problem | None]:
        """Every claim's message, in one read; what could not be written says why."""
        written: dict[int, port.Message | _Problem | None] = {}
        now = self.clock()
        try:
            async with self.db.transaction() as session:
                for claim in claims:
                    renderer = self._renderers.get(claim.template)
                    if renderer is None:
                        if claim.template not in self._missing:
                            self._missing.add(claim.template)
                            log.warning(
                                "outbox: no renderer for %r yet; its DMs wait", claim.template
                            )
                        written[claim.item_id] = _Problem("no renderer", missing=True)
                        continue
                    late = now - claim.due_at > self.settings.late_after
                    rendering = Rendering(
                        claim.item_id,
                        claim.user_id,
                        claim.kind,
                        claim.params,
                        now,
                        claim.due_at,
                        late,
                    )
                    try:
                        message = await renderer(session, rendering)
                    except Exception as exc:
                        log.exception("outbox: rendering item %s failed", claim.item_id)
                        written[claim.item_id] = _Problem(f"unexpected {type(exc).__name__}")
                        continue
                    if message is not None:
                        message = decorate(
                            message, claim.item_id, late_since=claim.due_at if late else None
                        )
                    written[claim.item_id] = message
        except Exception:
            log.exception("outbox: the read for rendering failed; what was written is used")
        return written

    async def _send_group(self, claims: list[queue.Claim], summary: DrainSummary) -> None:
        written = await self._render_all(claims)
        outcomes: list[tuple[queue.Claim, _Outcome]] = []
        for claim in claims:
            if self._closing:
                outcomes.append((claim, _Outcome("release")))
                continue
            message = written.get(claim.item_id, _Problem("not written"))
            outcomes.append((claim, await self._attempt(claim, message)))
        await self._record(outcomes, summary)

    async def _attempt(
        self, claim: queue.Claim, message: port.Message | _Problem | None
    ) -> _Outcome:
        """Send one claimed DM (paced); what happened, to be recorded."""
        if isinstance(message, _Problem):
            if message.missing:
                return _Outcome("release", until=self.clock() + NO_RENDERER_WAIT)
            return _Outcome("retry", message.reason)
        try:
            await self._pace()  # every DM's requests (member check, lookup, send) share a slot
            member = await self.port.member(claim.user_id)
            if member is None:
                return _Outcome("settle", "left the server", OutboundStatus.SKIPPED)
            if claim.recovering:
                found = await self.port.find_in_dm(claim.user_id, marker(claim.item_id))
                if found is not None:
                    return _Outcome("sent", sent=found, recovered=True)
            if message is None:
                return _Outcome("settle", "no longer needed", OutboundStatus.SKIPPED)
            return _Outcome("sent", sent=await self.port.dm(claim.user_id, message))
        except port.Transient as exc:
            if exc.retry_after:
                self._pause(exc.retry_after)
            return _Outcome("retry", exc.detail, retry_after=exc.retry_after)
        except port.Gone as exc:
            return _Outcome("settle", f"unknown user ({exc.detail})", OutboundStatus.SKIPPED)
        except port.DmClosed:
            return _Outcome("settle", "their DMs are closed", OutboundStatus.FAILED)
        except port.PortError as exc:
            return _Outcome("settle", exc.detail, OutboundStatus.FAILED)
        except Exception as exc:
            log.exception("outbox: unexpected error sending item %s", claim.item_id)
            return _Outcome("retry", f"unexpected {type(exc).__name__}")

    async def _record(
        self, outcomes: list[tuple[queue.Claim, _Outcome]], summary: DrainSummary
    ) -> None:
        tally = queue.Tally()
        async with self.db.transaction() as session:
            now = self.clock()
            await queue.load_claimed(session, (claim for claim, _ in outcomes))
            for claim, outcome in outcomes:
                if outcome.what == "sent":
                    assert outcome.sent is not None
                    await queue.record_sent(
                        session,
                        claim,
                        self.token,
                        now,
                        outcome.sent.channel_id,
                        outcome.sent.message_id,
                        tally,
                    )
                    summary.sent += 1
                    summary.recovered += outcome.recovered
                elif outcome.what == "settle":
                    assert outcome.status is not None
                    await queue.record_settled(
                        session, claim, self.token, now, outcome.status, outcome.reason, tally
                    )
                    if outcome.status is OutboundStatus.SKIPPED:
                        summary.skipped += 1
                    else:
                        summary.failed += 1
                        summary.reasons.append(outcome.reason)
                elif outcome.what == "retry":
                    at = await queue.record_retry(
                        session,
                        claim,
                        self.token,
                        now,
                        outcome.reason,
                        wait=self.settings.backoff(claim.attempts, outcome.retry_after),
                        max_attempts=self.settings.max_attempts,
                        tally=tally,
                    )
                    if at is None:
                        summary.failed += 1
                        summary.reasons.append(outcome.reason)
                        log.warning(
                            "outbox: gave up item %s after %d attempts",
                            claim.item_id,
                            claim.attempts,
                        )
                    else:
                        summary.retrying += 1
                else:
                    await queue.release(session, claim, self.token)
                    if outcome.until is not None:
                        await queue.postpone(session, claim.item_id, outcome.until)
            await tally.flush(session)


@dataclass(frozen=True)
class _Problem:
    """Why a claim's message could not be written."""

    reason: str
    missing: bool = False
    """No renderer is registered for its template (yet)."""


@dataclass(frozen=True)
class _Outcome:
    what: str
    """"sent", "settle" (skipped or failed for good), "retry" or "release"."""
    reason: str = ""
    status: OutboundStatus | None = None
    sent: port.Sent | None = None
    recovered: bool = False
    retry_after: float | None = None
    until: datetime | None = None
