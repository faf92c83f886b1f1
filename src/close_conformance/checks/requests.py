"""Rule checks that read the request beside the answer: email sender, lead status, orphan contacts."""

from __future__ import annotations

from close_conformance.checks.base import Exchange, RuleViolation, Viewpoint, rule_check

# --------------------------------------------------------------------------- email sender
_SENDER_REQUIRED = frozenset({"inbox", "scheduled", "outbox", "error"})


@rule_check(
    "email_sender_conformance",
    "email.sender.required-by-status",
    "email.sender.sent-default",
)
def email_sender_conformance(exchange: Exchange, me: Viewpoint) -> None:
    body = exchange.request_body
    if exchange.operation_id != "createEmail" or not isinstance(body, dict):
        return
    status, sender = body.get("status"), body.get("sender")
    success = 200 <= exchange.status < 300
    if success and isinstance(status, str) and status in _SENDER_REQUIRED and sender is None:
        raise RuleViolation(
            "email.sender.required-by-status", f"an email with status {status!r} was created without a sender"
        )
    if success and status == "sent" and sender is None and isinstance(exchange.body, dict):
        owner = body.get("user_id")
        expected = me.emails.get(owner) if isinstance(owner, str) else me.email
        if expected is not None and exchange.body.get("sender") != expected:
            raise RuleViolation(
                "email.sender.sent-default",
                f"sent without sender got {exchange.body.get('sender')!r}, not {expected!r}",
            )


@rule_check("lead_status_conformance", "lead.status-exclusive")
def lead_status_conformance(exchange: Exchange, _: Viewpoint) -> None:
    body = exchange.request_body
    if (
        exchange.operation_id in ("createLead", "updateLead")
        and isinstance(body, dict)
        and 200 <= exchange.status < 300
        and body.get("status") is not None
        and body.get("status_id") is not None
    ):
        raise RuleViolation(
            "lead.status-exclusive", f"{exchange.operation_id} accepted both status and status_id"
        )


@rule_check("orphan_contact_conformance", "contact.create-without-lead")
def orphan_contact_conformance(exchange: Exchange, _: Viewpoint) -> None:
    body = exchange.request_body
    if (
        exchange.operation_id != "createContact"
        or not isinstance(body, dict)
        or not 200 <= exchange.status < 300
    ):
        return
    if body.get("lead_id") is None and isinstance(exchange.body, dict):
        lead = exchange.body.get("lead_id")
        if not isinstance(lead, str) or not lead.startswith("lead_"):
            raise RuleViolation(
                "contact.create-without-lead", f"a contact created without lead_id has lead_id {lead!r}"
            )
