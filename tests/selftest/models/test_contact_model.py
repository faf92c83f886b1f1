"""The contact model says what the docs say: create with and without a lead, PUT as PATCH, delete
then gone, lists by lead, nothing for an outsider."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from close_conformance.models.contact import (
    Contact,
    ContactModel,
    Email,
    Outcome,
    Phone,
    compare,
    normalise_phone,
)

pytestmark = pytest.mark.selftest

LEAD = "lead_" + "L" * 43
OTHER_LEAD = "lead_" + "M" * 43
NEW_LEAD = "lead_" + "N" * 43
CONTACT = "cont_" + "C" * 43


def answered(contact: Contact, **changes: Any) -> dict[str, Any]:
    """The contact as a conformant server would answer it."""
    body: dict[str, Any] = {
        "id": contact.id,
        "lead_id": contact.lead_id,
        "organization_id": "orga_" + "O" * 43,
        "name": contact.name,
        "display_name": contact.name or "",
        "title": contact.title,
        "emails": [{"email": e.email, "type": e.type, "is_unsubscribed": False} for e in contact.emails],
        "phones": [
            {
                "phone": p.normalised.e164 if p.normalised else p.phone,
                "phone_formatted": p.normalised.formatted if p.normalised else None,
                "type": p.type,
                "country": "US",
            }
            for p in contact.phones
        ],
        "urls": [{"url": u.url, "type": u.type} for u in contact.urls],
    }
    body.update(changes)
    return body


def model_with_contact(**fields: Any) -> tuple[ContactModel, Contact]:
    model = ContactModel()
    model.add_lead(LEAD, "Acme")
    contact = model.created({"lead_id": LEAD, **fields}, contact_id=CONTACT, lead_id=LEAD)
    return model, contact


# --------------------------------------------------------------------------- phones
@pytest.mark.parametrize(
    ("raw", "e164", "formatted"),
    [
        ("9045551234", "+19045551234", "+1 904-555-1234"),  # the docs' example (facts 3.2)
        ("+19045551234", "+19045551234", "+1 904-555-1234"),
        ("(415) 555-2671", "+14155552671", "+1 415-555-2671"),
        ("212.555.0199", "+12125550199", "+1 212-555-0199"),
    ],
)
def test_us_numbers_normalise_to_e164(raw: str, e164: str, formatted: str) -> None:
    normalised = normalise_phone(raw)
    assert normalised is not None
    assert (normalised.e164, normalised.formatted) == (e164, formatted)


@pytest.mark.parametrize("raw", [None, "", "12345", "+442079460958", "1045551234", "9041551234", "call me"])
def test_other_numbers_are_not_modelled(raw: str | None) -> None:
    assert normalise_phone(raw) is None


def test_a_number_is_the_same_however_written() -> None:
    assert Phone("9045551234", "mobile").key == Phone("+19045551234", "mobile").key
    assert Phone("9045551234", "mobile").key != Phone("9045551234", "office").key


# --------------------------------------------------------------------------- create
def test_create_on_a_lead_belongs_to_it() -> None:
    model, contact = model_with_contact(name="John Smith", title="President")
    assert contact == Contact(CONTACT, LEAD, "John Smith", "President")
    assert model.of_lead(LEAD) == {CONTACT}
    assert model.leads == {LEAD: "Acme"}


@pytest.mark.parametrize("body", [{"name": "Bruce Wayne"}, {"name": "Bruce Wayne", "lead_id": None}])
def test_create_without_lead_makes_a_lead_named_after_the_contact(body: dict[str, Any]) -> None:
    model = ContactModel()
    expected = model.create(body)
    assert expected.ok
    assert expected.statuses == {200}
    assert expected.contact is not None
    assert expected.contact.lead_id == ""  # not known until the server answers
    contact = model.created(body, contact_id=CONTACT, lead_id=NEW_LEAD)
    assert contact.lead_id == NEW_LEAD
    assert model.leads == {NEW_LEAD: "Bruce Wayne"}
    assert model.of_lead(NEW_LEAD) == {CONTACT}


@pytest.mark.parametrize("body", [{}, {"name": None}, {"name": ""}, {"title": "CEO"}])
def test_a_nameless_contact_gets_a_nameless_lead(body: dict[str, Any]) -> None:
    model = ContactModel()
    model.created(body, contact_id=CONTACT, lead_id=NEW_LEAD)
    assert model.leads == {NEW_LEAD: None}


@pytest.mark.parametrize("strict", [False, True])
def test_the_new_lead_name_is_the_registers(strict: bool) -> None:
    assert ContactModel(strict=strict).new_lead_name({"name": "Ada"}) == "Ada"


def test_create_with_an_unknown_key_is_refused() -> None:
    expected = ContactModel().create({"name": "x", "nickname": "y"})
    assert expected.outcome is Outcome.INVALID
    assert expected.statuses == {400}


def test_create_keeps_the_lists_sent() -> None:
    _, contact = model_with_contact(
        emails=[{"email": "a@example.com", "type": "office"}],
        phones=[{"phone": "9045551234", "type": "mobile"}],
        urls=[{"url": "https://example.com/a/", "type": "url"}],
    )
    assert contact.emails == (Email("a@example.com", "office"),)
    assert contact.phones == (Phone("9045551234", "mobile"),)
    assert [u.url for u in contact.urls] == ["https://example.com/a/"]


# --------------------------------------------------------------------------- update
def test_update_changes_only_the_fields_sent() -> None:
    model, contact = model_with_contact(
        name="John", title="President", emails=[{"email": "a@example.com", "type": "office"}]
    )
    expected = model.update(CONTACT, {"title": "Chief Executive"})
    assert expected.ok
    assert expected.contact == Contact(CONTACT, LEAD, "John", "Chief Executive", contact.emails)
    assert model.get(CONTACT).contact == expected.contact


def test_a_list_sent_replaces_the_list() -> None:
    model, _ = model_with_contact(
        emails=[{"email": "a@example.com", "type": "office"}, {"email": "b@example.com", "type": "home"}]
    )
    expected = model.update(CONTACT, {"emails": [{"email": "c@example.test", "type": "other"}]})
    assert expected.contact is not None
    assert expected.contact.emails == (Email("c@example.test", "other"),)
    emptied = model.update(CONTACT, {"emails": []}).contact
    assert emptied is not None
    assert emptied.emails == ()


def test_an_empty_update_changes_nothing() -> None:
    model, contact = model_with_contact(name="John", title="CEO")
    assert model.update(CONTACT, {}).contact == contact


def test_null_clears_a_text_field() -> None:
    model, _ = model_with_contact(name="John", title="CEO")
    updated = model.update(CONTACT, {"title": None}).contact
    assert updated is not None
    assert (updated.name, updated.title) == ("John", None)


def test_update_with_lead_id_moves_the_contact() -> None:
    model, _ = model_with_contact(name="John")
    model.add_lead(OTHER_LEAD, "Other")
    model.update(CONTACT, {"lead_id": OTHER_LEAD})
    assert model.of_lead(LEAD) == frozenset()
    assert model.of_lead(OTHER_LEAD) == {CONTACT}


def test_update_with_an_unknown_key_is_refused_and_changes_nothing() -> None:
    model, contact = model_with_contact(name="John")
    assert model.update(CONTACT, {"name": "Jane", "nickname": "J"}).outcome is Outcome.INVALID
    assert model.get(CONTACT).contact == contact


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "name": st.none() | st.text(max_size=5),
            "title": st.none() | st.text(max_size=5),
            "emails": st.lists(st.builds(lambda e: {"email": e, "type": "office"}, st.emails()), max_size=2),
        },
    )
)
@settings(database=None)
def test_update_is_a_patch(body: dict[str, Any]) -> None:
    model, before = model_with_contact(name="John", title="CEO", phones=[{"phone": "9045551234"}])
    after = model.update(CONTACT, body).contact
    assert after is not None
    for name in ("name", "title", "emails", "phones", "urls"):
        if name not in body:
            assert getattr(after, name) == getattr(before, name)
    assert after.lead_id == before.lead_id


# --------------------------------------------------------------------------- delete
def test_delete_answers_empty_then_gone() -> None:
    model, _ = model_with_contact(name="John")
    first = model.delete(CONTACT)
    assert (first.outcome, first.statuses, first.contact) == (Outcome.OK, {200}, None)
    assert model.get(CONTACT).statuses == {404}
    assert model.delete(CONTACT).statuses == {404}
    assert model.update(CONTACT, {"name": "x"}).statuses == {404}
    assert model.of_lead(LEAD) == frozenset()
    assert model.known() == {CONTACT}
    assert model.visible() == frozenset()


def test_a_contact_never_created_is_not_found() -> None:
    assert ContactModel().get(CONTACT).outcome is Outcome.NOT_FOUND


# --------------------------------------------------------------------------- the outsider
@pytest.mark.parametrize(("strict", "statuses"), [(False, {403, 404}), (True, {404})])
def test_the_outsider_sees_nothing(strict: bool, statuses: set[int]) -> None:
    model = ContactModel(strict=strict)
    model.add_lead(LEAD, "Acme")
    contact = model.created({"lead_id": LEAD, "name": "John"}, contact_id=CONTACT, lead_id=LEAD)
    for expected in (
        model.get(CONTACT, "outsider"),
        model.update(CONTACT, {"name": "Hijacked"}, "outsider"),
        model.delete(CONTACT, "outsider"),
    ):
        assert expected.outcome is Outcome.INVISIBLE
        assert expected.statuses == statuses
    assert model.get(CONTACT).contact == contact  # nothing changed
    assert model.visible("outsider") == frozenset()
    assert model.visible("member") == {CONTACT}


# --------------------------------------------------------------------------- compare
def test_a_conformant_answer_matches() -> None:
    _, contact = model_with_contact(
        name="John",
        emails=[{"email": "a@example.com", "type": "office"}, {"email": "b@example.com", "type": "home"}],
        phones=[{"phone": "9045551234", "type": "mobile"}],
        urls=[{"url": "https://example.com/", "type": "url"}],
    )
    body = answered(contact)
    body["emails"].reverse()  # order is not documented
    assert compare(contact, body, rule="contact.update-is-patch") == []


def test_compare_names_the_rule_and_the_field() -> None:
    _, contact = model_with_contact(name="John", title="CEO")
    found = compare(contact, answered(contact, title="Janitor"), rule="contact.update-is-patch")
    assert [(m.rule, m.field) for m in found] == [("contact.update-is-patch", "title")]
    assert "Janitor" in str(found[0])


@pytest.mark.parametrize(
    ("phone", "formatted"),
    [("9045551234", "+1 904-555-1234"), ("+19045551234", None), ("+19045551234", "904-555-1234")],
)
def test_an_unnormalised_phone_breaks_the_phone_rule(phone: str, formatted: str | None) -> None:
    _, contact = model_with_contact(phones=[{"phone": "9045551234", "type": "mobile"}])
    body = answered(contact, phones=[{"phone": phone, "phone_formatted": formatted, "type": "mobile"}])
    found = compare(contact, body, rule="contact.update-is-patch")
    assert [m.rule for m in found] == ["contact.phone-normalised"]


def test_a_lost_phone_breaks_the_update_rule() -> None:
    _, contact = model_with_contact(phones=[{"phone": "9045551234", "type": "mobile"}])
    found = compare(contact, answered(contact, phones=[]), rule="contact.update-is-patch")
    assert [(m.rule, m.field) for m in found] == [("contact.update-is-patch", "phones")]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lead_id": OTHER_LEAD}, "lead_id"),
        ({"id": "cont_" + "D" * 43}, "id"),
        ({"emails": []}, "emails"),
        ({"urls": [{"url": "https://example.com/other/", "type": "url"}]}, "urls"),
        ({"name": "Jim"}, "name"),
    ],
)
def test_compare_finds_each_field(changes: dict[str, Any], field: str) -> None:
    _, contact = model_with_contact(
        name="John",
        emails=[{"email": "a@example.com", "type": "office"}],
        urls=[{"url": "https://example.com/", "type": "url"}],
    )
    found = compare(contact, answered(contact, **changes), rule="contact.create-on-lead")
    assert [m.field for m in found] == [field]


def test_a_missing_list_is_a_mismatch() -> None:
    _, contact = model_with_contact(name="John")
    body = answered(contact)
    del body["urls"]
    assert [m.field for m in compare(contact, body, rule="r")] == ["urls"]


def test_no_name_is_no_name_however_written() -> None:
    _, contact = model_with_contact()
    assert compare(contact, answered(contact, name="", title=None), rule="r") == []


def test_a_non_object_answer_is_a_mismatch() -> None:
    _, contact = model_with_contact()
    assert [m.field for m in compare(contact, [], rule="r")] == ["body"]
