"""/notifications' persistent items: the "Notification settings" button on every
automatic DM, the menu of kinds, and the quiet-hours modal. Their state lives in the
database, so they keep working after a restart."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.mentions import NO_PINGS
from bot.services import notifications, outbound
from bot.ui import CopButton, CopInteraction, CopModal, CopSelect, bot_of, persistent_view, send
from cogs.notifications import render


async def settings_message(interaction: CopInteraction) -> dict[str, Any]:
    """The settings panel for whoever pressed or typed: embed and view."""
    bot = interaction.client
    async with bot.db.transaction() as session:
        prefs = await notifications.preferences(session, interaction.user.id)
    return {
        "embed": render.settings_embed(prefs, bot.config.community.timezone),
        "view": settings_view(prefs),
        "allowed_mentions": NO_PINGS,
    }


def settings_view(prefs: notifications.Preferences) -> discord.ui.View:
    options = [
        discord.SelectOption(label=name, value=kind.value, default=prefs.wants(kind))
        for kind, name in notifications.OPTIONAL_KINDS.items()
    ]
    items: list[discord.ui.Item[Any]] = [KindsMenu().offering(options), QuietHoursButton()]
    if prefs.has_quiet_hours:
        items.append(QuietOffButton())
    return persistent_view(*items)


class OpenSettingsButton(CopButton, template=re.escape(outbound.NOTIFICATIONS_BUTTON_ID)):
    """On every automatic DM: shows the member's settings."""

    label = "Notification settings"
    emoji = "🔔"

    async def pressed(self, interaction: CopInteraction) -> None:
        await send(interaction, **(await settings_message(interaction)))


class KindsMenu(CopSelect, template=r"notif:kinds"):
    """Which optional kinds of DM the member gets."""

    placeholder = "Choose the DMs you want"
    any_number = True

    async def pressed(self, interaction: CopInteraction) -> None:
        chosen = set(self.item.values)
        bot = interaction.client
        async with bot.db.transaction() as session:
            for kind in notifications.OPTIONAL_KINDS:
                await notifications.set_kind(
                    session, bot.clock(), interaction.user.id, kind, kind.value in chosen
                )
        await interaction.response.edit_message(**(await settings_message(interaction)))


class QuietHoursModal(CopModal, title="Quiet hours"):
    start: discord.ui.TextInput[QuietHoursModal] = discord.ui.TextInput(
        label="From (your community's time)", placeholder="22:00", max_length=10, custom_id="start"
    )
    end: discord.ui.TextInput[QuietHoursModal] = discord.ui.TextInput(
        label="Until", placeholder="07:00", max_length=10, custom_id="end"
    )

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            await notifications.set_quiet_hours(
                session, bot.clock(), interaction.user.id, self.start.value, self.end.value
            )
        message = await settings_message(interaction)
        if interaction.message is not None:  # the panel it was opened from, updated in place
            await interaction.response.edit_message(**message)
        else:
            await send(interaction, **message)


class QuietHoursButton(CopButton, template=r"notif:quiet"):
    label = "Set quiet hours"
    emoji = "🌙"

    async def pressed(self, interaction: CopInteraction) -> None:
        await interaction.response.send_modal(QuietHoursModal())


class QuietOffButton(CopButton, template=r"notif:quiet-off"):
    label = "No quiet hours"

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = interaction.client
        async with bot.db.transaction() as session:
            await notifications.clear_quiet_hours(session, bot.clock(), interaction.user.id)
        await interaction.response.edit_message(**(await settings_message(interaction)))


DYNAMIC_ITEMS = (OpenSettingsButton, KindsMenu, QuietHoursButton, QuietOffButton)
