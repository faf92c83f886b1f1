"""Schemathesis over specs/close.yaml: the schema with this run's budget, and the guarded call
every generated case goes through.

Generated "valid" data must be really valid: ids it refers to (the lead of an email, the allowed
user of a Send As association) must exist and be visible. In positive cases those fields are
filled with objects the run created or identities it knows; negative cases are sent as generated.
On a live target, every write passes the ledger's guard, and no email Close would send is created
without --allow-send.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import hypothesis
import requests

from close_conformance import interrupts, runtime
from close_conformance.client import SENDING_STATUSES, record_created
from close_conformance.inferred import loosened_spec, success_accepted
from close_conformance.ledger import GuardRefused
from close_conformance.profiles import PROFILES
from close_conformance.target import Identity, Target
from close_conformance.unmodelled import load_close_paths

__all__ = ["References", "load_schema", "run_case"]


def load_schema(*, only_selected_rules: bool = True) -> Any:
    """The spec as a schemathesis schema, configured from this run's settings.

    With --rule (and `only_selected_rules`), only the operations those rules concern.
    """
    import schemathesis
    from schemathesis.config import SchemathesisConfig

    context = runtime.current()
    settings = context.settings
    budget = PROFILES[settings.profile]
    generation: dict[str, Any] = {"mode": "all", "max-examples": budget.examples_per_operation}
    if settings.seed is not None:
        generation["database"] = "none"
    if not settings.shrinks:
        generation["no-shrink"] = True
    config: dict[str, Any] = {
        "generation": generation,
        # tests/conformance/test_access.py sends every operation without credentials, with a wrong
        # API key and with a wrong token, and demands 401 with Close's error body: the probes
        # `ignored_auth` would send after a successful call (to demand a non-2xx), about 490
        # requests a standard run through a session of its own (issue 14). Its rule is checked.
        "checks": {"ignored_auth": {"enabled": False}},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": budget.coverage_phase},
            "fuzzing": {"enabled": True},
            "stateful": {
                "enabled": True,
                "max-steps": budget.stateful_steps,
                # Only the spec's explicit links: inferred ones may reuse ids from list responses
                # (someone else's data on a live org, the run's shared reference objects here).
                "inference": {"algorithms": []},
            },
        },
    }
    if settings.seed is not None:
        config["seed"] = settings.seed
    # Constraints our spec infers are not the docs': schemathesis tests them only where the
    # register demands their rejection in this mode (close_conformance.inferred).
    spec = loosened_spec(context.contract, strict=settings.strict)
    schema: Any = schemathesis.openapi.from_dict(spec, config=SchemathesisConfig.from_dict(config))
    # Methods Close has on our paths that our spec lacks (`GET /lead/` while it is unmodelled) are
    # not "undeclared": Close answers them, so the coverage phase must not demand a 405 for them.
    close_paths = load_close_paths(context.contract.spec)
    for path, methods in sorted(close_paths.close_methods.items()):
        for method in sorted(methods):
            schema = schema.exclude(method=method, path=path)
    # With --rule, build only the operations those rules concern: schemathesis computes each
    # operation's coverage cases when the tests are collected, the slow part of a narrow run.
    wanted = [context.contract.rules[r] for r in settings.rules if r in context.contract.rules]
    if only_selected_rules and wanted and all("*" not in rule.operations for rule in wanted):
        schema = schema.include(operation_id=sorted({o for rule in wanted for o in rule.operations}))
    return schema


@dataclass(frozen=True)
class References:
    """Objects and people generated data may point at (created once per run by `me`)."""

    me: Identity
    peer: Identity | None
    lead_id: str
    contact_id: str
    status_id: str
    status_label: str
    email_account_id: str | None

    def for_body(self, operation_id: str) -> dict[str, Callable[[Any], Any]]:
        """Field -> new value, for the fields of this operation's body that name objects."""
        other = (self.peer or self.me).user_id
        fill: dict[str, Callable[[Any], Any]] = {
            "lead_id": lambda _: self.lead_id,
            "contact_id": lambda value: None if value is None else self.contact_id,
            "user_id": lambda value: None if value is None else self.me.user_id,
            "created_by": lambda _: self.me.user_id,
            "organization_id": lambda _: self.me.organization_id,
            "template_id": lambda _: None,
            "in_reply_to_id": lambda _: None,
            "followup_sequence_id": lambda _: None,
            "email_account_id": lambda _: self.email_account_id,
            "allowing_user_id": lambda _: self.me.user_id,
            "allowed_user_id": lambda _: other,
            # One user in both lists is a contradiction the docs leave open: keep them apart.
            "allowed_user_ids": lambda value: [other] if value else [],
            "disallowed_user_ids": lambda _: [],
        }
        if operation_id in ("createLead", "updateLead"):
            fill = {"status_id": lambda _: self.status_id, "status": lambda _: self.status_label}
        if operation_id == "createContact":
            fill = {
                "lead_id": lambda value: None if value is None else self.lead_id,
                "created_by": lambda value: None if value is None else self.me.user_id,
            }
        if operation_id == "updateContact":
            fill = {"lead_id": lambda _: self.lead_id}
        return fill

    def for_query(self) -> dict[str, Callable[[Any], Any]]:
        other = (self.peer or self.me).user_id
        return {
            "lead_id": lambda _: self.lead_id,
            "contact_id": lambda _: self.contact_id,
            "user_id": lambda _: self.me.user_id,
            "allowing_user_id": lambda _: self.me.user_id,
            "allowed_user_id": lambda _: other,
        }


