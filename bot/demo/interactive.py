"""``python -m bot demo --interactive``: after the scenes, act as any sample member.

Type slash commands as you would in Discord, answer forms at prompts, and press buttons or
choose from menus by number, so a coordinator can rehearse before inviting the bot to a
real server.
"""

from __future__ import annotations

import asyncio
import shlex
from typing import TYPE_CHECKING, Any

from emulator import RecordedInteraction, RecordedMessage

if TYPE_CHECKING:
    from bot.demo import Demo

HELP = """\
You are acting as a sample member. Type:
  /about, /learning add, /roster show count:3, /roster swap date:2026-12-01 member:@ben ...
                      a slash command; options as name:value (quote values with spaces)
  press N             press button N of the last message offered to you
  choose N VALUE      choose VALUE in menu N of that message
  as NAME             act as someone else: {names}
  help                this text
  quit                end the demo
"""


class Session:
    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.username = "cora"
        self.last: RecordedMessage | None = None

    @property
    def names(self) -> list[str]:
        return list(self.demo.server.users)

    async def ask(self, prompt: str) -> str | None:
        try:
            return await asyncio.to_thread(input, prompt)
        except EOFError:
            return None

    def say(self, text: str) -> None:
        self.demo.transcript.console.print(text, markup=False, highlight=False)

    def controls(self, message: RecordedMessage) -> list[dict[str, Any]]:
        return [
            c
            for c in message.iter_components()
            if int(c.get("type", 0)) in (2, 3) and not c.get("disabled")
        ]

    def offer(self, message: RecordedMessage) -> None:
        found = self.controls(message)
        if not found:
            return
        self.last = message
        for n, c in enumerate(found, start=1):
            if int(c["type"]) == 2:
                self.say(f"  [{n}] button: {c.get('label') or c.get('custom_id')}")
            else:
                options = ", ".join(o.get("value", "") for o in c.get("options") or [])
                self.say(f"  [{n}] menu: {c.get('placeholder') or ''} (values: {options})")

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
        words = shlex.split(line)
        if not words:
            return True
        head = words[0].lower()
        if head in {"quit", "exit"}:
            return False
        if head == "help":
            self.say(HELP.format(names=", ".join(self.names)))
        elif head == "as" and len(words) == 2 and words[1] in self.demo.server.users:
            self.username, self.last = words[1], None
            self.say(f"You are now {self.demo.transcript.who(self.demo.uid(self.username))}.")
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

    async def act(self, verb: str, number: int, value: str) -> None:
        if self.last is None:
            self.say("Nothing has offered you buttons yet.")
            return
        message = self.demo.emu.message(self.last.id)
        found = self.controls(message)
        if not 1 <= number <= len(found):
            self.say(f"Choose a number from 1 to {len(found)}.")
            return
        control = found[number - 1]
        guild = None if message.guild_id is None else self.demo.guild_id
        user = self.demo.uid(self.username)
        if verb == "press":
            it = await self.demo.emu.press_button(guild, user, message, control["custom_id"])
        else:
            it = await self.demo.emu.choose(guild, user, message, control["custom_id"], [value])
        await self.follow(it)


async def repl(demo: Demo) -> None:
    session = Session(demo)
    session.say(HELP.format(names=", ".join(session.names)))
    while True:
        line = await session.ask(f"{session.username}> ")
        if line is None:
            break
        try:
            if not await session.handle(line):
                break
        except (ValueError, KeyError, TimeoutError) as exc:
            session.say(f"That didn't work: {exc}")
