"""The official Close Python client (`closeio` 2.1, requests-based) against `close-mock serve`.

Drives every in-scope operation the way the client's users do: `api.get/post/put/delete(endpoint,
data=..., params=...)`, endpoints written without slashes and joined by the client itself
(`base_url + endpoint + "/"`), Basic auth with the API key as username. The client raises
`ValidationError` (400, with `errors`/`field_errors`) or `APIError` (any other non-2xx, with the
response) and returns `''` for a 204. Each test asserts the answers Close gives, with their
sources; a call that Close would answer with 2xx must not raise here.

One mock subprocess per module (all tests in one xdist group, so one worker starts it).

The client has no base-URL argument on `Client` (it is fixed to https://api.close.com/api/v1/);
its base class `API(base_url, api_key)` is how it is pointed elsewhere, as `Client` does itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import closeio_api
import pytest

from close_conformance.contract import default_contract
from close_conformance.served import Served, serve

# About a second in all on loopback (260 contact creations: ~0.2 s), so not marked slow.
pytestmark = [pytest.mark.selftest, pytest.mark.xdist_group("official-client")]

CONTRACT = default_contract()
SCHEMAS = CONTRACT.spec["components"]["schemas"]
# The statuses of an email (spec: MessageStatus), and those that need a sender (changelog 2025-12-17).
STATUSES = tuple(SCHEMAS["MessageStatus"]["enum"])
SENDER_REQUIRED = ("inbox", "scheduled", "outbox", "error")
# The docs' display-name form of a sender (discrepancy sender-format).
SENDER = '"Bruce Wayne" <bruce.wayne@wayne.example.com>'


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with serve() as server:
        yield server


def client_for(served: Served, user: dict[str, Any], **options: Any) -> Any:
    """The official client for one user of the mock: `API` is the base `Client` fills with Close's URL."""
    return closeio_api.API(served.base_url + "/", api_key=user["api_key"], **options)


@pytest.fixture(scope="module")
def users(served: Served) -> dict[str, dict[str, Any]]:
    """me, peer and bystander share the first organization; outsider is the second's."""
    return {
        "me": served.user(0, 0),
        "peer": served.user(0, 1),
        "bystander": served.user(0, 2),
        "outsider": served.user(1, 0),
    }


@pytest.fixture(scope="module")
def api(served: Served, users: dict[str, dict[str, Any]]) -> Any:
    return client_for(served, users["me"])


@pytest.fixture(scope="module")
def peer_api(served: Served, users: dict[str, dict[str, Any]]) -> Any:
    return client_for(served, users["peer"])


def refused(call: Callable[[], Any], status: int) -> Any:
    """Run one client call that Close refuses; the client's exception, after checking its status."""
    with pytest.raises(closeio_api.APIError) as raised:
        call()
    assert raised.value.response.status_code == status, raised.value.response.text
    return raised.value


def all_pages(api: Any, endpoint: str, **params: Any) -> list[dict[str, Any]]:
    """Page through a list with `_skip` as the docs' pagination page says, until has_more is false."""
    items: list[dict[str, Any]] = []
    while True:
        page = api.get(endpoint, params={**params, "_skip": len(items)})
        assert set(page) >= {"data", "has_more"}, page
        items.extend(page["data"])
        if not page["has_more"]:
            return items
        assert page["data"], "has_more with an empty page would loop for ever"


def in_an_hour() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


# ------------------------------------------------------------------------------------- users


@pytest.mark.rule("me.current-user", "user.organization-members", "pagination.offset")
def test_me_and_the_members_of_my_organization(api, users, served):
    me = api.get("me")
    assert (me["id"], me["email"]) == (users["me"]["id"], users["me"]["email"])
    organization = served.announcement["organizations"][0]
    # /me/ lists organizations as objects, /user/ as ids (discrepancy user-organizations-shape).
    assert [o["id"] for o in me["organizations"]] == [organization["id"]]

    members = all_pages(api, "user", _limit=1)
    assert sorted(u["id"] for u in members) == sorted(u["id"] for u in organization["users"])
    assert all(u["organizations"] == [organization["id"]] for u in members)
    assert users["outsider"]["id"] not in {u["id"] for u in members}

    peer = api.get(f"user/{users['peer']['id']}")
    assert peer == next(u for u in members if u["id"] == users["peer"]["id"])
    refused(lambda: api.get(f"user/{users['outsider']['id']}"), 404)


