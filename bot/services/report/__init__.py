"""The community's impact report: aggregates and charts for coordinators and funders.

``make_report`` gathers the numbers (database), draws and renders the page (off the event
loop) and ``record_report`` records it beside the digest exports, with its SHA-256.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import AppConfig
from bot.crypto import Keyring
from bot.models import DigestExport, Member
from bot.services.learnings import ExportLine, add_export_record
from bot.services.report.data import Grouped, Period, ReportData, gather, group_small, make_period
from bot.services.report.rendered import RenderedReport

REPORT_FORMAT = "report-html"
"""How a report is recorded in the export history (``DigestExport.format``)."""


async def make_report(
    session: AsyncSession,
    keyring: Keyring,
    config: AppConfig,
    start: date,
    end: date,
    now: datetime,
) -> tuple[ReportData, RenderedReport]:
    zone = ZoneInfo(config.community.timezone)
    period = make_period(start, end, zone, now.astimezone(zone).date())
    data = await gather(
        session,
        keyring,
        period,
        community=config.community.name,
        min_group=config.report.min_group,
        facilitation_counts=config.report.facilitation_counts,
        now=now,
    )
    # matplotlib (with numpy and PIL) is ~90 MB: the bot loads it only when a report is
    # made, so a running bot stays small.
    from bot.services.report.page import render

    rendered = await asyncio.to_thread(render, data, config.report.title)
    return data, rendered


async def record_report(
    session: AsyncSession,
    keyring: Keyring,
    *,
    by: Member | None,
    via: str,
    period: Period,
    rendered: RenderedReport,
    now: datetime,
) -> DigestExport:
    """Record who made the report, when, for which range, and its SHA-256."""
    line = ExportLine(
        period.start,
        period.end,
        REPORT_FORMAT,
        rendered.charts,
        len(rendered.html),
        rendered.sha256,
    )
    return await add_export_record(session, keyring, line, by=by, via=via, now=now)


__all__ = [
    "REPORT_FORMAT",
    "Grouped",
    "Period",
    "RenderedReport",
    "ReportData",
    "gather",
    "group_small",
    "make_period",
    "make_report",
    "record_report",
]
