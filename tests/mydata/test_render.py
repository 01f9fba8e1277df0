"""The /mydata delete answer names what every capability erased."""

from __future__ import annotations

from bot.services.mydata import Erasure
from cogs.mydata.render import erased_text


def test_erased_text_names_every_capabilitys_counts() -> None:
    text = erased_text(
        Erasure(counts={"learnings": 1, "consults": 2, "consult replies": 0, "outcomes": 3})
    )
    assert "your profile and your 1 learning are erased" in text
    assert "Also erased: consults (2), outcomes (3)." in text
    assert "consult replies" not in text


def test_erased_text_without_other_data_says_nothing_more() -> None:
    text = erased_text(Erasure(counts={"learnings": 0}))
    assert "0 learnings" in text
    assert "Also erased" not in text
