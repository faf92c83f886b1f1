"""Rules lead.create, lead.contact-ids, lead.status-exclusive, lead.list, lead.update, lead.delete,
lead.delete-cascade; tenant isolation on leads."""

from __future__ import annotations

import dataclasses
import re

import pytest

from close_conformance.contract import default_contract


@pytest.mark.rule("lead.create")
def test_created_lead_is_retrievable_with_its_name_description_and_contacts(mock):
    created = mock.lead(
        name="Wayne Enterprises",
        description="Gotham's finest.",
        url="https://example.com/",
        contacts=[
            {
                "name": "Bruce Wayne",
                "title": "CEO",
                "emails": [{"email": "bruce@example.com", "type": "office"}],
            }
        ],
        addresses=[{"city": "Gotham", "country": "US"}],
    )
    assert re.fullmatch(r"lead_[0-9A-Za-z]{43}", created["id"])
    fetched = mock.me.get(f"/lead/{created['id']}/").json()
    assert fetched == created
    assert (fetched["name"], fetched["description"]) == ("Wayne Enterprises", "Gotham's finest.")
    [contact] = fetched["contacts"]
    assert (contact["name"], contact["title"], contact["lead_id"]) == ("Bruce Wayne", "CEO", created["id"])
    assert contact["emails"] == [{"email": "bruce@example.com", "type": "office", "is_unsubscribed": False}]
    assert fetched["html_url"] == f"https://app.close.com/lead/{created['id']}/"
    assert fetched["contact_ids"] == [contact["id"]]
    # Close's LeadAddress: every key answered, null where not sent.
    assert fetched["addresses"] == [
        {
            "address_1": None,
            "address_2": None,
            "city": "Gotham",
            "state": None,
            "zipcode": None,
            "country": "US",
            "label": None,
        }
    ]


@pytest.mark.rule("lead.create")
def test_lead_answers_every_key_closes_lead_schema_requires(mock):
    """Close's Lead schema (specs/upstream) requires these; unset ones are null, not absent."""
    lead = mock.lead()
    required = default_contract().spec["components"]["schemas"]["Lead"]["required"]
    assert set(required) <= set(lead)
    assert (lead["description"], lead["url"], lead["contact_ids"]) == (None, None, [])
    me = mock.me.get("/me/").json()["id"]
    assert lead["created_by"] == lead["updated_by"] == me


@pytest.mark.rule("lead.contact-ids")
def test_contact_ids_follow_contacts_added_and_deleted(mock):
    lead = mock.lead(contacts=[{"name": "First"}, {"name": "Second"}])
    first, second = lead["contact_ids"]
    assert [c["id"] for c in lead["contacts"]] == [first, second]
    added = mock.me.post("/contact/", json={"lead_id": lead["id"], "name": "Added"}).json()["id"]
    assert mock.me.delete(f"/contact/{first}/").status_code == 200
    for shown in (
        mock.me.get(f"/lead/{lead['id']}/").json(),
        next(x for x in mock.me.get("/lead/").json()["data"] if x["id"] == lead["id"]),
        mock.me.put(f"/lead/{lead['id']}/", json={"name": "renamed"}).json(),
    ):
        assert shown["contact_ids"] == [second, added]
        assert [c["id"] for c in shown["contacts"]] == [second, added]


@pytest.mark.rule("lead.create")
def test_lead_without_status_gets_the_default_one(mock):
    statuses = mock.me.get("/me/").json()["organizations"][0]["lead_statuses"]
    lead = mock.lead()
    assert (lead["status_id"], lead["status_label"]) == (statuses[0]["id"], statuses[0]["label"])


@pytest.mark.rule("lead.create")
def test_lead_status_by_label_or_by_id(mock):
    statuses = mock.me.get("/me/").json()["organizations"][0]["lead_statuses"]
    assert mock.lead(status="Qualified")["status_label"] == "Qualified"
    assert mock.lead(status_id=statuses[3]["id"])["status_label"] == statuses[3]["label"]


