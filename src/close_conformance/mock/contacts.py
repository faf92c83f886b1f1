"""`/contact/` and `/contact/{id}/` (facts 3; rules contact.*).

A contact belongs to one lead. Created without `lead_id`, it gets a new lead named after it
(changelog 2025-02-14, discrepancy `contact-new-lead-name`). PUT behaves as PATCH and a list sent
replaces the whole list (null: an empty one). DELETE answers 200 `{}`; afterwards the contact is
gone for get, list and a second delete.

Nested items are open, as in Close's schema: what GET returned can be PUT back. Only `email`,
`phone`, `url` and `type` are taken from them; `is_unsubscribed` of an address already on the
contact is kept, phone details are derived again (discrepancy `nested-request-keys`). Custom
fields are `custom.cf_<id>` keys (custom_fields.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from close_conformance.mock.custom_fields import custom_values, render_custom
from close_conformance.mock.errors import ValidationFailed, refusal
from close_conformance.mock.formats import parse_date_or_date_time
from close_conformance.mock.ids import timestamp
from close_conformance.mock.operations import Call, Operation, Reply
from close_conformance.mock.pagination import page
from close_conformance.mock.phones import normalise_phone
from close_conformance.mock.store import Contact
from close_conformance.mock.visibility import visible

__all__ = [
    "CREATE_CONTACT_TITLE_MAX_LENGTH",
    "OPERATIONS",
    "checked_contact",
    "new_contact",
    "render_contact",
]

# The spec's bound on a new contact's title (documented: Close's CreateContact); the fault
# `contact-title-max-length-ignored` leaves it out of request validation (app.py).
CREATE_CONTACT_TITLE_MAX_LENGTH = "/components/schemas/CreateContact/properties/title/maxLength"

_LISTS = ("emails", "phones", "urls")
# What a request sets in each nested item; everything else in it is ignored (nested-request-keys).
_SET_BY_REQUEST = {"emails": ("email", "type"), "phones": ("phone", "type"), "urls": ("url", "type")}
# Close's response schemas require a string `type` on every item; one the client did not send
# (or sent null) gets the value Close's own examples show (discrepancy `contact-item-defaults`).
_DEFAULT_TYPE = {"emails": "office", "phones": "office", "urls": "url"}


def _item_type(call: Call, kind: str, entry: Mapping[str, Any]) -> str | None:
    given = entry.get("type")
    if given is None and call.faults.on("contact-item-type-missing"):
        return None  # the fault: no type is made up, so the answer carries null
    return given if given is not None else _DEFAULT_TYPE[kind]


def _refuse_nested_keys(call: Call, body: Mapping[str, Any]) -> None:
    """The fault `contact-nested-keys-refused`: nested items closed, as if Close's schema said so."""
    if not call.faults.on("contact-nested-keys-refused"):
        return
    errors = {
        f"{name}.{index}.{key}": "Unknown field."
        for name, allowed in _SET_BY_REQUEST.items()
        for index, item in enumerate(body.get(name) or [])
        for key in item
        if key not in allowed
    }
    if errors:
        raise ValidationFailed(errors)


def _emails(
    call: Call, entries: list[dict[str, Any]] | None, before: Sequence[Mapping[str, Any]] = ()
) -> list[dict[str, Any]]:
    # Every address comes back with is_unsubscribed (changelog 2024-02-15): read-only, so one
    # already on the contact keeps its value whatever the request says, and a new one is subscribed.
    known = {str(e["email"]).lower(): bool(e.get("is_unsubscribed")) for e in before}
    stored = []
    for e in entries or []:
        item = {"email": e["email"], "type": _item_type(call, "emails", e)}
        if not call.faults.on("contact-email-unsubscribed-missing"):
            item["is_unsubscribed"] = known.get(e["email"].lower(), False)
        stored.append(item)
    return stored


