"""`/activity/email/` and `/activity/email/{id}/` (facts 2; rules email.*).

The sender rule (changelog 2025-12-17): `sender` is required for inbox, scheduled, outbox and
error; a draft may omit it; a sent email without one gets the address of the email's user, or of
the API key's owner. Only drafts can be modified: a draft may move to scheduled or outbox (with a
sender, from the request or already stored), and a scheduled or outbox email may move back to
draft, which cancels it. A scheduled email needs `date_scheduled`; `send_in` must be below 60.
Nothing is ever sent: scheduled and outbox emails stay where they are.

The per-status parts of the schema (`CreateEmailActivity.allOf`, `send_in`'s maximum) are
enforced here rather than by the schema validator (validation.HANDLER_OWNED), so their faults can
bend them one status at a time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from close_conformance.mock.errors import ValidationFailed, refusal
from close_conformance.mock.filters import Filters
from close_conformance.mock.formats import parse_date_or_date_time
from close_conformance.mock.ids import timestamp
from close_conformance.mock.operations import Call, Operation, Reply
from close_conformance.mock.pagination import page
from close_conformance.mock.readings import Readings
from close_conformance.mock.store import Email
from close_conformance.mock.visibility import unseen

__all__ = ["OPERATIONS", "RECIPIENT_FORM", "handler_owned", "render_email"]

# Where the spec narrows a recipient to an address (register `email-recipient-format`).
RECIPIENT_FORM = "/components/schemas/Recipients/items/allOf"


def handler_owned(readings: Readings) -> list[str]:
    """Spec constraints left out of validation under some readings (mock/validation.py): the
    address form of `to`/`cc`/`bcc` items when `email-recipient-format` reads `accepted` (a
    server may keep a recipient that is no address; Close's schema has strings of up to 1000
    characters, which stay)."""
    return [RECIPIENT_FORM] if readings("email-recipient-format") == "accepted" else []


SENDER_REQUIRED = ("inbox", "scheduled", "outbox", "error")
SENDABLE = ("scheduled", "outbox")
SEND_IN_LIMIT = 60
# The docs' display-name form, `"John Smith" <john@example.com>` (discrepancy `sender-format`).
_NAMED_SENDER = re.compile(r'^".*" <.*>$', re.DOTALL)

# Fields a request may set, as stored on the record (timestamps are normalised first).
_PLAIN_FIELDS = (
    "contact_id",
    "user_id",
    "sender",
    "subject",
    "body_text",
    "body_html",
    "template_id",
    "in_reply_to_id",
    "followup_sequence_id",
    "followup_sequence_delay",
    "followup_sequence_add_cc_bcc",
    "email_account_id",
)
_TIMESTAMP_FIELDS = ("followup_date", "activity_at", "date_scheduled")
_LIST_FIELDS = ("to", "cc", "bcc")
# Attachment keys a request sets; others (thumbnail_url...) are ignored (`nested-request-keys`).
_ATTACHMENT_KEYS = ("filename", "size", "url", "content_type", "content_id", "inline_only")


def _normalised(value: str | None, zone: tzinfo = UTC) -> str | None:
    """A request timestamp in the response's form (microseconds, +00:00), however it was spelled;
    without an offset it is read in the caller's X-TZ-Offset (discrepancy `naive-datetime-input`).
    One past the calendar in UTC (9999-12-31T23:59:59-23:59: valid RFC 3339, so schema-valid)
    is kept as sent, since refusing valid data is what schemathesis' positive checks catch."""
    if value is None:
        return None
    try:
        return timestamp(parse_date_or_date_time(value, zone))
    except OverflowError:
        return value


def _opens(entries: list[dict[str, Any]], zone: tzinfo) -> list[dict[str, Any]]:
    # Close's EmailOpen shape; a request sets only opened_at (the rest is what tracking saw).
    return [
        {
            "opened_at": _normalised(o["opened_at"], zone),
            "opened_by": None,
            "ip_address": None,
            "user_agent": None,
        }
        for o in entries
    ]


