"""The contact lifecycle as a pure model: what a server must answer, and what it must then hold.

Written from specs/rules.yaml (the `contact.*` rules and `tenant.isolation`), the facts sheet
(sections 3, 4.1 and 5.5), the 2025-02-14 changelog and seed 003, never from the mock. Where the
sources are silent the discrepancy register decides, read through `close_conformance.contract` in
the run's mode (lenient by default, exact under `strict`).

What the sources say, and how it is modelled:

- Create (`POST /contact/`, answers 200): with `lead_id` the contact belongs to that lead; without
  it (left out or null) a new lead is created, named after the contact (register
  `contact-new-lead-name`: a contact without a name gets a lead without one).
- Update (`PUT /contact/{id}/`, answers 200 with the whole contact): PUT behaves as PATCH, so only
  the fields sent change; a list sent (`emails`, `phones`, `urls`) replaces the whole list;
  `lead_id` moves the contact to another lead. Unknown keys are refused with 400 (the schema has
  `additionalProperties: false`).
- Delete (`DELETE /contact/{id}/`) answers 200 with `{}` (seed 003); afterwards get and a second
  delete answer 404, and lists leave the contact out.
- `GET /contact/?lead_id=` lists exactly the lead's contacts; so does the lead's `contacts`.
- A US national number ("9045551234") comes back in E.164 ("+19045551234") with
  `phone_formatted` "+1 904-555-1234" (facts 3.2); an E.164 number stays as it is.
- Another organization's user sees none of it: get, update and delete are refused with the
  register's `uninvolved-status` (404; 403 too by default) and change nothing.

Inferred here, and said so: the order of a list's items is not documented, so lists are compared
as multisets; an absent, null or empty `name`/`title` all mean "none"; a contact that was never
created answers 404 like a deleted one.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal, TypeAlias

from close_conformance.contract import Contract, default_contract

__all__ = [
    "CREATE_FIELDS",
    "LIST_FIELDS",
    "SUCCESS",
    "UPDATE_FIELDS",
    "Contact",
    "ContactModel",
    "Email",
    "Expected",
    "Mismatch",
    "NormalisedPhone",
    "Outcome",
    "Phone",
    "Url",
    "Viewer",
    "compare",
    "normalise_phone",
]

Viewer: TypeAlias = Literal["member", "outsider"]
"""A user of the contact's organization, or of another one."""

SUCCESS: Final = 200
"""Create, get, update and delete answer 200 (close.yaml: "200, not 201")."""
NOT_FOUND: Final = 404
BAD_REQUEST: Final = 400
LIST_FIELDS: Final = ("emails", "phones", "urls")
"""Fields whose value is a list; sending one replaces the whole list."""
CREATE_FIELDS: Final = frozenset({"lead_id", "name", "title", *LIST_FIELDS})
"""The keys of `CreateContact` this model knows (custom fields are organization-specific)."""
UPDATE_FIELDS: Final = CREATE_FIELDS
"""The keys of `UpdateContact`: the same, `lead_id` moving the contact."""


# --------------------------------------------------------------------------- values
@dataclass(frozen=True, slots=True)
class NormalisedPhone:
    """A US number as Close answers it (facts 3.2)."""

    e164: str
    formatted: str
    national: str
    """The ten digits: what identifies the number however it is written."""


_US_E164 = re.compile(r"^\+1([2-9]\d{2})([2-9]\d{2})(\d{4})$")
_US_NATIONAL = re.compile(r"^\(?([2-9]\d{2})\)?[-. ]?([2-9]\d{2})[-. ]?(\d{4})$")


def normalise_phone(raw: str | None) -> NormalisedPhone | None:
    """The E.164 form and `phone_formatted` of a US number (national or E.164); None otherwise."""
    if raw is None:
        return None
    match = _US_E164.match(raw) or _US_NATIONAL.match(raw)
    if match is None:
        return None
    area, exchange, line = match.groups()
    return NormalisedPhone(
        f"+1{area}{exchange}{line}", f"+1 {area}-{exchange}-{line}", area + exchange + line
    )


@dataclass(frozen=True, slots=True)
class Email:
    email: str
    type: str | None = None

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Email:
        return cls(str(item.get("email")), _text(item.get("type")))

    @property
    def key(self) -> tuple[str, str | None]:
        return self.email, self.type


@dataclass(frozen=True, slots=True)
class Phone:
    phone: str | None
    """As sent."""
    type: str | None = None

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Phone:
        phone = item.get("phone")
        return cls(phone if isinstance(phone, str) else None, _text(item.get("type")))

    @property
    def normalised(self) -> NormalisedPhone | None:
        return normalise_phone(self.phone)

    @property
    def key(self) -> tuple[str | None, str | None]:
        """The number however written (national digits when known), and its type."""
        normalised = self.normalised
        return (normalised.national if normalised else self.phone), self.type


