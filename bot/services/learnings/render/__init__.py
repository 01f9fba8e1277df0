"""The digest as Markdown, CSV or HTML, piece by piece: entries as they are read, the
header (which holds the counts) once they all have been. Everything a member typed is
escaped for its format. ``base`` holds what the formats share; one module per format."""

from __future__ import annotations

from bot.services.learnings.render.as_csv import CsvRenderer
from bot.services.learnings.render.as_html import HtmlRenderer
from bot.services.learnings.render.as_markdown import MarkdownRenderer
from bot.services.learnings.render.base import (
    TYPED_PIECES,
    DigestEntry,
    DigestStats,
    EntryColumns,
    Renderer,
    Theme,
    typed_pieces,
)
from bot.services.learnings.request import DigestFormat

__all__ = [
    "RENDERERS",
    "TYPED_PIECES",
    "CsvRenderer",
    "DigestEntry",
    "DigestStats",
    "EntryColumns",
    "HtmlRenderer",
    "MarkdownRenderer",
    "Renderer",
    "Theme",
    "typed_pieces",
]

RENDERERS: dict[DigestFormat, type[Renderer]] = {
    DigestFormat.MARKDOWN: MarkdownRenderer,
    DigestFormat.CSV: CsvRenderer,
    DigestFormat.HTML: HtmlRenderer,
}