def render_email(email: Email) -> dict[str, Any]:
    return {
        "_type": "Email",
        "id": email.id,
        "organization_id": email.organization_id,
        "lead_id": email.lead_id,
        "contact_id": email.contact_id,
        "user_id": email.user_id,
        "created_by": email.created_by,
        "updated_by": email.updated_by,
        "direction": "incoming" if email.status == "inbox" else "outgoing",
        "status": email.status,
        "sender": email.sender,
        "to": list(email.to),
        "cc": list(email.cc),
        "bcc": list(email.bcc),
        "subject": email.subject,
        "body_text": email.body_text,
        "body_html": email.body_html,
        "attachments": [dict(a) for a in email.attachments],
        "date_created": email.date_created,
        "date_updated": email.date_updated,
        "date_scheduled": email.date_scheduled,
        "date_sent": email.date_sent,
        "activity_at": email.activity_at,
        "followup_date": email.followup_date,
        "thread_id": email.thread_id,
        "in_reply_to_id": email.in_reply_to_id,
        "message_ids": [],
        "references": [],
        "has_reply": False,
        "need_smtp_credentials": False,
        "send_as_id": None,
        "template_id": email.template_id,
        "followup_sequence_id": email.followup_sequence_id,
        "followup_sequence_delay": email.followup_sequence_delay,
        "followup_sequence_add_cc_bcc": email.followup_sequence_add_cc_bcc,
        "email_account_id": email.email_account_id,
        "bulk_email_action_id": None,
        "opens": [dict(o) for o in email.opens],
        "opens_summary": None,
        "users": [],
    }


# ---------------------------------------------------------------- rule checks


def _require_sender(status: str) -> ValidationFailed:
    return ValidationFailed({"sender": f"This field is required for {status} emails."})


def _check_sender_form(call: Call, fault: str) -> None:
    sender = call.body.get("sender")
    if call.faults.on(fault) and isinstance(sender, str) and _NAMED_SENDER.match(sender):
        raise ValidationFailed({"sender": "Enter a valid email address."})


def _check_send_in(call: Call) -> None:
    send_in = call.body.get("send_in")
    if send_in is not None and send_in >= SEND_IN_LIMIT and not call.faults.on("send-in-unbounded"):
        status = call.readings.status("email-scheduling-fields")
        raise refusal(status, "send_in", f"Ensure this value is less than {SEND_IN_LIMIT}.")


def _check_date_scheduled(call: Call, date_scheduled: str | None) -> None:
    if date_scheduled is None and not call.faults.on("scheduled-without-date-accepted"):
        status = call.readings.status("email-scheduling-fields")
        raise refusal(status, "date_scheduled", "This field is required for scheduled emails.")


def _check_contact_of_lead(call: Call, contact_id: str | None, lead_id: str) -> None:
    """Discrepancy `email-contact-of-lead`: an email's contact is one of its lead's contacts."""
    reading = call.readings("email-contact-of-lead")
    if contact_id is None or reading == "accepted":
        return
    contact = call.store.find(call.store.contacts, contact_id, call.org_id)
    if contact is not None and contact.lead_id != lead_id:
        raise refusal(int(reading), "contact_id", "This contact is not one of the email's lead.")


def _attachment(call: Call, sent: Mapping[str, Any]) -> dict[str, Any]:
    """One attachment as stored: the keys a request sets. Close's Attachment answer requires
    content_type, filename, size and url, so a key not sent is null (rule email.attachment-fields)."""
    stored = {k: sent[k] for k in _ATTACHMENT_KEYS if k in sent}
    if not call.faults.on("email-attachment-keys-dropped"):
        stored = {"content_type": None, **stored}
    return stored


