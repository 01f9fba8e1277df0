"""Persistent buttons and forms for partnerships, and the renderers of its DMs. Imports
nothing from the cog.

Every button names the record it answers in its custom id, and the service checks that
the person pressing is the one it is for, so the buttons work after a restart and only
for their person.
"""

from __future__ import annotations

import contextlib
from typing import Any

import discord
from sqlalchemy.ext.asyncio import AsyncSession

from bot import port
from bot.client import CopBot
from bot.errors import Conflict, InvalidInput, NotAllowed
from bot.models import CheckinAnswer, Member, MemberStatus, Partnership, PartnershipStatus
from bot.services import outbound, partnerships
from bot.services.members import active_member, member_by_user
from bot.services.partnerships import buddy, jobs, log, roles, rounds
from bot.timeutil import show
from bot.ui import CopButton, CopInteraction, CopItem, FieldsModal, TextField, bot_of, choices, send
from cogs.partnerships import render


async def acting_member(session: AsyncSession, user_id: int) -> Member:
    return await active_member(
        session, user_id, "That's for members of the Community of Practice. Use `/join` to apply."
    )


async def offers_owner(session: AsyncSession, user_id: int) -> Member:
    """A member, or an applicant saying what they offer while they join."""
    member = await member_by_user(session, user_id)
    if member is None or member.status not in (MemberStatus.ACTIVE, MemberStatus.APPLICANT):
        raise NotAllowed("Use `/join` to apply first; then you can say what you offer.")
    return member


OFFER_FIELDS = (
    TextField(
        "offer_tags",
        "I can offer (comma-separated)",
        300,
        "e.g. grant writing, facilitation",
        required=False,
    ),
    TextField("offer_text", "One sentence about it (optional)", 200, required=False),
    TextField(
        "need_tags",
        "I'm looking for (comma-separated)",
        300,
        "e.g. evaluation, data",
        required=False,
    ),
    TextField("need_text", "One sentence about it (optional)", 200, required=False),
)


class OffersForm(FieldsModal):
    def __init__(self, current: partnerships.Offers) -> None:
        values = {
            "offer_tags": ", ".join(current.offer_tags),
            "offer_text": current.offer_text,
            "need_tags": ", ".join(current.need_tags),
            "need_text": current.need_text,
        }
        super().__init__(OFFER_FIELDS, values, title="What you offer and look for", timeout=900)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        bot = bot_of(interaction)
        offers = partnerships.parse_offers(**self.typed)
        async with bot.db.transaction() as session:
            me = await offers_owner(session, interaction.user.id)
            await partnerships.set_offers(session, bot.data_keyring, me, offers, bot.clock())
        await send(
            interaction,
            "Saved. `/partnership suggest` now matches what you offer with what others look "
            "for, and the other way round.",
            embed=render.offers_embed(interaction.user.display_name, offers),
        )


class OffersEditButton(CopButton, template=r"offers:edit"):
    """Opens the offers-and-needs form: offered after `/join` and `/profile edit`."""

    label = "What I offer and look for…"

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            me = await offers_owner(session, interaction.user.id)
            current = await partnerships.get_offers(session, bot.data_keyring, me)
        await interaction.response.send_modal(OffersForm(current))


# --- proposing ------------------------------------------------------------------------


BRINGS = "What you bring to the table (one line)"
PROPOSE_FIELDS = (
    TextField("interest", "The shared interest", log.INTEREST_MAX, "e.g. rural health"),
    TextField("brings", BRINGS, log.BRINGS_MAX, "e.g. grant writing, a venue, local contacts"),
)
ACCEPT_FIELDS = (TextField("brings", BRINGS, log.BRINGS_MAX),)


class ProposeForm(FieldsModal):
    """The shared interest and what I bring, for a new partnership."""

    def __init__(self, partner_member_id: int, *, interest: str = "") -> None:
        values = {"interest": interest}
        super().__init__(PROPOSE_FIELDS, values, title="Let's partner", timeout=900)
        self.partner_member_id = partner_member_id

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        bot = bot_of(interaction)
        now = bot.clock()
        async with bot.db.transaction() as session:
            me = await acting_member(session, interaction.user.id)
            partner = await session.get(Member, self.partner_member_id)
            if partner is None:
                raise NotAllowed("That person is no longer a member of the community.")
            row = await log.propose(
                session,
                bot.data_keyring,
                me,
                partner,
                **self.typed,
                now=now,
            )
            await jobs.queue_proposal(session, now, row)
            name = partner.display_name or "them"
            pid = row.id
        bot.outbox.wake()
        await send(
            interaction,
            f"I've asked **{discord.utils.escape_markdown(name)}** (partnership **#{pid}**). "
            "You'll see it in `/partnership list` once they answer.",
        )


