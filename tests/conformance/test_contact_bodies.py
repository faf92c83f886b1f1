"""Contact bodies as Close's schema takes them: nested items sent back as GET returned them
(rule contact.nested-round-trip) and custom fields as `custom.cf_<id>` keys (rule
contact.custom-fields).

A known custom field comes from the target (`Target.contact_text_field`: the embedded mock's, or
`CLOSE_CONTACT_TEXT_FIELD` on a live server); without one that test is skipped. An unknown field
needs no knowledge: a well-formed id nobody has.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from close_conformance.client import CloseClient
from close_conformance.runtime import RunContext
from close_conformance.target import Role, Target


def _shown(response: httpx.Response) -> str:
    try:
        body: Any = json.dumps(response.json(), sort_keys=True)
    except ValueError:
        body = response.text
    return f"{response.status_code} {body[:600]}"


def _object(response: httpx.Response, rule: str, what: str) -> dict[str, Any]:
    assert response.status_code == 200, f"[{rule}] {what} answered {_shown(response)}, not 200"
    body = response.json()
    assert isinstance(body, dict), f"[{rule}] {what} answered {_shown(response)}"
    return body


# --------------------------------------------------------------------------- nested round trip
@pytest.mark.rule("contact.nested-round-trip")
def test_get_modify_put_keeps_the_items_get_returned(api: Callable[[Role], CloseClient]) -> None:
    rule = "contact.nested-round-trip"
    client = api("me")
    created = _object(
        client.post(
            "/contact/",
            {
                "name": "Round Trip",
                "emails": [{"email": "round.trip@example.com", "type": "office"}],
                "phones": [{"phone": "9045551234", "type": "mobile"}],
                "urls": [{"url": "https://example.com/round-trip", "type": "url"}],
            },
        ),
        rule,
        "POST /contact/",
    )
    path = f"/contact/{created['id']}/"
    got = _object(client.get(path), rule, f"GET {path}")
    # Append one item of each kind, written the way GET writes them (read-only keys included).
    emails = [*got["emails"], {"email": "second@example.com", "type": "home", "is_unsubscribed": False}]
    phones = [
        *got["phones"],
        {"phone": "+14155550123", "type": "office", "country": "US", "phone_formatted": "+1 415-555-0123"},
    ]
    urls = [*got["urls"], {"url": "https://example.com/second", "type": "url"}]
    sent = {"emails": emails, "phones": phones, "urls": urls}
    answered = _object(client.put(path, sent), rule, f"PUT {path} with the items GET returned plus one")
    for shown, where in ((answered, "the PUT's answer"), (_object(client.get(path), rule, "GET"), "a GET")):
        addresses = [e.get("email") for e in shown.get("emails") or []]
        assert addresses == ["round.trip@example.com", "second@example.com"], (
            f"[{rule}] {where} has emails {addresses}"
        )
        numbers = [p.get("phone") for p in shown.get("phones") or []]
        assert numbers == ["+19045551234", "+14155550123"], f"[{rule}] {where} has phones {numbers}"
        links = [u.get("url") for u in shown.get("urls") or []]
        assert links == ["https://example.com/round-trip", "https://example.com/second"], (
            f"[{rule}] {where} has urls {links}"
        )


# --------------------------------------------------------------------------- custom fields
def _random_field() -> str:
    alphabet = string.ascii_letters + string.digits
    return "cf_" + "".join(secrets.choice(alphabet) for _ in range(43))


@pytest.mark.rule("contact.custom-fields")
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_an_unknown_custom_field_is_refused_naming_it(
    api: Callable[[Role], CloseClient], close_context: RunContext, method: str
) -> None:
    rule = "contact.custom-fields"
    client = api("me")
    key = f"custom.{_random_field()}"
    if method == "POST":
        response = client.post("/contact/", {"name": "Unknown Field", key: "value"})
    else:
        contact = _object(client.post("/contact/", {"name": "Unknown Field"}), rule, "POST /contact/")
        response = client.put(f"/contact/{contact['id']}/", {key: "value"})
    expected = close_context.accepted("contact-custom-fields")
    assert response.status_code in expected, (
        f"[{rule}] {method} with {key} (no such field) answered {_shown(response)}; expected {list(expected)}"
    )
    body = response.json() if response.content else None
    errors = body.get("field-errors") if isinstance(body, dict) else None
    if response.status_code == 400 and isinstance(errors, dict):
        assert key in errors, f"[{rule}] the 400 does not name {key}: {_shown(response)}"


@pytest.mark.rule("contact.custom-fields")
def test_a_known_custom_field_is_stored_and_returned(
    api: Callable[[Role], CloseClient], target: Target
) -> None:
    if target.contact_text_field is None:
        pytest.skip("no text contact custom field known for this organization: set CLOSE_CONTACT_TEXT_FIELD")
    rule = "contact.custom-fields"
    client = api("me")
    key = f"custom.{target.contact_text_field}"
    created = _object(
        client.post("/contact/", {"name": "Custom Person", key: "Account Executive"}), rule, "POST"
    )
    assert created.get(key) == "Account Executive", f"[{rule}] POST with {key} answered {created.get(key)!r}"
    path = f"/contact/{created['id']}/"
    assert _object(client.get(path), rule, f"GET {path}").get(key) == "Account Executive", (
        f"[{rule}] GET {path} lost {key}"
    )
    updated = _object(client.put(path, {key: "Sales Rep"}), rule, f"PUT {path}")
    assert updated.get(key) == "Sales Rep", f"[{rule}] PUT {key}=Sales Rep answered {updated.get(key)!r}"
    assert updated.get("name") == "Custom Person", f"[{rule}] PUT of a custom field changed the name"
    assert _object(client.get(path), rule, f"GET {path}").get(key) == "Sales Rep", (
        f"[{rule}] GET {path} after PUT lost {key}"
    )


# --------------------------------------------------------------------------- item fields
def _item_problems(contact: dict[str, Any]) -> list[str]:
    """What an answer's emails, phones and urls lack of Close's ContactEmail/Phone/Url schemas."""
    problems = []
    for kind in ("emails", "phones", "urls"):
        for index, item in enumerate(contact.get(kind) or []):
            if not isinstance(item.get("type"), str):
                problems.append(f"{kind}[{index}].type is {item.get('type', 'absent')!r}, not a string")
    for index, item in enumerate(contact.get("emails") or []):
        if item.get("is_unsubscribed") is not False:
            problems.append(f"emails[{index}].is_unsubscribed is {item.get('is_unsubscribed', 'absent')!r}")
    return problems


@pytest.mark.rule("contact.item-fields")
def test_items_sent_without_type_come_back_with_one(api: Callable[[Role], CloseClient]) -> None:
    rule = "contact.item-fields"
    client = api("me")
    # Close's CreateContact makes `type` optional; its Contact answer requires it on every item.
    created = _object(
        client.post(
            "/contact/",
            {
                "name": "Typeless Items",
                "emails": [{"email": "typeless@example.com"}],
                "phones": [{"phone": "+14155550199"}],
                "urls": [{"url": "https://example.com/typeless", "type": None}],
            },
        ),
        rule,
        "POST /contact/ with items without type",
    )
    path = f"/contact/{created['id']}/"
    got = _object(client.get(path), rule, f"GET {path}")
    answers = [("the POST's answer", created), (f"GET {path}", got)]
    # A PUT adds an address new to the contact, also without type: it starts subscribed.
    sent = {"emails": [*created.get("emails", []), {"email": "second.typeless@example.com", "type": None}]}
    answers.append((f"PUT {path}", _object(client.put(path, sent), rule, f"PUT {path}")))
    for where, contact in answers:
        counts = [len(contact.get(kind) or []) for kind in ("emails", "phones", "urls")]
        assert counts[1:] == [1, 1], f"[{rule}] {where} lost items: {_shown_body(contact)}"
        assert counts[0] >= 1, f"[{rule}] {where} lost its emails: {_shown_body(contact)}"
        problems = _item_problems(contact)
        assert not problems, f"[{rule}] {where}: {'; '.join(problems)}: {_shown_body(contact)}"


def _shown_body(body: dict[str, Any]) -> str:
    return json.dumps({k: body.get(k) for k in ("emails", "phones", "urls")}, sort_keys=True)[:600]