def _phones(call: Call, entries: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    # phone_formatted and country are derived from phone; what the request says of them is ignored.
    # Close's schema accepts a phone item whose number is null or absent, and its answers require
    # a number: such an item is accepted and not kept (discrepancy `contact-item-defaults`).
    return [
        normalise_phone(
            {**e, "type": _item_type(call, "phones", e)},
            normalise=not call.faults.on("phone-not-normalised"),
            formatted=not call.faults.on("phone-formatted-missing"),
        )
        for e in entries or []
        if e.get("phone") is not None
    ]


def _urls(call: Call, entries: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{"url": u["url"], "type": _item_type(call, "urls", u)} for u in entries or []]


def _check_name(call: Call, name: Any) -> None:
    if call.faults.on("server-error-on-non-ascii-name") and isinstance(name, str):
        # The fault: a name is pushed through an ASCII-only path, and the error escapes as a 500.
        name.encode("ascii")


def new_contact(call: Call, lead_id: str | None, payload: Mapping[str, Any]) -> Contact:
    """A stored contact from a create payload (also a contact nested in a new lead)."""
    return call.store.add_contact(checked_contact(call, lead_id, payload))


def checked_contact(call: Call, lead_id: str | None, payload: Mapping[str, Any]) -> Contact:
    """A contact from a create payload, every check passed, not yet stored: a create the mock
    refuses must leave nothing behind (no new lead for it, no contact of a refused lead), or a
    run against a live org could not clean up what a 4xx made."""
    _check_name(call, payload.get("name"))
    _refuse_nested_keys(call, payload)
    custom = custom_values(call, payload)
    now = timestamp()
    created = payload.get("date_created")
    prefix = "lead" if call.faults.on("contact-ids-with-lead-prefix") else "cont"
    return Contact(
        id=call.store.ids.object_id(prefix),
        organization_id=call.org_id,
        lead_id=lead_id,
        name=payload.get("name"),
        title=payload.get("title"),
        emails=_emails(call, payload.get("emails") or []),
        phones=_phones(call, payload.get("phones") or []),
        urls=_urls(call, payload.get("urls") or []),
        created_by=payload.get("created_by") or call.user.id,
        updated_by=call.user.id,
        date_created=_recorded(created, call) if created else now,
        date_updated=now,
        timezone=payload.get("timezone"),
        custom=custom,
    )


def _recorded(value: str, call: Call) -> str:
    """An imported creation time, in the response's form; naive is read in X-TZ-Offset."""
    try:
        return timestamp(parse_date_or_date_time(value, call.zone))
    except OverflowError:  # past the calendar in UTC: schema-valid, kept as sent
        return value


def display_name(contact: Contact) -> str:
    if contact.name:
        return contact.name
    return str(contact.emails[0]["email"]) if contact.emails else ""


def render_contact(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "lead_id": contact.lead_id,
        "organization_id": contact.organization_id,
        "name": contact.name,
        "display_name": display_name(contact),
        "title": contact.title,
        "emails": [dict(e) for e in contact.emails],
        "phones": [dict(p) for p in contact.phones],
        "urls": [dict(u) for u in contact.urls],
        "timezone": contact.timezone,
        "date_created": contact.date_created,
        "date_updated": contact.date_updated,
        "created_by": contact.created_by,
        "updated_by": contact.updated_by,
        **render_custom(contact.custom),
    }


def _lead_for_new_contact(call: Call) -> str | None:
    """The lead a contact created without `lead_id` goes to: a new one named after the contact."""
    if call.faults.on("no-lead-for-orphan-contact"):
        return None
    # Discrepancy `contact-new-lead-name` has one reading in both modes, the contact's name;
    # Readings refuses any other at start-up.
    name = call.body.get("title") if call.faults.on("lead-named-wrong") else call.body.get("name")
    return call.store.add_lead(call.org_id, call.user.id, name=name).id


def create_contact(call: Call) -> Reply:
    # An unknown lead_id was refused with 400 before this point (references.py).
    contact = checked_contact(call, call.body.get("lead_id"), call.body)
    if contact.lead_id is None or call.faults.on("contact-lead-id-ignored"):
        contact.lead_id = _lead_for_new_contact(call)  # only once the contact is known good
    return Reply(200, render_contact(call.store.add_contact(contact)))


def _visible(call: Call, contact_id: str, *, leak_fault: str | None = None) -> Contact:
    leak = leak_fault is not None and call.faults.on(leak_fault)
    return visible(call, call.store.contacts, contact_id, leak=leak)


def get_contact(call: Call) -> Reply:
    contact_id = call.path["id"]
    if call.faults.on("contact-still-readable-after-delete"):
        stale = call.store.find_deleted(Contact, contact_id, call.org_id)
        if stale is not None:
            return Reply(200, render_contact(stale))
    # Register `read-after-delete-lag`: a poll reading serves a deleted contact a while longer.
    lag = call.readings.seconds("read-after-delete-lag")
    lagging = call.store.lagging(Contact, contact_id, call.org_id, lag)
    if lagging is not None:
        return Reply(200, render_contact(lagging))
    body = render_contact(_visible(call, contact_id, leak_fault="tenant-leak-contact-get"))
    if call.faults.on("contact-get-display-name-missing"):
        del body["display_name"]  # the fault: a field the response schema requires is left out
    return Reply(200, body)


def update_contact(call: Call) -> Reply:
    contact = _visible(call, call.path["id"], leak_fault="tenant-leak-contact-update")
    sent = call.body
    _refuse_nested_keys(call, sent)
    custom = custom_values(call, sent)
    if call.faults.on("put-replaces-contact"):
        # The fault: PUT as a full replacement, clearing what was not sent.
        contact.name = contact.title = None
        contact.emails, contact.phones, contact.urls = [], [], []
    if "name" in sent:
        _check_name(call, sent["name"])
        contact.name = sent["name"]
    if "title" in sent:
        contact.title = sent["title"]
    if "lead_id" in sent:
        if sent["lead_id"] is None:
            # A contact belongs to exactly one lead (discrepancy contact-update-null-lead).
            reading = call.readings("contact-update-null-lead")
            if reading != "accepted":
                raise refusal(int(reading), "lead_id", "A contact belongs to exactly one lead.")
        else:
            contact.lead_id = sent["lead_id"]
    if "emails" in sent:
        contact.emails = _emails(call, sent["emails"], contact.emails)
    if "phones" in sent:
        contact.phones = _phones(call, sent["phones"])
    if "urls" in sent:
        contact.urls = _urls(call, sent["urls"])
    if "timezone" in sent:
        contact.timezone = sent["timezone"]
    contact.custom.update(custom)
    contact.updated_by = call.user.id
    contact.date_updated = timestamp()
    body = render_contact(contact)
    if call.faults.on("put-answers-only-changes"):
        body = {key: value for key, value in body.items() if key == "id" or key in sent}
    return Reply(200, body)


def delete_contact(call: Call) -> Reply:
    contact_id = call.path["id"]
    if call.faults.on("contact-second-delete-succeeds") and call.store.find_deleted(
        Contact, contact_id, call.org_id
    ):
        return Reply(200, {})
    contact = _visible(call, contact_id)
    call.store.bury(call.store.contacts, contact.id)
    if call.faults.on("contact-delete-returns-204"):
        return Reply(204)
    if call.faults.on("contact-delete-returns-contact"):
        return Reply(200, render_contact(contact))
    return Reply(200, {})


def list_contacts(call: Call) -> Reply:
    store = call.store
    contacts = store.of_organization(store.contacts, call.org_id)
    if call.faults.on("contact-listed-after-delete"):
        contacts += store.deleted_of_organization(Contact, call.org_id, by_cascade=False)
    if call.faults.on("lead-delete-contacts-still-listed"):
        contacts += store.deleted_of_organization(Contact, call.org_id, by_cascade=True)
    # Close's spec lists one filter here, lead_id (a string, no id list described).
    lead_id = call.query.get("lead_id")
    if lead_id is not None and not call.faults.on("contact-lead-filter-ignored"):
        contacts = [c for c in contacts if c.lead_id == lead_id]
    contacts.sort(key=lambda c: c.date_created)
    return Reply(200, page(contacts, call.query, call.faults, render_contact))


OPERATIONS = (
    Operation("listContacts", list_contacts),
    Operation("createContact", create_contact),
    Operation("getContact", get_contact),
    Operation("updateContact", update_contact),
    Operation("deleteContact", delete_contact),
)
