"""`/lead/` and `/lead/{id}/`: the minimal lead the other resources hang on (facts 4.1; rules lead.*).

Create and update take `status` (a label) or `status_id`, never both; a create with neither gets
the organization's first status. The list pages like every list and adds `total_results`
(discrepancy `lead-list-total-results`). PUT is a patch: only the fields sent change, and nested
`contacts` are not updated through it (discrepancy `lead-update-contacts`). Delete answers 200
`{}`; what happens to the lead's contacts and emails is not documented, so it follows discrepancy
`lead-delete-cascade`.

A lead answers every key of Close's Lead schema's required list: `contact_ids` (its contacts' ids,
rule lead.contact-ids), `html_url`, `description`/`url` (null when unset), and each address with
all of Close's LeadAddress keys (null when not sent).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from close_conformance.mock.contacts import checked_contact, new_contact, render_contact
from close_conformance.mock.errors import ValidationFailed, not_found, refusal
from close_conformance.mock.faults import FaultSet
from close_conformance.mock.ids import timestamp
from close_conformance.mock.operations import Call, Operation, Reply
from close_conformance.mock.pagination import page
from close_conformance.mock.store import Contact, LeadRecord, Store
from close_conformance.mock.visibility import unseen, visible

__all__ = ["OPERATIONS", "render_lead"]

# Close's LeadAddress requires every one of these keys (null allowed); a lead stores what was sent.
ADDRESS_KEYS = ("address_1", "address_2", "city", "state", "zipcode", "country", "label")


def _render_address(address: dict[str, Any]) -> dict[str, Any]:
    return {**{key: None for key in ADDRESS_KEYS}, **address}


def _contact_ids(lead: LeadRecord, contacts: list[Contact], store: Store, faults: FaultSet) -> list[str]:
    ids = [c.id for c in contacts]
    if faults.on("lead-contact-ids-stale"):
        # The fault: contact_ids as a list that deleting a contact does not update.
        gone = (t.record for t in store.deleted.values() if isinstance(t.record, Contact))
        ids += [c.id for c in gone if c.lead_id == lead.id]
    return ids


def render_lead(lead: LeadRecord, store: Store, faults: FaultSet) -> dict[str, Any]:
    """The lead as Close answers it (Close's Lead schema; facts 4.1)."""
    contacts = store.contacts_of_lead(lead.id)
    organization = store.organizations[lead.organization_id]
    status = next(
        (s for s in organization.lead_statuses if s.id == lead.status_id), organization.lead_statuses[0]
    )
    return {
        "id": lead.id,
        "name": lead.name,
        "display_name": lead.name or "",
        "description": lead.description,
        "url": lead.url,
        "html_url": f"https://app.close.com/lead/{lead.id}/",
        "organization_id": lead.organization_id,
        "status_id": status.id,
        "status_label": status.label,
        "contact_ids": _contact_ids(lead, contacts, store, faults),
        "contacts": [render_contact(c) for c in contacts],
        "addresses": [_render_address(a) for a in lead.addresses],
        "date_created": lead.date_created,
        "date_updated": lead.date_updated,
        "created_by": lead.created_by,
        "updated_by": lead.updated_by,
    }


def _status_id(call: Call, both_fault: str) -> str | None:
    """The status a create or update body names, by id or by label; None when it names none."""
    body = call.body
    # validation.HANDLER_OWNED leaves the schema's `not: {required: [status, status_id]}` to this check.
    if "status" in body and "status_id" in body and not call.faults.on(both_fault):
        message = "Send either status or status_id, not both."
        raise ValidationFailed({"status": message, "status_id": message})
    status_id: str | None = body.get("status_id")
    if status_id is None and "status" in body:
        # The label was checked against the organization's statuses by references.py.
        status = call.store.status_by_label(call.organization, body["status"])
        status_id = status.id if status else None
    return status_id


def create_lead(call: Call) -> Reply:
    body = call.body
    status_id = _status_id(call, "lead-status-both-accepted")
    # Every nested contact is checked before the lead is stored: a refused create leaves nothing.
    dropped = call.faults.on("lead-contacts-dropped")
    contacts = [] if dropped else [checked_contact(call, None, p) for p in body.get("contacts") or []]
    lead = call.store.add_lead(
        call.org_id,
        call.user.id,
        name=body.get("name"),
        description=None if call.faults.on("lead-description-dropped") else body.get("description"),
        url=body.get("url"),
        status_id=status_id,
        addresses=[dict(a) for a in body.get("addresses") or []],
    )
    for contact in contacts:
        contact.lead_id = lead.id
        call.store.add_contact(contact)
    return Reply(200, render_lead(lead, call.store, call.faults))


def get_lead(call: Call) -> Reply:
    lead = call.store.find(call.store.leads, call.path["id"], call.org_id)
    if lead is None and call.faults.on("lead-still-readable-after-delete"):
        lead = call.store.find_deleted(LeadRecord, call.path["id"], call.org_id)
    if lead is None:  # register `read-after-delete-lag`: a poll reading serves it a while longer
        lead = call.store.lagging(LeadRecord, call.path["id"], call.org_id, _lag(call))
    if lead is None:
        raise unseen(call, call.store.leads, call.path["id"])
    if call.faults.on("lead-unreadable-right-after-create") and _just_created(lead):
        raise not_found()
    return Reply(200, render_lead(lead, call.store, call.faults))


_READ_DELAY = timedelta(seconds=2)
"""How long the fault `lead-unreadable-right-after-create` hides a new lead from reads by id."""


def _just_created(lead: LeadRecord) -> bool:
    return datetime.now(UTC) - datetime.fromisoformat(lead.date_created) < _READ_DELAY


def _lag(call: Call) -> float:
    return call.readings.seconds("read-after-delete-lag")


def list_leads(call: Call) -> Reply:
    store = call.store
    scope = None if call.faults.on("tenant-leak-lead-list") else call.org_id
    leads = store.of_organization(store.leads, scope)  # creation order
    if call.faults.on("lead-list-skips-unnamed"):
        leads = [lead for lead in leads if lead.name]
    body = page(leads, call.query, call.faults, lambda lead: render_lead(lead, store, call.faults))
    if call.readings("lead-list-total-results") == "present":
        total = len(body["data"]) if call.faults.on("lead-list-total-is-page-size") else len(leads)
        body["total_results"] = total
    return Reply(200, body)


_PATCHABLE = ("name", "description", "url")


def update_lead(call: Call) -> Reply:
    store = call.store
    scope = None if call.faults.on("tenant-leak-lead-update") else call.org_id
    lead = store.find(store.leads, call.path["id"], scope)
    if lead is None and call.faults.on("lead-put-revives-deleted"):
        lead = store.find_deleted(LeadRecord, call.path["id"], call.org_id)
    if lead is None:
        raise unseen(call, store.leads, call.path["id"])
    sent = call.body
    status_id = _status_id(call, "lead-update-status-both-accepted")
    contacts_reading = call.readings("lead-update-contacts")
    if "contacts" in sent and contacts_reading != "ignored":
        raise refusal(contacts_reading, "contacts", "Contacts cannot be updated here; use the Contacts API.")
    if call.faults.on("lead-put-replaces"):
        # The fault: PUT as a full replacement, clearing what was not sent.
        lead.name = lead.description = lead.url = None
        lead.addresses = []
    for field in _PATCHABLE:
        if field in sent:
            setattr(lead, field, sent[field])
    if "addresses" in sent:
        lead.addresses = [dict(a) for a in sent["addresses"]]
    if status_id is not None and not call.faults.on("lead-put-status-ignored"):
        lead.status_id = status_id
    if call.faults.on("lead-put-replaces-contacts") and isinstance(sent.get("contacts"), list):
        for contact in store.contacts_of_lead(lead.id):
            store.bury(store.contacts, contact.id)
        for payload in sent["contacts"]:
            if isinstance(payload, dict):
                new_contact(call, lead.id, payload)
    lead.updated_by = call.user.id
    lead.date_updated = timestamp()
    return Reply(200, render_lead(lead, store, call.faults))


def delete_lead(call: Call) -> Reply:
    store = call.store
    lead = visible(call, store.leads, call.path["id"], leak=call.faults.on("tenant-leak-lead-delete"))
    store.bury(store.leads, lead.id)
    cascade = call.readings("lead-delete-cascade") == "removed" and not call.faults.on(
        "lead-delete-keeps-contacts"
    )
    if cascade:
        for contact in store.contacts_of_lead(lead.id):
            store.bury(store.contacts, contact.id, by_cascade=True)
        for email in [e for e in store.emails.values() if e.lead_id == lead.id]:
            store.bury(store.emails, email.id, by_cascade=True)
    if call.faults.on("lead-delete-returns-204"):
        return Reply(204)
    return Reply(200, {})


OPERATIONS = (
    Operation("listLeads", list_leads),
    Operation("createLead", create_lead),
    Operation("getLead", get_lead),
    Operation("updateLead", update_lead),
    Operation("deleteLead", delete_lead),
)
