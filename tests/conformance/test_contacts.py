"""The contact lifecycle as a Hypothesis scenario: random creates (on a lead and without one),
PATCH-like updates with random subsets of fields, deletes, second deletes, and what an outsider
sees, checked after every step against `close_conformance.models.contact`.

The budget (runs, steps per run) is the loaded profile's. On a live target "gone" and list checks
poll with the bound of the register's `read-after-delete-lag`; on the mock they are exact.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    precondition,
    rule,
)

from close_conformance import runtime
from close_conformance.client import CloseClient, poll_until
from close_conformance.client import json_or_none as _json
from close_conformance.client import said as _said
from close_conformance.concurrent import gather
from close_conformance.models.contact import Contact, ContactModel, Expected, compare
from close_conformance.target import Role, Target

MAX_LEADS = 4
"""No more leads made on purpose once a run has this many (leads made for contacts count too)."""

# --------------------------------------------------------------------------- data
_WORD = st.text(st.characters(categories=("Lu", "Ll")), min_size=1, max_size=10).filter(
    lambda word: unicodedata.normalize("NFC", word) == word
)
TEXT = st.lists(_WORD, min_size=1, max_size=3).map(" ".join)
"""Names and titles: letters of any script, single spaces inside, nothing to trim."""
_LOCAL = st.lists(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), min_size=1, max_size=2).map(".".join)
_DOMAIN = st.just("example.com") | st.from_regex(r"[a-z]{1,10}", fullmatch=True).map(lambda d: f"{d}.test")
ADDRESS = st.builds(lambda local, domain: f"{local}@{domain}", _LOCAL, _DOMAIN)
"""Reserved domains only: nothing generated can reach anybody."""
_AREA = st.sampled_from(["904", "415", "212", "312", "617", "303", "206", "512", "702", "646"])
_NATIONAL = st.builds(lambda area, line: f"{area}555{line:04d}", _AREA, st.integers(0, 9999))
PHONE = _NATIONAL | _NATIONAL.map(lambda n: "+1" + n)
"""US numbers, national ("9045551234", as in the docs' example) or E.164."""

EMAILS = st.lists(
    st.fixed_dictionaries({"email": ADDRESS, "type": st.sampled_from(["office", "home", "direct", "other"])}),
    max_size=3,
    unique_by=lambda item: item["email"],
)
PHONES = st.lists(
    st.fixed_dictionaries(
        {"phone": PHONE, "type": st.sampled_from(["office", "mobile", "home", "direct", "other"])}
    ),
    max_size=2,
    unique_by=lambda item: item["phone"][-10:],
)
URLS = st.lists(
    st.fixed_dictionaries(
        {
            "url": st.from_regex(r"[a-z0-9]{1,10}", fullmatch=True).map(
                lambda s: f"https://example.com/{s}/"
            ),
            "type": st.just("url"),
        }
    ),
    max_size=2,
    unique_by=lambda item: item["url"],
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "name": st.none() | TEXT,
        "title": st.none() | TEXT,
        "emails": EMAILS,
        "phones": PHONES,
        "urls": URLS,
    },
)
"""A random subset of a contact's fields: a create body, or an update body (PUT is a PATCH)."""


# --------------------------------------------------------------------------- session
@dataclass(frozen=True)
class _Session:
    me: CloseClient
    outsider: CloseClient | None
    strict: bool
    lag: float
    """How long reads may lag writes (0: the first read must be right)."""


_SESSIONS: list[_Session] = []


@pytest.fixture(scope="module", autouse=True)
def _hand_over(
    api: Callable[[Role], CloseClient],
    target: Target,
    close_context: runtime.RunContext,
) -> Iterator[None]:
    """The session fixtures, where the state machine (built by Hypothesis) can reach them."""
    settings = close_context.settings
    lag = close_context.read_lag
    outsider = api("outsider") if target.identity("outsider") is not None else None
    _SESSIONS.append(_Session(api("me"), outsider, settings.strict, lag))
    yield
    _SESSIONS.clear()


def _object(response: httpx.Response, rule_id: str) -> dict[str, Any]:
    body = _json(response)
    assert isinstance(body, dict), f"[{rule_id}] the answer is not a JSON object: {_said(response)}"
    return body


def _ids(response: httpx.Response) -> set[str] | None:
    body = _json(response)
    if response.status_code != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    return {str(item.get("id")) for item in body["data"] if isinstance(item, dict)}


