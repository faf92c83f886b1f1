"""Rules email.*: the sender rule by status, drafts and their transitions, scheduling fields, delete."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from close_conformance.contract import default_contract

FUTURE = "2031-01-02T03:04:05+00:00"
_SPEC = Resource.from_contents(dict(default_contract().spec), default_specification=DRAFT202012)
EMAIL_ACTIVITY = Draft202012Validator(
    {"$ref": "urn:spec#/components/schemas/EmailActivity"},
    registry=Registry().with_resource("urn:spec", _SPEC),
)


def create(mock, role="me", **fields):
    if "lead_id" not in fields:
        fields["lead_id"] = mock.lead(role)["id"]
    return mock.client(role).post("/activity/email/", json=fields)


def with_sender(status):
    extra = {"date_scheduled": FUTURE} if status == "scheduled" else {}
    return {"status": status, "sender": "bruce.wayne@wayne.example.com", **extra}


# ---------------------------------------------------------------- creating, by status


@pytest.mark.rule("email.sender.required-by-status")
@pytest.mark.parametrize("status", ["inbox", "scheduled", "outbox", "error"])
@pytest.mark.parametrize("sender", ["missing", "null"])
def test_sender_is_required_for_inbox_scheduled_outbox_error(mock, status, sender):
    body = {k: v for k, v in with_sender(status).items() if k != "sender"}
    if sender == "null":
        body["sender"] = None
    response = create(mock, **body)
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["sender"]


@pytest.mark.rule("email.sender.required-by-status")
@pytest.mark.parametrize("status", ["inbox", "draft", "scheduled", "outbox", "sent", "error"])
def test_every_status_is_created_with_a_sender(mock, status):
    response = create(mock, **with_sender(status))
    assert response.status_code == 200
    email = response.json()
    assert (email["status"], email["sender"]) == (status, "bruce.wayne@wayne.example.com")
    assert email["direction"] == ("incoming" if status == "inbox" else "outgoing")


@pytest.mark.rule("email.sender.optional-for-draft")
def test_draft_without_sender_is_created(mock):
    response = create(mock, status="draft")
    assert response.status_code == 200
    assert response.json()["sender"] is None


@pytest.mark.rule("email.sender.sent-default")
def test_sent_without_sender_defaults_to_the_key_owner(mock):
    email = create(mock, status="sent").json()
    assert email["sender"] == mock.users["me"].email
    assert email["user_id"] == mock.id_of("me")
    assert mock.me.get(f"/activity/email/{email['id']}/").json()["sender"] == mock.users["me"].email


@pytest.mark.rule("email.sender.sent-default")
def test_sent_without_sender_defaults_to_the_emails_user(mock):
    email = create(mock, status="sent", user_id=mock.id_of("peer")).json()
    assert email["sender"] == mock.users["peer"].email


@pytest.mark.rule("email.sender.display-name")
@pytest.mark.parametrize("status", ["draft", "outbox", "sent"])
def test_named_sender_is_accepted_and_kept(mock, status):
    body = {**with_sender(status), "sender": '"Bruce Wayne" <bruce.wayne@wayne.example.com>'}
    response = create(mock, **body)
    assert response.status_code == 200
    assert response.json()["sender"] == '"Bruce Wayne" <bruce.wayne@wayne.example.com>'


@pytest.mark.rule("email.sender.display-name")
def test_named_sender_is_accepted_on_update(mock):
    draft = mock.email()
    response = mock.me.put(f"/activity/email/{draft['id']}/", json={"sender": '"B. W." <b@example.com>'})
    assert response.status_code == 200
    assert response.json()["sender"] == '"B. W." <b@example.com>'


@pytest.mark.rule("email.sender.display-name")
@pytest.mark.parametrize("sender", ["not an address", '"Name" <not an address>', "a@b@c.com", "bruce@"])
def test_sender_that_is_no_address_is_refused(mock, sender):
    response = create(mock, status="draft", sender=sender)
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["sender"]


@pytest.mark.rule("ids.prefixed")
@pytest.mark.parametrize("status", ["inbox", "draft", "scheduled", "outbox", "sent", "error"])
def test_response_has_every_field_the_spec_requires(mock, status):
    email = create(
        mock, **with_sender(status), to=["jane@example.com"], subject="Hi", body_text="Hello"
    ).json()
    EMAIL_ACTIVITY.validate(email)
    assert re.fullmatch(r"acti_[0-9A-Za-z]{43}", email["id"])
    assert email["thread_id"] == email["id"]
    assert email["_type"] == "Email"


# ---------------------------------------------------------------- scheduling


@pytest.mark.rule("email.scheduling-fields")
def test_scheduled_needs_date_scheduled(mock):
    response = create(mock, status="scheduled", sender="b@example.com")
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["date_scheduled"]


@pytest.mark.rule("email.scheduling-fields")
def test_scheduled_carries_its_date(mock):
    email = create(mock, **with_sender("scheduled")).json()
    assert email["date_scheduled"] == "2031-01-02T03:04:05.000000+00:00"
    assert email["date_sent"] is None


@pytest.mark.rule("email.scheduling-fields")
@pytest.mark.parametrize(("send_in", "status"), [(0, 200), (59, 200), (60, 400), (3600, 400)])
def test_send_in_must_be_below_60(mock, send_in, status):
    response = create(mock, **with_sender("outbox"), send_in=send_in)
    assert response.status_code == status
    if status == 400:
        assert list(response.json()["field-errors"]) == ["send_in"]


@pytest.mark.rule("email.scheduling-fields")
def test_outbox_and_scheduled_emails_are_never_sent(mock):
    outbox = create(mock, **with_sender("outbox"), send_in=1).json()
    scheduled = create(mock, **with_sender("scheduled")).json()
    for email in (outbox, scheduled):
        again = mock.me.get(f"/activity/email/{email['id']}/").json()
        assert (again["status"], again["date_sent"]) == (email["status"], None)


@pytest.mark.rule("http.no-server-error")
@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_timestamps_past_the_calendar_in_utc_are_kept_as_sent(mock, moment):
    # Schema-valid (RFC 3339), so accepted: no 500, and no 400 for valid data either.
    response = create(mock, **with_sender("scheduled") | {"date_scheduled": moment})
    assert response.status_code == 200
    assert response.json()["date_scheduled"] == moment
    draft = mock.email(subject="kept")
    response = mock.me.put(f"/activity/email/{draft['id']}/", json={"subject": "new", "activity_at": moment})
    assert response.status_code == 200
    assert mock.me.get(f"/activity/email/{draft['id']}/").json()["activity_at"] == moment


@pytest.mark.rule("email.scheduling-fields")
def test_date_filters_at_the_ends_of_the_calendar_work(mock):
    mock.email()
    for bound in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "9999-12-31", "0001-01-01"):
        assert mock.me.get("/activity/email/", params={"date_created__lt": bound}).status_code == 200


# ---------------------------------------------------------------- updating


@pytest.mark.rule("email.only-drafts-editable")
def test_a_draft_can_be_edited(mock):
    draft = mock.email()
    response = mock.me.put(f"/activity/email/{draft['id']}/", json={"subject": "Updated subject!"})
    assert response.status_code == 200
    assert response.json()["subject"] == "Updated subject!"
    assert response.json()["body_text"] == draft["body_text"]


@pytest.mark.rule("email.only-drafts-editable")
@pytest.mark.parametrize("status", ["inbox", "sent", "error", "scheduled", "outbox"])
@pytest.mark.parametrize("mode", ["default", "strict"])
def test_only_drafts_can_be_modified(make_mock, status, mode):
    mock = make_mock(strict=mode == "strict")
    email = create(mock, **with_sender(status)).json()
    response = mock.me.put(f"/activity/email/{email['id']}/", json={"subject": "changed"})
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["status"]
    assert mock.me.get(f"/activity/email/{email['id']}/").json()["subject"] is None


@pytest.mark.rule("email.cancel-to-draft")
@pytest.mark.parametrize("status", ["scheduled", "outbox"])
def test_scheduled_and_outbox_go_back_to_draft(mock, status):
    email = create(mock, **with_sender(status)).json()
    response = mock.me.put(f"/activity/email/{email['id']}/", json={"status": "draft"})
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert response.json()["date_scheduled"] is None
    # A cancelled email is a draft again: it can be edited.
    assert mock.me.put(f"/activity/email/{email['id']}/", json={"subject": "x"}).status_code == 200


@pytest.mark.rule("email.only-drafts-editable")
@pytest.mark.parametrize("status", ["inbox", "sent", "error"])
def test_logged_emails_cannot_go_back_to_draft(mock, status):
    email = create(mock, **with_sender(status)).json()
    assert mock.me.put(f"/activity/email/{email['id']}/", json={"status": "draft"}).status_code == 400


@pytest.mark.rule("email.draft-transitions")
@pytest.mark.rule("email.sender.required-to-send-draft")
@pytest.mark.parametrize("target", ["scheduled", "outbox"])
def test_draft_moves_to_scheduled_or_outbox_with_a_sender_from_the_request(mock, target):
    draft = mock.email()
    extra = {"date_scheduled": FUTURE} if target == "scheduled" else {}
    response = mock.me.put(
        f"/activity/email/{draft['id']}/", json={"status": target, "sender": "b@example.com", **extra}
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["sender"]) == (target, "b@example.com")


@pytest.mark.rule("email.sender.required-to-send-draft")
@pytest.mark.parametrize("target", ["scheduled", "outbox"])
def test_draft_with_a_stored_sender_moves_without_one_in_the_request(mock, target):
    draft = mock.email(sender="b@example.com", date_scheduled=FUTURE)
    response = mock.me.put(f"/activity/email/{draft['id']}/", json={"status": target})
    assert response.status_code == 200
    assert response.json()["sender"] == "b@example.com"


@pytest.mark.rule("email.sender.required-to-send-draft")
@pytest.mark.parametrize("target", ["scheduled", "outbox"])
@pytest.mark.parametrize("sender", ["absent", "null-in-request"])
def test_draft_without_sender_cannot_be_sent(mock, target, sender):
    draft = mock.email(date_scheduled=FUTURE)
    body = {"status": target, **({"sender": None} if sender == "null-in-request" else {})}
    response = mock.me.put(f"/activity/email/{draft['id']}/", json=body)
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["sender"]
    assert mock.me.get(f"/activity/email/{draft['id']}/").json()["status"] == "draft"


@pytest.mark.rule("email.scheduling-fields")
def test_draft_to_scheduled_needs_a_date(mock):
    draft = mock.email(sender="b@example.com")
    response = mock.me.put(f"/activity/email/{draft['id']}/", json={"status": "scheduled"})
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["date_scheduled"]


@pytest.mark.rule("email.draft-transitions")
@pytest.mark.parametrize("target", ["inbox", "sent", "error"])
@pytest.mark.parametrize("mode", ["default", "strict"])
def test_draft_cannot_move_to_inbox_sent_or_error(make_mock, target, mode):
    mock = make_mock(strict=mode == "strict")
    draft = mock.email(sender="b@example.com")
    response = mock.me.put(f"/activity/email/{draft['id']}/", json={"status": target})
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["status"]


# ---------------------------------------------------------------- references, delete, lists


@pytest.mark.rule("errors.shape")
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("template_id", "tmpl_" + "A" * 43),
        ("in_reply_to_id", "acti_" + "A" * 43),
        ("user_id", "user_" + "A" * 43),
        ("email_account_id", "emailacct_" + "A" * 43),
        ("organization_id", "orga_" + "A" * 43),
    ],
)
def test_references_to_unknown_objects_are_refused(mock, field, value):
    response = create(mock, status="draft", **{field: value})
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == [field]


@pytest.mark.rule("tenant.isolation")
def test_references_to_another_organizations_objects_are_refused(mock):
    theirs = mock.contact("outsider")
    for body in (
        {"contact_id": theirs["id"]},
        {"lead_id": theirs["lead_id"]},
        {"user_id": mock.id_of("outsider")},
    ):
        assert create(mock, status="draft", **body).status_code == 400


@pytest.mark.rule("errors.shape")
@pytest.mark.parametrize("mode", ["default", "strict"])
def test_the_contact_must_be_one_of_the_emails_lead(make_mock, mode):
    # Discrepancy email-contact-of-lead: the mock refuses a mismatch with 400 in both modes.
    mock = make_mock(strict=mode == "strict")
    contact = mock.contact()
    response = create(mock, status="draft", contact_id=contact["id"])
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["contact_id"]
    draft = create(mock, status="draft", contact_id=contact["id"], lead_id=contact["lead_id"]).json()
    other = mock.contact()
    moved = mock.me.put(f"/activity/email/{draft['id']}/", json={"contact_id": other["id"]})
    assert moved.status_code == 400


@pytest.mark.rule("email.delete")
def test_delete_answers_empty_object_then_404(mock):
    email = mock.email()
    response = mock.me.delete(f"/activity/email/{email['id']}/")
    assert (response.status_code, response.content) == (200, b"{}")
    assert mock.me.get(f"/activity/email/{email['id']}/").status_code == 404
    assert mock.me.delete(f"/activity/email/{email['id']}/").status_code == 404


@pytest.mark.rule("pagination.offset")
def test_email_list_filters_and_pages(mock):
    lead = mock.lead()
    first, second, third = (mock.email(lead_id=lead["id"]) for _ in range(3))
    other = mock.email()
    ids = lambda params: [e["id"] for e in mock.me.get("/activity/email/", params=params).json()["data"]]  # noqa: E731
    assert ids({"lead_id": lead["id"]}) == [first["id"], second["id"], third["id"]]
    assert ids({"lead_id": lead["id"], "_skip": 1, "_limit": 1}) == [second["id"]]
    assert ids({"id__in": f"{third['id']},{other['id']}"}) == [third["id"], other["id"]]
    assert ids({"date_created__gte": "2000-01-01"}) == [first["id"], second["id"], third["id"], other["id"]]
    assert ids({"date_created__lt": "2000-01-01T00:00:00Z"}) == []
    assert mock.me.get("/activity/email/", params={"_limit": 3}).json()["has_more"] is True


@pytest.mark.rule("tenant.isolation")
def test_another_organizations_emails_are_invisible(mock):
    theirs = mock.email("outsider")
    assert mock.me.get(f"/activity/email/{theirs['id']}/").status_code == 404
    assert mock.me.put(f"/activity/email/{theirs['id']}/", json={"subject": "x"}).status_code == 404
    assert mock.me.delete(f"/activity/email/{theirs['id']}/").status_code == 404
    assert mock.me.get("/activity/email/").json()["data"] == []


@pytest.mark.rule("fields.selection")
def test_fields_on_email_get_and_list(mock):
    email = mock.email()
    assert mock.me.get(f"/activity/email/{email['id']}/", params={"_fields": "id,status"}).json() == {
        "id": email["id"],
        "status": "draft",
    }
    listing = mock.me.get("/activity/email/", params={"_fields": "subject"}).json()
    assert listing == {"data": [{"subject": "Hello"}], "has_more": False}


@pytest.mark.rule("email.attachment-fields")
def test_attachments_answer_every_key_close_requires(mock):
    url = "https://app.close.com/go/file/temporary/x/notes.txt/"
    email = mock.email(attachments=[{"url": url, "filename": "notes.txt", "size": 3, "thumbnail_url": "x"}])
    assert email["attachments"] == [{"content_type": None, "url": url, "filename": "notes.txt", "size": 3}]
    updated = mock.me.put(f"/activity/email/{email['id']}/", json={"attachments": None})
    assert updated.status_code == 200
    assert updated.json()["attachments"] == []


@pytest.mark.rule("errors.shape")
@pytest.mark.parametrize("value", ["2026-13-01T10:00:00", "2026-01-01 10:00:00", "yesterday", 1700000000])
@pytest.mark.parametrize("field", ["activity_at", "date_created"])
def test_a_bad_body_date_time_is_named_as_such_not_as_not_null(mock, field, value):
    # The field is nullable: the "should be null" branch of its schema says nothing about the value.
    response = create(mock, status="draft", **{field: value})
    assert response.status_code == 400
    message = response.json()["field-errors"][field]
    assert "null" not in message, message
