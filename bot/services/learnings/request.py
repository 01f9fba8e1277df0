"""A digest request: what the coordinator typed (range, format, tags), parsed, and the
window of recording times it covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import InvalidInput
from bot.models import Learning
from bot.services.learnings.text import DIGEST_LEVELS, MAX_TAG_LENGTH, MAX_TAGS
from bot.services.when import parse_day
from bot.tags import split_tags
from bot.timeutil import local_midnight_utc

FILTERS_AAD = b"cop-bot/digest-export/filters"
"""Associated data of an export record's encrypted filters."""


def filters_aad() -> bytes:
    return FILTERS_AAD


class DigestFormat(StrEnum):
    MARKDOWN = "markdown"
    CSV = "csv"
    HTML = "html"

    @property
    def extension(self) -> str:
        return {"markdown": "md", "csv": "csv", "html": "html"}[self.value]

    @property
    def media_type(self) -> str:
        return {
            "markdown": "text/markdown; charset=utf-8",
            "csv": "text/csv; charset=utf-8",
            "html": "text/html; charset=utf-8",
        }[self.value]


# --- parsing what the coordinator typed ---------------------------------------------------


def parse_range(start_text: str, end_text: str, zone: ZoneInfo, now: datetime) -> tuple[date, date]:
    """The first and last day, typed in any form the one time language reads."""
    start, end = parse_day(start_text, zone, now), parse_day(end_text, zone, now)
    if end < start:
        raise InvalidInput(
            f"The range `{start}` to `{end}` ends before it starts; put the earlier date "
            f"first, like `/digest export {end} {start}`."
        )
    return start, end


def parse_format(text: str | None) -> DigestFormat:
    cleaned = (text or "markdown").strip().casefold().lstrip(".")
    aliases = {"md": "markdown", "htm": "html", "": "markdown"}
    try:
        return DigestFormat(aliases.get(cleaned, cleaned))
    except ValueError:
        raise InvalidInput(
            f"`{cleaned[:20]}` isn't a digest format. Use `markdown` (the default), `csv` "
            "or `html`."
        ) from None


def parse_tag_filter(text: str | None) -> tuple[str, ...]:
    tags = split_tags(text or "")
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise InvalidInput(
                f"The tag `{tag[:MAX_TAG_LENGTH]}…` is longer than {MAX_TAG_LENGTH} characters; "
                "give tags separated by commas, like `trust, funding`."
            )
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"You gave {len(tags)} tags; filter on {MAX_TAGS} or fewer.")
    return tuple(tags)


# --- the request ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestRequest:
    start: date
    end: date
    format: DigestFormat
    tags: tuple[str, ...]
    zone: ZoneInfo
    community: str
    now: datetime

    @property
    def window(self) -> tuple[datetime, datetime]:
        """``[start of start, start of the day after end)`` in the community's zone, as UTC."""
        return (
            local_midnight_utc(self.start, self.zone),
            local_midnight_utc(self.end + timedelta(days=1), self.zone),
        )

    def filename(self) -> str:
        return f"learnings-digest-{self.start}-to-{self.end}.{self.format.extension}"


async def count_candidates(session: AsyncSession, request: DigestRequest) -> int:
    """How many consenting learnings were recorded in the range (before any tag filter,
    which needs decryption): the export's upper bound, for progress."""
    since, until = request.window
    count = await session.scalar(
        select(func.count())
        .select_from(Learning)
        .where(
            Learning.sharing.in_(DIGEST_LEVELS),
            Learning.created_at >= since,
            Learning.created_at < until,
        )
    )
    return int(count or 0)
