"""The record of digest exports: who made one, when, the range, the filters (encrypted),
how many entries and the file's SHA-256; the history coordinators read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.crypto import DecryptionError, Keyring
from bot.models import DigestExport, Member, MemberStatus
from bot.services.learnings.request import FILTERS_AAD, DigestRequest
from bot.services.learnings.stream import DigestOutcome

# --- the record ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportLine:
    """What an export wrote, as the history records it: the range, the format, how many
    entries (and how many of them flagged), the file's size and SHA-256, the tags asked
    for."""

    start: date
    end: date
    format: str
    entries: int
    size: int
    sha256: str
    tags: Sequence[str] = ()
    flagged: int = 0


async def add_export_record(
    session: AsyncSession,
    keyring: Keyring,
    line: ExportLine,
    *,
    by: Member | None,
    via: str,
    now: datetime,
) -> DigestExport:
    """One line of the export history (digests and impact reports): who, when, through
    what, and ``line`` (the tags asked for encrypted)."""
    record = DigestExport(
        exported_by_id=by.id if by else None,
        via=via[:200],
        exported_at=now,
        range_start=line.start,
        range_end=line.end,
        format=line.format,
        filters=keyring.encrypt_json({"tags": list(line.tags)}, FILTERS_AAD),
        key_id=keyring.primary_id,
        entry_count=line.entries,
        flagged_count=line.flagged,
        size_bytes=line.size,
        sha256=line.sha256,
    )
    session.add(record)
    await session.flush()
    return record


async def record_export(
    session: AsyncSession,
    keyring: Keyring,
    *,
    by: Member | None,
    via: str,
    request: DigestRequest,
    outcome: DigestOutcome,
    now: datetime,
) -> DigestExport:
    """The history's line for a digest export."""
    line = ExportLine(
        request.start,
        request.end,
        request.format.value,
        outcome.entries,
        outcome.size,
        outcome.sha256,
        tags=request.tags,
        flagged=len(outcome.flagged),
    )
    return await add_export_record(session, keyring, line, by=by, via=via, now=now)


@dataclass(frozen=True)
class ExportView:
    id: int
    exported_at: datetime
    by: str
    by_user_id: int | None
    start: date
    end: date
    format: str
    tags: tuple[str, ...]
    entries: int
    flagged: int
    size: int
    sha256: str


async def export_history(
    session: AsyncSession, keyring: Keyring, page: int, page_size: int
) -> tuple[list[ExportView], int, int]:
    """Recorded exports, newest first: (this page, page number, pages)."""
    total = (await session.scalar(select(func.count()).select_from(DigestExport))) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(page, 1), pages)
    rows = await session.execute(
        select(DigestExport, Member)
        .outerjoin(Member, Member.id == DigestExport.exported_by_id)
        .order_by(DigestExport.exported_at.desc(), DigestExport.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    views = []
    for record, member in rows:
        try:
            filters: dict[str, Any] = keyring.decrypt_json(record.filters, FILTERS_AAD)
            tags = tuple(str(t) for t in filters.get("tags", []))
        except DecryptionError:
            tags = ("(unreadable)",)
        if member is None:
            by, user_id = record.via, None
        elif member.status is MemberStatus.ERASED:
            by, user_id = "a member whose data was erased", None
        else:
            by, user_id = member.display_name or "a coordinator", member.user_id
        views.append(
            ExportView(
                id=record.id,
                exported_at=record.exported_at,
                by=by,
                by_user_id=user_id,
                start=record.range_start,
                end=record.range_end,
                format=record.format,
                tags=tags,
                entries=record.entry_count,
                flagged=record.flagged_count,
                size=record.size_bytes,
                sha256=record.sha256,
            )
        )
    return views, page, pages


async def exports_by(session: AsyncSession, member: Member) -> list[dict[str, Any]]:
    """The exports a member made, for their ``/mydata export``."""
    rows = await session.scalars(
        select(DigestExport)
        .where(DigestExport.exported_by_id == member.id)
        .order_by(DigestExport.id)
    )
    return [
        {
            "id": r.id,
            "exported_at": r.exported_at.isoformat(),
            "range": [r.range_start.isoformat(), r.range_end.isoformat()],
            "format": r.format,
            "entries": r.entry_count,
            "sha256": r.sha256,
        }
        for r in rows
    ]