@pytest.mark.rule("lead.status-exclusive")
def test_status_and_status_id_together_are_refused(mock):
    statuses = mock.me.get("/me/").json()["organizations"][0]["lead_statuses"]
    response = mock.me.post(
        "/lead/", json={"name": "x", "status": "Qualified", "status_id": statuses[0]["id"]}
    )
    assert response.status_code == 400
    assert set(response.json()["field-errors"]) == {"status", "status_id"}


@pytest.mark.rule("lead.create")
@pytest.mark.parametrize(
    "body",
    [{"status": "No Such Status"}, {"status_id": "stat_" + "Z" * 43}],
    ids=["unknown-label", "unknown-id"],
)
def test_unknown_status_is_refused(mock, body):
    response = mock.me.post("/lead/", json={"name": "x", **body})
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == list(body)


@pytest.mark.rule("tenant.isolation")
def test_another_organizations_status_is_unknown(mock):
    theirs = mock.outsider.get("/me/").json()["organizations"][0]["lead_statuses"][0]["id"]
    assert mock.me.post("/lead/", json={"status_id": theirs}).status_code == 400


@pytest.mark.rule("lead.delete")
def test_delete_answers_empty_object_then_404(mock):
    lead = mock.lead()
    response = mock.me.delete(f"/lead/{lead['id']}/")
    assert (response.status_code, response.json()) == (200, {})
    assert mock.me.get(f"/lead/{lead['id']}/").status_code == 404
    assert mock.me.delete(f"/lead/{lead['id']}/").status_code == 404


@pytest.mark.rule("lead.delete-cascade")
@pytest.mark.parametrize("mode", ["default", "strict"])
def test_delete_removes_contacts_and_emails(make_mock, mode):
    mock = make_mock(strict=mode == "strict")
    lead = mock.lead(contacts=[{"name": "Bruce Wayne"}])
    contact_id = lead["contacts"][0]["id"]
    email = mock.email(lead_id=lead["id"], contact_id=contact_id)
    mock.me.delete(f"/lead/{lead['id']}/")
    assert mock.me.get(f"/contact/{contact_id}/").status_code == 404
    assert mock.me.get(f"/activity/email/{email['id']}/").status_code == 404
    assert mock.me.get("/contact/").json()["data"] == []
    assert mock.me.get("/activity/email/").json()["data"] == []


@pytest.mark.rule("tenant.isolation")
def test_another_organizations_lead_is_404_for_get_and_delete(mock):
    lead = mock.lead("outsider")
    assert mock.me.get(f"/lead/{lead['id']}/").status_code == 404
    assert mock.me.delete(f"/lead/{lead['id']}/").status_code == 404
    assert mock.outsider.get(f"/lead/{lead['id']}/").status_code == 200


@pytest.mark.rule("fields.selection")
def test_fields_on_lead_create_and_get(mock):
    created = mock.me.post("/lead/", params={"_fields": "id,name"}, json={"name": "Acme"}).json()
    assert created.keys() == {"id", "name"}
    assert mock.me.get(f"/lead/{created['id']}/", params={"_fields": "status_label"}).json() == {
        "status_label": "Potential"
    }


@pytest.mark.rule("lead.create")
def test_lead_body_keeps_unknown_keys_out(mock):
    # Close types the lead body "Any": unknown keys are accepted and ignored, not stored.
    lead = mock.lead(not_a_field=1)
    assert "not_a_field" not in lead


# ---------------------------------------------------------------- GET /lead/


@pytest.mark.rule("lead.list", "pagination.offset")
def test_list_pages_every_lead_of_my_organization_with_total_results(mock):
    made = [mock.lead(name=f"Lead {n}")["id"] for n in range(5)]
    made.append(mock.me.post("/lead/", json={}).json()["id"])  # unnamed
    made.append(mock.contact(name="Orphan")["lead_id"])  # a lead made for a contact
    mock.lead("outsider")
    everything = mock.me.get("/lead/").json()
    assert [lead["id"] for lead in everything["data"]] == made
    assert (everything["has_more"], everything["total_results"]) == (False, len(made))
    page = mock.me.get("/lead/", params={"_skip": 2, "_limit": 3}).json()
    assert [lead["id"] for lead in page["data"]] == made[2:5]
    assert (page["has_more"], page["total_results"]) == (True, len(made))
    last = mock.me.get("/lead/", params={"_skip": 5, "_limit": 3}).json()
    assert ([lead["id"] for lead in last["data"]], last["has_more"]) == (made[5:], False)


