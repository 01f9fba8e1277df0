"""``python -m bot demo --interactive``: after the scenes, act as any sample member.

Type slash commands as you would in Discord, answer forms at prompts, and press buttons or
choose from menus by number, so a coordinator can rehearse before inviting the bot to a
real server. Whatever the bot offers someone (a swap request, a review post's buttons, a
confirmation in a DM) waits for that person: after ``as NAME`` they see it and can press.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from typing import TYPE_CHECKING, Any

from bot.demo.community import APPLICANT
from bot.demo.transcript import message_body
from emulator import EmulatorEvent, RecordedInteraction, RecordedMessage

if TYPE_CHECKING:
    from bot.demo import Demo

HELP = """\
You are acting as a sample member. Type:
  /about, /learning add, /roster show count:3, /roster swap date:2026-12-01 member:@ben ...
                      a slash command; options as name:value (quote values with spaces)
  press N             press button N of the last message offered to you
  choose N OPTION     choose OPTION (its label, value or number) in menu N of that message
  offers              what the bot has offered you that you can still answer
  as NAME             act as someone else: {names}
                      ({applicant} is not a member yet: try `as {applicant_user}` then /join)
  help                this text
  quit                end the demo
"""

_BUTTON, _SELECT = 2, 3
_MENTION = re.compile(r"<@!?(\d+)>")


def member_sentence(exc: BaseException) -> str:
    """What went wrong, as the person at the keyboard needs to hear it."""
    text = str(exc.args[0]) if exc.args else str(exc)
    rules: list[tuple[str, str]] = [
        (r"no command '([^']+)'", "There is no /{0} command; type `/help` to see them all."),
        (r"command '([^']+)': no subcommand or group '([^']+)'",
         "/{0} has no `{1}`; type `/help` to see what it can do."),
        (r"command '([^']+)' needs a subcommand",
         "/{0} needs one more word, like `/{0} show`; type `/help` to see them."),
        (r"unknown options \[([^\]]*)\]; the command has \[([^\]]*)\]",
         "That command has no option {0}; it takes {1}."),
        (r"missing required options \[([^\]]*)\]",
         "That command also needs {0}: add them as name:value."),
        (r"'([^']*)' is not a choice of option '([^']+)'",
         "`{0}` is not one of the choices for {1}."),
        (r"'([^']*)' is not an option of", "`{0}` is not in that menu; pick one it lists."),
        (r"takes (\d+)\.\.(\d+) characters",
         "That answer must be {0} to {1} characters long; the form was not sent."),
        (r"text input '([^']+)' is required", "The form needs an answer there; it was not sent."),
        (r"is disabled", "That button or menu is no longer active."),
        (r"cannot see ephemeral message", "Only the person it was shown to can use that."),
        (r"does not exist", "That message is gone."),
        (r"is not a member of guild", "That person is not in the server."),
    ]  # fmt: skip
    if isinstance(exc, TimeoutError):
        return "The bot did not answer in time; try again."
    for pattern, sentence in rules:
        if match := re.search(pattern, text):
            return sentence.format(*(g.replace("'", "`") for g in match.groups()))
    return "That didn't work; type `help` to see what you can do."


class Session:
    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.username = "cora"
        self.last: RecordedMessage | None = None
        self.offers: dict[int, list[int]] = {}
        """Per person, the messages with buttons or menus meant for them, oldest first."""

    @property
    def names(self) -> list[str]:
        return list(self.demo.server.users)

    @property
    def user_id(self) -> int:
        return self.demo.uid(self.username)

    def who(self, user_id: int) -> str:
        return self.demo.transcript.who(user_id)

    async def ask(self, prompt: str) -> str | None:
        self.demo.transcript.prompt = prompt
        try:
            return await asyncio.to_thread(input, prompt)
        except EOFError:
            return None
        finally:
            self.demo.transcript.prompt = None

    def say(self, text: str) -> None:
        self.demo.transcript.console.print(text, markup=False, highlight=False)

    # --- who a message is for ------------------------------------------------------------

    def controls(self, message: RecordedMessage) -> list[dict[str, Any]]:
        return [
            c
            for c in message.iter_components()
            if int(c.get("type", 0)) in (_BUTTON, _SELECT) and not c.get("disabled")
        ]

    def audience(self, message: RecordedMessage) -> list[int] | None:
        """Who a message's buttons are for: the person an ephemeral reply was shown to, a
        DM's recipient, the people a channel post names; None: anyone who can see it."""
        emu = self.demo.emu
        if message.ephemeral and message.interaction_id is not None:
            return [emu.interaction(message.interaction_id).user_id]
        channel = emu.channel(message.channel_id)
        if channel.is_dm:
            return [
                user_id
                for user_id in emu.users
                if (dm := emu.dm_channel_of(user_id)) is not None and dm.id == channel.id
            ]
        named = [int(m) for m in _MENTION.findall(message_body(message))]
        pinged = sorted(message.mentions.user_ids)
        people = [u for u in (pinged or named) if u != emu.bot_user.id]
        return people or None

    def is_for(self, message: RecordedMessage, user_id: int) -> bool:
        audience = self.audience(message)
        return audience is None or user_id in audience

    def record(self, event: EmulatorEvent) -> None:
        """Keep each message with buttons for the people it is for (``emu.on_record``)."""
        message = event.message
        if event.kind not in {"message_create", "message_edit"} or message is None:
            return
        if message.loading or not self.controls(message):
            return
        for user_id in self.audience(message) or []:
            waiting = self.offers.setdefault(user_id, [])
            if message.id not in waiting:
                waiting.append(message.id)

    def open_offers(self, user_id: int) -> list[RecordedMessage]:
        """The messages still offering this person something, newest first."""
        found = []
        for message_id in reversed(self.offers.get(user_id, [])):
            message = self.demo.emu.message(message_id)
            if not message.deleted and self.controls(message):
                found.append(message)
        return found

    # --- showing -------------------------------------------------------------------------

    def offer(self, message: RecordedMessage) -> None:
        """Number the message's buttons and menus for the current person, or say who they
        are for."""
        found = self.controls(message)
        if not found:
            return
        audience = self.audience(message)
        if audience is not None and self.user_id not in audience:
            names = ", ".join(self.who(u) for u in audience)
            first = self.demo.server.username_of(audience[0]) or "NAME"
            self.say(f"  (These buttons are for {names}: type `as {first}` to answer as them.)")
            return
        self.last = message
        for n, c in enumerate(found, start=1):
            if int(c["type"]) == _BUTTON:
                self.say(f"  [{n}] button: {c.get('label') or c.get('custom_id')}")
            else:
                what = c.get("placeholder") or "choose one"
                self.say(f"  [{n}] menu: {what} (options: {self.labels(c)})")

    def show_offers(self) -> None:
        waiting = self.open_offers(self.user_id)
        if not waiting:
            self.say("  Nothing is waiting for you to answer.")
            return
        newest = waiting[0]
        where = self.demo.transcript.where(newest.channel_id)
        first_line = self.demo.transcript.humanize(message_body(newest)).splitlines()[:1]
        more = f" (and {len(waiting) - 1} earlier)" if len(waiting) > 1 else ""
        self.say(f"  Waiting for you{more}: {where}: {' '.join(first_line)}")
        self.offer(newest)

    # --- commands ------------------------------------------------------------------------

    def parse_options(self, words: list[str]) -> dict[str, Any]:
        options: dict[str, Any] = {}
        for word in words:
            name, sep, value = word.partition(":")
            if not sep:
                raise ValueError(f"`{word}` isn't name:value")
            if value.startswith("@") and value[1:] in self.demo.server.users:
                options[name] = self.demo.uid(value[1:])
            elif value.isdigit() and name in {"count", "page", "id"}:
                options[name] = int(value)
            else:
                options[name] = value
        return options

    async def follow(self, it: RecordedInteraction) -> None:
        """Answer a form if one came back, then offer the reply's buttons."""
        await it.wait_response(20)
        if it.modal is not None:
            values: dict[str, str] = {}
            for row in it.modal.get("components") or []:
                children = row.get("components") or [row.get("component") or {}]
                for field in children:
                    if not field.get("custom_id"):
                        continue
                    label = row.get("label") or field.get("label") or field["custom_id"]
                    answer = await self.ask(f"  {label}: ")
                    if answer is None:
                        return
                    values[field["custom_id"]] = answer or field.get("value") or ""
            it = await self.demo.emu.submit_modal(it, values)
            await it.wait_response(20)
        try:
            reply = await it.wait_reply(20)
        except (TimeoutError, RuntimeError):
            return
        self.offer(self.demo.emu.message(reply.id))

    async def handle(self, line: str) -> bool:
        try:
            words = shlex.split(line)
        except ValueError:
            self.say("A quote is not closed; put the value in matching quotes.")
            return True
        if not words:
            return True
        head = words[0].lower()
        if head in {"quit", "exit"}:
            return False
        if head == "help":
            self.say(self.help())
        elif head == "as":
            self.become(words[1:])
        elif head == "offers":
            self.show_offers()
        elif head.startswith("/"):
            name_words = [head[1:]] + [w for w in words[1:] if ":" not in w]
            options = self.parse_options([w for w in words[1:] if ":" in w])
            it = await self.demo.command(self.username, " ".join(name_words), options)
            await self.follow(it)
        elif head in {"press", "choose"} and len(words) >= 2 and words[1].isdigit():
            await self.act(head, int(words[1]), " ".join(words[2:]))
        else:
            self.say("I didn't understand that; type `help`.")
        return True

    def help(self) -> str:
        return HELP.format(
            names=", ".join(self.names), applicant=APPLICANT.name, applicant_user=APPLICANT.username
        )

    def become(self, words: list[str]) -> None:
        if len(words) != 1 or words[0].lower() not in self.demo.server.users:
            self.say(f"Say who: `as NAME`, with one of {', '.join(self.names)}.")
            return
        self.username, self.last = words[0].lower(), None
        self.say(f"You are now {self.who(self.user_id)}.")
        if self.open_offers(self.user_id):
            self.show_offers()

    async def act(self, verb: str, number: int, value: str) -> None:
        if self.last is None or not self.is_for(self.last, self.user_id):
            waiting = self.open_offers(self.user_id)
            if not waiting:
                self.say("Nothing is offering you buttons right now.")
                return
            self.last = waiting[0]
        message = self.demo.emu.message(self.last.id)
        found = self.controls(message)
        if not 1 <= number <= len(found):
            self.say(f"Choose a number from 1 to {len(found)}.")
            return
        control = found[number - 1]
        guild = None if message.guild_id is None else self.demo.guild_id
        if verb == "press":
            if int(control["type"]) != _BUTTON:
                self.say(f"[{number}] is a menu: `choose {number} OPTION`.")
                return
            it = await self.demo.emu.press_button(
                guild, self.user_id, message, control["custom_id"]
            )
        else:
            if int(control["type"]) != _SELECT:
                self.say(f"[{number}] is a button: `press {number}`.")
                return
            picked = self.pick(control, value)
            if picked is None:
                self.say(f"Pick one of: {self.labels(control)}.")
                return
            it = await self.demo.emu.choose(
                guild, self.user_id, message, control["custom_id"], [picked]
            )
        await self.follow(it)

    @staticmethod
    def labels(menu: dict[str, Any]) -> str:
        return ", ".join(str(o.get("label") or o.get("value")) for o in menu.get("options") or [])

    @staticmethod
    def pick(menu: dict[str, Any], typed: str) -> str | None:
        """The option value a person means: its label, its value or its number."""
        options = menu.get("options") or []
        wanted = typed.strip().casefold()
        if wanted.isdigit() and 1 <= int(wanted) <= len(options):
            return str(options[int(wanted) - 1]["value"])
        for option in options:
            if wanted in {str(option.get("label", "")).casefold(), str(option["value"]).casefold()}:
                return str(option["value"])
        return None


async def repl(demo: Demo) -> None:
    session = Session(demo)
    unsubscribe = demo.emu.on_record(session.record)
    try:
        await demo.emu.member_join(demo.guild_id, demo.uid(APPLICANT.username))
        session.say(session.help())
        while True:
            line = await session.ask(f"{session.username}> ")
            if line is None:
                break
            try:
                if not await session.handle(line):
                    break
            except (ValueError, KeyError, TimeoutError, RuntimeError) as exc:
                session.say(member_sentence(exc))
    finally:
        unsubscribe()
