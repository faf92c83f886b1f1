"""Rule contact.custom-fields (custom_fields.py) and contact.nested-round-trip (contacts.py):
`custom.cf_<id>` keys, and nested items sent back as GET returned them."""

from __future__ import annotations

import pytest


def fields_of(mock, role="me"):
    return mock.store.organizations[mock.users[role].organization_id].contact_custom_fields


def field_id(mock, kind, role="me"):
    return next(f.id for f in fields_of(mock, role) if f.type == kind)


# ---------------------------------------------------------------- nested items


@pytest.mark.rule("contact.nested-round-trip")
def test_get_modify_put_round_trip_keeps_what_get_returned(mock):
    contact = mock.contact(
        emails=[{"email": "a@example.com", "type": "office"}],
        phones=[{"phone": "9045551234", "type": "mobile"}],
        urls=[{"url": "https://example.com/a", "type": "url"}],
    )
    path = f"/contact/{contact['id']}/"
    got = mock.me.get(path).json()
    assert got["emails"][0]["is_unsubscribed"] is False
    assert got["phones"][0]["country"] == "US"
    emails = [*got["emails"], {"email": "b@example.com", "type": "home", "is_unsubscribed": False}]
    phones = [
        *got["phones"],
        {"phone": "+14155550000", "type": "office", "country": "US", "phone_formatted": "+1 415-555-0000"},
    ]
    response = mock.me.put(path, json={"emails": emails, "phones": phones, "urls": got["urls"]})
    assert response.status_code == 200, response.text
    after = mock.me.get(path).json()
    assert [e["email"] for e in after["emails"]] == ["a@example.com", "b@example.com"]
    assert [p["phone"] for p in after["phones"]] == ["+19045551234", "+14155550000"]
    assert after["urls"] == got["urls"]


@pytest.mark.rule("contact.nested-round-trip")
def test_read_only_nested_keys_are_ignored(mock):
    contact = mock.contact(emails=[{"email": "a@example.com", "type": "office"}])
    path = f"/contact/{contact['id']}/"
    sent = {
        "emails": [{"email": "a@example.com", "type": "office", "is_unsubscribed": True, "extra": 1}],
        "phones": [
            {
                "phone": "9045551234",
                "type": "x",
                "phone_formatted": "bogus",
                "country": "FR",
                "tz_ids": ["Europe/Paris"],
                "outbound_sms_blocked": True,
            }
        ],
    }
    body = mock.me.put(path, json=sent).json()
    assert body["emails"] == [{"email": "a@example.com", "type": "office", "is_unsubscribed": False}]
    assert body["phones"] == [
        {"phone": "+19045551234", "phone_formatted": "+1 904-555-1234", "type": "x", "country": "US"}
    ]


@pytest.mark.rule("contact.nested-round-trip")
def test_lists_sent_as_null_are_empty_and_create_takes_import_fields(mock):
    body = {
        "name": "Imported",
        "emails": None,
        "phones": None,
        "urls": None,
        "timezone": "Europe/Paris",
        "created_by": mock.id_of("peer"),
        "date_created": "2020-01-02T03:04:05",
    }
    response = mock.me.post("/contact/", json=body, headers={"X-TZ-Offset": "+1"})
    assert response.status_code == 200, response.text
    got = response.json()
    assert (got["emails"], got["phones"], got["urls"]) == ([], [], [])
    assert got["timezone"] == "Europe/Paris"
    assert got["created_by"] == mock.id_of("peer")
    assert got["date_created"] == "2020-01-02T02:04:05.000000+00:00"


@pytest.mark.parametrize(("mode", "status"), [("default", 400), ("strict", 400)])
def test_update_with_null_lead_is_refused(make_mock, mode, status):
    mock = make_mock(strict=mode == "strict")
    contact = mock.contact()
    response = mock.me.put(f"/contact/{contact['id']}/", json={"lead_id": None})
    assert response.status_code == status
    assert list(response.json()["field-errors"]) == ["lead_id"]
    assert mock.me.get(f"/contact/{contact['id']}/").json()["lead_id"] == contact["lead_id"]


# ---------------------------------------------------------------- custom fields


@pytest.mark.rule("contact.custom-fields")
def test_known_custom_fields_are_stored_returned_updated_and_cleared(mock):
    text, number = f"custom.{field_id(mock, 'text')}", f"custom.{field_id(mock, 'number')}"
    contact = mock.contact(**{text: "Account Executive", number: 3})
    path = f"/contact/{contact['id']}/"
    assert (contact[text], contact[number]) == ("Account Executive", 3)
    assert mock.me.put(path, json={text: "Sales Rep"}).json()[number] == 3
    assert mock.me.get(path).json()[text] == "Sales Rep"
    assert number not in mock.me.put(path, json={number: None}).json()
    assert (
        mock.me.get("/contact/", params={"lead_id": contact["lead_id"]}).json()["data"][0][text]
        == "Sales Rep"
    )


@pytest.mark.rule("contact.custom-fields")
@pytest.mark.parametrize(
    "key",
    ["custom.cf_" + "A" * 43, "custom.Job Level", "custom.{text}.add", "custom.{theirs}"],
    ids=["unknown-id", "field-name", "add-suffix", "other-organization"],
)
def test_unknown_custom_fields_are_400_keyed_by_the_field(mock, key):
    key = key.format(text=field_id(mock, "text"), theirs=field_id(mock, "text", "outsider"))
    for response in (
        mock.me.post("/contact/", json={"name": "x", key: "v"}),
        mock.me.put(f"/contact/{mock.contact()['id']}/", json={key: "v"}),
    ):
        assert response.status_code == 400
        assert list(response.json()["field-errors"]) == [key]


@pytest.mark.rule("contact.custom-fields")
@pytest.mark.parametrize(
    ("kind", "value"), [("number", "three"), ("number", True), ("text", 3), ("text", {"a": 1})]
)
def test_values_of_the_wrong_type_are_400(mock, kind, value):
    key = f"custom.{field_id(mock, kind)}"
    response = mock.me.post("/contact/", json={"name": "x", key: value})
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == [key]


def test_custom_fields_are_listed_per_organization_in_describe(mock):
    described = mock.store.describe()
    assert [len(o["custom_fields"]["contact"]) for o in described] == [2, 2]
    ids = {f["id"] for o in described for f in o["custom_fields"]["contact"]}
    assert len(ids) == 4
    assert all(i.startswith("cf_") and len(i) == 46 for i in ids)
