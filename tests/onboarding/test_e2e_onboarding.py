"""Onboarding end to end: the real bot against the project's Discord emulator."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.models import Application, ApplicationStatus, Meeting, Member, MemberStatus
from bot.services.onboarding.lifecycle import submit_application
from emulator import EPHEMERAL
from tests.conftest import FakeClock
from tests.e2e.harness import World
from tests.onboarding.e2e_steps import (
    TYPED,
    approve,
    assert_no_mass_pings,
    cog,
    fill_and_send,
    open_form,
    posts_in,
    press,
    review_button,
    review_post,
    role_changes,
    start,
    welcome_done,
)
from tests.onboarding.helpers import good_answers


async def member_row(world: World, user_id: int) -> Member:
    assert world.db is not None
    async with world.db.transaction() as session:
        row = await session.scalar(select(Member).where(Member.user_id == user_id))
    assert row is not None
    return row


async def test_join_review_approve_grants_role_introduces_and_dms(world: World) -> None:
    await start(world)
    w = world
    await w.add_active_members(
        interests={
            w.ana.id: ["co-design"],
            w.ben.id: ["rural health"],
            w.cal.id: ["mining"],
            w.dee.id: ["co-design", "health"],
        }
    )
    assert w.db is not None
    async with w.db.transaction() as session:
        session.add(
            Meeting(
                starts_at=datetime.now(UTC) + timedelta(days=6),
                place="Rockhampton Library, meeting room 2",
                title="",
                created_at=datetime.now(UTC),
            )
        )

    sent = await fill_and_send(w, w.nina)
    assert sent.ephemeral
    assert "Application sent" in sent.text
    assert sent.custom_ids() == ["offers:edit"]  # the form's own buttons are gone

    post = await review_post(w, w.nina)
    assert "Fitzroy Health Partnership" in post.text
    assert "Every rule is met" in post.text
    pressed = await press(w, w.cora, post, review_button(post, "approve"))

    await w.emu.wait_until(
        lambda: bool(role_changes(w, "PUT", w.nina, w.member_role.id)), 5, "the role grant"
    )
    intro = await w.emu.wait_for_message(
        lambda m: m.channel_id == w.welcome.id and f"<@{w.nina.id}>" in m.content
        and "People to meet first" in m.content
    )  # fmt: skip
    assert intro.pinged_user_ids == {w.nina.id, w.dee.id, w.ana.id, w.ben.id}
    for text in ("Nina Newcomer", "Fitzroy Health Partnership", "Partnerships lead", "co-design"):
        assert text in intro.text
    assert w.cal.id not in intro.pinged_user_ids

    dm = await w.emu.wait_for_message(
        lambda m: m in w.emu.dms_to(w.nina.id) and "approved" in m.text
    )
    assert w.config.community.rules[0] in dm.text  # the info sheet
    assert "Next meeting" in dm.text
    assert "Rockhampton Library" in dm.text

    report = await pressed.wait_followup()
    assert report.ephemeral
    assert "member role granted" in report.text
    assert "introduction posted" in report.text
    decided = w.emu.message(post.id)
    assert not decided.custom_ids()
    assert f"Approved by <@{w.cora.id}>" in decided.text
    member = await member_row(w, w.nina.id)
    assert member.status is MemberStatus.ACTIVE
    assert member.joined_at is not None
    assert_no_mass_pings(w)


async def test_decline_tells_the_reason_and_how_to_apply_again(world: World) -> None:
    await start(world)
    w = world
    await fill_and_send(w, w.nina)
    post = await review_post(w, w.nina)
    decline = await press(w, w.cora, post, review_button(post, "decline"))
    assert decline.modal is not None
    submitted = await w.emu.submit_modal(
        decline, {"reason": "Membership is for people working in Central Queensland."}
    )
    await submitted.wait_response()
    dm = await w.emu.wait_for_message(
        lambda m: m in w.emu.dms_to(w.nina.id) and "declined" in m.text
    )
    assert "Membership is for people working in Central Queensland." in dm.text
    assert "/join" in dm.text
    decided = w.emu.message(post.id)
    assert not decided.custom_ids()
    assert "Declined by" in decided.text
    assert not role_changes(w, "PUT", w.nina, w.member_role.id)
    assert (await member_row(w, w.nina.id)).status is MemberStatus.DECLINED

    again = await w.emu.invoke_command(w.guild.id, w.nina.id, "join")
    await again.wait_response()
    assert again.modal is not None  # may apply again, answers filled in
    defaults = {
        c["custom_id"]: c.get("value")
        for row in again.modal["components"]
        for c in row["components"]
    }
    assert defaults["organisation"] == "Fitzroy Health Partnership"
    assert_no_mass_pings(w)


async def test_unmet_rules_are_listed_and_still_reach_a_coordinator(world: World) -> None:
    await start(world)
    w = world
    sent = await fill_and_send(w, w.nina, course="none", agree=False)
    text = sent.text
    assert "Some rules aren't met yet" in text
    assert "Partnering Above and Below the Line" in text  # which trainings count
    assert "Agree to take your turn facilitating" in text
    assert text.count("❌") == 3
    post = await review_post(w, w.nina)
    assert "3 rules not met" in post.text
    report = await approve(w, w.nina)  # a coordinator's exception
    assert "member role granted" in report.text
    assert role_changes(w, "PUT", w.nina, w.member_role.id)


async def test_elsewhere_asks_where_and_goes_to_review_with_the_note(world: World) -> None:
    await start(world)
    w = world
    form = await open_form(w, w.nina)
    chose = await w.emu.choose(w.guild.id, w.nina.id, form, "onb:form:locality", ["elsewhere"])
    await chose.wait_response()
    assert chose.modal is not None, "choosing Elsewhere should ask where"
    note = await w.emu.submit_modal(chose, {"locality_note": "Theodore"})
    await note.wait_response()
    assert "Elsewhere: Theodore" in w.emu.message(form.id).text
    await press(w, w.nina, w.emu.message(form.id), "onb:form:facilitation-yes")
    await press(w, w.nina, w.emu.message(form.id), "onb:form:pledge-yes")
    chose = await w.emu.choose(
        w.guild.id, w.nina.id, w.emu.message(form.id), "onb:form:course", ["Partnering Essentials"]
    )
    await chose.wait_response()
    await press(w, w.nina, w.emu.message(form.id), "onb:form:submit")
    post = await review_post(w, w.nina)
    assert "Theodore" in post.text
    assert "⚠️" in post.text


async def test_form_mistakes_are_fixed_without_retyping(world: World) -> None:
    await start(world)
    w = world
    form = await open_form(w, w.nina, job_role="   ", training_year="20x5")
    assert "Please fix" in form.text
    assert "**Role** is empty" in form.text
    assert "`20x5` isn't a training year" in form.text
    submit = await press(w, w.nina, form, "onb:form:submit")
    assert submit.modal is None
    assert "Please fix" in w.emu.message(form.id).text  # refused, nothing recorded
    edit = await press(w, w.nina, w.emu.message(form.id), "onb:form:edit")
    assert edit.modal is not None
    values = {
        c["custom_id"]: c.get("value")
        for row in edit.modal["components"]
        for c in row["components"]
    }
    assert values["organisation"] == "Fitzroy Health Partnership"  # kept
    fixed = await w.emu.submit_modal(
        edit, {"job_role": "Partnerships lead", "training_year": "2021"}
    )
    await fixed.wait_response()
    assert "Please fix" not in w.emu.message(form.id).text
    assert w.emu.message(form.id).ephemeral
    assert w.emu.message(form.id).flags & EPHEMERAL


async def test_second_join_gets_status_not_a_second_application(world: World) -> None:
    await start(world)
    w = world
    await fill_and_send(w, w.nina)
    again = await w.emu.invoke_command(w.guild.id, w.nina.id, "join")
    reply = await again.wait_reply()
    assert again.modal is None
    assert reply.ephemeral
    assert "already applied" in reply.text


async def test_arrival_dm_points_to_join_and_grants_no_role(world: World) -> None:
    await start(world)
    w = world
    olly = w.emu.add_user("olly", global_name="Olly Open")
    await w.emu.member_join(w.guild.id, olly.id)
    dm = await w.emu.wait_for_message(lambda m: m in w.emu.dms_to(olly.id))
    assert "/join" in dm.text
    await cog(w).run_sweep()
    assert len(w.emu.dms_to(olly.id)) == 1  # the sweep does not welcome twice
    assert not role_changes(w, "PUT", olly, w.member_role.id)
    assert not w.emu.member(w.guild.id, olly.id).roles


async def test_closed_dms_get_the_pointer_in_the_welcome_channel(world: World) -> None:
    await start(world)
    w = world
    cleo = w.emu.add_user("cleo", global_name="Cleo Closed")
    w.emu.set_dms_closed(cleo.id)
    await w.emu.member_join(w.guild.id, cleo.id)
    pointer = await w.emu.wait_for_message(
        lambda m: m.channel_id == w.welcome.id and f"<@{cleo.id}>" in m.content
    )
    assert "/join" in pointer.text
    assert pointer.pinged_user_ids == {cleo.id}
    assert not w.emu.dms_to(cleo.id)
    assert not w.emu.member(w.guild.id, cleo.id).roles
    assert_no_mass_pings(w)


async def test_two_coordinators_pressing_at_once_give_one_decision(world: World) -> None:
    await start(world)
    w = world
    await w.emu.set_member_roles(w.guild.id, w.ben.id, [w.member_role.id, w.coordinator_role.id])
    await fill_and_send(w, w.nina)
    post = await review_post(w, w.nina)
    approve_id = review_button(post, "approve")
    presses = await asyncio.gather(
        w.emu.press_button(w.guild.id, w.cora.id, post, approve_id),
        w.emu.press_button(w.guild.id, w.ben.id, post, approve_id),
        w.emu.press_button(w.guild.id, w.cora.id, post, approve_id),
    )
    for it in presses:
        await it.wait_response()
    [winner] = [it for it in presses if it.response is not None and it.response.type == 7]
    await winner.wait_followup()  # the whole welcome is done
    assert len(role_changes(w, "PUT", w.nina, w.member_role.id)) == 1
    assert len(posts_in(w, w.welcome.id, "Please welcome")) == 1
    assert len([m for m in w.emu.dms_to(w.nina.id) if "approved" in m.text]) == 1
    refusals = [it for it in presses if it.response is not None and it.response.type == 4]
    assert len(refusals) == 2
    for it in refusals:
        assert "already approved" in (await it.wait_reply()).text


async def test_non_coordinator_gets_a_polite_refusal(world: World) -> None:
    await start(world)
    w = world
    await fill_and_send(w, w.nina)
    post = await review_post(w, w.nina)
    for action in ("approve", "decline"):
        it = await press(w, w.ana, post, review_button(post, action))
        reply = await it.wait_reply()
        assert reply.ephemeral
        assert "Only coordinators" in reply.text
    assert not role_changes(w, "PUT", w.nina, w.member_role.id)
    assert w.emu.message(post.id).custom_ids() == post.custom_ids()
    assert w.db is not None
    async with w.db.transaction() as session:
        app = await session.scalar(select(Application))
    assert app is not None
    assert app.status is ApplicationStatus.PENDING


async def test_applicant_who_left_mid_review_is_decided_without_a_crash(world: World) -> None:
    await start(world)
    w = world
    await fill_and_send(w, w.nina)
    post = await review_post(w, w.nina)
    await w.emu.member_leave(w.guild.id, w.nina.id)
    await w.emu.wait_for_message(
        lambda m: m.channel_id == w.coordinators.id and "left the server while" in m.text
    )
    pressed = await press(w, w.cora, post, review_button(post, "approve"))
    report = await pressed.wait_followup()
    assert "left the server" in report.text
    assert not role_changes(w, "PUT", w.nina, w.member_role.id)
    assert not posts_in(w, w.welcome.id, "Please welcome")
    assert w.db is not None
    async with w.db.transaction() as session:
        app = await session.scalar(select(Application))
    assert app is not None
    assert app.status is ApplicationStatus.APPROVED


async def test_renewal_lapse_under_a_fixed_clock(world: World) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await start(world, clock=clock)
    w = world
    await fill_and_send(w, w.nina)
    await approve(w, w.nina)
    assert role_changes(w, "PUT", w.nina, w.member_role.id)
    config = w.config.onboarding

    clock.advance(days=config.renewal_days)
    await cog(w).run_sweep()
    prompt = await w.emu.wait_for_message(
        lambda m: m in w.emu.dms_to(w.nina.id) and "renew" in m.text
    )
    assert any(c.endswith(":yes") for c in prompt.custom_ids())
    assert config.pledge_text[:40] in prompt.text

    clock.advance(days=config.renewal_grace_days - 1)
    await cog(w).run_sweep()
    assert not role_changes(w, "DELETE", w.nina, w.member_role.id)

    clock.advance(days=1)
    await cog(w).run_sweep()
    told = await w.emu.wait_for_message(
        lambda m: (
            m.channel_id == w.coordinators.id
            and "Membership lapsed" in m.text
            and f"<@{w.nina.id}>" in m.content
        )
    )
    assert "now have the alumni role and are out" in told.content
    assert not told.pinged_user_ids
    assert len(role_changes(w, "DELETE", w.nina, w.member_role.id)) == 1
    assert len(role_changes(w, "PUT", w.nina, w.alumni_role.id)) == 1
    assert (await member_row(w, w.nina.id)).status is MemberStatus.ALUMNI
    late = await w.emu.press_button(w.guild.id, w.nina.id, prompt, prompt.custom_ids()[0])
    assert "/join" in (await late.wait_reply()).text
    assert_no_mass_pings(w)


async def test_renewal_confirmed_keeps_the_member(world: World) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await start(world, clock=clock)
    w = world
    await fill_and_send(w, w.nina)
    await approve(w, w.nina)
    assert role_changes(w, "PUT", w.nina, w.member_role.id)
    clock.advance(days=w.config.onboarding.renewal_days)
    await cog(w).run_sweep()
    prompt = await w.emu.wait_for_message(
        lambda m: m in w.emu.dms_to(w.nina.id) and "renew" in m.text
    )
    yes = next(c for c in prompt.custom_ids() if c.endswith(":yes"))
    confirmed = await press(w, w.nina, prompt, yes)
    assert "confirmed" in (await confirmed.wait_reply()).text
    clock.advance(days=w.config.onboarding.renewal_grace_days + 1)
    await cog(w).run_sweep()
    assert not role_changes(w, "DELETE", w.nina, w.member_role.id)
    assert (await member_row(w, w.nina.id)).status is MemberStatus.ACTIVE


async def test_sweep_catches_people_who_joined_or_left_while_down(world: World) -> None:
    await start(world)
    w = world
    await fill_and_send(w, w.nina)
    await review_post(w, w.nina)
    await w.stop_bot()
    late = w.emu.add_user("late", global_name="Lara Late")
    w.emu.add_member(w.guild.id, late.id)  # joined while the bot was down: no event seen
    del w.emu.guild(w.guild.id).members[w.nina.id]  # left while down
    await start(w)
    dm = await w.emu.wait_for_message(lambda m: m in w.emu.dms_to(late.id))
    assert "/join" in dm.text
    assert (await member_row(w, w.nina.id)).status is MemberStatus.LEFT
    for user in w.members:  # members from before the bot are never pointed to /join
        assert not w.emu.dms_to(user.id)


async def test_profile_and_connect(world: World) -> None:
    await start(world)
    w = world
    await w.add_active_members(
        interests={w.ana.id: ["co-design"], w.ben.id: ["co-design"], w.dee.id: ["co-design"]}
    )
    await fill_and_send(w, w.nina)
    await approve(w, w.nina)
    assert role_changes(w, "PUT", w.nina, w.member_role.id)
    shown = await w.emu.invoke_command(w.guild.id, w.ana.id, "profile show", {"member": w.nina.id})
    profile = await shown.wait_reply()
    assert profile.ephemeral
    assert "Fitzroy Health Partnership" in profile.text

    it = await w.emu.invoke_command(w.guild.id, w.nina.id, "connect")
    first = await it.wait_reply()
    assert first.ephemeral
    named = {u.id for u in (w.ana, w.ben, w.dee) if f"<@{u.id}>" in first.text}
    assert len(named) == 1
    again = await press(w, w.nina, first, first.custom_ids()[0])
    second = await again.wait_reply()
    named2 = {u.id for u in (w.ana, w.ben, w.dee) if f"<@{u.id}>" in second.text}
    assert len(named2) == 1
    assert named2 != named

    edit = await w.emu.invoke_command(w.guild.id, w.nina.id, "profile edit")
    await edit.wait_response()
    assert edit.modal is not None
    saved = await w.emu.submit_modal(edit, {"interests": "water, co-design"})
    assert "water" in (await saved.wait_reply()).text

    visitor = w.emu.add_user("vic", global_name="Vic Visitor")
    w.emu.add_member(w.guild.id, visitor.id)
    refused = await w.emu.invoke_command(w.guild.id, visitor.id, "connect")
    assert "/join" in (await refused.wait_reply()).text


async def test_coordinator_commands_pending_and_show(world: World) -> None:
    await start(world)
    w = world
    await fill_and_send(w, w.nina)
    pending = await w.emu.invoke_command(w.guild.id, w.cora.id, "onboarding pending")
    listing = await pending.wait_reply()
    assert listing.ephemeral
    assert "Nina Newcomer" in listing.text
    assert "4/4 rules met" in listing.text
    shown = await w.emu.invoke_command(
        w.guild.id, w.cora.id, "onboarding show", {"member": w.nina.id}
    )
    record = await shown.wait_reply()
    assert "Application #1 (pending)" in record.text
    refused = await w.emu.invoke_command(w.guild.id, w.ana.id, "onboarding pending")
    assert "Only coordinators" in (await refused.wait_reply()).text


async def test_review_buttons_work_after_a_restart(world: World) -> None:
    await start(world)
    w = world
    await fill_and_send(w, w.nina)
    await review_post(w, w.nina)
    await w.stop_bot()
    await start(w)
    report = await approve(w, w.nina)
    assert "member role granted" in report.text
    assert len(posts_in(w, w.welcome.id, "Please welcome")) == 1


async def test_sweep_posts_a_review_the_bot_never_got_to(world: World) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await start(world, clock=clock)
    w = world
    assert w.db is not None
    async with w.db.transaction() as session:  # recorded, then the bot stopped
        await submit_application(
            session, w.nina.id, "nina", good_answers(w.config), w.config, clock()
        )
    await cog(w).run_sweep()
    assert not posts_in(w, w.coordinators.id, "New application")  # maybe still in flight
    clock.advance(minutes=10)
    await cog(w).run_sweep()
    post = await review_post(w, w.nina)
    assert "Nina Newcomer" in post.text
    await cog(w).run_sweep()
    assert len(posts_in(w, w.coordinators.id, "New application")) == 1


async def test_auto_approve_when_every_rule_is_met(world_factory: Any) -> None:
    w: World = await world_factory(onboarding={"auto_approve": True})
    await start(w)
    await fill_and_send(w, w.nina, typed={"interests": "water"})
    await welcome_done(w, w.nina)
    assert len(posts_in(w, w.welcome.id, "Please welcome")) == 1
    assert role_changes(w, "PUT", w.nina, w.member_role.id)
    fyi = await w.emu.wait_for_message(
        lambda m: m.channel_id == w.coordinators.id and "Approved automatically" in m.text
    )
    assert not fyi.custom_ids()


async def test_auto_approve_leaves_unmet_rules_to_a_coordinator(world_factory: Any) -> None:
    w: World = await world_factory(onboarding={"auto_approve": True})
    await start(w)
    await fill_and_send(w, w.nina, agree=False)
    post = await review_post(w, w.nina)
    assert "not met" in post.text
    assert not role_changes(w, "PUT", w.nina, w.member_role.id)


async def test_two_people_filling_in_join_at_once_keep_their_own_answers(world: World) -> None:
    await start(world)
    w = world
    olly = w.emu.add_user("olly", global_name="Olly Other")
    w.emu.add_member(w.guild.id, olly.id)
    first = await w.emu.invoke_command(w.guild.id, w.nina.id, "join")
    await first.wait_response()
    second = await w.emu.invoke_command(w.guild.id, olly.id, "join")
    await second.wait_response()
    olly_form = await (
        await w.emu.submit_modal(second, {**TYPED, "name": "Olly Other", "organisation": "O Org"})
    ).wait_reply()
    nina_form = await (await w.emu.submit_modal(first, TYPED)).wait_reply()
    assert "O Org" in olly_form.text
    assert "Fitzroy Health Partnership" in nina_form.text
    assert "O Org" not in nina_form.text


async def test_typed_mentions_never_ping(world: World) -> None:
    await start(world)
    w = world
    await w.add_active_members(interests={w.ana.id: ["@here", "co-design"]})
    await fill_and_send(
        w,
        w.nina,
        typed={
            "name": "@everyone hello",
            "organisation": f"<@&{w.coordinator_role.id}>",
            "interests": "@here, co-design",
        },
    )
    await approve(w, w.nina)
    intro = posts_in(w, w.welcome.id, "Please welcome")[0]
    assert intro.pinged_user_ids == {w.nina.id, w.ana.id}
    assert "@here" not in intro.content  # shown defused
    assert_no_mass_pings(w)
