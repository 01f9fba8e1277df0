"""The outcomes' part of /mydata: what a person recorded and where they are named."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.models import Outcome, OutcomePerson
from bot.services.mydata import Contributor, Erased, Person
from bot.services.outcomes.store import erase_member, export_member


async def _export(person: Person) -> Any:
    return await export_member(person.session, person.keyring, person.member)


async def _erase(person: Person) -> Erased:
    deleted = await erase_member(person.session, person.member)
    return Erased(counts={"outcomes": deleted} if deleted else {})


async def _preview(person: Person) -> list[str]:
    own = await person.session.scalar(
        select(func.count()).select_from(Outcome).where(Outcome.author_id == person.member.id)
    )
    named = await person.session.scalar(
        select(func.count())
        .select_from(OutcomePerson)
        .where(OutcomePerson.member_id == person.member.id)
    )
    lines = []
    if own:
        lines.append(f"the {own} outcome(s) you recorded are deleted")
    if named:
        lines.append(f"your name is taken off {named} outcome(s) others recorded")
    return lines


CONTRIBUTOR = Contributor("outcomes", export=_export, erase=_erase, preview=_preview)
