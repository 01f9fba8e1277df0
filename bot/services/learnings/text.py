"""What a member types into a learning: the form's fields, validation, the sharing levels
in words, and sealing the text to its author and sharing level (``bot.crypto``).

No function here logs or puts what a member typed into an exception message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bot.crypto import Keyring
from bot.errors import InvalidInput
from bot.models import Learning, SharingLevel
from bot.tags import split_tags

SHARED_LEVELS = (SharingLevel.GROUP, SharingLevel.DIGEST_ANONYMOUS, SharingLevel.DIGEST_NAMED)
"""Levels members may read in the bot."""
DIGEST_LEVELS = (SharingLevel.DIGEST_ANONYMOUS, SharingLevel.DIGEST_NAMED)
"""Levels that may appear in an exported digest."""

LEVEL_MEANINGS: dict[SharingLevel, str] = {
    SharingLevel.PRIVATE: "only you can see it",
    SharingLevel.GROUP: "members can read it in the bot; it is never exported",
    SharingLevel.DIGEST_ANONYMOUS: (
        "it may appear in an exported digest with no name and no organisation"
    ),
    SharingLevel.DIGEST_NAMED: "it may appear in an exported digest with your name",
}

LEVEL_WORDS: dict[SharingLevel, str] = {
    SharingLevel.PRIVATE: "only you",
    SharingLevel.GROUP: "members",
    SharingLevel.DIGEST_ANONYMOUS: "digest, anonymous",
    SharingLevel.DIGEST_NAMED: "digest, with your name",
}
"""Who may see a learning, in plain words for its author (``/learning mine``)."""

MAX_TAGS = 10
MAX_TAG_LENGTH = 40


# --- forms (shared with the consults' form) ------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One field of a form: its key, label, limit, and how Discord shows it."""

    key: str
    label: str
    max_length: int
    required: bool
    paragraph: bool
    placeholder: str


class FormDraft:
    """A form's raw text by field key (a frozen dataclass of ``str`` fields derives it)."""

    def get(self, key: str) -> str:
        value: str = getattr(self, key)
        return value


D = TypeVar("D", bound=FormDraft)


class FormProblem(InvalidInput, Generic[D]):
    """A form has problems; ``draft`` keeps everything typed so nothing is lost."""

    unsaved = "Your text isn't saved yet"
    """The sentence's start, for the form's kind of text."""

    def __init__(self, draft: D, problems: list[str], fields: set[str]) -> None:
        lead = f"{self.unsaved}: " if len(problems) == 1 else f"{self.unsaved}:\n• "
        super().__init__(lead + "\n• ".join(problems) + "\nPress **Fix it**: your text is kept.")
        self.draft = draft
        self.problems = problems
        self.fields = fields


def field_problems(
    fields: Sequence[FieldSpec], draft: FormDraft, clean: Callable[[str], str] = str.strip
) -> tuple[list[str], set[str]]:
    """Each required field left empty and each field over its limit (after ``clean``), in
    one sentence each, and their keys."""
    problems: list[str] = []
    bad: set[str] = set()
    for spec in fields:
        value = clean(draft.get(spec.key))
        if spec.required and not value:
            problems.append(f"**{spec.label}** is empty; fill it in.")
            bad.add(spec.key)
        elif len(value) > spec.max_length:
            problems.append(
                f"**{spec.label}** is {len(value):,} characters; the limit is "
                f"{spec.max_length:,}, so shorten it by {len(value) - spec.max_length:,}."
            )
            bad.add(spec.key)
    return problems, bad


# --- the learning's form -------------------------------------------------------------------


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("title", "Title", 100, True, False, "A few words, like: Co-design with a council"),
    FieldSpec(
        "happened", "What happened", 1000, False, True, "The situation, without naming anyone."
    ),
    FieldSpec("learned", "What I learned", 1000, True, True, "The insight you'd pass on."),
    FieldSpec("next_time", "What I would do next time", 1000, False, True, "Optional."),
    FieldSpec("tags", "Themes or tags", 200, False, False, "Comma-separated, like: trust, funding"),
)
FIELD_BY_KEY = {f.key: f for f in FIELDS}
TEXT_KEYS = ("title", "happened", "learned", "next_time")


def content_aad(author_id: int, sharing: SharingLevel | str) -> bytes:
    """Binds a learning's text to its author and sharing level."""
    return f"cop-bot/learning/content|{author_id}|{SharingLevel(sharing).value}".encode()


def tags_aad(author_id: int, sharing: SharingLevel | str) -> bytes:
    return f"cop-bot/learning/tags|{author_id}|{SharingLevel(sharing).value}".encode()


# --- what the member typed ----------------------------------------------------------------


@dataclass(frozen=True)
class Draft(FormDraft):
    """The form's raw text, kept whole (in memory only) until it is valid."""

    title: str = ""
    happened: str = ""
    learned: str = ""
    next_time: str = ""
    tags: str = ""