class ProposeButton(CopButton, template=r"partner:propose:(?P<member_id>\d+)"):
    """**Let's partner** on a /connect suggestion or a connection-round DM."""

    member_id: int
    label = "Let's partner"
    style = discord.ButtonStyle.primary

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            me = await acting_member(session, interaction.user.id)
            if me.id == self.member_id:
                raise InvalidInput("A partnership takes two people: choose someone else.")
        await interaction.response.send_modal(ProposeForm(self.member_id))


# --- answering a proposal -------------------------------------------------------------


class AcceptForm(FieldsModal):
    def __init__(self, partnership_id: int) -> None:
        super().__init__(ACCEPT_FIELDS, title="Accept the partnership", timeout=900)
        self.partnership_id = partnership_id

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            me = await acting_member(session, interaction.user.id)
            await log.answer(
                session,
                bot.data_keyring,
                self.partnership_id,
                me,
                accept=True,
                brings=self.typed["brings"],
                now=bot.clock(),
                checkin_days=bot.config.partnerships.checkin_days,
            )
        await send(
            interaction,
            f"Partnership **#{self.partnership_id}** has begun. "
            f"I'll check in after {bot.config.partnerships.checkin_days} days.",
        )


class AnswerButton(CopButton, template=r"partner:answer:(?P<partnership_id>\d+):(?P<yes>yes|no)"):
    partnership_id: int
    yes: bool = choices({"yes": ("Accept", discord.ButtonStyle.success), "no": "Not now"})

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            me = await acting_member(session, interaction.user.id)
            row = await session.get(Partnership, self.partnership_id)
            if row is None or row.partner_id != me.id:
                raise NotAllowed("Only the person invited to this partnership can answer it.")
            if row.status is not PartnershipStatus.PROPOSED:
                raise Conflict(f"Partnership #{row.id} was already answered.")
            if not self.yes:
                await log.answer(
                    session,
                    bot.data_keyring,
                    row.id,
                    me,
                    accept=False,
                    brings="",
                    now=bot.clock(),
                    checkin_days=bot.config.partnerships.checkin_days,
                )
        if self.yes:
            await interaction.response.send_modal(AcceptForm(self.partnership_id))
        else:
            await send(interaction, "Understood: not now. Thank you for answering.")


class StatusButton(
    CopButton,
    template=r"partner:status:(?P<partnership_id>\d+):(?P<status>active|paused|complete)",
):
    partnership_id: int
    status: PartnershipStatus = choices(
        {"active": "Going well", "paused": "Paused", "complete": "Complete"}
    )

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            me = await acting_member(session, interaction.user.id)
            await log.update_status(
                session,
                bot.data_keyring,
                self.partnership_id,
                me,
                status=self.status,
                note="",
                now=bot.clock(),
            )
        extra = (
            " Turn it into an outcome for the community's report with `/partnership outcome`."
            if self.status is PartnershipStatus.COMPLETE
            else ""
        )
        await send(
            interaction, f"Partnership **#{self.partnership_id}** is {self.status.value}.{extra}"
        )


# --- rounds -----------------------------------------------------------------------------


class RoundCheckinButton(
    CopButton,
    template=r"round:checkin:(?P<round_id>\d+):(?P<answer>met|not_yet|skip)",
):
    round_id: int
    answer: CheckinAnswer = choices(
        {"met": "We met", "not_yet": "Not yet", "skip": "Skip this round"}
    )

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            me = await acting_member(session, interaction.user.id)
            if not await rounds.answer_checkin(
                session, self.round_id, me, self.answer, bot.clock()
            ):
                raise NotAllowed("You weren't paired in that round, so there is nothing to answer.")
        await send(interaction, f"Thanks: recorded “{self.item.label}”.")


# --- buddies ----------------------------------------------------------------------------


