"""A readable, live transcript of what happens on the emulator, rendered with ``rich``:
time, channel or DM, author, message, and the buttons offered."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from emulator import DiscordEmulator, EmulatorEvent, RecordedMessage

JSON = dict[str, Any]

_SHOWN = {
    "message_create",
    "message_edit",
    "role_add",
    "role_remove",
    "command",
    "component",
    "modal_submit",
    "member_join",
    "member_leave",
}


def message_body(message: RecordedMessage) -> str:
    """The message as a person reads it: content, then each embed."""
    parts = [message.content] if message.content else []
    for embed in message.embeds:
        if title := embed.get("title"):
            parts.append(f"▌ {title}")
        if description := embed.get("description"):
            parts.append(description)
        for field in embed.get("fields") or []:
            parts.append(f"{field.get('name', '')}: {field.get('value', '')}")
        if footer := (embed.get("footer") or {}).get("text"):
            parts.append(footer)
    parts.extend(f"📎 {a.filename} ({a.size} bytes)" for a in message.attachments)
    return "\n".join(parts)


def offered_controls(message: RecordedMessage) -> list[str]:
    """The buttons and selects on a message, numbered in order, as the reader sees them."""
    labels = []
    for component in message.iter_components():
        kind = int(component.get("type", 0))
        if kind == 2:
            labels.append(f"[{component.get('label') or component.get('emoji', {}).get('name')}]")
        elif kind in (3, 5, 6, 7, 8):
            options = [o.get("label", "") for o in component.get("options") or []]
            shown = ", ".join(options[:6]) + (" …" if len(options) > 6 else "")
            labels.append(f"[select: {component.get('placeholder') or shown}]")
    return labels


def relative(seconds: float) -> str:
    """A Discord ``<t:…:R>`` timestamp as a reader's client shows it: "in 5 minutes",
    "3 days ago"."""
    amount = abs(round(seconds))
    units = (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400),
             ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))  # fmt: skip
    unit, size = next(((u, s) for u, s in units if amount >= s), ("second", 1))
    count = round(amount / size)
    words = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {words}" if seconds >= 0 else f"{words} ago"


_SNOWFLAKE = re.compile(r"(?<![\d<@#&])(\d{17,20})(?!\d)")


class Transcript:
    """Subscribe with ``emu.on_record(transcript)``; save with ``transcript.save(path)``.

    While someone types at the interactive demo's prompt (``prompt`` is set), whatever
    arrives starts on a line of its own and the prompt is shown again after it, so a DM
    that arrives mid-typing does not run into what is being typed."""

    def __init__(
        self, emu: DiscordEmulator, zone: ZoneInfo, console: Console | None = None
    ) -> None:
        self.emu = emu
        self.zone = zone
        self.console = console or Console(record=True, highlight=False, soft_wrap=False)
        self.events: list[EmulatorEvent] = []
        self._shown: dict[int, list[str]] = {}
        self.prompt: str | None = None

    # --- naming ----------------------------------------------------------------------

    def who(self, user_id: int | None) -> str:
        if user_id is None:
            return "?"
        if user_id == self.emu.bot_user.id:
            return "cop-bot"
        try:
            user = self.emu.user(user_id)
        except KeyError:
            return str(user_id)
        return user.global_name or user.username

    def where(self, channel_id: int | None, message: RecordedMessage | None = None) -> str:
        if channel_id is None:
            return ""
        try:
            channel = self.emu.channel(channel_id)
        except KeyError:
            return str(channel_id)
        if channel.is_dm:
            recipient = next((u for u, c in self._dm_channels() if c == channel_id), None)
            return f"DM → {self.who(recipient)}"
        return f"#{channel.name}"

    def _dm_channels(self) -> list[tuple[int, int]]:
        return [
            (user_id, channel.id)
            for user_id in self.emu.users
            if (channel := self.emu.dm_channel_of(user_id)) is not None
        ]

    # --- rendering -------------------------------------------------------------------

    def scene(self, number: int, title: str) -> None:
        self.console.rule(f"[bold]Scene {number}: {escape(title)}")

    def note(self, text: str) -> None:
        self.console.print(Text(f"  … {text}", style="dim italic"))

    def __call__(self, event: EmulatorEvent) -> None:
        self.events.append(event)
        if event.kind not in _SHOWN:
            return
        if event.kind in {"message_create", "message_edit"} and (
            event.message is None or event.message.loading
        ):
            return
        prompt = self.prompt
        if prompt is not None:
            self._raw("\n")  # off the line being typed (the saved transcript never has it)
        try:
            self._show(event)
        finally:
            if prompt is not None:
                self._raw(prompt)

    def _raw(self, text: str) -> None:
        self.console.file.write(text)
        self.console.file.flush()

    def _show(self, event: EmulatorEvent) -> None:
        stamp = datetime.now(self.zone).strftime("%H:%M:%S")
        if event.kind in {"message_create", "message_edit"} and event.message is not None:
            self._message(stamp, event)
        elif event.kind in {"command", "component", "modal_submit"}:
            line = Text(f"{stamp}  ", style="dim")
            line.append(f"{self.where(event.channel_id)}  ", style="cyan")
            line.append(f"{self.who(event.user_id)} ", style="bold green")
            line.append(self.names(self.action(event)))
            self.console.print(line)
        elif event.kind in {"role_add", "role_remove"}:
            role = self._role_name(event.guild_id, event.role_id)
            verb = "gives" if event.kind == "role_add" else "removes"
            self.console.print(
                Text(
                    f"{stamp}  cop-bot {verb} {self.who(event.user_id)} the {role} role",
                    style="magenta",
                )
            )
        elif event.kind in {"member_join", "member_leave"}:
            verb = "joins" if event.kind == "member_join" else "leaves"
            self.console.print(
                Text(f"{stamp}  {self.who(event.user_id)} {verb} the server", style="yellow")
            )

    def humanize(self, text: str) -> str:
        """Show mentions and Discord timestamps as a reader's client would."""

        def user(match: re.Match[str]) -> str:
            return "@" + self.who(int(match.group(1)))

        def stamp(match: re.Match[str]) -> str:
            moment = datetime.fromtimestamp(int(match.group(1)), self.zone)
            style = match.group(2) or "f"
            if style == "R":
                return relative((moment - datetime.now(self.zone)).total_seconds())
            if style in {"t", "T"}:
                return moment.strftime("%H:%M:%S")
            return moment.strftime("%a %d %b %Y %H:%M:%S")

        text = re.sub(r"<@!?(\d+)>", user, text)
        return re.sub(r"<t:(-?\d+)(?::([tTdDfFR]))?>", stamp, text)

    def names(self, text: str) -> str:
        """Ids typed as command options (a member, a channel, a role) shown as their names."""

        def name(match: re.Match[str]) -> str:
            ident = int(match.group(1))
            if ident in self.emu.users:
                return "@" + self.who(ident)
            try:
                return "#" + self.emu.channel(ident).name
            except KeyError:
                pass
            for guild_id in self.emu.guilds:
                role = self.emu.guild(guild_id).roles.get(ident)
                if role is not None:
                    return "@" + role.name
            return match.group(1)

        return _SNOWFLAKE.sub(name, text)

    @staticmethod
    def action(event: EmulatorEvent) -> str:
        """What the person did, in words. Form values are not repeated: they may be
        confidential (a learning), and the bot's answer shows what it kept."""
        if event.kind == "command":
            return f"uses {event.detail}"
        if event.kind == "modal_submit":
            title = event.detail.split(":", 1)[0].removeprefix("submitted ").strip()
            return f"fills in and sends the form {title}"
        detail = event.detail
        if detail.startswith("pressed "):
            return "presses " + detail.removeprefix("pressed ")
        if detail.startswith("chose "):
            chosen = detail.removeprefix("chose ").split(" in ", 1)[0]
            return "chooses " + chosen.strip("[]").replace("'", "")
        return detail

    def _role_name(self, guild_id: int | None, role_id: int | None) -> str:
        if guild_id is None or role_id is None:
            return str(role_id)
        role = self.emu.guild(guild_id).roles.get(role_id)
        return role.name if role else str(role_id)

    def _message(self, stamp: str, event: EmulatorEvent) -> None:
        message = event.message
        assert message is not None
        if message.loading:
            return
        where = self.where(message.channel_id, message)
        if message.ephemeral and message.interaction_id is not None:
            it = self.emu.interaction(message.interaction_id)
            where = f"only {self.who(it.user_id)} sees"
        edited = " (edits it; what changed)" if event.kind == "message_edit" else ""
        header = Text(f"{stamp}  ", style="dim")
        header.append(f"{where}  ", style="cyan")
        header.append(f"{self.who(message.author_id)}{edited}:", style="bold blue")
        self.console.print(header)
        lines = self.humanize(message_body(message)).splitlines() or [""]
        if event.kind == "message_edit":
            before = set(self._shown.get(message.id, []))
            changed = [line for line in lines if line not in before]
            self._shown[message.id] = lines
            lines = changed or ["(layout only)"]
        else:
            self._shown[message.id] = lines
        for line in lines:
            self.console.print(Text(f"    {line}"))
        controls = offered_controls(message)
        if controls:
            self.console.print(Text("    " + "  ".join(controls), style="bold yellow"))

    def save(self, path: Any) -> None:
        self.console.save_text(str(path), clear=False, styles=False)