@dataclass(frozen=True)
class LearningText:
    title: str
    happened: str
    learned: str
    next_time: str
    tags: tuple[str, ...]
    consult_id: int | None = None
    """The consult it was recorded from (``Record a learning`` after Resolved). Kept inside
    the sealed text, never in a plain column, so an anonymous asker is not exposed."""

    @property
    def theme(self) -> str | None:
        return self.tags[0] if self.tags else None

    def as_draft(self) -> Draft:
        return Draft(self.title, self.happened, self.learned, self.next_time, ", ".join(self.tags))

    def text_fields(self) -> tuple[str, ...]:
        return (self.title, self.happened, self.learned, self.next_time, *self.tags)


class DraftProblem(FormProblem[Draft]):
    unsaved = "Your learning isn't saved yet"


def validate(draft: Draft) -> LearningText:
    """The learning's text, or ``DraftProblem`` naming each problem and keeping the draft."""
    problems, bad = field_problems(FIELDS, draft)
    tags = split_tags(draft.tags)
    long_tags = [t for t in tags if len(t) > MAX_TAG_LENGTH]
    if long_tags and "tags" not in bad:
        problems.append(
            f"The tag `{long_tags[0][:MAX_TAG_LENGTH]}…` is longer than {MAX_TAG_LENGTH} "
            "characters; use short tags separated by commas, like `trust, funding`."
        )
        bad.add("tags")
    if len(tags) > MAX_TAGS and "tags" not in bad:
        problems.append(f"You gave {len(tags)} tags; keep it to {MAX_TAGS} or fewer.")
        bad.add("tags")
    if problems:
        raise DraftProblem(draft, problems, bad)
    return LearningText(
        title=" ".join(draft.title.split()),
        happened=draft.happened.strip(),
        learned=draft.learned.strip(),
        next_time=draft.next_time.strip(),
        tags=tuple(tags),
    )


def parse_level(text: str) -> SharingLevel:
    cleaned = text.strip().casefold().replace("_", "-").replace(" ", "-")
    try:
        return SharingLevel(cleaned)
    except ValueError:
        choices = ", ".join(f"`{level.value}`" for level in SharingLevel)
        raise InvalidInput(f"`{text.strip()[:40]}` isn't a sharing level. Use {choices}.") from None


# --- encryption ---------------------------------------------------------------------------


def _consult_id(body: dict[str, Any]) -> int | None:
    value = body.get("consult_id")
    return value if type(value) is int else None


def seal(keyring: Keyring, row: Learning, text: LearningText) -> None:
    body: dict[str, Any] = {
        "title": text.title,
        "happened": text.happened,
        "learned": text.learned,
        "next_time": text.next_time,
        "tags": list(text.tags),
    }
    if text.consult_id is not None:
        body["consult_id"] = text.consult_id
    row.content = keyring.encrypt_json(body, content_aad(row.author_id, row.sharing))
    row.tags = keyring.encrypt_json(list(text.tags), tags_aad(row.author_id, row.sharing))
    row.key_id = keyring.primary_id


def open_text(
    keyring: Keyring, author_id: int, sharing: SharingLevel | str, content: bytes, tags: bytes
) -> LearningText:
    """Decrypt a learning's text. Raises ``DecryptionError`` (which names no text)."""
    body: dict[str, Any] = keyring.decrypt_json(content, content_aad(author_id, sharing))
    tag_list: list[str] = keyring.decrypt_json(tags, tags_aad(author_id, sharing))
    return LearningText(
        title=str(body.get("title", "")),
        happened=str(body.get("happened", "")),
        learned=str(body.get("learned", "")),
        next_time=str(body.get("next_time", "")),
        tags=tuple(str(t) for t in tag_list),
        consult_id=_consult_id(body),
    )


def open_content(
    keyring: Keyring, author_id: int, sharing: SharingLevel | str, content: bytes
) -> LearningText:
    """Decrypt a learning's text, tags included, from its content token alone."""
    body: dict[str, Any] = keyring.decrypt_json(content, content_aad(author_id, sharing))
    return LearningText(
        title=str(body.get("title", "")),
        happened=str(body.get("happened", "")),
        learned=str(body.get("learned", "")),
        next_time=str(body.get("next_time", "")),
        tags=tuple(str(t) for t in body.get("tags", ())),
        consult_id=_consult_id(body),
    )


def open_tags(
    keyring: Keyring, author_id: int, sharing: SharingLevel | str, tags: bytes
) -> tuple[str, ...]:
    return tuple(str(t) for t in keyring.decrypt_json(tags, tags_aad(author_id, sharing)))


class ContentOpener:
    """Decrypts many learnings' content tokens with little per-row work: the associated
    data is built once per author and level, the token goes straight to the keyring."""

    def __init__(self, keyring: Keyring) -> None:
        self._decrypt = keyring.decrypt
        self._aad: dict[tuple[int, str], bytes] = {}
        self._loads = json.JSONDecoder().decode

    def __call__(self, author_id: int, sharing: SharingLevel | str, token: bytes) -> LearningText:
        key = (author_id, sharing)
        aad = self._aad.get(key)
        if aad is None:
            aad = self._aad[key] = content_aad(author_id, sharing)
        body = self._loads(self._decrypt(token, aad).decode())
        tags = body.get("tags") or ()
        return LearningText(
            str(body.get("title", "")),
            str(body.get("happened", "")),
            str(body.get("learned", "")),
            str(body.get("next_time", "")),
            tuple(t if type(t) is str else str(t) for t in tags),
            _consult_id(body),
        )