@pytest.mark.rule("auth.required", "errors.shape")
def test_errors_reach_the_client_as_its_exceptions(served, api):
    # The client's ValidationError reads `errors` and `field-errors` from a 400's JSON body; any
    # other status is a plain APIError carrying the response (closeio_api._dispatch).
    stranger = closeio_api.API(served.base_url + "/", api_key="api_not.a-key")
    error = refused(lambda: stranger.get("me"), 401)
    assert not isinstance(error, closeio_api.ValidationError)
    assert error.response.json() == {"error": "Unauthorized"}
    invalid = refused(lambda: api.post("activity/email", {"status": "draft"}), 400)
    assert isinstance(invalid, closeio_api.ValidationError)
    assert (invalid.errors, list(invalid.field_errors)) == ([], ["lead_id"])
    missing = refused(lambda: api.get("contact/cont_" + "A" * 43), 404)
    assert set(missing.response.json()) == {"error"}


# ------------------------------------------------------------------------------------- leads


@pytest.mark.rule("lead.create", "lead.delete")
def test_lead_create_read_back_delete_twice(api):
    lead = api.post("lead", {"name": "Wayne Enterprises", "description": "Gotham's finest."})
    assert lead["id"].startswith("lead_")
    assert (lead["name"], lead["description"], lead["contacts"]) == (
        "Wayne Enterprises",
        "Gotham's finest.",
        [],
    )
    assert api.get(f"lead/{lead['id']}") == lead

    # DELETE answers 200 `{}` (Close's spec: "Empty response body"); the second one 404.
    assert api.delete(f"lead/{lead['id']}") == {}
    error = refused(lambda: api.delete(f"lead/{lead['id']}"), 404)
    assert not isinstance(error, closeio_api.ValidationError)
    refused(lambda: api.get(f"lead/{lead['id']}"), 404)


@pytest.mark.rule("pagination.offset")
def test_lead_list_pages_with_skip_and_limit(api):
    created = [api.post("lead", {"name": f"Lead {n}"})["id"] for n in range(5)]
    # GET /lead/ takes _limit and _skip (Close's spec, facts 4.1); every lead exactly once.
    seen = [lead["id"] for lead in all_pages(api, "lead", _limit=2)]
    assert len(seen) == len(set(seen))
    assert set(created) <= set(seen)
    first = api.get("lead", params={"_limit": 2, "_skip": 0})
    assert len(first["data"]) == 2
    assert first["has_more"] is True


@pytest.mark.rule("lead.create")
def test_lead_put_changes_only_what_it_sends(api):
    lead = api.post("lead", {"name": "Acme", "description": "Before", "url": "https://acme.example.com/"})
    # Every PUT behaves as a PATCH (docs, "Specifying Fields"): name and url stay.
    updated = api.put(f"lead/{lead['id']}", {"description": "After"})
    assert (updated["id"], updated["name"], updated["url"], updated["description"]) == (
        lead["id"],
        "Acme",
        "https://acme.example.com/",
        "After",
    )
    assert api.get(f"lead/{lead['id']}")["description"] == "After"


# ---------------------------------------------------------------------------------- contacts


@pytest.mark.rule("contact.create-on-lead", "contact.phone-normalised")
def test_contact_on_a_lead_reads_back(api):
    lead = api.post("lead", {"name": "Acme"})
    contact = api.post(
        "contact",
        {
            "lead_id": lead["id"],
            "name": "John Smith",
            "title": "President",
            "emails": [{"email": "john@example.com", "type": "office"}],
            "phones": [{"phone": "9045551234", "type": "mobile"}],
            "urls": [{"url": "http://twitter.com/google/", "type": "url"}],
        },
    )
    # The create example of Close's docs: phone normalised, each email gains is_unsubscribed.
    assert contact["lead_id"] == lead["id"]
    assert contact["emails"] == [{"email": "john@example.com", "type": "office", "is_unsubscribed": False}]
    [phone] = contact["phones"]
    assert (phone["phone"], phone["phone_formatted"], phone["country"], phone["type"]) == (
        "+19045551234",
        "+1 904-555-1234",
        "US",
        "mobile",
    )
    assert api.get(f"contact/{contact['id']}") == contact
    assert api.get(f"contact/{contact['id']}", params={"_fields": "id,name"}) == {
        "id": contact["id"],
        "name": "John Smith",
    }
    assert [c["id"] for c in api.get(f"lead/{lead['id']}")["contacts"]] == [contact["id"]]