class BuddyButton(CopButton, template=r"buddy:(?P<newcomer_id>\d+):(?P<yes>yes|no)"):
    newcomer_id: int
    yes: bool = choices(
        {"yes": ("Yes, I'll be the buddy", discord.ButtonStyle.success), "no": "Not now"}
    )

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = bot_of(interaction)
        now = bot.clock()
        async with bot.db.transaction() as session:
            me = await acting_member(session, interaction.user.id)
            result = await buddy.answer(session, self.newcomer_id, me, yes=self.yes, now=now)
            newcomer = await session.get(Member, self.newcomer_id)
            if result.next_to_ask is not None:
                await jobs.ask_buddy(session, now, self.newcomer_id, result.next_to_ask)
        if result.next_to_ask is not None:
            bot.outbox.wake()
        name = (newcomer.display_name if newcomer else "") or "the newcomer"
        if not self.yes:
            if result.next_to_ask is None:  # nobody left to ask: a coordinator steps in
                with contextlib.suppress(port.PortError):
                    await bot.port.post(
                        bot.config.channels.coordinators,
                        port.Message(content=render.no_buddy(name)),
                    )
                await send(
                    interaction,
                    "Understood. Thank you for answering; a coordinator will find them a buddy.",
                )
                return
            await send(interaction, "Understood. Thank you for answering; I'll ask someone else.")
            return
        if newcomer is not None:
            # The buddy is recorded; the welcome note is a courtesy.
            with contextlib.suppress(port.PortError):
                await bot.port.post(
                    bot.config.channels.welcome,
                    render.buddy_post(me.display_name or "A member", newcomer.user_id),
                )
        await send(
            interaction,
            f"Thank you! You're **{discord.utils.escape_markdown(name)}**'s buddy. "
            "I'll check in with you both in two weeks.",
        )


class BuddyCheckinButton(
    CopButton, template=r"buddy:checkin:(?P<newcomer_id>\d+):(?P<how>ok|help)"
):
    newcomer_id: int
    how: str = choices({"ok": "Going well", "help": "Could use a hand"})

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            me = await acting_member(session, interaction.user.id)
            found = await buddy.buddy_of(session, self.newcomer_id)
            if me.id != self.newcomer_id and (found is None or found.id != me.id):
                raise NotAllowed("This check-in is for the newcomer and their buddy.")
        if self.how == "help":
            with contextlib.suppress(port.PortError):
                await bot.port.post(
                    bot.config.channels.coordinators,
                    port.Message(
                        content="A buddy pairing could use a hand: "
                        f"<@{interaction.user.id}> asked at the two-week check-in.",
                    ),
                )
            await send(interaction, "Thanks for saying so: a coordinator will be in touch.")
        else:
            await send(interaction, "Good to hear. Thank you!")


class RoleOfferButton(CopButton, template=r"firstrole:(?P<newcomer_id>\d+):(?P<choice>\d+|no)"):
    """A role (by its place in the offer) or "No thanks", at a newcomer's first meeting.
    Only the newcomer can press it."""

    newcomer_id: int
    choice: str

    def appearance(self) -> tuple[str, discord.ButtonStyle]:
        return ("No thanks" if self.choice == roles.NO_THANKS else "Take this role"), self.style

    async def pressed(self, interaction: CopInteraction) -> None:
        bot = bot_of(interaction)
        async with bot.db.transaction() as session:
            me = await acting_member(session, interaction.user.id)
            offer = await roles.answer(session, self.newcomer_id, me, self.choice, bot.clock())
            when = show(offer.meeting.starts_at, "F")
        await send(interaction, render.role_answer_text(offer.role, f"on {when}"))


DYNAMIC_ITEMS: tuple[type[CopItem[Any]], ...] = (
    OffersEditButton,
    ProposeButton,
    AnswerButton,
    StatusButton,
    RoundCheckinButton,
    BuddyButton,
    BuddyCheckinButton,
    RoleOfferButton,
)


# --- the DMs the outbound path sends ---------------------------------------------------


