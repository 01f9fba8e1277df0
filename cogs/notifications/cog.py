"""/notifications (a member's choice of DMs and quiet hours) and /outbound status|cancel
(coordinators: the bulk sends under way)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
import sqlalchemy as sa
from discord import app_commands

from bot.checks import audience, coordinator_only
from bot.errors import InvalidInput, NotAllowed
from bot.mentions import NO_PINGS
from bot.models import OutboundBatch, OutboundKind
from bot.services import notifications, outbound
from bot.ui import CopCog, CopInteraction, send
from cogs.notifications import render
from cogs.notifications.components import DYNAMIC_ITEMS, settings_message
from cogs.notifications.progress import follow_progress

if TYPE_CHECKING:
    pass

RECENT_BATCHES = 10


class Notifications(CopCog):
    outbound_group = app_commands.Group(
        name="outbound",
        description="Bulk DMs being sent (coordinators).",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    persistent_items = DYNAMIC_ITEMS

    @app_commands.command(
        name="notifications", description="Choose which DMs I send you, and quiet hours."
    )
    @app_commands.describe(
        meeting_reminders="DMs about meetings (your facilitation turns, stand-bys)",
        learning_prompts="The DM after a meeting asking what you learned",
        consult_invitations="Invitations to help with a member's consult",
        renewal_prompts="Renewal prompts are required; they can't be turned off",
        quiet_from="Start of quiet hours, like 22:00 or 10pm (community time)",
        quiet_until="End of quiet hours, like 07:00 or 7am",
        quiet_hours_off="Turn quiet hours off",
    )
    @audience("everyone")
    async def notifications_(
        self,
        interaction: CopInteraction,
        meeting_reminders: bool | None = None,
        learning_prompts: bool | None = None,
        consult_invitations: bool | None = None,
        renewal_prompts: bool | None = None,
        quiet_from: str | None = None,
        quiet_until: str | None = None,
        quiet_hours_off: bool | None = None,
    ) -> None:
        if renewal_prompts is False:
            raise NotAllowed(
                "Renewal prompts are required: your membership depends on them, so they "
                "can't be turned off. Quiet hours still apply to them."
            )
        if (quiet_from is None) != (quiet_until is None):
            raise InvalidInput(
                "Give both `quiet_from` and `quiet_until`, like from `22:00` until `07:00`."
            )
        if quiet_from is not None and quiet_hours_off:
            raise InvalidInput("Either set quiet hours or turn them off, not both at once.")
        choices = {
            OutboundKind.MEETING_REMINDER: meeting_reminders,
            OutboundKind.LEARNING_PROMPT: learning_prompts,
            OutboundKind.CONSULT_INVITATION: consult_invitations,
        }
        now = self.bot.clock()
        user_id = interaction.user.id
        async with self.bot.db.transaction() as session:
            for kind, wanted in choices.items():
                if wanted is not None:
                    await notifications.set_kind(session, now, user_id, kind, wanted)
            if quiet_from is not None and quiet_until is not None:
                await notifications.set_quiet_hours(session, now, user_id, quiet_from, quiet_until)
            if quiet_hours_off:
                await notifications.clear_quiet_hours(session, now, user_id)
        await send(interaction, **(await settings_message(interaction)))

    @outbound_group.command(name="status", description="Progress of the recent bulk sends.")
    @app_commands.describe(batch="Follow one bulk send live until it is done (its number)")
    @coordinator_only()
    async def status(self, interaction: CopInteraction, batch: int | None = None) -> None:
        if batch is not None:
            async with self.bot.db.transaction() as session:
                await outbound.progress(session, batch)  # a clear sentence if there is none
            await interaction.response.defer(ephemeral=True, thinking=True)
            await follow_progress(interaction, batch)
            return
        async with self.bot.db.transaction() as session:
            ids = list(
                await session.scalars(
                    sa.select(OutboundBatch.id)
                    .order_by(OutboundBatch.id.desc())
                    .limit(RECENT_BATCHES)
                )
            )
            progress = [await outbound.progress(session, i) for i in ids]
        if not progress:
            await send(interaction, "No bulk sends yet.")
            return
        await send(interaction, embed=render.batches_embed(progress))

    @outbound_group.command(name="cancel", description="Stop a bulk send that is under way.")
    @app_commands.describe(batch="The bulk send's number, from /outbound status")
    @coordinator_only()
    async def cancel(self, interaction: CopInteraction, batch: int) -> None:
        async with self.bot.db.transaction() as session:
            progress = await outbound.progress(session, batch)
            stopped = await outbound.cancel_batch(session, self.bot.clock(), batch)
        if not stopped:
            await send(
                interaction,
                f"Nothing was waiting in bulk send `#{batch}` ({progress.summary()}).",
            )
            return
        await send(
            interaction,
            f"Stopped bulk send `#{batch}`: {stopped} DMs that hadn't gone out won't be sent.",
            allowed_mentions=NO_PINGS,
        )
