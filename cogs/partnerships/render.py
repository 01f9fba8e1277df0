"""Text, embeds and DMs for offers and needs, connection rounds, buddies and partnerships."""

from __future__ import annotations

import discord

from bot import port
from bot.models import Member, PartnershipStatus
from bot.services.partnerships import Offers
from bot.services.partnerships.log import PartnershipView
from bot.services.partnerships.rounds import Summary
from bot.ui import safe

COLOUR = 0x2E86C1
STATUS_WORDS = {
    PartnershipStatus.PROPOSED: "waiting for an answer",
    PartnershipStatus.ACTIVE: "active",
    PartnershipStatus.PAUSED: "paused",
    PartnershipStatus.COMPLETE: "complete",
    PartnershipStatus.DECLINED: "declined",
}


def offers_embed(name: str, offers: Offers) -> discord.Embed:
    embed = discord.Embed(title=f"{safe(name, 80)}: offers and needs", colour=COLOUR)
    if offers.empty:
        embed.description = "Nothing yet. Set yours with `/offers edit`."
        return embed
    offer = ", ".join(offers.offer_tags) or "—"
    need = ", ".join(offers.need_tags) or "—"
    embed.add_field(
        name="I can offer",
        value=safe(offer + (f"\n{offers.offer_text}" if offers.offer_text else ""), 900),
        inline=False,
    )
    embed.add_field(
        name="I'm looking for",
        value=safe(need + (f"\n{offers.need_text}" if offers.need_text else ""), 900),
        inline=False,
    )
    return embed


def partnership_line(view: PartnershipView) -> str:
    started = f" · since {view.started_on:%d %b %Y}" if view.started_on else ""
    head = (
        f"**#{view.id}** with **{safe(view.other_name, 80)}** on {safe(view.interest, 100)}"
        f" · {STATUS_WORDS[view.status]}{started}"
    )
    details = (
        ("You bring", view.me_brings),
        ("They bring", view.other_brings),
        ("Latest note", view.notes[-1] if view.notes else ""),
    )
    lines = [head, *(f"{label}: {safe(text, 200)}" for label, text in details if text)]
    if view.outcome_id:
        lines.append(f"Recorded as outcome #{view.outcome_id}")
    return "\n".join(lines)


def partnership_list(views: list[PartnershipView]) -> discord.Embed:
    if not views:
        return discord.Embed(
            title="Your partnerships",
            description=(
                "None yet. Press **Let's partner** on a connection, or use `/partnership propose`."
            ),
            colour=COLOUR,
        )
    text = "\n\n".join(partnership_line(v) for v in views[:10])
    return discord.Embed(title="Your partnerships", description=text[:4000], colour=COLOUR)


def summary_text(summary: Summary) -> str:
    return (
        f"**Connection rounds**: {summary.rounds} rounds, {summary.pairs} pairs or trios, "
        f"{summary.people} places. Did they meet? {summary.met} met, {summary.not_yet} not "
        f"yet, {summary.skipped} skipped, {summary.unanswered} not answered. "
        f"{summary.opted_in} members take part now."
    )


def card_dm(title: str, text: str, buttons: tuple[port.Button, ...]) -> port.Message:
    return port.Message(
        cards=(port.Card(title=title, description=text, colour=COLOUR),), buttons=buttons
    )


def pairing_dm(others: list[Member], reason: str, buttons: tuple[port.Button, ...]) -> port.Message:
    names = " and ".join(f"**{safe(m.display_name or 'a member', 80)}**" for m in others)
    text = (
        f"Your connection for this round: {names}.\n{reason}\n"
        "Find a time for a coffee or a call. Halfway through the round I'll ask how it went."
    )
    return card_dm("A new connection", text, buttons)


def round_checkin_dm(others: list[Member], buttons: tuple[port.Button, ...]) -> port.Message:
    names = " and ".join(safe(m.display_name or "a member", 80) for m in others) or "your pair"
    return card_dm("Did you meet?", f"Halfway through the round: did you meet {names}?", buttons)


def proposal_dm(
    proposer: str, interest: str, brings: str, buttons: tuple[port.Button, ...]
) -> port.Message:
    text = (
        f"**{safe(proposer, 80)}** would like to partner with you on "
        f"**{safe(interest, 100)}**. They bring: {safe(brings, 200)}.\n"
        "Accept to say what you bring to the table; only you can answer."
    )
    return card_dm("Let's partner?", text, buttons)


def checkin_dm(other: str, interest: str, buttons: tuple[port.Button, ...]) -> port.Message:
    text = (
        f"How is your partnership with **{safe(other, 80)}** on {safe(interest, 100)} going? "
        "Add a note any time with `/partnership update`."
    )
    return card_dm("Partnership check-in", text, buttons)


def buddy_ask_dm(newcomer: str, buttons: tuple[port.Button, ...]) -> port.Message:
    text = (
        f"**{safe(newcomer, 80)}** has just joined the Community of Practice, and you share "
        "interests. Would you be their buddy for the first weeks: a hello, a coffee, someone "
        "to ask?"
    )
    return card_dm("Be a buddy?", text, buttons)


def buddy_post(buddy: str, newcomer_user_id: int) -> port.Message:
    return port.Message(
        content=f"👋 <@{newcomer_user_id}>, **{safe(buddy, 80)}** is your buddy in the "
        "Community of Practice: say hello!",
        ping_users=(newcomer_user_id,),
    )


def buddy_checkin_dm(other: str, buttons: tuple[port.Button, ...]) -> port.Message:
    text = f"How is it going with **{safe(other, 80)}**, your buddy pairing?"
    return card_dm("Two weeks on", text, buttons)


ROLE_WORDS = {
    "scribe": "notes the main points and actions, so everyone can look back on them",
    "timekeeper": "keeps an eye on the clock and nudges us along the agenda",
}


def role_offer_dm(
    when: str, place: str, roles: tuple[str, ...], buttons: tuple[port.Button, ...]
) -> port.Message:
    """The offer of a light role at a newcomer's first meeting."""
    described = "\n".join(
        f"• **{safe(role, 40)}**"
        + (f": {ROLE_WORDS[role.casefold()]}" if role.casefold() in ROLE_WORDS else "")
        for role in roles
    )
    where = f" at {safe(place, 200)}" if place else ""
    text = (
        f"Your first meeting is {when}{where}. Would you like a light role? It's a good way "
        f"to meet everyone, and entirely optional:\n{described}\n\n"
        "The facilitator will know, so they can greet you and help you settle in."
    )
    return card_dm("A role at your first meeting?", text, buttons)


def role_answer_text(role: str, when: str) -> str:
    if not role:
        return "No problem: just come along and enjoy it. See you there!"
    return (
        f"Thank you! You're **{safe(role, 40)}** at the meeting {when}; the facilitator will "
        "know. Changed your mind? Press another button on the offer before the meeting."
    )


def no_buddy(newcomer: str) -> str:
    return (
        f'Nobody among **{safe(newcomer, 80)}**\'s "meet first" people could be their buddy. '
        "Could a coordinator find them one?"
    )
