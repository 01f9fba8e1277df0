"""The words of /mydata: the erase question and its answers."""

from __future__ import annotations

from bot.services.mydata import Erasure

NOTHING_HELD = "The bot holds no profile or learnings for you, so there is nothing to erase."


def erase_question(lines: list[str]) -> str:
    """The "erase your data?" question, with what each capability adds."""
    bullets = [
        *lines,
        "your profile (name, organisation, role, where you work, interests), your "
        "application, reminders and other personal records are erased",
        "you leave the community and its facilitation rotation (the member role is removed)",
        "roster history keeps your past turns, but with no name",
    ]
    return (
        "**Erase your data?** This happens now and can't be undone:\n"
        + "".join(f"• {b};\n" for b in bullets[:-1])
        + f"• {bullets[-1]}.\n"
        "Digests already exported can't be recalled. Use `/mydata export` first if you "
        "want a copy."
    )


def erased_text(result: Erasure) -> str:
    """The answer once erased: the learnings, then what every other capability erased
    (its counts, as each names them: "consults (2)")."""
    n = result.count("learnings")
    learnings = f"{n} {'learning' if n == 1 else 'learnings'}"
    others = [f"{what} ({k:,})" for what, k in result.counts.items() if what != "learnings" and k]
    also = f" Also erased: {', '.join(others)}." if others else ""
    return (
        f"Done: your profile and your {learnings} are erased, and you are no longer a "
        f"member.{also} Roster history keeps only an anonymous entry. To come back, use `/join`."
    )
