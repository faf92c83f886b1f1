"""Rule email.list-filters (filters.py): every filter of Close's spec for the email list, comma
lists, and dates without offset read in X-TZ-Offset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


def listed(mock, headers=None, **params):
    response = mock.client("me", headers=headers or {}).get("/activity/email/", params=params)
    assert response.status_code == 200, response.text
    return [e["id"] for e in response.json()["data"]]


@pytest.mark.rule("email.list-filters")
def test_activity_at_bounds_are_applied(mock):
    early = mock.email(status="sent", activity_at="2020-01-01T00:00:00+00:00")
    late = mock.email(status="sent", activity_at="2030-01-01T00:00:00+00:00")
    both = f"{early['id']},{late['id']}"
    assert listed(mock, id__in=both, activity_at__gt="2099-01-01") == []
    assert listed(mock, id__in=both, activity_at__lt="2025-01-01") == [early["id"]]
    assert listed(mock, id__in=both, activity_at__gte="2030-01-01T00:00:00Z") == [late["id"]]
    assert listed(mock, id__in=both, activity_at__lte="2030-01-01T00:00:00") == [early["id"], late["id"]]


@pytest.mark.rule("email.list-filters")
@pytest.mark.parametrize("name", ["lead_id", "contact_id", "user_id"])
def test_id_filters_take_comma_separated_lists(mock, name):
    leads = [mock.lead()["id"] for _ in range(3)]
    contacts = [mock.contact(lead_id=lead)["id"] for lead in leads]
    users = ["me", "peer", "bystander"]
    emails = [
        mock.email(lead_id=lead, contact_id=contact, user_id=mock.id_of(user))["id"]
        for lead, contact, user in zip(leads, contacts, users, strict=True)
    ]
    values = {"lead_id": leads, "contact_id": contacts, "user_id": [mock.id_of(u) for u in users]}[name]
    assert listed(mock, **{name: f"{values[0]},{values[2]}"}) == [emails[0], emails[2]]
    assert listed(mock, **{name: f"{values[1]}, cont_nothing"}) == [emails[1]]
    assert listed(mock, **{name: "not-an-id"}) == []


@pytest.mark.rule("email.list-filters")
def test_type_and_organization_filters(mock):
    email = mock.email()
    assert listed(mock, id__in=email["id"], _type="Call,Email") == [email["id"]]
    assert listed(mock, id__in=email["id"], _type="Call") == []
    assert listed(mock, id__in=email["id"], organization_id=email["organization_id"]) == [email["id"]]
    other = mock.store.organizations[mock.users["outsider"].organization_id].id
    assert listed(mock, id__in=email["id"], organization_id=other) == []


@pytest.mark.rule("email.list-filters")
def test_naive_values_are_read_in_x_tz_offset(mock):
    email = mock.email()
    hour_ago = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert listed(mock, id__in=email["id"], date_created__gt=hour_ago) == [email["id"]]
    assert listed(mock, {"X-TZ-Offset": "-5"}, id__in=email["id"], date_created__gt=hour_ago) == []
    assert listed(mock, {"X-TZ-Offset": "-2.5"}, id__in=email["id"], date_created__lt=hour_ago) == [
        email["id"]
    ]
    assert listed(mock, {"X-TZ-Offset": "+3"}, id__in=email["id"], date_created__lt=hour_ago) == []
    # An explicit offset wins over the header.
    aware = hour_ago + "+00:00"
    assert listed(mock, {"X-TZ-Offset": "-5"}, id__in=email["id"], date_created__gt=aware) == [email["id"]]


@pytest.mark.rule("email.list-filters")
def test_a_date_is_its_midnight_in_the_callers_zone(mock):
    email = mock.email(status="sent", activity_at="2030-01-01T02:00:00+00:00")
    assert listed(mock, id__in=email["id"], activity_at__gte="2030-01-01") == [email["id"]]
    # Midnight at UTC-5 is 05:00 UTC, after the email's 02:00.
    assert listed(mock, {"X-TZ-Offset": "-5"}, id__in=email["id"], activity_at__gte="2030-01-01") == []


@pytest.mark.parametrize("offset", ["abc", "15", "-4:00", "1e3", ""])
def test_a_malformed_x_tz_offset_is_400(mock, offset):
    response = mock.client("me", headers={"X-TZ-Offset": offset}).get("/activity/email/")
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["X-TZ-Offset"]


@pytest.mark.parametrize(
    "value", ["2026-02-30T00:00:00", "2025-02-29T00:00:00", "2026-01-01T24:00:00", "2026-01-01 00:00:00"]
)
def test_impossible_naive_values_are_400(mock, value):
    assert mock.me.get("/activity/email/", params={"date_created__gt": value}).status_code == 400


def test_naive_body_timestamps_are_read_in_x_tz_offset(mock):
    lead = mock.lead()["id"]
    body = {
        "lead_id": lead,
        "status": "sent",
        "activity_at": "2030-01-01T00:00:00",
        "followup_date": "2030-01-02T00:00:00.5",
        "opens": [{"opened_at": "2030-01-01T01:00:00"}],
    }
    got = mock.client("me", headers={"X-TZ-Offset": "5.5"}).post("/activity/email/", json=body).json()
    assert got["activity_at"] == "2029-12-31T18:30:00.000000+00:00"
    assert got["followup_date"] == "2030-01-01T18:30:00.500000+00:00"
    assert got["opens"][0]["opened_at"] == "2029-12-31T19:30:00.000000+00:00"
    assert (
        mock.me.post("/activity/email/", json=body).json()["activity_at"]
        == "2030-01-01T00:00:00.000000+00:00"
    )


def test_nullable_recipient_lists_and_open_attachments(mock):
    lead = mock.lead()["id"]
    attachment = {
        "filename": "a.jpg",
        "size": 1,
        "url": "https://app.close.com/go/file/x/a.jpg",
        "content_type": "image/jpeg",
        "thumbnail_url": "ignored",
    }
    body = {
        "lead_id": lead,
        "status": "draft",
        "to": None,
        "cc": None,
        "bcc": None,
        "attachments": [attachment],
    }
    got = mock.me.post("/activity/email/", json=body).json()
    assert (got["to"], got["cc"], got["bcc"]) == ([], [], [])
    assert "thumbnail_url" not in got["attachments"][0]


@pytest.mark.rule("email.list-filters")
def test_repeated_keys_and_comma_lists_add_up(mock):
    first, second, third = mock.email(), mock.email(), mock.email()
    ids = [first["id"], second["id"], third["id"]]
    got = listed(mock, id__in=[f"{ids[0]}, {ids[1]}", ids[2]])
    assert sorted(got) == sorted(ids)
    assert listed(mock, id__in=["", " , "]) == []  # blanks name nothing, so nothing matches
