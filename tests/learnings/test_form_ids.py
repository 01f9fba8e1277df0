"""The learning form's custom id carries what it records through a restart."""

from __future__ import annotations

from cogs.learnings.form import FormId, form_custom_id, parse_form_id


def test_form_id_round_trips_a_consult_link() -> None:
    custom_id = form_custom_id("add", None, 7, consult_id=42)
    assert len(custom_id) <= 100
    assert parse_form_id(custom_id) == FormId("add", None, 7, 42)


def test_form_id_without_consult_parses_as_before() -> None:
    assert parse_form_id("learning:form:edit:12:0:ab12cd34") == FormId("edit", 12, None, None)
    assert parse_form_id(form_custom_id("add", None, None)) == FormId("add", None, None, None)


def test_form_id_refuses_a_malformed_consult_part() -> None:
    assert parse_form_id("learning:form:add:0:0:ab12cd34:cx") is None
