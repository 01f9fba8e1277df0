"""The outbound queue's database side: enqueue, progress, claim and record.

Exactly once across restarts: an item's claim (status ``sending``, this run's token,
attempts + 1) is committed before anything is sent. A claim left by another token was
made by a run that died; the next run looks the message up by its marker and resends with
the same nonce, which Discord deduplicates, so the DM goes out once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import NotFound
from bot.models import OutboundBatch, OutboundItem, OutboundKind, OutboundStatus
from bot.services import notifications
from bot.services.unique import rows_changed

INSERT_CHUNK = 500


@dataclass(frozen=True)
class BatchInfo:
    id: int
    total: int
    added: int
    """How many items this call added (0 when everything was already queued)."""


@dataclass(frozen=True)
class Progress:
    batch_id: int
    label: str
    total: int
    sent: int
    skipped: int
    failed: int
    cancelled: int

    @property
    def pending(self) -> int:
        return max(0, self.total - self.sent - self.skipped - self.failed - self.cancelled)

    @property
    def done(self) -> bool:
        return self.pending == 0

    def summary(self) -> str:
        parts = [f"{self.sent} of {self.total} sent"]
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.cancelled:
            parts.append(f"{self.cancelled} cancelled")
        parts.append(f"{self.pending} waiting" if self.pending else "done")
        return " · ".join(parts)


def item_key(key: str, user_id: int) -> str:
    return f"{key}:{user_id}"


@dataclass(frozen=True)
class _Items:
    """What every DM queued by one call shares."""

    kind: OutboundKind
    template: str
    params: Mapping[str, object] | None
    now: datetime
    not_before: datetime | None

    def row(self, key: str, user_id: int, batch_id: int | None) -> dict[str, object]:
        due = max(self.now, self.not_before or self.now)
        return {
            "key": key,
            "batch_id": batch_id,
            "kind": self.kind,
            "user_id": user_id,
            "template": self.template,
            "params": dict(self.params or {}),
            "status": OutboundStatus.PENDING,
            "due_at": due,
            "next_attempt_at": due,
            "attempts": 0,
            "reason": "",
            "quiet_delayed": False,
            "created_at": self.now,
        }


async def _existing(session: AsyncSession, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), INSERT_CHUNK):
        chunk = keys[start : start + INSERT_CHUNK]
        found.update(
            await session.scalars(sa.select(OutboundItem.key).where(OutboundItem.key.in_(chunk)))
        )
    return found


async def enqueue_many(
    session: AsyncSession,
    now: datetime,
    *,
    kind: OutboundKind,
    key: str,
    user_ids: Iterable[int],
    template: str,
    params: Mapping[str, object] | None = None,
    label: str = "",
    created_by: int | None = None,
    not_before: datetime | None = None,
) -> BatchInfo:
    """Queue one DM per user as one batch. The same ``key`` again adds only the users not
    yet queued under it, so a retried or repeated call sends nobody twice."""
    batch = await session.scalar(sa.select(OutboundBatch).where(OutboundBatch.key == key))
    if batch is None:
        batch = OutboundBatch(
            key=key,
            kind=kind,
            label=label[:200],
            created_by=created_by,
            created_at=now,
            total=0,
            sent=0,
            skipped=0,
            failed=0,
            cancelled=0,
        )
        session.add(batch)
        await session.flush()
    users = list(dict.fromkeys(user_ids))
    keys = [item_key(key, u) for u in users]
    existing = await _existing(session, keys)
    items = _Items(kind, template, params, now, not_before)
    rows = [
        items.row(k, u, batch.id) for u, k in zip(users, keys, strict=True) if k not in existing
    ]
    for start in range(0, len(rows), INSERT_CHUNK):
        await session.execute(sa.insert(OutboundItem), rows[start : start + INSERT_CHUNK])
    batch.total += len(rows)
    await session.flush()
    return BatchInfo(batch.id, batch.total, len(rows))


async def enqueue(
    session: AsyncSession,
    now: datetime,
    *,
    kind: OutboundKind,
    key: str,
    user_id: int,
    template: str,
    params: Mapping[str, object] | None = None,
    not_before: datetime | None = None,
) -> int | None:
    """Queue one DM. Returns its id, or None when ``key`` was already queued."""
    if await session.scalar(sa.select(OutboundItem.id).where(OutboundItem.key == key)):
        return None
    item = OutboundItem(**_Items(kind, template, params, now, not_before).row(key, user_id, None))
    session.add(item)
    await session.flush()
    return item.id


async def progress(session: AsyncSession, batch_id: int) -> Progress:
    batch = await session.get(OutboundBatch, batch_id)
    if batch is None:
        raise NotFound(f"There is no bulk send `#{batch_id}`.")
    await session.refresh(batch)
    return Progress(
        batch.id,
        batch.label,
        batch.total,
        batch.sent,
        batch.skipped,
        batch.failed,
        batch.cancelled,
    )


async def cancel_batch(session: AsyncSession, now: datetime, batch_id: int) -> int:
    """Stop what has not gone out yet. Returns how many DMs were cancelled."""
    count = await rows_changed(
        session,
        sa.update(OutboundItem)
        .where(OutboundItem.batch_id == batch_id, OutboundItem.status == OutboundStatus.PENDING)
        .values(status=OutboundStatus.CANCELLED, reason="cancelled by a coordinator"),
    )
    if count:
        await session.execute(
            sa.update(OutboundBatch)
            .where(OutboundBatch.id == batch_id)
            .values(cancelled=OutboundBatch.cancelled + count)
        )
    return count


# --- the sender's side -----------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    item_id: int
    batch_id: int | None
    kind: OutboundKind
    user_id: int
    template: str
    params: dict[str, object]
    due_at: datetime
    attempts: int
    recovering: bool
    """A run that died claimed it before: it may already have been sent."""


@dataclass(frozen=True)
class ClaimResult:
    claims: list[Claim]
    skipped: int = 0
    """Opted out of this kind: recorded as skipped, never sent."""
    delayed: int = 0
    """Inside the member's quiet hours: moved to when they end."""