@pytest.mark.rule("lead.list")
def test_list_leads_carry_their_contacts(mock):
    lead = mock.lead(contacts=[{"name": "Bruce Wayne"}])
    [listed] = mock.me.get("/lead/").json()["data"]
    assert listed == mock.me.get(f"/lead/{lead['id']}/").json()


@pytest.mark.rule("lead.list")
@pytest.mark.parametrize("query", [{"_limit": 201}, {"_limit": -1}, {"_skip": -1}, {"_limit": "ten"}])
def test_list_refuses_bad_pages(mock, query):
    response = mock.me.get("/lead/", params=query)
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == list(query)


@pytest.mark.rule("tenant.isolation")
def test_list_never_shows_another_organizations_leads(mock):
    theirs = mock.lead("outsider")["id"]
    mine = mock.lead()["id"]
    assert [lead["id"] for lead in mock.me.get("/lead/").json()["data"]] == [mine]
    assert [lead["id"] for lead in mock.outsider.get("/lead/").json()["data"]] == [theirs]


@pytest.mark.rule("lead.list")
def test_deleted_leads_leave_the_list(mock):
    kept, gone = mock.lead()["id"], mock.lead()["id"]
    mock.me.delete(f"/lead/{gone}/")
    body = mock.me.get("/lead/").json()
    assert ([lead["id"] for lead in body["data"]], body["total_results"]) == ([kept], 1)


@pytest.mark.rule("fields.selection")
def test_fields_on_the_lead_list_keep_the_envelope(mock):
    mock.lead(name="Acme")
    body = mock.me.get("/lead/", params={"_fields": "id,name"}).json()
    assert set(body) == {"data", "has_more", "total_results"}
    assert [set(lead) for lead in body["data"]] == [{"id", "name"}]


@pytest.mark.rule("lead.list")
def test_strict_mock_also_answers_total_results(strict_mock):
    strict_mock.lead()
    assert strict_mock.me.get("/lead/").json()["total_results"] == 1


# ---------------------------------------------------------------- PUT /lead/{id}/


def _full_lead(mock):
    return mock.lead(
        name="Bluth Company",
        description="Best. Show. Ever.",
        url="http://thebluthcompany.tumblr.com/",
        addresses=[{"city": "San Francisco", "country": "US"}],
        contacts=[{"name": "Gob"}],
    )


@pytest.mark.rule("lead.update")
@pytest.mark.parametrize(
    "change",
    [
        {"description": "Best show ever canceled.  Sad."},
        {"name": "Bluth Co."},
        {"url": None},
        {"addresses": []},
        {"name": "Both", "description": None},
    ],
)
def test_put_changes_only_the_fields_sent(mock, change):
    lead = _full_lead(mock)
    response = mock.me.put(f"/lead/{lead['id']}/", json=change)
    assert response.status_code == 200
    expected = {**lead, **change, "display_name": change.get("name", lead["display_name"]) or ""}
    for shown in (response.json(), mock.me.get(f"/lead/{lead['id']}/").json()):
        assert {k: v for k, v in shown.items() if k != "date_updated"} == {
            k: v for k, v in expected.items() if k != "date_updated"
        }


