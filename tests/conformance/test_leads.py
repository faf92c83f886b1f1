"""Leads: create then read back, `status` and `status_id` exclusive, delete, and what a delete
does to the lead's contacts and emails (facts 4.1, 3; register `lead-delete-cascade`)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from close_conformance import runtime
from close_conformance.client import LIVE_READ_LAG, CloseClient, poll_until
from close_conformance.client import json_or_none as _json
from close_conformance.client import said as _said
from close_conformance.generated import References
from close_conformance.target import Role

Api = Callable[[Role], CloseClient]

_WORD = st.text(st.characters(categories=("Lu", "Ll")), min_size=1, max_size=10).filter(
    lambda word: unicodedata.normalize("NFC", word) == word
)
TEXT = st.lists(_WORD, min_size=1, max_size=4).map(" ".join)
ADDRESS = st.builds(
    lambda local, domain: f"{local}@{domain}",
    st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True),
    st.sampled_from(["example.com", "example.test"]),
)
NESTED_CONTACT = st.fixed_dictionaries(
    {"name": TEXT},
    optional={
        "title": TEXT,
        "emails": st.lists(
            st.fixed_dictionaries({"email": ADDRESS, "type": st.just("office")}),
            max_size=2,
            unique_by=lambda e: e["email"],
        ),
    },
)


def _lag(context: runtime.RunContext) -> float:
    """How long a read may lag a delete here (register `read-after-delete-lag`; 0 on the mock)."""
    live = context.settings.live
    return LIVE_READ_LAG if live and context.accepts("read-after-delete-lag", "poll") else 0.0


def _eventually(check: Callable[[], bool], lag: float) -> bool:
    return poll_until(check, timeout=lag) if lag else check()


def _create(client: CloseClient, body: dict[str, Any], rule: str) -> dict[str, Any]:
    response = client.post("/lead/", body)
    assert response.status_code == 200, f"[{rule}] creating a lead {body}: got {_said(response)}"
    created = response.json()
    assert isinstance(created, dict), f"[{rule}] the new lead is not an object: {_said(response)}"
    return created


def _contact_key(contact: Any) -> tuple[Any, ...]:
    if not isinstance(contact, dict):
        return (repr(contact),)
    emails = sorted(e.get("email") for e in contact.get("emails") or [] if isinstance(e, dict))
    return contact.get("name") or None, contact.get("title") or None, tuple(emails)


# --------------------------------------------------------------------------- lead.create
@pytest.mark.rule("lead.create")
@given(
    name=TEXT,
    description=st.none() | TEXT,
    contacts=st.lists(NESTED_CONTACT, max_size=3),
)
def test_created_lead_reads_back(
    api: Api, name: str, description: str | None, contacts: list[dict[str, Any]]
) -> None:
    client = api("me")
    body: dict[str, Any] = {"name": name, "description": description, "contacts": contacts}
    lead = _create(client, body, "lead.create")
    try:
        response = client.get(f"/lead/{lead['id']}/")
        assert response.status_code == 200, f"[lead.create] the new lead cannot be read: {_said(response)}"
        got = response.json()
        assert got.get("name") == name, f"[lead.create] name {name!r} came back as: {_said(response)}"
        assert (got.get("description") or None) == description, (
            f"[lead.create] description {description!r} came back as: {_said(response)}"
        )
        want = Counter(_contact_key(c) for c in contacts)
        have = Counter(_contact_key(c) for c in got.get("contacts") or [])
        assert want == have, (
            f"[lead.create] contacts sent {dict(want)}, read back {dict(have)}: {_said(response)}"
        )
    finally:
        client.delete(f"/lead/{lead['id']}/")


# --------------------------------------------------------------------------- lead.status-exclusive
@pytest.mark.rule("lead.status-exclusive")
def test_status_and_status_id_together_are_refused(api: Api, references: References) -> None:
    if not references.status_id or not references.status_label:
        pytest.skip("GET /me/ shows no lead status of my organization to name")
    client = api("me")
    for alone in ({"status_id": references.status_id}, {"status": references.status_label}):
        lead = _create(client, {"name": "close-conformance status", **alone}, "lead.status-exclusive")
        assert lead.get("status_id") == references.status_id, (
            f"[lead.status-exclusive] a lead created with {alone} has status_id {lead.get('status_id')!r}"
        )
        client.delete(f"/lead/{lead['id']}/")
    body = {
        "name": "close-conformance both",
        "status": references.status_label,
        "status_id": references.status_id,
    }
    response = client.post("/lead/", body)
    assert response.status_code == 400, (
        f"[lead.status-exclusive] both status and status_id: expected 400, got {_said(response)}"
    )


# --------------------------------------------------------------------------- lead.delete
@pytest.mark.rule("lead.delete")
def test_delete_answers_empty_then_gone(api: Api, close_context: runtime.RunContext) -> None:
    client = api("me")
    lead = _create(client, {"name": "close-conformance delete"}, "lead.delete")
    path = f"/lead/{lead['id']}/"
    response = client.delete(path)
    assert response.status_code == 200, f"[lead.delete] delete: expected 200, got {_said(response)}"
    assert _json(response) == {}, f"[lead.delete] delete: expected the body {{}}, got {_said(response)}"
    if not _eventually(lambda: client.get(path).status_code == 404, _lag(close_context)):
        raise AssertionError(f"[lead.delete] get after delete: expected 404, got {_said(client.get(path))}")
    again = client.delete(path)
    assert again.status_code == 404, f"[lead.delete] a second delete: expected 404, got {_said(again)}"


# --------------------------------------------------------------------------- lead.delete-cascade
@pytest.mark.rule("lead.delete-cascade")
def test_delete_cascades_as_the_register_reads(api: Api, close_context: runtime.RunContext) -> None:
    client = api("me")
    rule = "lead.delete-cascade"
    lead = _create(client, {"name": "close-conformance cascade", "contacts": [{"name": "Nested"}]}, rule)
    lead_id = lead["id"]
    contact_ids = [c["id"] for c in lead.get("contacts") or [] if isinstance(c, dict)]
    added = client.post("/contact/", {"lead_id": lead_id, "name": "Added"})
    assert added.status_code == 200, f"[{rule}] a contact on the lead: {_said(added)}"
    contact_ids.append(added.json()["id"])
    email = client.post(
        "/activity/email/",
        {"lead_id": lead_id, "status": "draft", "subject": "cascade probe"},
    )
    assert email.status_code == 200, f"[{rule}] a draft on the lead: {_said(email)}"
    email_id = email.json()["id"]
    assert len(contact_ids) == 2, f"[lead.create] the nested contact is missing from {lead}"

    deleted = client.delete(f"/lead/{lead_id}/")
    assert deleted.status_code == 200, f"[lead.delete] delete: expected 200, got {_said(deleted)}"

    lag = _lag(close_context)
    accepted = close_context.accepted("lead-delete-cascade")
    paths = [f"/contact/{c}/" for c in contact_ids] + [f"/activity/email/{email_id}/"]
    for path in paths:
        if _eventually(lambda path=path: client.get(path).status_code == 404, lag):
            reading = "removed"
        else:
            response = client.get(path)
            assert response.status_code == 200, (
                f"[{rule}] after the lead's delete: expected 404 (removed) or 200 (kept), "
                f"got {_said(response)}"
            )
            reading = "kept"
        assert close_context.accepts("lead-delete-cascade", reading), (
            f"[{rule}] {path} was {reading} by the lead's delete; the register accepts {accepted}"
        )
    for path, ids in (("/contact/", set(contact_ids)), ("/activity/email/", {email_id})):
        gone = {i for i in ids if client.get(f"{path}{i}/").status_code == 404}

        def unlisted(path: str = path, gone: set[str] = gone) -> bool:
            response = client.get(path, lead_id=lead_id)
            body = _json(response)
            if response.status_code != 200 or not isinstance(body, dict):
                return True  # the lead is gone: refusing the filter lists nothing
            return not {str(o.get("id")) for o in body.get("data") or [] if isinstance(o, dict)} & gone

        if not _eventually(unlisted, lag):
            raise AssertionError(
                f"[{rule}] removed objects {sorted(gone)} are still listed: "
                f"{_said(client.get(path, lead_id=lead_id))}"
            )
