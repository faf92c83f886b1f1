"""`/lead/` and `/lead/{id}/`: the minimal lead the other resources hang on (facts 4.1; rules lead.*).

Create takes `status` (a label) or `status_id`, never both; with neither the organization's first
status is used. Delete answers 200 `{}`; what happens to the lead's contacts and emails is not
documented, so it follows discrepancy `lead-delete-cascade`.
"""

from __future__ import annotations

from typing import Any

from close_conformance.mock.contacts import new_contact, render_contact
from close_conformance.mock.errors import ValidationFailed, not_found
from close_conformance.mock.operations import Call, Operation, Reply
from close_conformance.mock.store import LeadRecord, Store

__all__ = ["OPERATIONS", "render_lead"]


def render_lead(lead: LeadRecord, store: Store) -> dict[str, Any]:
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
        "contacts": [render_contact(c) for c in store.contacts_of_lead(lead.id)],
        "addresses": [dict(a) for a in lead.addresses],
        "date_created": lead.date_created,
        "date_updated": lead.date_updated,
        "created_by": lead.created_by,
        "updated_by": lead.updated_by,
    }


def create_lead(call: Call) -> Reply:
    body = call.body
    # validation.HANDLER_OWNED leaves the schema's `not: {required: [status, status_id]}` to this check.
    if "status" in body and "status_id" in body and not call.faults.on("lead-status-both-accepted"):
        message = "Send either status or status_id, not both."
        raise ValidationFailed({"status": message, "status_id": message})
    status_id = body.get("status_id")
    if status_id is None and "status" in body:
        # The label was checked against the organization's statuses by references.py.
        status = call.store.status_by_label(call.organization, body["status"])
        status_id = status.id if status else None
    lead = call.store.add_lead(
        call.org_id,
        call.user.id,
        name=body.get("name"),
        description=None if call.faults.on("lead-description-dropped") else body.get("description"),
        url=body.get("url"),
        status_id=status_id,
        addresses=[dict(a) for a in body.get("addresses") or []],
    )
    if not call.faults.on("lead-contacts-dropped"):
        for payload in body.get("contacts") or []:
            new_contact(call, lead.id, payload)
    return Reply(200, render_lead(lead, call.store))


def get_lead(call: Call) -> Reply:
    lead = call.store.find(call.store.leads, call.path["id"], call.org_id)
    if lead is None and call.faults.on("lead-still-readable-after-delete"):
        lead = call.store.find_deleted(LeadRecord, call.path["id"], call.org_id)
    if lead is None:
        raise not_found()
    return Reply(200, render_lead(lead, call.store))


def delete_lead(call: Call) -> Reply:
    store = call.store
    scope = None if call.faults.on("tenant-leak-lead-delete") else call.org_id
    lead = store.find(store.leads, call.path["id"], scope)
    if lead is None:
        raise not_found()
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
    Operation("createLead", create_lead),
    Operation("getLead", get_lead),
    Operation("deleteLead", delete_lead),
)
