"""What an asker types: the form's fields, checking them, the themes, and encryption.

A consult's text is encrypted with the bot's keyring (``bot.crypto``), as learnings are,
bound by associated data to the consult's id and to whether it is anonymous; the identity
of an anonymous asker is encrypted on its own, bound to the consult's id. Nothing here
logs text or puts it into an exception message.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.crypto import Keyring
from bot.errors import InvalidInput, quote
from bot.models import Consult
from bot.services.learnings import FieldSpec as FieldSpec  # re-exported by consults
from bot.services.learnings import FormDraft, FormProblem, field_problems
from bot.tags import normalise_tag

MAX_THEMES = 5
"""Discord's limit on the tags one forum post carries."""


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("title", "In a few words", 90, True, False, "Like: a partner has gone quiet"),
    FieldSpec(
        "happening",
        "What is happening",
        1000,
        True,
        True,
        "The situation, without naming people or organisations.",
    ),
    FieldSpec("tried", "What I have tried", 1000, False, True, "Optional."),
    FieldSpec(
        "would_help", "What would help", 1000, True, True, "Ideas, a contact, a sounding board…"
    ),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
REPLY_MAX_LENGTH = 1500
"""A relayed reply or an asker's answer (it goes out with a short heading under 2,000)."""


@dataclass(frozen=True)
class Draft(FormDraft):
    """The form's raw text, kept whole (in memory only) until it is valid."""

    title: str = ""
    happening: str = ""
    tried: str = ""
    would_help: str = ""


@dataclass(frozen=True)
class ConsultText:
    title: str
    happening: str
    tried: str
    would_help: str

    def as_draft(self) -> Draft:
        return Draft(self.title, self.happening, self.tried, self.would_help)


class DraftProblem(FormProblem[Draft]):
    unsaved = "Your consult isn't posted yet"


def _clean(value: str) -> str:
    return value.replace("\x00", "").strip()


def validate(draft: Draft) -> ConsultText:
    """The consult's text, or ``DraftProblem`` naming each problem and keeping the draft."""
    problems, bad = field_problems(FIELDS, draft, _clean)
    if problems:
        raise DraftProblem(draft, problems, bad)
    return ConsultText(
        title=" ".join(_clean(draft.title).split()),
        happening=_clean(draft.happening),
        tried=_clean(draft.tried),
        would_help=_clean(draft.would_help),
    )


def validate_reply(text: str) -> str:
    """A relayed reply's text, or ``InvalidInput`` saying how much to cut."""
    value = _clean(text)
    if not value:
        raise InvalidInput("Your reply is empty; write something and send it again.")
    if len(value) > REPLY_MAX_LENGTH:
        raise InvalidInput(
            f"Your reply is {len(value):,} characters; the limit is {REPLY_MAX_LENGTH:,}, so "
            f"shorten it by {len(value) - REPLY_MAX_LENGTH:,} and send it again. Nothing was "
            "sent."
        )
    return value


normalise_theme = normalise_tag
"""How themes compare: case, spacing and a leading # ignored (one rule with tags)."""


def parse_themes(chosen: Iterable[str], allowed: Sequence[str]) -> tuple[str, ...]:
    """The chosen themes, each one of the community's, 1 to ``MAX_THEMES`` of them."""
    known = {normalise_theme(t): normalise_theme(t) for t in allowed}
    themes: list[str] = []
    for raw in chosen:
        theme = normalise_theme(raw)
        if theme not in known:
            raise InvalidInput(
                f"{quote(raw)} isn't one of the community's themes. Choose from the list."
            )
        if theme not in themes:
            themes.append(theme)
    if not themes:
        raise InvalidInput("Choose at least one theme, so the right people can be invited.")
    if len(themes) > MAX_THEMES:
        raise InvalidInput(f"You chose {len(themes)} themes; choose at most {MAX_THEMES}.")
    return tuple(themes)


# --- encryption ---------------------------------------------------------------------------


def content_aad(consult_id: int, anonymous: bool) -> bytes:
    return f"cop-bot/consult/content|{consult_id}|{'anonymous' if anonymous else 'named'}".encode()


def asker_aad(consult_id: int) -> bytes:
    return f"cop-bot/consult/asker|{consult_id}".encode()


def seal(keyring: Keyring, row: Consult, text: ConsultText, asker_member_id: int) -> None:
    """Encrypt the text (and an anonymous asker's identity) into a flushed row."""
    row.content = keyring.encrypt_json(
        {
            "title": text.title,
            "happening": text.happening,
            "tried": text.tried,
            "would_help": text.would_help,
        },
        content_aad(row.id, row.anonymous),
    )
    row.asker = (
        keyring.encrypt_json({"member": asker_member_id}, asker_aad(row.id))
        if row.anonymous
        else None
    )
    row.key_id = keyring.primary_id


def open_text(keyring: Keyring, row: Consult) -> ConsultText:
    """Decrypt a consult's text. Raises ``DecryptionError`` (which names no text)."""
    body: dict[str, Any] = keyring.decrypt_json(row.content, content_aad(row.id, row.anonymous))
    return ConsultText(
        title=str(body.get("title", "")),
        happening=str(body.get("happening", "")),
        tried=str(body.get("tried", "")),
        would_help=str(body.get("would_help", "")),
    )


def asker_of(keyring: Keyring, row: Consult) -> int:
    """The member id of whoever asked (decrypted for an anonymous consult). Never log it."""
    if not row.anonymous:
        if row.asker_id is None:
            raise ValueError("a named consult without an asker")
        return row.asker_id
    if row.asker is None:
        raise ValueError("an anonymous consult without its sealed asker")
    body: dict[str, Any] = keyring.decrypt_json(row.asker, asker_aad(row.id))
    return int(body["member"])