def _reserved_domain(address: Any) -> Any:
    """Generated recipients on a live org go to example.com, which never delivers. Only the
    address's own domain changes: a display name may hold an "@" of its own."""
    if not isinstance(address, str):
        return address
    if address.endswith(">") and "<" in address:
        name, _, mailbox = address[:-1].rpartition("<")
        local = mailbox.rpartition("@")[0]
        return f"{name}<{local}@example.com>" if local else address
    local = address.rpartition("@")[0]
    return f"{local}@example.com" if local else address


def _recipient_form_loosened() -> bool:
    """Whether this run's schema leaves out a recipient's address form (register
    `email-recipient-format` admits a success in this mode)."""
    context = runtime.current()
    return success_accepted(context.contract, "email-recipient-format", strict=context.settings.strict)


def _fill(data: dict[str, Any], fill: dict[str, Callable[[Any], Any]], known: Callable[[Any], bool]) -> None:
    """Point reference fields at real objects, unless they already do (a stateful link's id)."""
    for key, change in fill.items():
        if key in data and not known(data[key]):
            data[key] = change(data[key])


class EmailStatuses:
    """The status and sender of each email the run has seen, so that a generated update of a
    stored email is one the docs allow: only drafts change; scheduled and outbox may go back to
    draft; a draft leaving for scheduled or outbox needs a sender (changelog 2025-12-17)."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[str, bool]] = {}

    def note(self, payload: Any) -> None:
        if isinstance(payload, dict) and str(payload.get("id", "")).startswith("acti_"):
            status = payload.get("status")
            if isinstance(status, str):
                self._known[payload["id"]] = (status, payload.get("sender") is not None)

    def fit_update(self, email_id: str, body: dict[str, Any], sender: str) -> bool:
        """Rewrite `body` into an allowed update of this email; False when none exists."""
        if email_id not in self._known:
            return True  # never created: the answer is 404 whatever the body
        status, has_sender = self._known[email_id]
        if status in SENDING_STATUSES:
            body.clear()
            body["status"] = "draft"  # cancelling is the one change allowed
            return True
        if status != "draft":
            return False
        wanted = body.get("status")
        if wanted in ("inbox", "sent", "error"):
            body.pop("status")  # not a documented way out of draft (register)
        elif wanted in SENDING_STATUSES:
            # A sender sent as null clears the stored one: the move needs one either way.
            if body.get("sender") is None and (not has_sender or "sender" in body):
                body["sender"] = sender
            if wanted == "scheduled" and body.get("date_scheduled") is None:
                body["date_scheduled"] = "2030-01-01T09:00:00+00:00"
        return True


EMAILS = EmailStatuses()


def _keep_contact_on_lead(case: Any, operation_id: str, parent_of: Callable[[str], str | None]) -> None:
    """An email's contact must belong to the email's lead (register: email-contact-of-lead)."""
    contact = case.body.get("contact_id")
    if not isinstance(contact, str) or operation_id not in ("createEmail", "updateEmail"):
        return
    lead = case.body.get("lead_id") if operation_id == "createEmail" else parent_of(_last_segment(case))
    if parent_of(contact) != lead:
        case.body["contact_id"] = None


def prepare(
    case: Any,
    operation_id: str,
    refs: References,
    *,
    known: Callable[[Any], bool],
    parent_of: Callable[[str], str | None],
    live: bool,
) -> None:
    """Make a positive case really valid; leave a negative one as generated."""
    mode = getattr(getattr(getattr(case, "meta", None), "generation", None), "mode", None)
    if mode is None or not mode.is_positive:
        return
    if isinstance(case.body, dict):
        _fill(case.body, refs.for_body(operation_id), known)
        if operation_id in ("createContact", "updateContact"):
            # `custom.` keys name the organization's custom fields, which generated data cannot
            # know: a made-up one is refused (register contact-custom-fields), so it goes.
            for key in [k for k in case.body if k.startswith("custom.")]:
                del case.body[key]
        if _recipient_form_loosened():
            # The address form is left out of the schema where the register lets a server keep a
            # recipient that is no address (close_conformance.inferred): generated from Close's
            # bare strings, they would be positive data a server may still refuse (400). Every
            # server takes an address.
            for field in ("to", "cc", "bcc"):
                if isinstance(case.body.get(field), list):
                    case.body[field] = [f"recipient{i}@example.com" for i, _ in enumerate(case.body[field])]
        if live:
            for field in ("to", "cc", "bcc"):
                if isinstance(case.body.get(field), list):
                    case.body[field] = [_reserved_domain(a) for a in case.body[field]]
            if "sender" in case.body and case.body["sender"] is not None:
                case.body["sender"] = refs.me.email
        _keep_contact_on_lead(case, operation_id, parent_of)
        if operation_id == "updateEmail" and not EMAILS.fit_update(
            _last_segment(case), case.body, refs.me.email
        ):
            _defuse(case)  # no update of a sent, inbox or error email is allowed: aim at nothing
    if isinstance(case.query, dict):
        _fill(case.query, refs.for_query(), known)
        if operation_id == "deleteSendAsByUsers":
            case.query.update(
                allowing_user_id=refs.me.user_id, allowed_user_id=(refs.peer or refs.me).user_id
            )
        if (
            operation_id == "listSendAs"
            and "allowing_user_id" not in case.query
            and "allowed_user_id" in case.query
        ):
            case.query["allowed_user_id"] = refs.me.user_id  # a filter must name me (seed 002)


def operation_id_of(case: Any) -> str:
    return runtime.current().contract.operation_id(f"{case.method.upper()} {case.operation.path}") or ""


def before_call(case: Any, refs: References) -> None:
    """Fill references, then refuse what a live org must not see: writes to objects the run
    did not create, and emails Close would send without --allow-send."""
    context = runtime.current()
    ledger = context.ledger
    assert ledger is not None, "the ledger fixture must be active"
    operation_id = operation_id_of(case)
    target = context.target
    assert target is not None
    identities = {i.user_id for i in target.identities.values()}
    prepare(
        case,
        operation_id,
        refs,
        known=lambda value: isinstance(value, str) and (ledger.usable(value) or value in identities),
        parent_of=ledger.parent_of,
        live=target.live,
    )
    body = case.body if isinstance(case.body, dict) else None
    if body and operation_id in ("createEmail", "updateEmail") and _sends(body):
        hypothesis.assume(context.settings.sends_allowed)
    try:
        ledger.guard(case.method, _url(case), body, actor=refs.me.user_id)
    except GuardRefused:
        _defuse(case)
        ledger.guard(case.method, _url(case), body, actor=refs.me.user_id)


def _url(case: Any) -> str:
    query = f"?{urlencode(case.query, doseq=True)}" if isinstance(case.query, dict) and case.query else ""
    return str(case.formatted_path) + query


def _stand_in(object_id: str) -> str:
    """An id of the same kind that names nothing, the same one for the same input (replays of a
    Hypothesis example must send the same request)."""
    prefix, _, _ = object_id.partition("_")
    digest = hashlib.sha256(object_id.encode()).digest()
    alphabet = string.digits + string.ascii_letters
    return prefix + "_" + "".join(alphabet[b % 62] for b in (digest + digest)[:43])


def _defuse(case: Any) -> None:
    """A write the guard refused is sent at stand-ins instead (answered 404 or 400), rather than
    dropped: dropping would make generation depend on the ledger, which Hypothesis cannot replay."""
    if isinstance(case.path_parameters, dict):
        for key, value in case.path_parameters.items():
            if isinstance(value, str) and "_" in value:
                case.path_parameters[key] = _stand_in(value)
    if isinstance(case.query, dict) and "allowed_user_id" in case.query:
        case.query["allowed_user_id"] = _stand_in(str(case.query["allowed_user_id"]))
    if isinstance(case.body, dict) and isinstance(case.body.get("disallowed_user_ids"), list):
        case.body["disallowed_user_ids"] = [_stand_in(str(u)) for u in case.body["disallowed_user_ids"]]


def after_call(case: Any, response: Any) -> None:
    """Record what the case created, and note ids of objects the run did not create."""
    ledger = runtime.current().ledger
    assert ledger is not None
    payload = _json(response)
    if case.method.upper() == "POST" and 200 <= response.status_code < 300 and isinstance(payload, dict):
        record_created(ledger, case.formatted_path, payload, "me", request=case.body)
    if case.method.upper() == "DELETE" and 200 <= response.status_code < 300:
        ledger.forget(_last_segment(case))
    ledger.observe(payload)
    EMAILS.note(payload)


def run_case(case: Any, target: Target, refs: References, session: requests.Session) -> None:
    """Send one generated case as `me` through the guard, record what it created, check it."""
    before_call(case, refs)
    headers = refs.me.headers
    with interrupts.recording():
        response = case.call(base_url=target.base_url, session=session, headers=headers)
        after_call(case, response)
    case.validate_response(response, headers=headers)


def _last_segment(case: Any) -> str:
    return str(case.formatted_path).strip("/").split("/")[-1]


def _sends(body: dict[str, Any]) -> bool:
    status = body.get("status")
    return isinstance(status, str) and status in SENDING_STATUSES


def _json(response: Any) -> Any:
    try:
        return response.json()
    except Exception:
        return None