def register_renderers(bot: CopBot) -> None:
    async def _me(session: AsyncSession, user_id: int) -> Member | None:
        return await member_by_user(session, user_id)

    async def pairing(session: AsyncSession, item: outbound.Rendering) -> port.Message | None:
        round_id = int(str(item.params["round_id"]))
        me = await _me(session, item.user_id)
        if me is None:
            return None
        others = await rounds.group_of(session, round_id, me.id)
        if not others:
            return None
        reason = await rounds.reason_for(session, round_id, me.id)
        buttons = tuple(ProposeButton(o.id).as_port() for o in others)
        return render.pairing_dm(others, reason, buttons)

    async def round_checkin(session: AsyncSession, item: outbound.Rendering) -> port.Message | None:
        round_id = int(str(item.params["round_id"]))
        me = await _me(session, item.user_id)
        if me is None:
            return None
        others = await rounds.group_of(session, round_id, me.id)
        buttons = tuple(RoundCheckinButton(round_id, answer).as_port() for answer in CheckinAnswer)
        return render.round_checkin_dm(others, buttons)

    async def proposal(session: AsyncSession, item: outbound.Rendering) -> port.Message | None:
        pid = int(str(item.params["partnership_id"]))
        row = await session.get(Partnership, pid)
        me = await _me(session, item.user_id)
        if row is None or me is None or row.status is not PartnershipStatus.PROPOSED:
            return None
        view = await log.view(session, bot.data_keyring, pid, me, coordinator=False)
        return render.proposal_dm(
            view.other_name,
            view.interest,
            view.other_brings,
            (AnswerButton(pid, yes=True).as_port(), AnswerButton(pid, yes=False).as_port()),
        )

    async def checkin(session: AsyncSession, item: outbound.Rendering) -> port.Message | None:
        pid = int(str(item.params["partnership_id"]))
        me = await _me(session, item.user_id)
        if me is None:
            return None
        view = await log.view(session, bot.data_keyring, pid, me, coordinator=False)
        if view.status is not PartnershipStatus.ACTIVE:
            return None
        return render.checkin_dm(
            view.other_name,
            view.interest,
            tuple(
                StatusButton(pid, PartnershipStatus(key)).as_port() for key in StatusButton.looks
            ),
        )

    async def buddy_ask(session: AsyncSession, item: outbound.Rendering) -> port.Message | None:
        newcomer = await session.get(Member, int(str(item.params["newcomer_id"])))
        if newcomer is None or not newcomer.is_active:
            return None
        return render.buddy_ask_dm(
            newcomer.display_name or "A newcomer",
            (
                BuddyButton(newcomer.id, yes=True).as_port(),
                BuddyButton(newcomer.id, yes=False).as_port(),
            ),
        )

    async def buddy_checkin(session: AsyncSession, item: outbound.Rendering) -> port.Message | None:
        newcomer_id = int(str(item.params["newcomer_id"]))
        me = await _me(session, item.user_id)
        found = await buddy.buddy_of(session, newcomer_id)
        newcomer = await session.get(Member, newcomer_id)
        if me is None or found is None or newcomer is None:
            return None
        other = found if me.id == newcomer_id else newcomer
        return render.buddy_checkin_dm(
            other.display_name or "a member",
            (
                BuddyCheckinButton(newcomer_id, "ok").as_port(),
                BuddyCheckinButton(newcomer_id, "help").as_port(),
            ),
        )

    async def first_role(session: AsyncSession, item: outbound.Rendering) -> port.Message | None:
        offer = await roles.offer_of(session, int(str(item.params["newcomer_id"])))
        if offer is None or not offer.open or not roles.still_on(offer.meeting, item.now):
            return None  # answered, or the meeting moved on: nothing to offer
        buttons = tuple(
            port.Button(
                role.capitalize(),
                custom_id=RoleOfferButton(offer.newcomer_id, str(n)).custom_id,
                style="primary",
            )
            for n, role in enumerate(offer.roles)
        )
        starts = offer.meeting.starts_at
        return render.role_offer_dm(
            f"{show(starts, 'F')} ({show(starts, 'R')})",
            offer.meeting.place,
            offer.roles,
            (*buttons, RoleOfferButton(offer.newcomer_id, roles.NO_THANKS).as_port()),
        )

    bot.outbox.register(jobs.PAIRING_TEMPLATE, pairing)
    bot.outbox.register(jobs.ROUND_CHECKIN_TEMPLATE, round_checkin)
    bot.outbox.register(jobs.PROPOSAL_TEMPLATE, proposal)
    bot.outbox.register(jobs.CHECKIN_TEMPLATE, checkin)
    bot.outbox.register(jobs.BUDDY_ASK_TEMPLATE, buddy_ask)
    bot.outbox.register(jobs.BUDDY_CHECKIN_TEMPLATE, buddy_checkin)
    bot.outbox.register(jobs.FIRST_ROLE_TEMPLATE, first_role)


__all__ = ["DYNAMIC_ITEMS", "acting_member", "partnerships", "register_renderers"]
