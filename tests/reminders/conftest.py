"""Fixtures shared by the reminder tests."""

from __future__ import annotations

from datetime import UTC

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler


@pytest.fixture
def scheduler() -> AsyncIOScheduler:
    return AsyncIOScheduler(timezone=UTC)  # never started: jobs are only recorded
