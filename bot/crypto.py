"""Encryption at rest for what members type: AES-256-GCM under a keyring of data keys.

A data key is 32 random bytes written as URL-safe base64 (44 characters; the same shape
as a Fernet key, so ``Fernet.generate_key()`` output works too). The keyring holds one or
more keys, newest first: the newest encrypts, every key decrypts. That is what makes
rotation possible: put a new key first, run ``python -m bot rotate-key``, and retire the
old one once nothing uses it.

A token is ``version (1 byte) | key id (8 bytes) | nonce (12 bytes) | ciphertext + tag``.
The key id lets decryption pick the right key at once (and lets the database say which
keys it still needs), and every token is bound to *associated data* chosen by the caller:
for a learning that is its author and its sharing level, so a ciphertext cannot be moved
to another row, and a sharing level changed behind the bot's back makes the text
unreadable rather than exportable.

Why not Fernet: a digest of 100,000 learnings must decrypt in well under a second, and
AES-GCM is an order of magnitude faster here; it also authenticates associated data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

TOKEN_VERSION = 1
KEY_BYTES = 32
KEY_ID_BYTES = 8
NONCE_BYTES = 12
_HEADER = 1 + KEY_ID_BYTES + NONCE_BYTES


class KeyFormatError(ValueError):
    """A string that is not a data key. The message never contains the string itself."""


class DecryptionError(Exception):
    """A token could not be decrypted: unknown key, wrong key, tampered, or not a token.

    The message names the key id at most, never any plaintext."""


def generate_key() -> str:
    """A new random data key, as the 44-character text the operator stores."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def parse_key(text: str) -> bytes:
    """The 32 raw bytes of a data key written as URL-safe base64."""
    cleaned = text.strip()
    try:
        raw = base64.urlsafe_b64decode(cleaned.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise KeyFormatError(
            "is not a data key (44 characters of URL-safe base64, like the output of "
            "`python -m bot rotate-key --print-new-key`)"
        ) from None
    if len(raw) != KEY_BYTES or len(cleaned) != 44:
        raise KeyFormatError(
            f"is not a data key ({KEY_BYTES} bytes written as 44 characters of URL-safe base64)"
        )
    return raw


def key_id(raw: bytes) -> str:
    """A short public fingerprint of a key (16 hex digits); reveals nothing about it."""
    return hashlib.sha256(b"cop-bot data key id\x00" + raw).digest()[:KEY_ID_BYTES].hex()


class Keyring:
    """Data keys, newest first. Encrypts with the newest; decrypts with whichever made
    the token. ``repr`` shows key ids only."""

    def __init__(
        self, keys: Sequence[bytes], *, random_bytes: Callable[[int], bytes] = os.urandom
    ) -> None:
        """``random_bytes`` draws the nonces (tests may replay chosen ones)."""
        self._random = random_bytes
        if not keys:
            raise ValueError("a keyring needs at least one key")
        self._ciphers: dict[bytes, AESGCM] = {}
        self._order: list[bytes] = []
        for raw in keys:
            if len(raw) != KEY_BYTES:
                raise ValueError("a data key is 32 bytes")
            ident = bytes.fromhex(key_id(raw))
            if ident not in self._ciphers:
                self._ciphers[ident] = AESGCM(raw)
                self._order.append(ident)
        self._primary = self._order[0]

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Keyring:
        return cls([parse_key(t) for t in texts])

    @classmethod
    def generate(cls) -> Keyring:
        """A keyring with one fresh key (tests and benchmarks)."""
        return cls.from_texts([generate_key()])

    def __repr__(self) -> str:
        return f"Keyring(key_ids={self.key_ids!r})"

    @property
    def primary_id(self) -> str:
        """The id of the newest key, the one that encrypts."""
        return self._primary.hex()

    @property
    def key_ids(self) -> list[str]:
        return [k.hex() for k in self._order]

    def holds(self, ident: str) -> bool:
        try:
            return bytes.fromhex(ident) in self._ciphers
        except ValueError:
            return False

    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = self._random(NONCE_BYTES)
        sealed = self._ciphers[self._primary].encrypt(nonce, plaintext, aad)
        return bytes([TOKEN_VERSION]) + self._primary + nonce + sealed

    def decrypt(self, token: bytes, aad: bytes) -> bytes:
        if len(token) < _HEADER + 16 or token[0] != TOKEN_VERSION:
            raise DecryptionError("not an encrypted value this bot wrote")
        ident = token[1 : 1 + KEY_ID_BYTES]
        cipher = self._ciphers.get(ident)
        if cipher is None:
            raise DecryptionError(f"encrypted with key {ident.hex()}, which the keyring lacks")
        nonce = token[1 + KEY_ID_BYTES : _HEADER]
        try:
            return cipher.decrypt(nonce, token[_HEADER:], aad)
        except InvalidTag:
            raise DecryptionError(f"failed its integrity check under key {ident.hex()}") from None

    def reencrypt(self, token: bytes, old_aad: bytes, new_aad: bytes | None = None) -> bytes:
        """The same plaintext under the newest key (and, if given, new associated data)."""
        return self.encrypt(self.decrypt(token, old_aad), old_aad if new_aad is None else new_aad)

    # --- convenience ----------------------------------------------------------------

    def encrypt_json(self, value: Any, aad: bytes) -> bytes:
        return self.encrypt(json.dumps(value, separators=(",", ":")).encode("utf-8"), aad)

    def decrypt_json(self, token: bytes, aad: bytes) -> Any:
        return json.loads(self.decrypt(token, aad).decode("utf-8"))


def token_key_id(token: bytes) -> str:
    """The id of the key that made a token (without decrypting it)."""
    if len(token) < _HEADER or token[0] != TOKEN_VERSION:
        raise DecryptionError("not an encrypted value this bot wrote")
    return token[1 : 1 + KEY_ID_BYTES].hex()
