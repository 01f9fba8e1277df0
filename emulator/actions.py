"""What users do, as the emulator plays them: slash commands, context menus, autocomplete,
button presses, select choices and modal submissions, each sent to the bot as an
INTERACTION_CREATE exactly as Discord builds it."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence
from typing import Any

from emulator.gateway import Gateway
from emulator.models import (
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    JSON,
    EmuGuild,
    EmulatorEvent,
    EmuRole,
    EventKind,
    RecordedAttachment,
    RecordedInteraction,
    RecordedMessage,
    new_snowflake,
)
from emulator.state import IdLike, World, to_id

#: Discord's attachment size limit for a bot without boosts, sent with each interaction.
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


class Actions:
    """Interactions on a user's behalf; ``reaction_delay`` is the least time between the bot
    changing a message and a user acting on it."""

    def __init__(self, world: World, gateway: Gateway, *, reaction_delay: float) -> None:
        self.world = world
        self.gateway = gateway
        self.reaction_delay = reaction_delay

    def _require_session(self) -> None:
        if self.gateway.current is None or self.gateway.current.invalid:
            raise RuntimeError(
                "the bot has no gateway session; start it and await wait_until_ready()"
            )

    def _actor_json(self, guild: EmuGuild | None, user_id: int) -> JSON:
        if guild is None:
            return {"user": self.world.users[user_id].to_json()}
        member = guild.members.get(user_id)
        if member is None:
            raise ValueError(f"user {user_id} is not a member of guild {guild.id}")
        data = self.world.member_json(member)
        data["permissions"] = str(self.world.permissions(guild, user_id))
        return {"member": data}

    async def _send_interaction(
        self,
        *,
        itype: int,
        data: JSON,
        guild_id: int | None,
        user_id: int,
        channel_id: int | None,
        source: RecordedMessage | None = None,
        kind: EventKind,
        detail: str,
        settle_since: float = 0.0,
    ) -> RecordedInteraction:
        self._require_session()
        if settle_since:
            await asyncio.sleep(max(0.0, settle_since + self.reaction_delay - time.monotonic()))
        guild = self.world.guilds[guild_id] if guild_id is not None else None
        if channel_id is None:
            if guild is not None:
                texts = guild.text_channels()
                if not texts:
                    raise ValueError(f"guild {guild_id} has no text channel to invoke from")
                channel = texts[0]
            else:
                channel = self.world.ensure_dm_channel(user_id)
        else:
            channel = self.world.channel(channel_id)
        iid = new_snowflake()
        token = "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)
        channel_json = self.world.channel_json(channel)
        payload: JSON = {
            "id": str(iid),
            "application_id": str(self.world.application_id),
            "type": itype,
            "data": data,
            "channel_id": str(channel.id),
            "channel": channel_json,
            "token": token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            **self._actor_json(guild, user_id),
        }
        if guild is not None:
            payload["guild_id"] = str(guild.id)
            payload["guild"] = {"id": str(guild.id), "locale": "en-US", "features": []}
            payload["guild_locale"] = "en-US"
            payload["app_permissions"] = str(self.world.permissions(guild, self.world.bot_user.id))
            channel_json["permissions"] = payload["member"]["permissions"]
            payload["authorizing_integration_owners"] = {"0": str(guild.id)}
            payload["context"] = 0
        else:
            payload["app_permissions"] = str(ALL_PERMISSIONS & ~ADMINISTRATOR)
            payload["authorizing_integration_owners"] = {"0": "0"}
            payload["context"] = 1
        if source is not None:
            payload["message"] = self.world.message_json(source)
        it = RecordedInteraction(
            id=iid,
            token=token,
            type=itype,
            payload=payload,
            guild_id=guild_id,
            channel_id=channel.id,
            user_id=user_id,
            source_message_id=source.id if source is not None else None,
            _emulator=self.world,
        )
        self.world.interactions.append(it)
        self.world.interactions_by_id[iid] = it
        self.world.interactions_by_token[token] = it
        self.world.emit(
            EmulatorEvent(kind, False, guild_id, channel.id, user_id, interaction=it, detail=detail)
        )
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        return it

    def _find_command(self, guild_id: int | None, name: str, ctype: int) -> JSON:
        pools = ([self.world.commands(guild_id)] if guild_id is not None else []) + [
            self.world.commands(None)
        ]
        for pool in pools:
            for cmd in pool:
                if cmd["name"] == name and int(cmd["type"]) == ctype:
                    return cmd
        raise KeyError(f"no command {name!r} (type {ctype}) is registered for guild {guild_id}")

    async def invoke_command(
        self,
        guild_id: IdLike | None,
        user_id: IdLike,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        channel_id: IdLike | None = None,
        focused: str | None = None,
    ) -> RecordedInteraction:
        """Run a slash command as ``user_id``: ``"about"`` or ``"group sub"``/``"group sub sub"``.

        ``options`` maps option names to values; users, members, roles and channels may be
        given as ids or emulator objects (they are resolved into ``data.resolved``), attachments
        as ``(filename, bytes)``. With ``focused`` this sends an autocomplete interaction instead.
        """
        gid = None if guild_id is None else to_id(guild_id)
        uid = to_id(user_id)
        words = command.split()
        cmd = self._find_command(gid, words[0], 1)
        resolved: JSON = {}
        leaf_defs: list[JSON] = cmd.get("options") or []
        path_options: list[JSON] = []
        holder = path_options
        for word in words[1:]:
            found = next(
                (o for o in leaf_defs if o["name"] == word and int(o["type"]) in (1, 2)), None
            )
            if found is None:
                raise KeyError(f"command {command!r}: no subcommand or group {word!r}")
            node: JSON = {"name": word, "type": int(found["type"]), "options": []}
            holder.append(node)
            holder = node["options"]
            leaf_defs = found.get("options") or []
        if any(int(o["type"]) in (1, 2) for o in leaf_defs):
            raise KeyError(f"command {command!r} needs a subcommand")
        holder.extend(self._build_options(gid, leaf_defs, options or {}, resolved, focused))
        data: JSON = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": 1,
            "options": path_options,
        }
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        if resolved:
            data["resolved"] = resolved
        kind: EventKind = "autocomplete" if focused else "command"
        itype = 4 if focused else 2

        return await self._send_interaction(
            itype=itype,
            data=data,
            guild_id=gid,
            user_id=uid,
            channel_id=None if channel_id is None else to_id(channel_id),
            kind=kind,
            detail="/" + command + "".join(f" {k}:{v}" for k, v in (options or {}).items()),
        )

    async def autocomplete(
        self,
        guild_id: IdLike | None,
        user_id: IdLike,
        command: str,
        options: dict[str, Any],
        focused: str,
        *,
        channel_id: IdLike | None = None,
    ) -> RecordedInteraction:
        """An autocomplete interaction with ``focused`` being typed; answer is a type 8."""
        return await self.invoke_command(
            guild_id, user_id, command, options, channel_id=channel_id, focused=focused
        )

    async def invoke_context_menu(
        self,
        guild_id: IdLike | None,
        user_id: IdLike,
        name: str,
        target: IdLike | RecordedMessage,
        *,
        channel_id: IdLike | None = None,
    ) -> RecordedInteraction:
        """A user (target is a user) or message (target is a RecordedMessage) context menu."""
        gid = None if guild_id is None else to_id(guild_id)
        resolved: JSON = {}
        if isinstance(target, RecordedMessage):
            cmd = self._find_command(gid, name, 3)
            resolved["messages"] = {str(target.id): self.world.message_json(target)}
            target_id = target.id
            channel_id = channel_id if channel_id is not None else target.channel_id
        else:
            cmd = self._find_command(gid, name, 2)
            target_id = to_id(target)
            self._resolve_user(gid, target_id, resolved)
        data: JSON = {
            "id": cmd["id"],
            "name": name,
            "type": int(cmd["type"]),
            "target_id": str(target_id),
            "resolved": resolved,
        }
        if "guild_id" in cmd:
            data["guild_id"] = cmd["guild_id"]
        return await self._send_interaction(
            itype=2,
            data=data,
            guild_id=gid,
            user_id=to_id(user_id),
            channel_id=None if channel_id is None else to_id(channel_id),
            kind="command",
            detail=f"{name} on {target_id}",
        )

    def _resolve_user(self, guild_id: int | None, user_id: int, resolved: JSON) -> None:
        user = self.world.users.get(user_id)
        if user is None:
            raise KeyError(f"no user {user_id}")
        resolved.setdefault("users", {})[str(user_id)] = user.to_json()
        guild = self.world.guilds.get(guild_id) if guild_id is not None else None
        if guild is not None and user_id in guild.members:
            member = self.world.member_json(guild.members[user_id], with_user=False)
            member["permissions"] = str(self.world.permissions(guild, user_id))
            resolved.setdefault("members", {})[str(user_id)] = member

    def _resolve_role(self, guild_id: int | None, role_id: int, resolved: JSON) -> None:
        guild = self.world.guilds.get(guild_id) if guild_id is not None else None
        if guild is None or role_id not in guild.roles:
            raise KeyError(f"no role {role_id} in guild {guild_id}")
        resolved.setdefault("roles", {})[str(role_id)] = guild.roles[role_id].to_json()

    def _resolve_channel(self, guild_id: int | None, channel_id: int, resolved: JSON) -> None:
        channel = self.world.channel(channel_id)
        data = {
            k: v
            for k, v in self.world.channel_json(channel).items()
            if k in ("id", "name", "type", "parent_id")
        }
        data["permissions"] = str(ALL_PERMISSIONS)
        resolved.setdefault("channels", {})[str(channel_id)] = data

    def _resolve_mentionable(self, guild_id: int | None, value: Any, resolved: JSON) -> None:
        """A mentionable is a role (an ``EmuRole``, or an id of one of the guild's roles) or
        else a user."""
        vid = to_id(value)
        guild = self.world.guilds.get(guild_id) if guild_id is not None else None
        if isinstance(value, EmuRole) or (guild is not None and vid in guild.roles):
            self._resolve_role(guild_id, vid, resolved)
        else:
            self._resolve_user(guild_id, vid, resolved)

    def _build_options(
        self,
        guild_id: int | None,
        defs: list[JSON],
        values: dict[str, Any],
        resolved: JSON,
        focused: str | None,
    ) -> list[JSON]:
        by_name = {o["name"]: o for o in defs}
        unknown = set(values) - set(by_name)
        if unknown:
            raise KeyError(f"unknown options {sorted(unknown)}; the command has {sorted(by_name)}")
        missing = [o["name"] for o in defs if o.get("required") and o["name"] not in values]
        if missing and focused is None:
            raise ValueError(f"missing required options {missing}")
        out: list[JSON] = []
        for name, value in values.items():
            spec = by_name[name]
            otype = int(spec["type"])
            entry: JSON = {"name": name, "type": otype}
            if name == focused:
                entry["value"] = str(value)
                entry["focused"] = True
                out.append(entry)
                continue
            if otype == 3:
                entry["value"] = str(value)
            elif otype == 4:
                entry["value"] = int(value)
            elif otype == 10:
                entry["value"] = float(value)
            elif otype == 5:
                entry["value"] = bool(value)
            elif otype == 6:
                self._resolve_user(guild_id, to_id(value), resolved)
                entry["value"] = str(to_id(value))
            elif otype == 7:
                self._resolve_channel(guild_id, to_id(value), resolved)
                entry["value"] = str(to_id(value))
            elif otype == 8:
                self._resolve_role(guild_id, to_id(value), resolved)
                entry["value"] = str(to_id(value))
            elif otype == 9:
                self._resolve_mentionable(guild_id, value, resolved)
                entry["value"] = str(to_id(value))
            elif otype == 11:
                filename, raw = value
                att = RecordedAttachment(new_snowflake(), filename, bytes(raw))
                att.url = f"{self.world.base_url}/attachments/{att.id}/{filename}"
                self.world.attachments[att.id] = att
                resolved.setdefault("attachments", {})[str(att.id)] = att.to_json()
                entry["value"] = str(att.id)
            else:
                raise ValueError(f"option {name!r} has unsupported type {otype}")
            choices = spec.get("choices")
            if choices and entry["value"] not in [c["value"] for c in choices]:
                raise ValueError(f"{entry['value']!r} is not a choice of option {name!r}")
            out.append(entry)
        return out

    def _check_visible(self, message: RecordedMessage, user_id: int) -> RecordedMessage:
        current = self.world.messages.get(message.id)
        if current is None or current.deleted:
            raise ValueError(f"message {message.id} does not exist (deleted?)")
        if current.ephemeral:
            owner = self.world.interactions_by_id.get(current.interaction_id or 0)
            if owner is None or owner.user_id != user_id:
                raise ValueError(f"user {user_id} cannot see ephemeral message {message.id}")
        return current

    async def press_button(
        self, guild_id: IdLike | None, user_id: IdLike, message: RecordedMessage, custom_id: str
    ) -> RecordedInteraction:
        """Click the button ``custom_id`` on ``message`` (as it is now) as ``user_id``."""
        uid = to_id(user_id)
        msg = self._check_visible(message, uid)
        component = msg.find_component(custom_id)
        if component.get("type") != 2:
            raise ValueError(f"{custom_id!r} is not a button (type {component.get('type')})")
        if component.get("disabled"):
            raise ValueError(f"button {custom_id!r} is disabled")
        data: JSON = {"custom_id": custom_id, "component_type": 2}
        detail = f"pressed {component.get('label') or custom_id!r}"
        return await self._use_component(guild_id, uid, msg, data, detail)

    async def _use_component(
        self, guild_id: IdLike | None, user_id: int, msg: RecordedMessage, data: JSON, detail: str
    ) -> RecordedInteraction:
        """A component interaction (type 3) on ``msg``, sent once the message has settled."""
        return await self._send_interaction(
            itype=3,
            data=data,
            guild_id=None if guild_id is None else to_id(guild_id),
            user_id=user_id,
            channel_id=msg.channel_id,
            source=msg,
            settle_since=msg.touched_at,
            kind="component",
            detail=detail,
        )

    async def choose(
        self,
        guild_id: IdLike | None,
        user_id: IdLike,
        message: RecordedMessage,
        custom_id: str,
        values: Sequence[Any],
    ) -> RecordedInteraction:
        """Pick ``values`` in the select menu ``custom_id`` on ``message`` as ``user_id``.

        String selects take option values; user/role/mentionable/channel selects take ids.
        """
        uid = to_id(user_id)
        gid = None if guild_id is None else to_id(guild_id)
        msg = self._check_visible(message, uid)
        component = msg.find_component(custom_id)
        ctype = int(component.get("type", 0))
        if ctype not in (3, 5, 6, 7, 8):
            raise ValueError(f"{custom_id!r} is not a select menu (type {ctype})")
        if component.get("disabled"):
            raise ValueError(f"select {custom_id!r} is disabled")
        data: JSON = {"custom_id": custom_id, "component_type": ctype}
        data.update(self._select_values(gid, component, values))
        detail = f"chose {list(values)} in {custom_id!r}"
        return await self._use_component(gid, uid, msg, data, detail)

    def _select_values(self, guild_id: int | None, component: JSON, values: Sequence[Any]) -> JSON:
        ctype = int(component["type"])
        lo = int(component.get("min_values", 1))
        hi = int(component.get("max_values", 1))
        if not lo <= len(values) <= hi:
            raise ValueError(f"select {component.get('custom_id')!r} takes {lo}..{hi} values")
        out: JSON = {}
        if ctype == 3:
            allowed = [o["value"] for o in component.get("options") or []]
            for v in values:
                if v not in allowed:
                    raise ValueError(f"{v!r} is not an option of {component.get('custom_id')!r}")
            out["values"] = [str(v) for v in values]
            return out
        resolved: JSON = {}
        ids = [to_id(v) for v in values]
        for vid, v in zip(ids, values, strict=True):
            if ctype == 5:
                self._resolve_user(guild_id, vid, resolved)
            elif ctype == 6:
                self._resolve_role(guild_id, vid, resolved)
            elif ctype == 8:
                self._resolve_channel(guild_id, vid, resolved)
            else:
                self._resolve_mentionable(guild_id, v, resolved)
        out["values"] = [str(i) for i in ids]
        out["resolved"] = resolved
        return out

    async def submit_modal(
        self, it: RecordedInteraction, values: dict[str, Any], *, user_id: IdLike | None = None
    ) -> RecordedInteraction:
        """Fill in and submit the modal that ``it`` was answered with.

        ``values`` maps custom_ids to a str (text input, radio), a list (selects, checkbox
        groups) or a bool (checkbox). Text inputs left out get their default (or "").
        """
        modal = it.modal
        if modal is None:
            raise ValueError(f"interaction {it.id} was not answered with a modal")
        uid = it.user_id if user_id is None else to_id(user_id)
        remaining = dict(values)
        resolved: JSON = {}
        components = [
            self._modal_answer(it.guild_id, c, remaining, resolved)
            for c in modal.get("components") or []
        ]
        if remaining:
            raise KeyError(f"modal {modal['custom_id']!r} has no inputs {sorted(remaining)}")
        data: JSON = {"custom_id": modal["custom_id"], "components": components}
        if resolved:
            data["resolved"] = resolved
        source = self.world.messages.get(it.source_message_id) if it.source_message_id else None
        return await self._send_interaction(
            itype=5,
            data=data,
            guild_id=it.guild_id,
            user_id=uid,
            channel_id=it.channel_id,
            source=source,
            settle_since=it.responded_at,
            kind="modal_submit",
            detail=f"submitted {modal.get('title')!r}: {values}",
        )

    def _modal_answer(
        self, guild_id: int | None, component: JSON, values: dict[str, Any], resolved: JSON
    ) -> JSON:
        ctype = int(component.get("type", 0))
        out: JSON = {"type": ctype}
        if "id" in component:
            out["id"] = component["id"]
        if ctype == 1:
            out["components"] = [
                self._modal_answer(guild_id, c, values, resolved)
                for c in component.get("components") or []
            ]
            return out
        if ctype == 18:
            out["component"] = self._modal_answer(
                guild_id, component["component"], values, resolved
            )
            return out
        custom_id = component.get("custom_id")
        if custom_id is None:  # text display and other non-inputs
            return out
        out["custom_id"] = custom_id
        given = values.pop(custom_id, None)
        required = component.get("required", True)
        if ctype == 4:
            text = str(given) if given is not None else str(component.get("value") or "")
            if required and not text:
                raise ValueError(f"text input {custom_id!r} is required")
            lo, hi = int(component.get("min_length", 0)), int(component.get("max_length", 4000))
            if text and not lo <= len(text) <= hi:
                raise ValueError(f"text input {custom_id!r} takes {lo}..{hi} characters")
            out["value"] = text
        elif ctype in (3, 5, 6, 7, 8):
            chosen = list(given) if given is not None else []
            spec = dict(component)
            if not required:
                spec.setdefault("min_values", 0)
            out.update(self._select_values(guild_id, spec, chosen))
            for key, part in out.pop("resolved", {}).items():
                resolved.setdefault(key, {}).update(part)
        elif ctype == 21:
            out["value"] = None if given is None else str(given)
        elif ctype == 22:
            out["values"] = [str(v) for v in given or []]
        elif ctype == 23:
            out["value"] = bool(given)
        else:
            raise ValueError(f"modal component type {ctype} is not supported by the emulator")
        return out
