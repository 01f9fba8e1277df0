"""Tags and themes as members type them: one normaliser for learnings' themes, profile
interests and forum tags, so that "#Trust ", "trust" and "TRUST" are one tag."""

from __future__ import annotations

import re

TAG_SEPARATORS = re.compile(r"[,;\n]+")
"""Commas, semicolons and new lines separate tags."""


def normalise_tag(tag: str) -> str:
    """Runs of whitespace collapsed, a leading or trailing ``#`` dropped, casefolded."""
    return " ".join(tag.split()).strip("#").strip().casefold()


def split_tags(text: str) -> list[str]:
    """The normalised tags in ``text``, without duplicates or empties, in the order given."""
    tags: list[str] = []
    for part in TAG_SEPARATORS.split(text):
        tag = normalise_tag(part)
        if tag and tag not in tags:
            tags.append(tag)
    return tags
