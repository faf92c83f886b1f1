"""Rules lead.create, lead.status-exclusive, lead.delete, lead.delete-cascade; tenant isolation on leads."""

from __future__ import annotations

import re

import pytest


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