@pytest.mark.rule("contact.create-without-lead")
def test_contact_without_a_lead_gets_one_named_after_it(api):
    contact = api.post("contact", {"name": "Selina Kyle"})
    # Changelog 2025-02-14: a new lead, named after the contact (discrepancy contact-new-lead-name).
    lead = api.get(f"lead/{contact['lead_id']}")
    assert lead["name"] == "Selina Kyle"
    assert [c["id"] for c in lead["contacts"]] == [contact["id"]]


@pytest.mark.rule("contact.update-is-patch", "contact.phone-normalised")
def test_contact_get_modify_put_sends_back_what_get_returned(api):
    contact = api.post(
        "contact",
        {
            "name": "Lucius Fox",
            "title": "CTO",
            "emails": [{"email": "lucius@example.com", "type": "office"}],
            "phones": [{"phone": "+14155550100", "type": "office"}],
        },
    )
    fetched = api.get(f"contact/{contact['id']}")
    # What users do: append to the lists as GET returned them, keys such as is_unsubscribed,
    # country and phone_formatted included, and PUT them back.
    emails = [*fetched["emails"], {"email": "fox@example.com", "type": "home"}]
    phones = [*fetched["phones"], {"phone": "9045551234", "type": "mobile"}]
    updated = api.put(f"contact/{contact['id']}", {"emails": emails, "phones": phones})
    assert [e["email"] for e in updated["emails"]] == ["lucius@example.com", "fox@example.com"]
    assert all(e["is_unsubscribed"] is False for e in updated["emails"])
    assert [p["phone"] for p in updated["phones"]] == ["+14155550100", "+19045551234"]
    assert updated["phones"][1]["phone_formatted"] == "+1 904-555-1234"
    # PUT behaves as PATCH: what was not sent stays.
    assert (updated["name"], updated["title"], updated["lead_id"]) == (
        "Lucius Fox",
        "CTO",
        contact["lead_id"],
    )
    assert api.get(f"contact/{contact['id']}") == updated


@pytest.mark.rule("pagination.offset")
def test_contacts_listed_by_lead(api):
    lead, other = (api.post("lead", {"name": name})["id"] for name in ("Left", "Right"))
    mine = {api.post("contact", {"lead_id": lead, "name": f"C{n}"})["id"] for n in range(2)}
    api.post("contact", {"lead_id": other, "name": "Elsewhere"})
    listed = api.get("contact", params={"lead_id": lead})
    assert {c["id"] for c in listed["data"]} == mine
    assert listed["has_more"] is False


@pytest.mark.rule("pagination.offset")
def test_260_contacts_page_with_skip_each_seen_once(api):
    lead = api.post("lead", {"name": "Many contacts"})["id"]
    created = [api.post("contact", {"lead_id": lead, "name": f"Contact {n:03}"})["id"] for n in range(260)]
    listed = all_pages(api, "contact", lead_id=lead, _limit=100)
    # The default page size (100, Close's spec) without a lead filter: the 260 among the rest.
    everything = all_pages(api, "contact")
    assert [c["id"] for c in listed] == created  # each once, in creation order
    ids = [c["id"] for c in everything]
    assert len(ids) == len(set(ids))
    assert set(created) <= set(ids)
    last = api.get("contact", params={"lead_id": lead, "_limit": 100, "_skip": 200})
    assert (len(last["data"]), last["has_more"]) == (60, False)
    past_the_end = api.get("contact", params={"lead_id": lead, "_skip": 260})
    assert (past_the_end["data"], past_the_end["has_more"]) == ([], False)


@pytest.mark.rule("contact.delete-empty-object", "contact.gone-after-delete")
def test_contact_delete_twice(api):
    contact = api.post("contact", {"name": "Harvey Dent"})
    assert api.delete(f"contact/{contact['id']}") == {}
    refused(lambda: api.get(f"contact/{contact['id']}"), 404)
    refused(lambda: api.delete(f"contact/{contact['id']}"), 404)


# ------------------------------------------------------------------------------------ emails