# --------------------------------------------------------------------------- the scenario
class ContactMachine(RuleBasedStateMachine):
    """Contacts of my organization, as the model says they must be after every step."""

    contacts = Bundle("contacts")
    deleted = Bundle("deleted")

    def __init__(self) -> None:
        super().__init__()
        assert _SESSIONS, "the module fixture hands the session over"
        self.session = _SESSIONS[-1]
        self.me = self.session.me
        self.outsider = self.session.outsider
        self.model = ContactModel(strict=self.session.strict)
        self.made_leads: list[str] = []
        self.listed: dict[str, frozenset[str]] = {}
        """Per lead, the contacts my lists last showed right: a lead whose contacts the model has
        not changed since (no create on it, move, or delete) is not listed again."""
        self.outsider_listed: dict[str, frozenset[str]] = {}
        """The same for the outsider's per-lead lists."""

    # -- helpers ------------------------------------------------------------------------
    def eventually(self, check: Callable[[], bool]) -> bool:
        return poll_until(check, timeout=self.session.lag)

    def expect(self, response: httpx.Response, expected: Expected, rule_id: str, what: str) -> None:
        assert expected.admits(response.status_code), (
            f"[{rule_id}] {what}: expected {sorted(expected.statuses)}, got {_said(response)}"
        )

    def created_id(self, response: httpx.Response) -> str:
        contact_id = _object(response, "ids.prefixed").get("id")
        assert isinstance(contact_id, str), (
            f"[ids.prefixed] a created contact without an id: {_said(response)}"
        )
        assert contact_id.startswith("cont_"), f"[ids.prefixed] a contact id lacks cont_: {_said(response)}"
        return contact_id

    def matches(self, contact: Contact, response: httpx.Response, rule_id: str, what: str) -> None:
        mismatches = compare(contact, _json(response), rule=rule_id)
        assert not mismatches, f"{what}: " + "; ".join(map(str, mismatches)) + f"\n  got {_said(response)}"

    def lead_contacts(self, lead_id: str) -> set[str] | None:
        """The ids of `GET /lead/{id}/`'s contacts."""
        body = _json(response := self.me.get(f"/lead/{lead_id}/"))
        if (
            response.status_code != 200
            or not isinstance(body, dict)
            or not isinstance(body.get("contacts"), list)
        ):
            return None
        return {str(c.get("id")) for c in body["contacts"] if isinstance(c, dict)}

    def new_lead(self, name: str) -> str:
        response = self.me.post("/lead/", {"name": name})
        assert response.status_code == 200, f"[lead.create] POST /lead/ {name!r}: got {_said(response)}"
        lead_id = str(response.json()["id"])
        self.model.add_lead(lead_id, name)
        self.made_leads.append(lead_id)
        return lead_id

    # -- leads --------------------------------------------------------------------------
    @initialize(name=TEXT)
    def a_lead(self, name: str) -> None:
        self.new_lead(f"close-conformance contacts {name}")

    @precondition(lambda self: len(self.made_leads) < MAX_LEADS)
    @rule(name=TEXT)
    def another_lead(self, name: str) -> None:
        self.new_lead(f"close-conformance contacts {name}")

    # -- create -------------------------------------------------------------------------
    @rule(target=contacts, data=st.data(), body=FIELDS)
    def create_on_lead(self, data: st.DataObject, body: dict[str, Any]) -> str:
        lead_id = data.draw(st.sampled_from(sorted(self.model.leads)), label="lead_id")
        body = {"lead_id": lead_id, **body}
        expected = self.model.create(body)
        response = self.me.post("/contact/", body)
        self.expect(response, expected, "contact.create-on-lead", f"create on a lead {body}")
        contact = self.model.created(body, contact_id=self.created_id(response), lead_id=lead_id)
        self.matches(contact, response, "contact.create-on-lead", f"create on a lead {body}")
        return contact.id

    @rule(target=contacts, body=FIELDS, null=st.booleans())
    def create_without_lead(self, body: dict[str, Any], null: bool) -> str:
        body = {"lead_id": None, **body} if null else body
        expected = self.model.create(body)
        response = self.me.post("/contact/", body)
        rule_id = "contact.create-without-lead"
        self.expect(response, expected, rule_id, f"create without a lead {body}")
        lead_id = _object(response, rule_id).get("lead_id")
        assert isinstance(lead_id, str), f"[{rule_id}] the new contact has no lead: {_said(response)}"
        assert lead_id.startswith("lead_"), f"[{rule_id}] the new contact has no lead: {_said(response)}"
        assert lead_id not in self.model.leads, (
            f"[{rule_id}] the contact was put on an existing lead {lead_id}, not a new one: {_said(response)}"
        )
        self.made_leads.append(lead_id)
        contact = self.model.created(body, contact_id=self.created_id(response), lead_id=lead_id)
        self.matches(contact, response, rule_id, f"create without a lead {body}")
        lead = self.me.get(f"/lead/{lead_id}/")
        assert lead.status_code == 200, f"[{rule_id}] the new lead cannot be read: {_said(lead)}"
        name = _object(lead, rule_id).get("name")
        assert (name or None) == self.model.leads[lead_id], (
            f"[{rule_id}] the new lead is not named after the contact ({self.model.leads[lead_id]!r}): "
            f"{_said(lead)}"
        )
        return contact.id

    # -- read and update ----------------------------------------------------------------
    @rule(contact_id=contacts)
    def get(self, contact_id: str) -> None:
        expected = self.model.get(contact_id)
        response = self.me.get(f"/contact/{contact_id}/")
        self.expect(response, expected, "contact.update-is-patch", "get a live contact")
        assert expected.contact is not None
        self.matches(expected.contact, response, "contact.update-is-patch", "get a live contact")

    @rule(contact_id=contacts, data=st.data(), body=FIELDS, move=st.booleans())
    def update(self, contact_id: str, data: st.DataObject, body: dict[str, Any], move: bool) -> None:
        if move:
            body = {**body, "lead_id": data.draw(st.sampled_from(sorted(self.model.leads)), label="lead_id")}
        expected = self.model.update(contact_id, body)
        response = self.me.put(f"/contact/{contact_id}/", body)
        rule_id = "contact.update-is-patch"
        self.expect(response, expected, rule_id, f"update {body}")
        assert expected.contact is not None
        self.matches(expected.contact, response, rule_id, f"the answer to update {body}")
        self.matches(expected.contact, self.me.get(f"/contact/{contact_id}/"), rule_id, f"get after {body}")

    # -- delete -------------------------------------------------------------------------
    @rule(target=deleted, contact_id=consumes(contacts))
    def delete(self, contact_id: str) -> str:
        expected = self.model.delete(contact_id)
        response = self.me.delete(f"/contact/{contact_id}/")
        self.expect(response, expected, "contact.delete-empty-object", "delete a contact")
        assert _json(response) == {}, f"[contact.delete-empty-object] the body is not {{}}: {_said(response)}"
        self.assert_gone(contact_id)
        return contact_id

    def assert_gone(self, contact_id: str) -> None:
        path = f"/contact/{contact_id}/"
        statuses = self.model.get(contact_id).statuses
        if not self.eventually(lambda: self.me.get(path).status_code in statuses):
            raise AssertionError(
                f"[contact.gone-after-delete] get after delete: expected {sorted(statuses)}, "
                f"got {_said(self.me.get(path))}"
            )

    @rule(contact_id=deleted)
    def deleted_stays_gone(self, contact_id: str) -> None:
        self.assert_gone(contact_id)
        expected = self.model.delete(contact_id)
        response = self.me.delete(f"/contact/{contact_id}/")
        self.expect(response, expected, "contact.gone-after-delete", "a second delete")

    # -- lists --------------------------------------------------------------------------
    @rule()
    def lists_by_lead(self) -> None:
        """Each lead's list (and its `contacts`) holds exactly the model's contacts of it; the
        leads' checks are independent reads, sent at once."""
        changed = self.changed_leads(self.listed)
        gather((lambda lead_id=lead_id: self.lead_lists(lead_id)) for lead_id in changed)
        self.listed.update((lead_id, self.model.of_lead(lead_id)) for lead_id in changed)

    def changed_leads(self, listed: dict[str, frozenset[str]]) -> list[str]:
        """The leads whose contacts, as the model holds them, differ from what was last listed."""
        return [lead for lead in sorted(self.model.leads) if listed.get(lead) != self.model.of_lead(lead)]

    def lead_lists(self, lead_id: str) -> None:
        want = set(self.model.of_lead(lead_id))

        def listed(lead_id: str = lead_id, want: set[str] = want) -> bool:
            return _ids(self.me.get("/contact/", lead_id=lead_id, _limit=200)) == want

        def on_lead(lead_id: str = lead_id, want: set[str] = want) -> bool:
            return self.lead_contacts(lead_id) == want

        if not self.eventually(listed):
            response = self.me.get("/contact/", lead_id=lead_id, _limit=200)
            got = _ids(response)
            raise AssertionError(
                f"[{self.blame(got, want)}] GET /contact/?lead_id= lists {got}, the model {want}: "
                f"{_said(response)}"
            )
        if not self.eventually(on_lead):
            got = self.lead_contacts(lead_id)
            raise AssertionError(
                f"[{self.blame(got, want)}] GET /lead/{lead_id}/ has contacts {got}, the model {want}"
            )

    def blame(self, got: set[str] | None, want: set[str]) -> str:
        """The rule a wrong list breaks: a deleted contact still listed, or a live one missing."""
        return (
            "contact.gone-after-delete" if (got or set()) & self.model.deleted else "contact.create-on-lead"
        )

    # -- the outsider -------------------------------------------------------------------
    @precondition(lambda self: self.outsider is not None)
    @rule(contact_id=contacts, body=FIELDS)
    def outsider_cannot_touch(self, contact_id: str, body: dict[str, Any]) -> None:
        outsider = self.outsider
        assert outsider is not None
        path = f"/contact/{contact_id}/"
        tries = (
            ("get", self.model.get(contact_id, "outsider"), lambda: outsider.get(path)),
            ("update", self.model.update(contact_id, body, "outsider"), lambda: outsider.put(path, body)),
            ("delete", self.model.delete(contact_id, "outsider"), lambda: outsider.delete(path)),
        )
        for what, expected, send in tries:
            self.expect(send(), expected, "tenant.isolation", f"the outsider's {what} of my contact")
        mine = self.model.get(contact_id)
        assert mine.contact is not None
        self.matches(
            mine.contact, self.me.get(path), "tenant.isolation", "my contact after the outsider's tries"
        )

    @precondition(lambda self: self.outsider is not None)
    @rule()
    def outsider_lists_nothing(self) -> None:
        assert self.outsider is not None
        mine = self.model.known()
        refused = self.model.refusal()
        response = self.outsider.get("/contact/", _limit=200)
        listed = _ids(response)
        assert listed is not None, f"[tenant.isolation] the outsider's contact list: {_said(response)}"
        assert not listed & mine, f"[tenant.isolation] the outsider lists my contacts {listed & mine}"
        outsider = self.outsider
        leads = self.changed_leads(self.outsider_listed)
        answers = gather(
            (lambda lead_id=lead_id: outsider.get("/contact/", lead_id=lead_id)) for lead_id in leads
        )
        for response in answers:
            listed = _ids(response)
            assert (listed is not None and not listed & mine) or response.status_code in refused, (
                f"[tenant.isolation] the outsider listing my lead's contacts: expected 200 without them "
                f"or {sorted(refused)}, got {_said(response)}"
            )
        self.outsider_listed.update((lead_id, self.model.of_lead(lead_id)) for lead_id in leads)

    def teardown(self) -> None:
        """The leads this run made go at once (their contacts with them, or at session end)."""
        gather((lambda lead_id=lead_id: self.me.delete(f"/lead/{lead_id}/")) for lead_id in self.made_leads)


