"""Where each entry goes in an export, so that position reveals nothing about who wrote
it: named entries first, anonymous ones apart after them, and within each group an
order that follows neither the recording order nor the author.

The digest sorts in the query (:func:`order_by`): by a learning's encryption nonce,
12 random bytes drawn afresh each time its text is sealed, independent of its author,
its time and every other learning. :func:`anonymity_order` applies the same rule to
entries already in memory (the report uses it), given a random or keyed sort key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import case, func

from bot.crypto import KEY_ID_BYTES, NONCE_BYTES
from bot.models import Learning, SharingLevel

T = TypeVar("T")

_NONCE_START = 1 + KEY_ID_BYTES + 1
"""Where the nonce starts in a token (1-based, for SQL ``substr``)."""


def anonymity_order(
    items: Iterable[T], *, anonymous: Callable[[T], bool], key: Callable[[T], bytes]
) -> list[T]:
    """``items`` with the named ones first and the anonymous ones after them, each group
    sorted by ``key``. ``key`` must not depend on the author or the recording order:
    random bytes, or :func:`keyed` over a secret."""
    return sorted(items, key=lambda item: (anonymous(item), key(item)))


def keyed(secret: bytes, ident: object) -> bytes:
    """A sort key for ``ident`` that looks random to anyone without ``secret``."""
    return hmac.new(secret, str(ident).encode(), hashlib.sha256).digest()


def order_by() -> tuple[Any, ...]:
    """The digest query's ORDER BY: named before anonymous, then by the nonce of the
    learning's sealed text (then by id, should two nonces ever be equal)."""
    return (
        case((Learning.sharing == SharingLevel.DIGEST_ANONYMOUS, 1), else_=0),
        func.substr(Learning.content, _NONCE_START, NONCE_BYTES),
        Learning.id,
    )
