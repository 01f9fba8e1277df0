"""A digest export asked for in Discord: what to export, whether it fits, the file and its
line in the export history.

The cog parses the command into a :class:`DigestRequest`, opens the unit of work and shows
the result; every decision is here: nothing to export, too large to build, zipped to fit
the attachment limit or refused, and who is recorded as the exporter.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.learnings import LearningsConfig
from bot.crypto import Keyring
from bot.errors import InvalidInput, quote
from bot.services.learnings.record import record_export
from bot.services.learnings.request import DigestRequest, count_candidates
from bot.services.learnings.store import record_for_role_holder
from bot.services.learnings.stream import DigestOutcome, Progress, TooLarge, write_digest

MB = 1024 * 1024

StartProgress = Callable[[int], Awaitable[Progress]]
"""Called with the expected number of entries when an export is large enough to show its
progress; returns what the export calls as it goes (``done``, ``total``)."""


@dataclass(frozen=True)
class Exporter:
    """The coordinator who asked, as Discord knows them."""

    user_id: int
    display_name: str
    holds_member_role: bool


@dataclass(frozen=True)
class ExportFile:
    """The file to attach, and what the reply says about it."""

    data: bytes
    filename: str
    zipped: bool
    outcome: DigestOutcome
    record_id: int


def _command_line(request: DigestRequest) -> str:
    return f"`python -m bot export-digest --from {request.start} --to {request.end}`"


def _nothing(request: DigestRequest) -> InvalidInput:
    tagged = f" tagged {quote(', '.join(request.tags))}" if request.tags else ""
    return InvalidInput(
        f"No learnings{tagged} recorded from {request.start} to {request.end} were "
        "shared for the digest, so there is nothing to export. Try a wider range."
    )


def fit_attachment(
    data: bytes, filename: str, request: DigestRequest, limit_mb: float
) -> tuple[bytes, str, bool]:
    """``data`` as it can be attached: as it is, or zipped when it is over ``limit_mb``
    (then ``zipped`` is True); refused when even the zip is too big."""
    limit = int(limit_mb * MB)
    if len(data) <= limit:
        return data, filename, False
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(filename, data)
    zipped = packed.getvalue()
    if len(zipped) > limit:
        raise InvalidInput(
            f"Even zipped, this digest is over Discord's {limit_mb:g} MB limit. Narrow the "
            f"range or the tags, or run {_command_line(request)} on the bot's server."
        )
    return zipped, filename + ".zip", True


async def export_for_discord(
    session: AsyncSession,
    keyring: Keyring,
    request: DigestRequest,
    settings: LearningsConfig,
    exporter: Exporter,
    now: datetime,
    *,
    start_progress: StartProgress | None = None,
) -> ExportFile:
    """Build the digest for ``request`` and record the export. ``start_progress`` is called
    once the export is known to hold more than ``settings.progress_threshold`` entries."""
    expected = await count_candidates(session, request)
    if expected == 0:
        raise _nothing(request)
    progress: Progress | None = None
    if start_progress is not None and expected > settings.progress_threshold:
        progress = await start_progress(expected)
    buffer = io.BytesIO()
    try:
        outcome = await write_digest(
            session,
            keyring,
            request,
            buffer.write,
            progress=progress,
            expected=expected,
            max_bytes=int(settings.max_export_mb * MB),
        )
    except TooLarge:
        raise InvalidInput(
            f"This digest is over {settings.max_export_mb:g} MB, too big to send here. "
            f"Narrow the range or the tags, or run {_command_line(request)} on the bot's server."
        ) from None
    if outcome.entries == 0:
        raise _nothing(request)
    data, filename, zipped = fit_attachment(
        buffer.getvalue(), request.filename(), request, settings.attachment_limit_mb
    )
    coordinator = await record_for_role_holder(
        session,
        exporter.user_id,
        exporter.display_name,
        now,
        active=exporter.holds_member_role,
    )
    record = await record_export(
        session,
        keyring,
        by=coordinator,
        via="discord",
        request=request,
        outcome=outcome,
        now=now,
    )
    return ExportFile(data, filename, zipped, outcome, record.id)
