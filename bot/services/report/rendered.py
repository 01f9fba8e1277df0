"""What a rendered report is (kept apart from the renderer, which loads matplotlib)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderedReport:
    html: bytes
    headline_png: bytes
    sha256: str
    charts: int
