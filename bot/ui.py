"""The Discord side's shared pieces: the typed interaction, the one error path for
commands, views, modals and persistent items, and the ephemeral ``send``.

- ``CopInteraction``: an interaction whose ``client`` is the ``CopBot``.
- ``CopItem``: the base for persistent buttons and menus (``DynamicItem``). Implement
  ``pressed``; any exception it (or ``from_custom_id`` or ``interaction_check``) raises
  goes through ``handle_interaction_error``, so a press is always answered.
- ``CopButton`` / ``CopSelect``: a ``CopItem`` button or menu declared by its template
  alone: the template's named groups are its fields, and the custom id and
  ``from_custom_id`` follow from them.
  A button's look can follow one field, declared with ``choices``.
- ``CopView`` / ``OwnerOnlyView`` / ``CopModal``: views and modals on the same path.
- ``FieldsModal``: a ``CopModal`` of ``TextField``s (one text box each), read back by key.
- ``CopCog``: a capability's cog, registering its persistent items when loaded, and
  its scheduled jobs (``schedule``) until it unloads.
- ``send``: an ephemeral reply or follow-up that pings nobody; ``safe`` shows member
  text literally; ``quote`` echoes member input in an error, cut and escaped.
- ``guarded``: run any other callback through the error path.

Every error sentence is clamped in one place (``bot.replies.clamp``).
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import logging
import re
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Self,
    TypeAlias,
    TypeVar,
    cast,
    dataclass_transform,
)

import discord
from apscheduler.triggers.base import BaseTrigger
from discord.ext import commands

from bot import port
from bot.client import CopBot
from bot.errors import quote
from bot.mentions import NO_PINGS
from bot.replies import (
    INTERNAL_ERROR,
    MESSAGE_LIMIT,
    CopCommandTree,
    clamp,
    describe_error,
    fit,
    handle_interaction_error,
    reply_ephemeral,
)

__all__ = [
    "INTERNAL_ERROR",
    "MESSAGE_LIMIT",
    "CopButton",
    "CopCog",
    "CopCommandTree",
    "CopInteraction",
    "CopItem",
    "CopModal",
    "CopSelect",
    "CopView",
    "FieldsModal",
    "Looks",
    "OwnerOnlyView",
    "TextField",
    "bot_of",
    "choices",
    "clamp",
    "custom_id_format",
    "describe_error",
    "fit",
    "guarded",
    "handle_interaction_error",
    "page_buttons",
    "persistent_view",
    "quote",
    "reply_ephemeral",
    "safe",
    "send",
]

log = logging.getLogger(__name__)

CopInteraction: TypeAlias = discord.Interaction[CopBot]
"""An interaction with the cop-bot: ``interaction.client`` is the ``CopBot``."""

ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any], covariant=True)


def bot_of(interaction: discord.Interaction[Any]) -> CopBot:
    """The bot behind an interaction typed loosely (as discord.py's overrides are)."""
    return cast(CopBot, interaction.client)


def safe(text: str, limit: int | None = None) -> str:
    """Member text shown literally: no formatting, no mentions; cut to ``limit``."""
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


async def send(
    interaction: discord.Interaction[Any], content: str | None = None, **kwargs: Any
) -> None:
    """An ephemeral reply: the response, or a follow-up if already responded. Pings
    nobody unless ``allowed_mentions`` says otherwise; content is cut to Discord's limit."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if content is not None:
        kwargs["content"] = fit(content, MESSAGE_LIMIT)
    if interaction.response.is_done():
        await interaction.followup.send(ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(ephemeral=True, **kwargs)


async def guarded(
    interaction: discord.Interaction[Any], where: str, action: Callable[[], Awaitable[None]]
) -> None:
    """Run a callback through the one error path."""
    try:
        await action()
    except Exception as exc:
        await handle_interaction_error(interaction, exc, where)


class CopCog(commands.Cog):
    """A capability's cog: it holds the bot, and registers its persistent items
    (``persistent_items``) when loaded and removes them when unloaded; the jobs it
    ``schedule``s are removed when it unloads too. A cog with more to do on load or
    unload calls ``super()`` there."""

    persistent_items: ClassVar[tuple[type[discord.ui.DynamicItem[Any]], ...]] = ()
    _job_ids: tuple[str, ...] = ()

    def __init__(self, bot: CopBot) -> None:
        self.bot = bot

    def schedule(
        self,
        job_id: str,
        job: Callable[..., Awaitable[object]],
        trigger: BaseTrigger,
        *,
        grace_seconds: int,
        args: Sequence[object] = (),
        first_after: float | None = None,
    ) -> None:
        """Run ``job(*args)`` on ``trigger`` under ``job_id``, replacing a job of that id
        from before. Runs missed while the bot was busy or down collapse into one, up to
        ``grace_seconds`` late; ``first_after`` (seconds) runs it once soon after start."""
        extra: dict[str, Any] = {}
        if first_after is not None:
            extra["next_run_time"] = datetime.now(UTC) + timedelta(seconds=first_after)
        self.bot.scheduler.add_job(
            job,
            trigger,
            args=list(args),
            id=job_id,
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=grace_seconds,
            **extra,
        )
        if job_id not in self._job_ids:
            self._job_ids = (*self._job_ids, job_id)

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*self.persistent_items)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*self.persistent_items)
        for job_id in self._job_ids:
            if self.bot.scheduler.get_job(job_id) is not None:
                self.bot.scheduler.remove_job(job_id)
        self._job_ids = ()


class CopView(discord.ui.View):
    """A view whose errors go through the one error path."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: Exception, item: discord.ui.Item[Any]
    ) -> None:
        await handle_interaction_error(interaction, error, f"{type(self).__name__}")


