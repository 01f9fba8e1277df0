"""One sweep over the meetings' events, meeting by meeting, each in its own unit of work
(so a slow Discord call never holds the database for the whole sweep).

The caller passes ``unit_of_work``: a factory of transactions (``bot.db.transaction``);
this module decides the order, the lease and what a failure means, never commits by
itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.services.events import mirror
from bot.services.events.scheduled import EventsPort

log = logging.getLogger(__name__)

UnitOfWork = Callable[[], AbstractAsyncContextManager[AsyncSession]]


@dataclass
class SweepReport:
    ran: bool = True
    """False when another sweep held the lease (this one did nothing)."""
    actions: dict[str, int] = field(default_factory=dict)
    problem: str | None = None

    def count(self, action: str) -> int:
        return self.actions.get(action, 0)


async def sweep(
    unit_of_work: UnitOfWork,
    out: EventsPort,
    now: datetime,
    settings: mirror.EventsSettings,
    *,
    holder: str,
    image: bytes | None = None,
) -> SweepReport:
    """Make the server's events match the meetings. A missing permission is noted once
    for the coordinators and stops the sweep; a refused change is noted and skipped."""
    report = SweepReport()
    if not settings.enabled:
        report.ran = False
        return report
    async with unit_of_work() as session:
        if not await mirror.take_lease(session, holder, now):
            report.ran = False
            return report
    try:
        await _sweep(unit_of_work, out, now, settings, image, report)
    finally:
        async with unit_of_work() as session:
            await mirror.release_lease(session, holder, now)
    return report


async def _sweep(
    unit_of_work: UnitOfWork,
    out: EventsPort,
    now: datetime,
    settings: mirror.EventsSettings,
    image: bytes | None,
    report: SweepReport,
) -> None:
    try:
        listing = {event.id: event for event in await out.list_events()}
        places = await out.places()
    except port.PortError as exc:
        await _problem(unit_of_work, exc, now, report)
        return
    async with unit_of_work() as session:
        meeting_ids = await mirror.meetings_to_sync(session, now, settings)
    refused = False
    for meeting_id in meeting_ids:
        try:
            async with unit_of_work() as session:
                action = await mirror.sync_meeting(
                    session,
                    meeting_id,
                    now,
                    out,
                    listing=listing,
                    places=places,
                    settings=settings,
                    image=image,
                )
        except port.Forbidden as exc:
            await _problem(unit_of_work, exc, now, report)
            return
        except port.PortError as exc:
            refused = True
            await _problem(unit_of_work, exc, now, report)
            continue
        report.actions[action] = report.actions.get(action, 0) + 1
    async with unit_of_work() as session:
        await mirror.clear_problem(session, mirror.PERMISSION)
        if not refused:
            await mirror.clear_problem(session, mirror.REFUSED)


async def _problem(
    unit_of_work: UnitOfWork, exc: port.PortError, now: datetime, report: SweepReport
) -> None:
    if isinstance(exc, port.Forbidden):
        kind, message = mirror.PERMISSION, mirror.PERMISSION_PROBLEM
    elif isinstance(exc, port.Transient):
        report.problem = f"Discord was busy ({exc.detail}); the next sweep tries again."
        log.info("events sweep: %s", exc.detail)
        return
    else:
        kind = mirror.REFUSED
        message = (
            f"Discord refused a change to a meeting's event ({exc.detail}); the next sweep "
            "tries again."
        )
    report.problem = message
    async with unit_of_work() as session:
        first = await mirror.note_problem(session, kind, message, now)
    if first:
        log.warning("events: %s", message)