def _apply(call: Call, email: Email, body: Mapping[str, Any]) -> None:
    zone = call.zone
    stamps = {name: _normalised(body[name], zone) for name in _TIMESTAMP_FIELDS if name in body}
    for name in _PLAIN_FIELDS:
        if name in body:
            setattr(email, name, body[name])
    for name in _LIST_FIELDS:
        if name in body:
            setattr(email, name, list(body[name] or []))  # null: none (Close's [array, null])
    if "attachments" in body:
        email.attachments = [_attachment(call, a) for a in body["attachments"] or []]
    if "opens" in body:
        email.opens = _opens(body["opens"] or [], zone)
    for name, value in stamps.items():
        setattr(email, name, value)


def _schedule(call: Call, email: Email) -> None:
    """The send time of a scheduled or outbox email; the mock never sends it."""
    send_in = call.body.get("send_in")
    if email.status == "scheduled" and call.faults.on("date-scheduled-dropped"):
        email.date_scheduled = None
    elif email.status == "outbox" and send_in:
        # send_in delays an outbox email so it can still be cancelled (docs, create an email).
        try:
            email.date_scheduled = timestamp(datetime.now(UTC) + timedelta(seconds=send_in))
        except OverflowError:  # only reachable with send-in-unbounded, which must not crash
            email.date_scheduled = None


# ---------------------------------------------------------------- operations


def create_email(call: Call) -> Reply:
    body = call.body
    status: str = body["status"]
    _check_sender_form(call, "sender-display-name-rejected")
    sender = body.get("sender")
    if sender is None:
        if status in SENDER_REQUIRED and not call.faults.on(f"sender-optional-for-{status}"):
            raise _require_sender(status)
        if status == "draft" and call.faults.on("sender-required-for-draft"):
            raise _require_sender(status)
    if status == "scheduled":
        _check_date_scheduled(call, body.get("date_scheduled"))
    _check_send_in(call)
    _check_contact_of_lead(call, body.get("contact_id"), body["lead_id"])

    now = timestamp()
    email_id = call.store.ids.object_id("acti")
    user_id = body.get("user_id") or call.user.id
    in_reply_to = call.store.find(call.store.emails, body.get("in_reply_to_id") or "", call.org_id)
    email = Email(
        id=email_id,
        organization_id=call.org_id,
        lead_id=body["lead_id"],
        status=status,
        user_id=user_id,
        created_by=body.get("created_by") or call.user.id,
        updated_by=call.user.id,
        date_created=_normalised(body.get("date_created"), call.zone) or now,
        date_updated=now,
        thread_id=in_reply_to.thread_id if in_reply_to else email_id,
    )
    _apply(call, email, body)
    email.user_id = user_id
    if email.activity_at is None:
        email.activity_at = email.date_created
    if status == "sent" and email.sender is None and not call.faults.on("sent-sender-not-defaulted"):
        # "the email address of the user associated with the email or the owner of the API key"
        owner = call.user if call.faults.on("sent-sender-ignores-email-user") else call.store.users[user_id]
        email.sender = owner.email
    if status in ("sent", "inbox"):
        email.date_sent = email.activity_at
    _schedule(call, email)
    return Reply(200, render_email(call.store.add_email(email)))


def _find(call: Call, *, stale_fault: str | None = None) -> Email:
    email = call.store.find(call.store.emails, call.path["id"], call.org_id)
    if email is None and stale_fault and call.faults.on(stale_fault):
        email = call.store.find_deleted(Email, call.path["id"], call.org_id)
    if email is None and stale_fault:
        # A read (the GET): register `read-after-delete-lag` may serve it a while after its delete.
        lag = call.readings.seconds("read-after-delete-lag")
        email = call.store.lagging(Email, call.path["id"], call.org_id, lag)
    if email is None:
        raise unseen(call, call.store.emails, call.path["id"])
    return email


def _check_editable(call: Call, email: Email) -> None:
    """Only drafts can be modified; a scheduled or outbox email may be cancelled back to draft."""
    if email.status == "draft":
        return
    cancelling = email.status in SENDABLE and call.body.get("status") == "draft"
    if cancelling and not call.faults.on(f"{email.status}-cannot-cancel"):
        return
    if email.status in ("sent", "inbox", "error") and call.faults.on("non-draft-editable"):
        return
    if email.status == "scheduled" and call.faults.on("scheduled-editable"):
        return
    status = call.readings.status("email-non-draft-edit-status")
    raise refusal(status, "status", f"Only drafts can be modified; this email is {email.status}.")