def email_body(lead_id: str, status: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lead_id": lead_id,
        "status": status,
        "to": ["jane@example.com"],
        "subject": f"A {status} email",
        "body_text": "Hi Jane",
        **fields,
    }
    if status == "scheduled":
        # The docs' text: a scheduled email is sent at date_scheduled (discrepancy email-scheduling-fields).
        body.setdefault("date_scheduled", in_an_hour())
    return body


@pytest.mark.rule("email.sender.required-by-status")
def test_the_sender_rule_names_statuses_of_the_spec():
    assert set(SENDER_REQUIRED) < set(STATUSES)


@pytest.mark.rule("email.sender.required-by-status", "email.sender.display-name")
@pytest.mark.parametrize("status", STATUSES)
def test_every_status_with_a_sender(api, status):
    lead = api.post("lead", {"name": "Emails"})["id"]
    email = api.post("activity/email", email_body(lead, status, sender=SENDER))
    assert (email["status"], email["sender"], email["lead_id"]) == (status, SENDER, lead)
    assert api.get(f"activity/email/{email['id']}") == email


@pytest.mark.rule(
    "email.sender.required-by-status", "email.sender.optional-for-draft", "email.sender.sent-default"
)
@pytest.mark.parametrize("status", STATUSES)
def test_every_status_without_a_sender(api, users, status):
    lead = api.post("lead", {"name": "Emails"})["id"]
    body = email_body(lead, status)
    if status in SENDER_REQUIRED:
        error = refused(lambda: api.post("activity/email", body), 400)
        assert isinstance(error, closeio_api.ValidationError)
        assert "sender" in error.field_errors, error.response.text
        assert api.get("activity/email", params={"lead_id": lead})["data"] == []
        return
    email = api.post("activity/email", body)
    # A draft may leave it out; a sent email gets the address of the API key's owner.
    expected = {"draft": None, "sent": users["me"]["email"]}[status]
    assert (email["status"], email["sender"]) == (status, expected)


@pytest.mark.rule("pagination.offset")
def test_email_list_filters(api, peer_api, users):
    lead = api.post("lead", {"name": "Filtered"})["id"]
    contact = api.post("contact", {"lead_id": lead, "name": "Jane"})["id"]
    before = datetime.now(UTC).isoformat()
    drafts = [api.post("activity/email", email_body(lead, "draft"))["id"] for _ in range(3)]
    to_contact = api.post("activity/email", email_body(lead, "sent", contact_id=contact))["id"]
    by_peer = peer_api.post("activity/email", email_body(lead, "draft"))["id"]
    everything = {*drafts, to_contact, by_peer}

    def ids(**params: Any) -> set[str]:
        return {e["id"] for e in all_pages(api, "activity/email", **params)}

    assert ids(lead_id=lead, _limit=2) == everything
    assert ids(contact_id=contact) == {to_contact}
    assert ids(lead_id=lead, user_id=users["peer"]["id"]) == {by_peer}
    assert ids(id__in=",".join(drafts[:2])) == set(drafts[:2])
    assert everything <= ids(date_created__gte=before)
    assert not everything & ids(date_created__lt=before)


@pytest.mark.rule(
    "email.only-drafts-editable",
    "email.sender.required-to-send-draft",
    "email.draft-transitions",
    "email.cancel-to-draft",
)
def test_update_a_draft_then_send_and_cancel_it(api, users):
    lead = api.post("lead", {"name": "Drafts"})["id"]
    draft = api.post("activity/email", email_body(lead, "draft"))
    edited = api.put(f"activity/email/{draft['id']}", {"subject": "Updated subject!"})
    # PUT behaves as PATCH: only the subject changed.
    assert (edited["subject"], edited["body_text"], edited["status"]) == (
        "Updated subject!",
        "Hi Jane",
        "draft",
    )

    # A draft without a sender cannot be scheduled or sent (changelog 2025-12-17).
    error = refused(
        lambda: api.put(
            f"activity/email/{draft['id']}", {"status": "scheduled", "date_scheduled": in_an_hour()}
        ),
        400,
    )
    assert "sender" in error.field_errors, error.response.text
    scheduled = api.put(
        f"activity/email/{draft['id']}",
        {"status": "scheduled", "sender": SENDER, "date_scheduled": in_an_hour()},
    )
    assert (scheduled["status"], scheduled["sender"]) == ("scheduled", SENDER)
    # Cancelling: a scheduled email goes back to draft; then it is editable again.
    assert api.put(f"activity/email/{draft['id']}", {"status": "draft"})["status"] == "draft"
    assert api.put(f"activity/email/{draft['id']}", {"body_text": "Bye"})["body_text"] == "Bye"

    # Only drafts can be modified (discrepancy email-non-draft-edit-status: the mock answers 400).
    sent = api.post("activity/email", email_body(lead, "sent"))
    refused(lambda: api.put(f"activity/email/{sent['id']}", {"subject": "Too late"}), 400)
    assert api.get(f"activity/email/{sent['id']}")["subject"] == "A sent email"