def persistent_view(*items: discord.ui.Item[Any]) -> CopView:
    """A view that never times out, holding persistent items (``CopItem``s)."""
    view = CopView(timeout=None)
    for item in items:
        view.add_item(item)
    return view


class OwnerOnlyView(CopView):
    """A view that only one person may press; anyone else gets a polite refusal."""

    def __init__(self, owner_id: int, *, timeout: float | None = 180) -> None:
        super().__init__(timeout=timeout)
        self.owner_id = owner_id

    async def interaction_check(self, interaction: discord.Interaction[Any]) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await reply_ephemeral(
            interaction, "These buttons are for someone else, so they can't be used by you."
        )
        return False


class CopModal(discord.ui.Modal):
    """A modal whose errors go through the one error path.

    Never log a modal's values: members type confidential text into forms.
    """

    async def on_error(  # type: ignore[override]  # Modal narrows BaseView's signature
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        await handle_interaction_error(interaction, error, f"{type(self).__name__}")


@dataclasses.dataclass(frozen=True)
class TextField:
    """One text box of a form: its custom id (``key``), label, length limit and example."""

    key: str
    label: str
    limit: int
    example: str = ""
    paragraph: bool = False
    required: bool = True

    def text_input(self, value: str | None = None) -> discord.ui.TextInput[Any]:
        """The box, prefilled with ``value`` (cut to the limit: a prefill must fit)."""
        return discord.ui.TextInput(
            custom_id=self.key,
            label=self.label,
            style=discord.TextStyle.paragraph if self.paragraph else discord.TextStyle.short,
            max_length=self.limit,
            required=self.required,
            default=(value or "")[: self.limit] or None,
            placeholder=self.example or None,
        )


class FieldsModal(CopModal):
    """A modal of ``TextField``s, prefilled from ``values`` by key; ``typed`` is what
    was submitted, by key. Never log it."""

    def __init__(
        self, fields: Sequence[TextField], values: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        prefill = values or {}
        self.inputs = {field.key: field.text_input(prefill.get(field.key)) for field in fields}
        for item in self.inputs.values():
            self.add_item(item)

    @property
    def typed(self) -> dict[str, str]:
        return {key: item.value for key, item in self.inputs.items()}


_ANY = r"(?s:.*)"


class CopItem(discord.ui.DynamicItem[ItemT], template=r"(?!)"):
    """The base for persistent buttons and menus.

    Subclass with a ``template`` and implement ``from_custom_id`` and ``pressed``::

        class Join(CopItem[discord.ui.Button[Any]], template=r"join:(?P<id>\\d+)"):
            async def pressed(self, interaction: CopInteraction) -> None: ...

    Whatever ``pressed``, ``from_custom_id`` or ``interaction_check`` raises is answered
    through ``handle_interaction_error`` (a subclass that overrides ``callback`` is
    wrapped the same way), so no press is left unanswered or reaches discord.py's
    "Ignoring exception" log.
    """

    where: ClassVar[str] = ""
    """How the error log names this item; the class name when empty."""

    def __init_subclass__(cls, *, template: str | re.Pattern[str] = r"(?!)", **kwargs: Any) -> None:
        super().__init_subclass__(template=template, **kwargs)
        own = cls.__dict__
        if "callback" in own:
            setattr(cls, "callback", _guard(own["callback"], None))  # noqa: B010
        if "interaction_check" in own:
            setattr(cls, "interaction_check", _guard(own["interaction_check"], False))  # noqa: B010
        if "from_custom_id" in own and isinstance(own["from_custom_id"], classmethod):
            setattr(cls, "from_custom_id", _guard_factory(own["from_custom_id"].__func__))  # noqa: B010

    @classmethod
    def label_for_logs(cls) -> str:
        return cls.where or cls.__name__

    async def pressed(self, interaction: CopInteraction) -> None:
        """What a press does. Raise a ``DomainError`` to answer with its sentence."""
        raise NotImplementedError

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await self.pressed(cast(CopInteraction, interaction))
        except Exception as exc:
            await handle_interaction_error(interaction, exc, self.label_for_logs())


class _Answered(discord.ui.DynamicItem[discord.ui.Item[Any]], template=_ANY):
    """Stands in for an item whose ``from_custom_id`` failed after the error was
    answered: discord.py swaps it in, and its check stops the dispatch there."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return False


T = TypeVar("T")


def _guard(
    func: Callable[[Any, discord.Interaction[Any]], Awaitable[T]], failed: T
) -> Callable[[Any, discord.Interaction[Any]], Awaitable[T]]:
    """``func`` (an item's ``callback`` or ``interaction_check``) with whatever it raises
    answered through the one error path; it then returns ``failed``."""

    @functools.wraps(func)
    async def guarded(self: Any, interaction: discord.Interaction[Any]) -> T:
        try:
            return await func(self, interaction)
        except Exception as exc:
            await handle_interaction_error(interaction, exc, type(self).label_for_logs())
            return failed

    return guarded


def _guard_factory(func: Callable[..., Awaitable[Any]]) -> classmethod[Any, Any, Any]:
    @functools.wraps(func)
    async def from_custom_id(
        cls: Any,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Any:
        try:
            return await func(cls, interaction, item, match)
        except Exception as exc:
            await handle_interaction_error(interaction, exc, cls.label_for_logs())
            return _Answered(item)

    return classmethod(from_custom_id)


_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()\\]|\\.)*\)")
_LITERAL = re.compile(r"(?:\\[^A-Za-z0-9]|[^\\.^$*+?{}\[\]|()])*")


def custom_id_format(template: str) -> str:
    """The format string a template's custom ids follow: each named group becomes a
    ``{field}``. ``"a:(?P<n>\\d+):(?P<yes>yes|no)"`` gives ``"a:{n}:{yes}"``. Refuses a
    template whose text between the groups is not literal (it could not be built);
    escaped characters, as ``re.escape`` writes them, are literal."""
    parts: list[str] = []
    pos = 0
    for group in [*_GROUP.finditer(template), None]:
        literal = template[pos : group.start() if group else len(template)]
        if not _LITERAL.fullmatch(literal):
            raise TypeError(f"template {template!r}: only named groups may be patterns")
        text = re.sub(r"\\(.)", r"\1", literal, flags=re.S)
        parts.append(text.replace("{", "{{").replace("}", "}}"))
        if group is not None:
            parts.append("{" + group["name"] + "}")
            pos = group.end()
    return "".join(parts)


Looks: TypeAlias = Mapping[str, str | tuple[str, discord.ButtonStyle]]
"""A button's label (with its class's style), or label and style, by one field's value."""

_LOOKS = "looks"


def choices(looks: Looks) -> Any:
    """Declares the field whose value picks a ``CopButton``'s look::

        answer: str = choices({"yes": ("Accept", discord.ButtonStyle.success), "no": "Not now"})

    Each key is a value of the field as its custom id spells it; each look is a label
    (with the class's ``style``) or a label and a style. The field is still required."""
    return dataclasses.field(metadata={_LOOKS: looks})


def _group_patterns(template: str) -> dict[str, str]:
    """Each named group's own pattern, by the group's name."""
    return {
        group["name"]: group[0][len(group["name"]) + 5 : -1] for group in _GROUP.finditer(template)
    }


def spelled(value: object) -> str:
    """A field's value as a custom id spells it: ``yes``/``no`` for a bool, an enum's
    value, or the number or text itself."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def _yes(text: str) -> bool:
    return text == "yes"


def _field_kinds(
    cls: type, annotations: Mapping[str, object], groups: Mapping[str, str]
) -> dict[str, Callable[[str], object]]:
    """How each field is parsed from its group's text, by its annotation (a name in the
    class's module when annotations are postponed)."""
    scope = {"int": int, "str": str, "bool": bool, **vars(sys.modules[cls.__module__])}
    parsers: dict[str, Callable[[str], object]] = {}
    for name, annotation in annotations.items():
        kind = scope.get(annotation) if isinstance(annotation, str) else annotation
        if kind is bool:
            if groups[name] != "yes|no":
                raise TypeError(f"{cls.__name__}: bool field {name!r} needs the group yes|no")
            parsers[name] = _yes
        elif kind in (int, str) or (isinstance(kind, type) and issubclass(kind, enum.Enum)):
            parsers[name] = cast(Callable[[str], object], kind)
        else:
            raise TypeError(f"{cls.__name__}: field {name!r} must be int, str, bool or an Enum")
    return parsers


@dataclass_transform(eq_default=False, field_specifiers=(choices,))
class _Declared(CopItem[ItemT]):
    """A persistent item declared by its template: its named groups are the fields.

    Each field is an ``int``, a ``str``, a ``bool`` (its group ``yes|no``) or an ``Enum``
    (by value), as annotated, in the groups' order. The custom id is the template with
    each group replaced by its field's spelling; ``from_custom_id`` parses the groups of a
    press back into the same fields, so nothing else needs writing.
    """

    custom_id_format: ClassVar[str] = ""
    _field_names: ClassVar[tuple[str, ...]] = ()
    _kinds: ClassVar[dict[str, Callable[[str], object]]] = {}

    if TYPE_CHECKING:
        # What a declared item without fields takes (mypy writes no ``__init__`` for a
        # dataclass-like class without fields, and would fall back to DynamicItem's).
        def __init__(self) -> None: ...

    def __init_subclass__(
        cls, *, template: str | re.Pattern[str] | None = None, **kwargs: Any
    ) -> None:
        if template is None:  # a kind of declared item (CopButton, CopSelect), not an item
            super().__init_subclass__(**kwargs)
            return
        super().__init_subclass__(template=template, **kwargs)
        pattern = template if isinstance(template, str) else template.pattern
        cls.custom_id_format = custom_id_format(pattern)
        dataclasses.dataclass(cls, eq=False, repr=False, match_args=False)
        fields = {field.name: field.type for field in dataclasses.fields(cast(Any, cls))}
        cls._field_names = tuple(fields)
        names = set(fields)
        groups = set(re.compile(pattern).groupindex)
        if names != groups:
            raise TypeError(f"{cls.__name__}: fields {sorted(names)} != groups {sorted(groups)}")
        kinds = [base for base in cls.__mro__[1:] if base.__module__ == __name__]
        taken = sorted(name for name in names if any(hasattr(kind, name) for kind in kinds))
        if taken:
            raise TypeError(f"{cls.__name__}: field names {taken} are the item's own")
        cls._kinds = _field_kinds(cls, fields, _group_patterns(pattern))

    def __post_init__(self) -> None:
        fields = {name: spelled(getattr(self, name)) for name in self._field_names}
        custom_id = self.custom_id_format.format_map(fields)
        if not self.template.fullmatch(custom_id):
            raise ValueError(f"{custom_id!r} does not match the template {self.template.pattern!r}")
        super().__init__(self.build(custom_id))

    def build(self, custom_id: str) -> ItemT:
        """The Discord item itself, with this custom id."""
        raise NotImplementedError

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Self:
        fields = {name: cls._kinds[name](value) for name, value in match.groupdict().items()}
        built: Self = cast(Any, cls)(**fields)
        return built


class CopButton(_Declared[discord.ui.Button[Any]]):
    """A persistent button declared by its template: its named groups are the fields.

    ::

        class Answer(CopButton, template=r"answer:(?P<ask_id>\\d+):(?P<choice>yes|no)"):
            ask_id: int
            choice: str
            label = "Answer"

            async def pressed(self, interaction: CopInteraction) -> None: ...

    A button whose look follows one field declares that field with ``choices``
    (``answer: str = choices({"yes": ("Accept", discord.ButtonStyle.success), "no":
    "Not now"})``); the class's ``looks`` then holds them.

    ``Answer(7, "yes")`` is a button whose custom id is ``answer:7:yes``; a press on it
    after a restart is parsed back into the same fields (an ``int``, ``str``, ``bool``
    or ``Enum`` each, as annotated). The label and style are the class's ``label`` and
    ``style``, or what ``appearance`` computes from the fields; ``emoji`` goes before
    the label. ``shown`` changes one message's look (label, disabled, row) without
    changing what a press does. Errors take the one path, as for every ``CopItem``.
    """

    label: ClassVar[str] = ""
    style: ClassVar[discord.ButtonStyle] = discord.ButtonStyle.secondary
    emoji: ClassVar[str | None] = None
    look_of: ClassVar[str] = ""
    """The field declared with ``choices``, whose value picks the look from ``looks``."""
    looks: ClassVar[Looks] = {}
    """By the value of ``look_of``: a label (with ``style``), or a label and a style."""

    def __init_subclass__(
        cls, *, template: str | re.Pattern[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(template=template, **kwargs)
        if template is None:
            return
        chosen = [f for f in dataclasses.fields(cast(Any, cls)) if _LOOKS in f.metadata]
        if len(chosen) > 1:
            raise TypeError(f"{cls.__name__}: only one field may pick the look (choices)")
        if chosen:
            cls.look_of, cls.looks = chosen[0].name, chosen[0].metadata[_LOOKS]
            pattern = template if isinstance(template, str) else template.pattern
            allowed = _group_patterns(pattern)[cls.look_of]
            odd = sorted(key for key in cls.looks if not re.fullmatch(allowed, key))
            if odd:
                raise TypeError(f"{cls.__name__}: choices {odd} do not match ({allowed})")

    def build(self, custom_id: str) -> discord.ui.Button[Any]:
        label, style = self.appearance()
        return discord.ui.Button(label=label, style=style, custom_id=custom_id, emoji=self.emoji)

    def appearance(self) -> tuple[str, discord.ButtonStyle]:
        """The label and style: from ``looks`` when ``look_of`` names a field, else the
        class's ``label`` and ``style``. Override to compute them otherwise."""
        if not self.look_of:
            return self.label, self.style
        look = self.looks[spelled(getattr(self, self.look_of))]
        return (look, self.style) if isinstance(look, str) else look

    def shown(
        self, *, label: str | None = None, disabled: bool = False, row: int | None = None
    ) -> Self:
        """This button as one message shows it: another label, greyed out, or in a given
        row. Its custom id, and so what a press does, stay the same."""
        if label is not None:
            self.item.label = label
        self.item.disabled = disabled
        self.row = row
        return self

    def as_port(self) -> port.Button:
        """The same button for a message sent through the port (a DM from a job)."""
        label, style = self.appearance()
        return port.Button(
            label,
            custom_id=self.custom_id,
            style=cast(port.ButtonStyle, style.name),
            emoji=self.emoji,
        )


class CopSelect(_Declared[discord.ui.Select[Any]]):
    """A persistent menu declared by its template, as ``CopButton``::

        class Share(CopSelect, template=r"share:(?P<learning_id>\\d+)"):
            learning_id: int
            placeholder = "Who may see it?"

            async def pressed(self, interaction: CopInteraction) -> None:
                level = self.choice  # or self.item.values when several may be chosen

    ``Share(7).offering(options)`` is the menu a message shows. A press after a
    restart rebuilds it from the custom id alone; ``self.item.values`` holds what was
    chosen (``self.choice``, the one value, for a menu of one).
    With ``any_number = True`` a member may choose none or all of the options.
    """

    placeholder: ClassVar[str] = ""
    any_number: ClassVar[bool] = False
    """Choose from none to all of the options, rather than exactly one."""

    def build(self, custom_id: str) -> discord.ui.Select[Any]:
        return discord.ui.Select(custom_id=custom_id, placeholder=self.placeholder or None)

    def offering(self, options: Sequence[discord.SelectOption]) -> Self:
        """This menu with these options (at most 25). A menu fills a row of its own, so
        menus stand in the order they are added (discord.py 2.7 loses a row given to
        a menu inside a persistent item anyway)."""
        self.item.options = list(options)
        if self.any_number:
            self.item.min_values = 0
            self.item.max_values = max(len(options), 1)
        return self

    @property
    def choice(self) -> str | None:
        """The value chosen in a press, or None when the choice was cleared."""
        values = self.item.values
        return values[0] if values else None


def page_buttons(
    button: Callable[[int], CopButton], page: int, pages: int, *, row: int | None = None
) -> list[CopButton]:
    """**◀ Newer** and **Older ▶** under page ``page`` of ``pages`` (none when there is
    one page): ``button(n)`` is the persistent button that shows page ``n``."""
    if pages <= 1:
        return []
    return [
        button(page - 1).shown(label="◀ Newer", disabled=page <= 1, row=row),
        button(page + 1).shown(label="Older ▶", disabled=page >= pages, row=row),
    ]