async def claim_due(
    session: AsyncSession, now: datetime, token: str, zone: ZoneInfo, *, limit: int
) -> ClaimResult:
    """Claim up to ``limit`` items that are due (and any left ``sending`` by a dead run),
    after applying each member's choices: an opted-out kind is skipped, a DM inside quiet
    hours waits until they end."""
    rows = list(
        await session.scalars(
            sa.select(OutboundItem)
            .where(
                sa.or_(
                    sa.and_(
                        OutboundItem.status == OutboundStatus.PENDING,
                        OutboundItem.next_attempt_at <= now,
                    ),
                    sa.and_(
                        OutboundItem.status == OutboundStatus.SENDING,
                        OutboundItem.claim_token != token,
                    ),
                )
            )
            .order_by(OutboundItem.next_attempt_at, OutboundItem.id)
            .limit(limit)
        )
    )
    prefs = await notifications.preferences_for(session, (r.user_id for r in rows))
    claims: list[Claim] = []
    skipped = delayed = 0
    for row in rows:
        recovering = row.status is OutboundStatus.SENDING
        choice = prefs[row.user_id]
        if not recovering and not choice.wants(row.kind):
            await _settle(session, row, now, OutboundStatus.SKIPPED, "opted out of this kind")
            skipped += 1
            continue
        until = None if recovering else choice.quiet_until(now, zone)
        if until is not None:
            row.next_attempt_at = until
            row.due_at = max(row.due_at, until)
            row.quiet_delayed = True
            delayed += 1
            continue
        row.status = OutboundStatus.SENDING
        row.claim_token = token
        row.claimed_at = now
        row.attempts += 1
        claims.append(
            Claim(
                item_id=row.id,
                batch_id=row.batch_id,
                kind=row.kind,
                user_id=row.user_id,
                template=row.template,
                params=dict(row.params or {}),
                due_at=row.due_at,
                attempts=row.attempts,
                recovering=recovering,
            )
        )
    await session.flush()
    return ClaimResult(claims, skipped, delayed)


_COUNTER = {
    OutboundStatus.SENT: OutboundBatch.sent,
    OutboundStatus.SKIPPED: OutboundBatch.skipped,
    OutboundStatus.FAILED: OutboundBatch.failed,
    OutboundStatus.CANCELLED: OutboundBatch.cancelled,
}


async def _add_to_batch(
    session: AsyncSession, batch_id: int, status: OutboundStatus, n: int
) -> None:
    """Add ``n`` to the batch's count of items that ended ``status`` (in the database, so
    concurrent updates add up)."""
    column = _COUNTER[status]
    await session.execute(
        sa.update(OutboundBatch)
        .where(OutboundBatch.id == batch_id)
        .values({column.key: column + n})
    )


