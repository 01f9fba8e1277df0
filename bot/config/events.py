"""[events]: meetings mirrored as Discord scheduled events, with a thread for each."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from bot.config.base import Section

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")
IMAGE_MAX_BYTES = 8 * 1024 * 1024


class EventsConfig(Section):
    enabled: bool = True
    """Mirror every meeting within ``horizon_days`` as a scheduled event in the server."""
    horizon_days: Annotated[int, Field(strict=True, ge=1, le=365)] = 60
    image: Path | None = None
    """An optional cover image for the events (PNG, JPEG, GIF or WebP, up to 8 MB)."""
    thread_days_before: Annotated[int, Field(strict=True, ge=0, le=60)] = 7
    """Open each meeting's thread this many days before it (0: on the day)."""

    @field_validator("image")
    @classmethod
    def _image(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        if value.suffix.lower() not in IMAGE_SUFFIXES:
            raise ValueError(f"`{value}` isn't a PNG, JPEG, GIF or WebP image")
        if not value.is_file():
            raise ValueError(f"`{value}`: no such file")
        if value.stat().st_size > IMAGE_MAX_BYTES:
            raise ValueError(f"`{value}` is larger than 8 MB; use a smaller image")
        return value