@pytest.mark.rule("lead.update")
def test_put_sets_the_status_by_label_or_by_id(mock):
    statuses = mock.me.get("/me/").json()["organizations"][0]["lead_statuses"]
    lead = mock.lead()
    by_label = mock.me.put(f"/lead/{lead['id']}/", json={"status": "Qualified"}).json()
    assert by_label["status_label"] == "Qualified"
    by_id = mock.me.put(f"/lead/{lead['id']}/", json={"status_id": statuses[3]["id"]}).json()
    assert (by_id["status_id"], by_id["status_label"]) == (statuses[3]["id"], statuses[3]["label"])
    assert mock.me.put(f"/lead/{lead['id']}/", json={"name": "x"}).json()["status_id"] == statuses[3]["id"]


@pytest.mark.rule("lead.status-exclusive")
def test_put_with_status_and_status_id_is_refused(mock):
    statuses = mock.me.get("/me/").json()["organizations"][0]["lead_statuses"]
    lead = mock.lead()
    response = mock.me.put(
        f"/lead/{lead['id']}/", json={"status": "Qualified", "status_id": statuses[1]["id"]}
    )
    assert response.status_code == 400
    assert set(response.json()["field-errors"]) == {"status", "status_id"}
    assert mock.me.get(f"/lead/{lead['id']}/").json()["status_id"] == lead["status_id"]


@pytest.mark.rule("lead.update")
@pytest.mark.parametrize("body", [{"status": "No Such Status"}, {"status_id": "stat_" + "Z" * 43}])
def test_put_with_an_unknown_status_is_refused(mock, body):
    lead = mock.lead()
    response = mock.me.put(f"/lead/{lead['id']}/", json=body)
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == list(body)


@pytest.mark.rule("lead.update")
def test_put_ignores_contacts_ids_and_organization(mock):
    lead = _full_lead(mock)
    body = {
        "contacts": [{"name": "Injected"}],
        "id": "lead_" + "A" * 43,
        "organization_id": mock.outsider.get("/me/").json()["organizations"][0]["id"],
        "description": "changed",
    }
    response = mock.me.put(f"/lead/{lead['id']}/", json=body)
    assert response.status_code == 200
    shown = mock.me.get(f"/lead/{lead['id']}/").json()
    assert (shown["id"], shown["organization_id"], shown["description"]) == (
        lead["id"],
        lead["organization_id"],
        "changed",
    )
    assert shown["contacts"] == lead["contacts"]


@pytest.mark.rule("lead.update")
def test_put_refuses_contacts_when_the_register_says_400(make_mock):
    contract = default_contract()
    changed = dataclasses.replace(contract.discrepancy("lead-update-contacts"), mock=400)
    patched = dataclasses.replace(contract, discrepancies={**contract.discrepancies, changed.id: changed})
    mock = make_mock(contract=patched)
    lead = _full_lead(mock)
    response = mock.me.put(f"/lead/{lead['id']}/", json={"contacts": [], "description": "changed"})
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["contacts"]
    assert mock.me.get(f"/lead/{lead['id']}/").json()["description"] == lead["description"]


@pytest.mark.rule("lead.update")
def test_put_on_a_deleted_or_unknown_lead_is_404(mock):
    lead = mock.lead()
    mock.me.delete(f"/lead/{lead['id']}/")
    assert mock.me.put(f"/lead/{lead['id']}/", json={"name": "back"}).status_code == 404
    assert mock.me.put("/lead/lead_" + "A" * 43 + "/", json={"name": "x"}).status_code == 404


@pytest.mark.rule("tenant.isolation")
def test_put_on_another_organizations_lead_is_404_and_changes_nothing(mock):
    lead = mock.lead("outsider")
    assert mock.me.put(f"/lead/{lead['id']}/", json={"name": "Hijacked"}).status_code == 404
    assert mock.outsider.get(f"/lead/{lead['id']}/").json()["name"] == lead["name"]


@pytest.mark.rule("lead.update")
@pytest.mark.parametrize("body", [{"name": 5}, {"url": "not a url"}, {"addresses": "Gotham"}, []])
def test_put_with_a_malformed_body_is_400(mock, body):
    lead = mock.lead()
    response = mock.me.put(f"/lead/{lead['id']}/", json=body)
    assert response.status_code == 400
    assert mock.me.get(f"/lead/{lead['id']}/").json() == lead
