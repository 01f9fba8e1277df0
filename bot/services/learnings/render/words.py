"""The digest's own words, the same in every format: each renderer escapes them for its
markup."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date


@functools.lru_cache(maxsize=4096)
def day(d: date) -> str:
    return f"{d.day} {d.strftime('%b %Y')}"


def entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


NO_THEME = "(no theme)"
CHATHAM = (
    "Shared under the Chatham House rule: use what you read here, but do not reveal who "
    "said it or where they work. Anonymous entries carry no name or organisation; named "
    "entries carry only the name their author agreed to show."
)
LEFT_OUT = (
    "{n} entries could not be decrypted (they failed their integrity check) and were left "
    "out; tell the bot's operator."
)


def review_sentence(flagged: Sequence[str]) -> str:
    if not flagged:
        return "No entry names a member or an organisation."
    numbers = "; ".join(flagged)
    subject = (
        f"Entry {numbers} names" if len(flagged) == 1 else f"These {len(flagged)} entries name"
    )
    if len(flagged) > 1:
        subject = f"{subject} ({numbers})"
    return (
        f"{subject} a member, an organisation or a Discord user. Check, and remove what "
        "would identify anyone, before this digest goes beyond the coordinators."
    )