TestContactLifecycle = pytest.mark.rule(
    "contact.create-without-lead",
    "contact.create-on-lead",
    "contact.update-is-patch",
    "contact.delete-empty-object",
    "contact.gone-after-delete",
    "contact.phone-normalised",
    "tenant.isolation",
    "ids.prefixed",
)(ContactMachine.TestCase)


# The machine updates random subsets of fields; this asks the documented case once, directly:
# "Every PUT behaves as a PATCH" (docs, Specifying Fields), so a server that replaces the whole
# contact is caught at any budget.
@pytest.mark.rule("contact.update-is-patch")
@pytest.mark.parametrize("change", [{"title": "Chief Executive"}, {"name": "Renamed Person"}])
def test_put_changes_only_the_fields_sent(api: Callable[[Role], CloseClient], change: dict[str, Any]) -> None:
    client = api("me")
    original = {
        "name": "Patch Person",
        "title": "President",
        "emails": [{"email": "patch.person@example.com", "type": "office"}],
        "urls": [{"url": "https://example.com/patch", "type": "url"}],
    }
    contact = _object(client.post("/contact/", original), "contact.update-is-patch")
    path = f"/contact/{contact['id']}/"
    updated = _object(client.put(path, change), "contact.update-is-patch")
    read = _object(client.get(path), "contact.update-is-patch")
    for shown, where in ((updated, "the PUT's answer"), (read, "a GET after it")):
        for key, value in {**original, **change}.items():
            got = shown.get(key)
            if key in ("emails", "urls"):
                got = [{k: item.get(k) for k in value[0]} for item in got or []]
            assert got == value, (
                f"[contact.update-is-patch] PUT {path} {change}: {where} has {key}={got!r}, not {value!r}"
            )
