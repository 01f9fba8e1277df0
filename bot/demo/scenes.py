"""The demo's scenes, in order, through real slash commands, forms and buttons."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import icalendar

from bot.demo.community import NEWCOMER
from bot.demo.errors import DemoError

if TYPE_CHECKING:
    from bot.demo import Demo

PLACE = "Room 4, CQUniversity Rockhampton (or Teams: cq-brokers)"

LEARNINGS = (
    (
        "ana",
        "private",
        {
            "title": "Naming my own bias early",
            "happened": "I steered the co-design session towards the option my team preferred.",
            "learned": "Saying where I stand up front keeps the process honest.",
            "next_time": "Open with my interests before asking for theirs.",
            "tags": "co-design, honesty",
        },
    ),
    (
        "ben",
        "group",
        {
            "title": "Yarning circles before agendas",
            "happened": "The agenda stalled until we sat down and yarned first.",
            "learned": "Relationship time is not time taken from the work; it is the work.",
            "next_time": "Budget the first hour for relationships.",
            "tags": "First Nations partnerships, trust",
        },
    ),
    (
        "cal",
        "digest-anonymous",
        {
            "title": "Evaluation as a shared question",
            "happened": "Partners resisted an evaluation framework handed to them.",
            "learned": "Evaluation works when partners write the questions together.",
            "next_time": "Run a question-writing workshop before choosing measures.",
            "tags": "evaluation, co-design",
        },
    ),
    (
        "dee",
        "digest-named",
        {
            "title": "Small grants, big trust",
            "happened": "A small flexible grant unlocked a partnership stuck for a year.",
            "learned": "Flexibility signals trust more than the size of the money.",
            "next_time": "Ask funders for a flexible component from the start.",
            "tags": "funding, trust",
        },
    ),
)


async def play(demo: Demo) -> None:
    t = demo.transcript
    zone = demo.cfg.community.zone
    await demo.start_bot()
    t.note(
        f"A sample server with coordinator Cora, six members and newcomer {NEWCOMER.name}; "
        "the real bot connected to the project's Discord emulator. Time is compressed: "
        "the next meeting is seconds away and reminders fire seconds before it."
    )

    t.scene(1, "A newcomer joins and is welcomed")
    await demo.emu.member_join(demo.guild_id, demo.uid("nina"))
    await demo.message("the welcome DM", lambda m: bool(demo.dms("nina", "/join")))

    t.scene(2, "She applies with /join and meets the rules")
    it = await demo.command("nina", "join")
    if it.modal is None:
        raise DemoError("/join did not open the form")
    sub = await demo.emu.submit_modal(
        it,
        {
            "name": NEWCOMER.name,
            "organisation": NEWCOMER.organisation,
            "job_role": NEWCOMER.job_role,
            "interests": ", ".join(NEWCOMER.interests),
            "training_year": "2024",
        },
    )
    form = await sub.wait_reply()
    await demo.choose("nina", form, "onb:form:locality", NEWCOMER.locality)
    await demo.choose("nina", demo.emu.message(form.id), "onb:form:course", "Partnering Essentials")
    await demo.press("nina", demo.emu.message(form.id), "onb:form:facilitation-yes")
    await demo.press("nina", demo.emu.message(form.id), "onb:form:pledge-yes")
    await demo.press("nina", demo.emu.message(form.id), "onb:form:submit")

    t.scene(3, "The coordinator approves")
    review = await demo.message(
        "the review post",
        lambda m: (
            m.channel_id == demo.channel_id("coordinators")
            and any(c.endswith(":approve") for c in m.custom_ids())
        ),
    )
    approve = next(c for c in review.custom_ids() if c.endswith(":approve"))
    press = await demo.emu.press_button(demo.guild_id, demo.uid("cora"), review, approve)
    await press.wait_response()

    t.scene(4, "The member role is granted and the introduction card is posted")
    intro = await demo.message(
        "the introduction card",
        lambda m: (
            m.channel_id == demo.channel_id("welcome")
            and f"<@{demo.uid('nina')}>" in m.text
            and bool(m.pinged_user_ids - {demo.uid("nina")})
        ),
    )
    member = demo.emu.member(demo.guild_id, demo.uid("nina"))
    if demo.server.member_role.id not in member.roles:
        raise DemoError("the member role was not granted")
    await demo.message("the info-sheet DM", lambda m: bool(demo.dms("nina", "Membership rules")))
    demo.outcome.facts.append(
        f"{NEWCOMER.name} joined, applied, was approved and introduced; the card named "
        f"{len(intro.pinged_user_ids) - 1} members to meet first."
    )

    t.scene(5, "The coordinator sets a meeting series")
    local = demo.times.meeting_at.astimezone(zone)
    when = f"every week on {local:%A} at {local:%H:%M:%S}"
    await demo.reply("cora", "meeting series", {"when": when, "place": PLACE})

    t.scene(6, "The roster posts itself")
    assert demo.bot is not None
    demo.bot.scheduler.modify_job("rotation:roster-post", next_run_time=datetime.now(UTC))
    roster = await demo.message(
        "the roster post", lambda m: m.channel_id == demo.channel_id("roster") and not m.ephemeral
    )
    demo.outcome.facts.append(
        f"The roster posted itself, pinging only its {len(roster.pinged_user_ids)} facilitators."
    )

    t.scene(7, "A facilitator swaps a turn with another member")
    facilitator = await demo.facilitator_of_first_meeting()
    partner = next(
        name for name in ("eli", "fay", "dee", "cal", "ben", "ana") if name != facilitator
    )
    day = f"{local:%Y-%m-%d}"
    request = await demo.reply(
        facilitator, "roster swap", {"date": day, "member": demo.uid(partner)}
    )
    await demo.press(partner, request, "rotation:swap:accept:")
    facilitator = await demo.facilitator_of_first_meeting()
    demo.outcome.facts.append(
        f"{demo.transcript.who(demo.uid(partner))} took the first meeting's turn by swap."
    )

    t.scene(8, "Reminders fire: the announcement, the hand-over pack, the confirmation")
    at = demo.times.meeting_at
    t.note(f"The meeting starts at {local:%H:%M:%S}; waiting for its reminders.")
    await demo.message(
        "the announcement reminder",
        lambda m: (
            m.channel_id == demo.channel_id("announcements")
            and not m.ephemeral
            and "Meeting schedule" not in m.text
        ),
        within=60,
    )
    await demo.message(
        "the hand-over pack",
        lambda m: (
            bool(demo.dms(facilitator, "hand-over")) or bool(demo.dms(facilitator, "Hand-over"))
        ),
        within=60,
    )
    confirm = await demo.message(
        "the confirmation request",
        lambda m: (
            m in demo.emu.dms_to(demo.uid(facilitator))
            and any(c.startswith("rem:confirm:") for c in m.custom_ids())
        ),
        within=60,
    )
    await demo.press(facilitator, confirm, "rem:confirm:")

    t.scene(9, "The bot restarts mid-scenario; no reminder is lost or doubled")
    before = len(announcements(demo))
    await demo.stop_bot()
    t.note("The bot is down while the 'tomorrow' announcement falls due.")
    await demo.until(at - demo.times.escalate_before + timedelta(seconds=2))
    await demo.start_bot()
    await demo.message(
        "the late announcement",
        lambda m: len(announcements(demo)) > before,
        within=30,
    )
    sent = announcements(demo)
    packs = demo.dms(facilitator, "Can you confirm")
    if len(sent) != len(demo.times.group_before) or len(packs) != 1:
        raise DemoError(
            f"expected {len(demo.times.group_before)} announcements and one confirmation "
            f"request, saw {len(sent)} and {len(packs)}"
        )
    demo.outcome.facts.append(
        f"Across the restart: {len(sent)} announcement reminders and one confirmation request, "
        "each sent exactly once."
    )

    t.scene(10, "Members record learnings at each sharing level")
    for username, level, fields in LEARNINGS:
        it = await demo.command(username, "learning add")
        if it.modal is None:
            raise DemoError("/learning add did not open the form")
        saved = await (await demo.emu.submit_modal(it, fields)).wait_reply()
        share = next(c for c in saved.custom_ids() if c.startswith("learning:share:"))
        if level != "private":
            await demo.choose(username, saved, share, level)
    demo.outcome.facts.append("Four learnings recorded: private, group, anonymous, named.")

    t.scene(11, "The coordinator exports the digest")
    start = (datetime.now(UTC) - timedelta(days=30)).astimezone(zone).date()
    end = (datetime.now(UTC) + timedelta(days=1)).astimezone(zone).date()
    for fmt, name in (("markdown", "digest.md"), ("html", "digest.html")):
        done = await demo.reply(
            "cora", "digest export", {"from": str(start), "to": str(end), "format": fmt}
        )
        if not done.attachments:
            raise DemoError(f"the {fmt} digest had no file")
        demo.save(name, name, done.attachments[0].data)
    calendar = await demo.reply("ana", "meeting calendar")
    if not calendar.attachments:
        raise DemoError("/meeting calendar had no file")
    ics = demo.save("calendar", "meetings.ics", calendar.attachments[0].data)
    events = icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    demo.outcome.facts.append(f"The calendar holds {len(events)} upcoming meetings.")

    t.scene(12, "An outcome is recorded, and the coordinator makes the impact report")
    it = await demo.command(
        "ana", "outcome add", {"kind": "grant_application", "person1": demo.uid("ben")}
    )
    if it.modal is None:
        raise DemoError("/outcome add did not open the form")
    recorded = await (
        await demo.emu.submit_modal(
            it,
            {
                "title": "Joint grant for the youth hub",
                "date": "",
                "description": "Three member organisations applied together.",
                "link": "",
            },
        )
    ).wait_reply(20.0)
    if "Recorded outcome" not in recorded.text:
        raise DemoError(f"the outcome was not recorded: {recorded.text}")
    ben_dm = demo.emu.dm_channel_of(demo.uid("ben"))
    ask = await demo.message(
        "Ben's consent question",
        lambda m: (
            ben_dm is not None
            and m.channel_id == ben_dm.id
            and "May the community name you" in m.text
        ),
    )
    await demo.press("ben", ask, "outcome:consent:")
    report = await demo.command(
        "cora", "report", {"from": str(start - timedelta(days=335)), "to": str(end)}
    )
    await demo.emu.wait_until(
        lambda: bool(report.original and report.original.attachments), 40.0, "the report"
    )
    if report.original is None:
        raise DemoError("/report gave no answer")
    for attachment in report.original.attachments:
        if attachment.filename.endswith(".html"):
            demo.save("report", "report.html", attachment.data)
        else:
            demo.save("report_chart", "report.png", attachment.data)
    demo.outcome.facts.append(
        "Ana recorded an outcome and Ben agreed to be named; the impact report (charts, "
        "aggregates only) is report.html, with its headline chart in report.png."
    )
    summary(demo)


def announcements(demo: Demo) -> list[object]:
    return [
        m
        for m in demo.emu.messages_in(demo.channel_id("announcements"))
        if not m.ephemeral and "Meeting schedule" not in m.text and "cancel" not in m.text.lower()
    ]


def summary(demo: Demo) -> None:
    t = demo.transcript
    t.console.rule("[bold]What happened")
    for fact in demo.outcome.facts:
        t.console.print(f"• {fact}")
    demo.outcome.files["transcript"] = demo.output_dir / "transcript.txt"
    t.console.print("Files:")
    for path in demo.outcome.files.values():
        t.console.print(f"  {path}")
    (demo.output_dir / "summary.json").write_text(
        json.dumps(
            {
                "facts": demo.outcome.facts,
                "files": {k: str(v) for k, v in demo.outcome.files.items()},
            },
            indent=2,
        )
    )