@dataclass(frozen=True, slots=True)
class Url:
    url: str
    type: str | None = None

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> Url:
        return cls(str(item.get("url")), _text(item.get("type")))

    @property
    def key(self) -> tuple[str, str | None]:
        return self.url, self.type


def _text(value: Any) -> str | None:
    """A name, title or type: absent, null and empty all mean none."""
    return value if isinstance(value, str) and value != "" else None


def _items(body: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    value = body.get(name)
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


@dataclass(frozen=True, slots=True)
class Contact:
    """What the server must hold for one contact."""

    id: str
    lead_id: str
    name: str | None = None
    title: str | None = None
    emails: tuple[Email, ...] = ()
    phones: tuple[Phone, ...] = ()
    urls: tuple[Url, ...] = ()

    def patched(self, body: Mapping[str, Any]) -> Contact:
        """This contact after an update that sends `body`: only the fields sent change."""
        changes: dict[str, Any] = {}
        if "lead_id" in body and isinstance(body["lead_id"], str):
            changes["lead_id"] = body["lead_id"]
        for name in ("name", "title"):
            if name in body:
                changes[name] = _text(body[name])
        if "emails" in body:
            changes["emails"] = tuple(Email.from_json(i) for i in _items(body, "emails"))
        if "phones" in body:
            changes["phones"] = tuple(Phone.from_json(i) for i in _items(body, "phones"))
        if "urls" in body:
            changes["urls"] = tuple(Url.from_json(i) for i in _items(body, "urls"))
        return replace(self, **changes)


# --------------------------------------------------------------------------- answers
class Outcome(enum.Enum):
    OK = "ok"
    """200 with the contact (or `{}` for a delete)."""
    NOT_FOUND = "not-found"
    """404: the contact does not exist (any more)."""
    INVISIBLE = "invisible"
    """Another organization's contact: refused with the register's `uninvolved-status`."""
    INVALID = "invalid"
    """400: the body breaks the schema (an unknown key)."""


@dataclass(frozen=True, slots=True)
class Expected:
    """What one request must get."""

    outcome: Outcome
    statuses: frozenset[int]
    """The statuses admitted (one, except where the register admits several)."""
    contact: Contact | None = None
    """On OK: the contact the answer (and every later read) must show; None for a delete."""

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    def admits(self, status: int) -> bool:
        return status in self.statuses


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One field of an answer that differs from the model."""

    rule: str
    field: str
    expected: object
    got: object

    def __str__(self) -> str:
        return f"[{self.rule}] {self.field}: expected {self.expected!r}, got {self.got!r}"


def compare(expected: Contact, actual: Any, *, rule: str) -> list[Mismatch]:
    """Where a contact as answered differs from the model.

    `rule` names the rule a differing field breaks (the create or update being checked); how a
    phone number is written is `contact.phone-normalised` whatever the request was.
    """
    if not isinstance(actual, Mapping):
        return [Mismatch(rule, "body", "a contact object", actual)]
    found: list[Mismatch] = []
    for name, want in (("id", expected.id), ("lead_id", expected.lead_id)):
        if actual.get(name) != want:
            found.append(Mismatch(rule, name, want, actual.get(name)))
    for name, text in (("name", expected.name), ("title", expected.title)):
        if _text(actual.get(name)) != text:
            found.append(Mismatch(rule, name, text, actual.get(name)))
    emails = [Email.from_json(i) for i in _items(actual, "emails")]
    phones = [Phone.from_json(i) for i in _items(actual, "phones")]
    urls = [Url.from_json(i) for i in _items(actual, "urls")]
    for name, want_keys, got_keys in (
        ("emails", [e.key for e in expected.emails], [e.key for e in emails]),
        ("phones", [p.key for p in expected.phones], [p.key for p in phones]),
        ("urls", [u.key for u in expected.urls], [u.key for u in urls]),
    ):
        if name not in actual or Counter(want_keys) != Counter(got_keys):
            found.append(Mismatch(rule, name, sorted(want_keys, key=repr), actual.get(name, "<missing>")))
    if not any(m.field == "phones" for m in found):
        found.extend(_phone_format(expected.phones, _items(actual, "phones")))
    return found


def _phone_format(sent: Iterable[Phone], answered: list[Mapping[str, Any]]) -> list[Mismatch]:
    """Each US number sent must come back in E.164 with `phone_formatted` (facts 3.2)."""
    by_key: dict[tuple[str | None, str | None], list[Mapping[str, Any]]] = {}
    for item in answered:
        by_key.setdefault(Phone.from_json(item).key, []).append(item)
    found: list[Mismatch] = []
    for phone in sent:
        normalised = phone.normalised
        candidates = by_key.get(phone.key) or []
        if normalised is None or not candidates:
            continue
        item = candidates.pop(0)
        got = (item.get("phone"), item.get("phone_formatted"))
        if got != (normalised.e164, normalised.formatted):
            found.append(
                Mismatch(
                    "contact.phone-normalised",
                    f"phones[{phone.phone!r}]",
                    (normalised.e164, normalised.formatted),
                    got,
                )
            )
    return found


# --------------------------------------------------------------------------- the model
@dataclass
class ContactModel:
    """The contacts of one organization, as one scenario created them."""

    strict: bool = False
    contract: Contract = field(default_factory=default_contract, repr=False)
    contacts: dict[str, Contact] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    leads: dict[str, str | None] = field(default_factory=dict)
    """Lead id -> its name (None: unnamed), for the leads the scenario knows."""

    # -- the register -------------------------------------------------------------------
    def refusal(self) -> frozenset[int]:
        """How another organization's user is refused (register `uninvolved-status`)."""
        readings = self.contract.discrepancy("uninvolved-status").accepted(strict=self.strict)
        return frozenset(r for r in readings if isinstance(r, int))

    def _expect(self, outcome: Outcome, contact: Contact | None = None) -> Expected:
        statuses = {
            Outcome.OK: frozenset({SUCCESS}),
            Outcome.NOT_FOUND: frozenset({NOT_FOUND}),
            Outcome.INVALID: frozenset({BAD_REQUEST}),
        }.get(outcome) or self.refusal()
        return Expected(outcome, statuses, contact)

    # -- leads --------------------------------------------------------------------------
    def add_lead(self, lead_id: str, name: str | None) -> None:
        self.leads[lead_id] = _text(name)

    def new_lead_name(self, body: Mapping[str, Any]) -> str | None:
        """The name of the lead made for a contact created without `lead_id` (changelog
        2025-02-14; register `contact-new-lead-name`: the contact's name, or none)."""
        readings = self.contract.discrepancy("contact-new-lead-name").accepted(strict=self.strict)
        assert "contact-name" in readings, f"the register reads contact-new-lead-name as {readings}"
        return _text(body.get("name"))

    # -- requests -----------------------------------------------------------------------
    def create(self, body: Mapping[str, Any]) -> Expected:
        """What `POST /contact/` must answer; the contact (id and new lead unknown yet) on OK."""
        if not isinstance(body, Mapping) or set(body) - CREATE_FIELDS:
            return self._expect(Outcome.INVALID)
        lead = body.get("lead_id")
        draft = Contact(id="", lead_id=lead if isinstance(lead, str) else "").patched(
            {k: v for k, v in body.items() if k != "lead_id"}
        )
        return self._expect(Outcome.OK, draft)

    def created(self, body: Mapping[str, Any], *, contact_id: str, lead_id: str) -> Contact:
        """Record a create the server answered with this id (and lead, new when none was sent)."""
        expected = self.create(body).contact
        assert expected is not None, f"the model refuses {body}"
        contact = replace(expected, id=contact_id, lead_id=expected.lead_id or lead_id)
        if not expected.lead_id:
            self.add_lead(lead_id, self.new_lead_name(body))
        self.contacts[contact_id] = contact
        return contact

    def get(self, contact_id: str, viewer: Viewer = "member") -> Expected:
        if viewer == "outsider":
            return self._expect(Outcome.INVISIBLE)
        if contact_id not in self.contacts:
            return self._expect(Outcome.NOT_FOUND)
        return self._expect(Outcome.OK, self.contacts[contact_id])

    def update(self, contact_id: str, body: Mapping[str, Any], viewer: Viewer = "member") -> Expected:
        """What `PUT /contact/{id}/` must answer; applied to the model when it succeeds."""
        expected = self.get(contact_id, viewer)
        if not expected.ok:
            return expected
        if not isinstance(body, Mapping) or set(body) - UPDATE_FIELDS:
            return self._expect(Outcome.INVALID)
        assert expected.contact is not None
        contact = expected.contact.patched(body)
        self.contacts[contact_id] = contact
        return self._expect(Outcome.OK, contact)

    def delete(self, contact_id: str, viewer: Viewer = "member") -> Expected:
        """What `DELETE /contact/{id}/` must answer (200 `{}` once, 404 after)."""
        expected = self.get(contact_id, viewer)
        if not expected.ok:
            return expected
        del self.contacts[contact_id]
        self.deleted.add(contact_id)
        return self._expect(Outcome.OK)

    # -- lists --------------------------------------------------------------------------
    def of_lead(self, lead_id: str) -> frozenset[str]:
        """The ids `GET /contact/?lead_id=` (and the lead's `contacts`) must hold."""
        return frozenset(c.id for c in self.contacts.values() if c.lead_id == lead_id)

    def visible(self, viewer: Viewer = "member") -> frozenset[str]:
        """The contacts of this model an identity may see in any list."""
        return frozenset(self.contacts) if viewer == "member" else frozenset()

    def known(self) -> frozenset[str]:
        """Every contact the scenario created, deleted or not."""
        return frozenset(self.contacts) | frozenset(self.deleted)
