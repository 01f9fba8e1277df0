"""The domain errors. Each carries the sentence the person will read.

Services raise these; the one error path (``bot.replies``) turns them into an
ephemeral reply. Keep messages to one or two sentences in the second person: say
what happened and what to do next, with the offending value quoted by ``quote``.
"""

from __future__ import annotations

import re

QUOTE_LIMIT = 100
"""At most this many characters of what a member typed are echoed back."""

_INVISIBLE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``value`` as an inline code span that is safe to echo: control, zero-width and
    bidi characters dropped, backticks replaced (so the span cannot be broken out of),
    and at most ``limit`` characters, with an ellipsis when cut."""
    text = _INVISIBLE.sub(" ", str(value))
    text = " ".join(text.replace("`", "ˋ").split())
    if len(text) > limit:
        text = text[:limit].rstrip() + "…"
    return f"`{text}`" if text else "`(empty)`"


class DomainError(Exception):
    """A mistake or refusal the user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """The input does not parse or is out of range."""


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the asker)."""


class NotAllowed(DomainError):
    """The asker may not do this."""


class Conflict(DomainError):
    """The request clashes with the current state (already done, already decided...)."""


class ConfigError(Exception):
    """The configuration is invalid. ``lines`` holds one line per mistake."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class StartupError(Exception):
    """The bot cannot start; the message is the one line the operator reads."""