def _check_draft_transition(call: Call, email: Email, target: str) -> None:
    """A draft leaves draft for scheduled or outbox only, and only with a sender."""
    if target in SENDABLE:
        if call.faults.on(f"draft-to-{target}-refused"):
            raise ValidationFailed({"status": f"A draft cannot move to {target}."})
        sender = call.body.get("sender", email.sender)
        if sender is None and not call.faults.on(f"draft-{target}-without-sender"):
            raise _require_sender(target)
        if target == "scheduled":
            _check_date_scheduled(call, call.body.get("date_scheduled", email.date_scheduled))
        return
    reading = call.readings("email-draft-other-transitions")
    if reading == "accepted" or (target == "sent" and call.faults.on("draft-to-sent-allowed")):
        # Accepted as a create with that status would be: the sender rule still holds.
        if target in SENDER_REQUIRED and call.body.get("sender", email.sender) is None:
            raise _require_sender(target)
        return
    raise refusal(int(reading), "status", f"A draft can move to scheduled or outbox, not to {target}.")


def update_email(call: Call) -> Reply:
    email = _find(call)
    _check_editable(call, email)
    target: str = call.body.get("status", email.status)
    if email.status == "draft" and target != "draft":
        _check_draft_transition(call, email, target)
    _check_sender_form(call, "sender-display-name-rejected-on-update")
    _check_send_in(call)
    _check_contact_of_lead(call, call.body.get("contact_id"), email.lead_id)
    cancelled = email.status in SENDABLE and target == "draft"
    _apply(call, email, call.body)
    email.status = target
    if cancelled and "date_scheduled" not in call.body:
        # A cancelled email is a draft again; it is rescheduled only by a new date_scheduled.
        email.date_scheduled = None
    _schedule(call, email)
    email.updated_by = call.user.id
    email.date_updated = timestamp()
    return Reply(200, render_email(email))


def get_email(call: Call) -> Reply:
    return Reply(200, render_email(_find(call, stale_fault="email-still-readable-after-delete")))


def delete_email(call: Call) -> Reply:
    email = _find(call)
    call.store.bury(call.store.emails, email.id)
    if call.faults.on("email-delete-returns-204"):
        return Reply(204)
    return Reply(200, {})


def _matches(call: Call, email: Email, filters: Filters) -> bool:
    """Every filter of Close's spec for this list (rule email.list-filters)."""
    return (
        filters.allows("id__in", email.id)
        and filters.allows("lead_id", email.lead_id)
        and filters.allows("contact_id", email.contact_id)
        and filters.allows("user_id", email.user_id)
        and filters.allows("_type", "Email")
        # Only my organization's emails are listed; another organization id matches none.
        and filters.allows("organization_id", email.organization_id)
        and filters.within("date_created", email.date_created)
        and filters.within(
            "activity_at", email.activity_at, ignored=call.faults.on("email-activity-at-filter-ignored")
        )
    )


def list_emails(call: Call) -> Reply:
    scope = None if call.faults.on("tenant-leak-email-list") else call.org_id
    filters = Filters(
        call.query,
        call.zone,
        first_id_only=call.faults.on("email-id-list-first-only"),
        naive_as_utc=call.faults.on("email-tz-offset-ignored"),
    )
    emails = [e for e in call.store.of_organization(call.store.emails, scope) if _matches(call, e, filters)]
    return Reply(200, page(emails, call.query, call.faults, render_email))


OPERATIONS = (
    Operation("listEmails", list_emails),
    Operation("createEmail", create_email),
    Operation("getEmail", get_email),
    Operation("updateEmail", update_email),
    Operation("deleteEmail", delete_email),
)
