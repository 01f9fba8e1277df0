"""What /notifications and bulk-send progress look like."""

from __future__ import annotations

import discord

from bot.services import notifications
from bot.services.notifications import Preferences
from bot.services.outbound import Progress

COLOUR = discord.Colour.teal()


def settings_embed(prefs: Preferences, zone_name: str) -> discord.Embed:
    lines = []
    for kind, name in notifications.OPTIONAL_KINDS.items():
        lines.append(f"{'✅' if prefs.wants(kind) else '🚫'} **{name}**")
    lines.append(
        "🔒 **Renewal prompts** are required: your membership depends on them, so they can't "
        "be turned off. Invitations a coordinator sends you and notices about your membership "
        "always come too."
    )
    if prefs.quiet_start is not None and prefs.quiet_end is not None:
        quiet = (
            f"🌙 **Quiet hours:** {notifications.show_clock(prefs.quiet_start)} to "
            f"{notifications.show_clock(prefs.quiet_end)} ({zone_name}). A DM that falls "
            "inside them waits until they end."
        )
    else:
        quiet = f"🌙 **Quiet hours:** none. Set them to hold DMs overnight ({zone_name} time)."
    lines += ["", quiet]
    embed = discord.Embed(title="What I DM you", description="\n".join(lines), colour=COLOUR)
    embed.set_footer(
        text="Use the menu to choose, or /notifications with options. Personal reminders "
        "you set with /remindme always come."
    )
    return embed


def progress_line(progress: Progress) -> str:
    label = f"**{progress.label}**: " if progress.label else ""
    return f"{label}{progress.summary()}"


def progress_embed(progress: Progress) -> discord.Embed:
    title = "Sent" if progress.done else "Sending…"
    embed = discord.Embed(title=title, description=progress_line(progress), colour=COLOUR)
    if not progress.done:
        embed.set_footer(
            text="DMs go out a few a second so Discord doesn't treat them as spam; "
            "members' quiet hours and choices are respected."
        )
    return embed


def batches_embed(batches: list[Progress]) -> discord.Embed:
    """The recent bulk sends, newest first."""
    lines = [f"`#{p.batch_id}` · {progress_line(p)}" for p in batches]
    embed = discord.Embed(title="Bulk sends", description="\n".join(lines)[:4000], colour=COLOUR)
    embed.set_footer(text="Stop one with /outbound cancel <number>.")
    return embed
