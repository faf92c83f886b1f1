"""Rule http.method-override (docs filter-parameters.md, facts 5.6): a POST with
`x-http-method-override: GET` and `{"_params": {...}}` is answered as the GET with those query
parameters, for the lead, contact and email lists with their filters and for gets by id; a bad
value gets the GET's 400; a `_params` that is no object a 400. What the docs leave open is the
register's (`method-override-request`, `method-override-params`, `method-override-other-methods`).

The objects are this module's own: two leads, two contacts on the first and one on the second, a
logged (sent, never sent by Close) email per contact. An override a server carries out as a POST
creates an object: it is written to the ledger, so cleanup removes it, and the test fails.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from close_conformance.client import CloseClient, json_or_none, record_created
from close_conformance.concurrent import gather
from close_conformance.ledger import Ledger
from close_conformance.preconditions import expect_success
from close_conformance.runtime import RunContext
from close_conformance.target import Role

RULE = "http.method-override"
HEADER = "x-http-method-override"
TRIES = 5


def _shown(response: httpx.Response) -> str:
    body = json_or_none(response)
    text = json.dumps(body, sort_keys=True) if body is not None else response.text
    return f"{response.status_code} {text[:400]}"


@dataclass(frozen=True)
class Objects:
    client: CloseClient = field(repr=False)
    ledger: Ledger = field(repr=False)
    leads: tuple[str, str]
    contacts: tuple[str, str, str]
    """Two on the first lead, one on the second."""
    emails: tuple[str, str, str]
    """One per contact, in the same order."""

    def override(self, path: str, body: Any, method: str = "GET") -> httpx.Response:
        """POST `path` standing for `method`; what a server wrongly creates goes to the ledger."""
        response = self.client.http.post(path, json=body, headers={HEADER: method})
        created = json_or_none(response)
        # On a collection only a create answers one object (a list answers `data`).
        on_collection = path.count("/") <= 3 and path != "/me/"
        if response.is_success and isinstance(created, dict) and "data" not in created and on_collection:
            record_created(self.ledger, path, created, "me", request=body)
        return response

    def same_as_get(self, path: str, params: dict[str, str], body: Any = None) -> httpx.Response:
        """The override's answer, asserted equal to the GET's (status and body).

        Both go out at once, and again (up to TRIES times) while they differ: the lead list is the
        organization's, which other writers (the run's other xdist workers on a live server) may
        change between two reads. A server that ignores the override differs every time."""
        for _ in range(TRIES):
            got, expected = gather(
                [
                    lambda: self.override(path, {"_params": params} if body is None else body),
                    lambda: self.client.get(path, **params),
                ]
            )
            same = (got.status_code, json_or_none(got)) == (expected.status_code, json_or_none(expected))
            if same or not (_a_list(got) and _a_list(expected)):
                break  # a POST the server did not read as a GET is not sent again
        assert same, (
            f"[{RULE}] POST {path} with {HEADER}: GET and _params {params} answered {_shown(got)}; "
            f"the GET {path} with those parameters answered {_shown(expected)}"
        )
        return got


@pytest.fixture(scope="module")
def objects(api: Callable[[Role], CloseClient], ledger: Ledger) -> Objects:
    client = api("me")
    leads = [
        str(expect_success(client.post("/lead/", {"name": f"close-conformance override {i}"}), "lead")["id"])
        for i in range(2)
    ]
    contacts, emails = [], []
    for index, lead in enumerate((leads[0], leads[0], leads[1])):
        contact = client.post("/contact/", {"lead_id": lead, "name": f"Override Person {index}"})
        contacts.append(str(expect_success(contact, "creating a contact")["id"]))
        body = {
            "lead_id": lead,
            "contact_id": contacts[-1],
            "status": "sent",
            "sender": "override@example.com",
            "to": ["recipient@example.com"],
            "subject": f"close-conformance method override {index}",
        }
        email = client.post("/activity/email/", body)
        emails.append(str(expect_success(email, "logging a sent email")["id"]))
    return Objects(
        client,
        ledger,
        (leads[0], leads[1]),
        (contacts[0], contacts[1], contacts[2]),
        (emails[0], emails[1], emails[2]),
    )


def _a_list(response: httpx.Response) -> bool:
    body = json_or_none(response)
    return response.status_code == 200 and isinstance(body, dict) and isinstance(body.get("data"), list)


def _ids(response: httpx.Response) -> list[str]:
    return sorted(str(item.get("id")) for item in response.json().get("data", []))


@pytest.mark.rule(RULE)
def test_the_lead_list_with_paging_and_fields_answers_as_its_get(objects: Objects) -> None:
    got = objects.same_as_get("/lead/", {"_limit": "1", "_fields": "id,display_name"})
    assert got.status_code == 200, f"[{RULE}] POST /lead/ with {HEADER}: GET answered {_shown(got)}"
    assert all(set(item) <= {"id", "display_name"} for item in got.json()["data"]), _shown(got)


@pytest.mark.rule(RULE)
def test_the_contact_list_filtered_by_lead_answers_as_its_get(objects: Objects) -> None:
    lead = objects.leads[0]
    got = objects.same_as_get("/contact/", {"lead_id": lead, "_fields": "id,lead_id"})
    assert _ids(got) == sorted(objects.contacts[:2]), f"[{RULE}] lead_id={lead}: {_shown(got)}"
    paged = objects.same_as_get("/contact/", {"lead_id": lead, "_limit": "1", "_skip": "1"})
    assert len(paged.json()["data"]) == 1, f"[{RULE}] _limit=1&_skip=1: {_shown(paged)}"


@pytest.mark.rule(RULE)
def test_the_email_list_with_its_filters_answers_as_its_get(objects: Objects) -> None:
    both = ",".join(objects.leads)
    got = objects.same_as_get("/activity/email/", {"lead_id": both, "_limit": "100"})
    assert _ids(got) == sorted(objects.emails), f"[{RULE}] lead_id={both}: {_shown(got)}"
    contact = objects.contacts[2]
    one = objects.same_as_get("/activity/email/", {"contact_id": contact, "_fields": "id,contact_id"})
    assert _ids(one) == [objects.emails[2]], f"[{RULE}] contact_id={contact}: {_shown(one)}"


@pytest.mark.rule(RULE)
def test_a_get_by_id_answers_as_its_get(objects: Objects) -> None:
    for path in (
        f"/lead/{objects.leads[0]}/",
        f"/contact/{objects.contacts[0]}/",
        f"/activity/email/{objects.emails[0]}/",
    ):
        got = objects.same_as_get(path, {"_fields": "id"})
        assert got.status_code == 200, f"[{RULE}] POST {path} with {HEADER}: GET answered {_shown(got)}"


@pytest.mark.rule(RULE, "request.validation")
@pytest.mark.parametrize("params", [{"_limit": "many"}, {"_skip": "-1"}])
def test_a_bad_value_in_params_gets_the_gets_400(objects: Objects, params: dict[str, str]) -> None:
    got = objects.same_as_get("/contact/", {"lead_id": objects.leads[0], **params})
    assert got.status_code == 400, f"[{RULE}] _params {params}: {_shown(got)}"


@pytest.mark.rule(RULE)
@pytest.mark.parametrize("body", [{"_params": ["lead_id"]}, {"_params": "_limit=1"}, ["_params"]])
def test_params_that_are_no_object_get_a_400(objects: Objects, close_context: RunContext, body: Any) -> None:
    got = objects.override("/lead/", body)
    assert close_context.accepts("method-override-request", got.status_code), (
        f"[{RULE}] POST /lead/ with {HEADER}: GET and the body {json.dumps(body)} answered {_shown(got)}; "
        f"expected one of {close_context.accepted('method-override-request')} (register "
        "method-override-request: a `_params` that is no object names no parameters)"
    )
    answer = json_or_none(got)
    assert isinstance(answer, dict), _shown(got)
    assert {"error", "errors"} & set(answer), f"[{RULE}] a 400 in no Close error shape: {_shown(got)}"


@pytest.mark.rule(RULE)
def test_typed_values_in_params_read_as_their_query_form(objects: Objects, close_context: RunContext) -> None:
    if close_context.accepts("method-override-params", "strings"):
        pytest.skip("register method-override-params: this mode accepts a server taking strings only")
    params = {"lead_id": list(objects.leads), "_limit": 100}
    got = objects.override("/activity/email/", {"_params": params})
    expected = objects.client.get("/activity/email/", lead_id=",".join(objects.leads), _limit="100")
    assert (got.status_code, json_or_none(got)) == (expected.status_code, json_or_none(expected)), (
        f"[{RULE}] _params {params} answered {_shown(got)}; the GET with lead_id=a,b&_limit=100 "
        f"answered {_shown(expected)} (register method-override-params: typed values under --strict)"
    )


@pytest.mark.rule(RULE, "contact.update-is-patch")
def test_an_override_to_put_updates_or_is_refused(objects: Objects, close_context: RunContext) -> None:
    path = f"/contact/{objects.contacts[1]}/"
    title = "Overridden Title"
    got = objects.override(path, {"title": title}, method="PUT")
    now = expect_success(objects.client.get(path), f"GET {path}")
    if close_context.accepts("method-override-other-methods", got.status_code):
        assert now.get("title") != title, f"[{RULE}] refused with {got.status_code}, yet carried out"
        return
    assert close_context.accepts("method-override-other-methods", "honoured"), _shown(got)
    said = (
        f"[{RULE}] POST {path} with {HEADER}: PUT and {{'title': {title!r}}} answered {_shown(got)}, "
        f"then the contact's title is {now.get('title')!r}; expected the PUT (register "
        f"method-override-other-methods: {close_context.accepted('method-override-other-methods')})"
    )
    assert got.status_code == 200, said
    assert now.get("title") == title, said