@pytest.mark.rule("email.delete")
def test_email_delete_twice(api):
    lead = api.post("lead", {"name": "Deletes"})["id"]
    email = api.post("activity/email", email_body(lead, "draft"))
    assert api.delete(f"activity/email/{email['id']}") == {}
    refused(lambda: api.get(f"activity/email/{email['id']}"), 404)
    refused(lambda: api.delete(f"activity/email/{email['id']}"), 404)


# ----------------------------------------------------------------------------------- Send As


def pairs(listing: dict[str, Any]) -> set[tuple[str, str]]:
    return {(a["allowing_user_id"], a["allowed_user_id"]) for a in listing["data"]}


def deleted(answer: Any) -> bool:
    """A successful Send As delete through the client: 204 gives `''`, 200 `{}` (discrepancy
    send-as-delete-status: the mock answers 204; Close's docs say 200 or 204)."""
    return answer in ("", {})


@pytest.mark.rule(
    "send_as.create-as-allowing-user",
    "send_as.list-default-allowing",
    "send_as.list-involved-only",
    "send_as.get-involved-only",
    "send_as.delete-by-id",
    "send_as.delete-by-users",
    "send_as.delete-status",
    "send_as.bulk-returns-all-allowing",
)
def test_send_as_all_six_operations_with_two_users(api, peer_api, users):
    me, peer, bystander = (users[r]["id"] for r in ("me", "peer", "bystander"))
    organization = api.get("me")["organizations"][0]["id"]

    # create (201), as the allowing user
    mine = api.post("send_as", {"allowing_user_id": me, "allowed_user_id": peer})
    assert mine == {
        "id": mine["id"],
        "allowing_user_id": me,
        "allowed_user_id": peer,
        "organization_id": organization,
    }
    theirs = peer_api.post("send_as", {"allowing_user_id": peer, "allowed_user_id": me})

    # list: with no filter I am the allowing user; either filter may name me
    assert pairs(api.get("send_as")) == {(me, peer)}
    assert pairs(api.get("send_as", params={"allowed_user_id": me})) == {(peer, me)}
    assert pairs(peer_api.get("send_as", params={"allowed_user_id": peer})) == {(me, peer)}

    # get: either party reads it
    assert api.get(f"send_as/{mine['id']}") == peer_api.get(f"send_as/{mine['id']}") == mine

    # delete by id, then it is gone, and a second delete is 404
    assert deleted(api.delete(f"send_as/{mine['id']}"))
    refused(lambda: api.get(f"send_as/{mine['id']}"), 404)
    refused(lambda: api.delete(f"send_as/{mine['id']}"), 404)

    # delete by the two users (query parameters through the client's requests kwargs)
    by_users = {"allowing_user_id": peer, "allowed_user_id": me}
    assert deleted(peer_api.delete("send_as", params=by_users))
    assert peer_api.get("send_as")["data"] == []
    refused(lambda: api.get(f"send_as/{theirs['id']}"), 404)

    # bulk: the answer lists every association where I am the allowing user, after the change
    allowed = api.post("send_as/bulk", {"allowed_user_ids": [peer, bystander], "disallowed_user_ids": []})
    assert pairs(allowed) == {(me, peer), (me, bystander)}
    after = api.post("send_as/bulk", {"allowed_user_ids": [], "disallowed_user_ids": [bystander]})
    assert pairs(after) == {(me, peer)}
    assert pairs(api.get("send_as")) == {(me, peer)}
    assert pairs(api.post("send_as/bulk", {"allowed_user_ids": [], "disallowed_user_ids": [peer]})) == set()