class Tally:
    """Batch progress to add up: many outcomes recorded together update each batch once."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[int, OutboundStatus]] = Counter()

    async def flush(self, session: AsyncSession) -> None:
        for (batch_id, status), n in sorted(self.counts.items()):
            await _add_to_batch(session, batch_id, status, n)
        self.counts.clear()


async def _settle(
    session: AsyncSession,
    row: OutboundItem,
    now: datetime,
    status: OutboundStatus,
    reason: str = "",
    tally: Tally | None = None,
) -> None:
    row.status = status
    row.reason = reason[:300]
    row.claim_token = None
    if status is OutboundStatus.SENT:
        row.sent_at = now
    if row.batch_id is not None:
        if tally is not None:
            tally.counts[(row.batch_id, status)] += 1
            return
        await _add_to_batch(session, row.batch_id, status, 1)


async def load_claimed(session: AsyncSession, claims: Iterable[Claim]) -> None:
    """Read the claimed rows in one query, so recording their outcomes reads no more."""
    ids = [c.item_id for c in claims]
    if ids:
        list(await session.scalars(sa.select(OutboundItem).where(OutboundItem.id.in_(ids))))


async def _owned(session: AsyncSession, claim: Claim, token: str) -> OutboundItem | None:
    row = await session.get(OutboundItem, claim.item_id)
    if row is None or row.status is not OutboundStatus.SENDING or row.claim_token != token:
        return None
    return row


async def record_sent(
    session: AsyncSession,
    claim: Claim,
    token: str,
    now: datetime,
    channel_id: int,
    message_id: int,
    tally: Tally | None = None,
) -> None:
    row = await _owned(session, claim, token)
    if row is None:
        return
    row.channel_id, row.message_id = channel_id, message_id
    await _settle(session, row, now, OutboundStatus.SENT, tally=tally)


async def record_settled(
    session: AsyncSession,
    claim: Claim,
    token: str,
    now: datetime,
    status: OutboundStatus,
    reason: str,
    tally: Tally | None = None,
) -> None:
    """Skipped (left the server, unknown user, no longer needed) or failed for good."""
    row = await _owned(session, claim, token)
    if row is not None:
        await _settle(session, row, now, status, reason, tally)


async def record_retry(
    session: AsyncSession,
    claim: Claim,
    token: str,
    now: datetime,
    reason: str,
    *,
    wait: timedelta,
    max_attempts: int,
    tally: Tally | None = None,
) -> datetime | None:
    """A transient failure: try again after ``wait``, or give up after ``max_attempts``.
    Returns when it will be retried, or None if it was given up."""
    row = await _owned(session, claim, token)
    if row is None:
        return None
    if row.attempts >= max_attempts:
        await _settle(session, row, now, OutboundStatus.FAILED, f"gave up: {reason}", tally)
        return None
    row.status = OutboundStatus.PENDING
    row.claim_token = None
    row.reason = reason[:300]
    row.next_attempt_at = now + wait
    return row.next_attempt_at


async def release(session: AsyncSession, claim: Claim, token: str) -> None:
    """Give a claim back untouched (shutting down before its turn, or no renderer yet)."""
    row = await _owned(session, claim, token)
    if row is not None:
        row.status = OutboundStatus.PENDING
        row.claim_token = None
        row.attempts = max(0, row.attempts - 1)


async def postpone(session: AsyncSession, item_id: int, until: datetime) -> None:
    """Look at a pending item again no earlier than ``until``."""
    await session.execute(
        sa.update(OutboundItem)
        .where(OutboundItem.id == item_id, OutboundItem.status == OutboundStatus.PENDING)
        .values(next_attempt_at=until)
    )


async def next_wake(session: AsyncSession) -> datetime | None:
    """When the earliest pending item becomes due."""
    return await session.scalar(
        sa.select(sa.func.min(OutboundItem.next_attempt_at)).where(
            OutboundItem.status == OutboundStatus.PENDING
        )
    )


async def counts(session: AsyncSession) -> dict[OutboundStatus, int]:
    rows = await session.execute(
        sa.select(OutboundItem.status, sa.func.count()).group_by(OutboundItem.status)
    )
    return {OutboundStatus(status): int(n) for status, n in rows.all()}
