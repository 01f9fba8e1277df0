"""[learnings]: learnings and the digest."""

from __future__ import annotations

from pathlib import Path

from pydantic import (
    Field,
)

from bot.config.base import (
    Section,
)
from bot.db import sqlite_path


class LearningsConfig(Section):
    key_file: Path | None = None
    """The data key file, used when ``COP_DATA_KEY`` is not set. Default: ``cop.key``
    beside the SQLite database (``data/cop.key``), or ``data/cop.key`` for PostgreSQL.
    Created with mode 0600 on the first run."""
    page_size: int = Field(default=5, ge=1, le=10)
    """Learnings per page in /learning mine and /learning browse."""
    progress_threshold: int = Field(default=500, ge=1)
    """A digest export of more entries than this shows its progress as it goes."""
    attachment_limit_mb: float = Field(default=10, gt=0, le=500)
    """The largest file Discord accepts in the server (10 MB unless boosted). A bigger
    digest is zipped; if that is still too big, the reply points to the command line."""
    max_export_mb: float = Field(default=200, gt=0)
    """A digest export from Discord stops past this size (use the command line instead)."""

    def resolved_key_file(self, database_url: str) -> Path:
        if self.key_file is not None:
            return self.key_file
        database = sqlite_path(database_url)
        return database.parent / "cop.key" if database is not None else Path("data/cop.key")
