"""Rules that hold on every single response, as checks.

Each check is a pure function of one `Exchange` (request and response) and the requester's
`Viewpoint`, raising `RuleViolation` (an AssertionError naming the rule, its statement and source).
`register()` hands them to schemathesis, so every generated request is checked by them too; the
hand-written scenarios call `check_exchange` directly.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from close_conformance import runtime

__all__ = ["CHECKS", "Check", "Exchange", "RuleViolation", "Viewpoint", "check_exchange", "register"]

NO_JSON = object()


class RuleViolation(AssertionError):
    """A documented rule broken by one response."""

    def __init__(self, rule_id: str, message: str) -> None:
        rule = runtime.current().contract.rules.get(rule_id)
        where = f"\n  rule: {rule.statement}\n  source: {', '.join(rule.sources)}" if rule else ""
        super().__init__(f"[{rule_id}] {message}{where}")
        self.rule_id = rule_id


@dataclass(frozen=True)
class Exchange:
    """One request and its response, in plain data."""

    operation_id: str | None
    method: str
    path: str
    status: int
    query: Mapping[str, Any] = field(default_factory=dict)
    request_body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    """Response headers, names in lower case."""
    body: Any = NO_JSON
    raw: bytes = b""
    request_is_json: bool = True
    """False when the request body did not parse as JSON: its 400 is not a validation error."""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Viewpoint:
    """Who sent the request, as far as the checks need to know."""

    user_id: str | None = None
    email: str | None = None
    organization_id: str | None = None
    emails: Mapping[str, str] = field(default_factory=dict)
    """user id -> address, for the users the run knows (the sent-email default)."""


CheckFunction = Callable[[Exchange, Viewpoint], None]


@dataclass(frozen=True)
class Check:
    name: str
    rules: tuple[str, ...]
    function: CheckFunction


CHECKS: list[Check] = []


def _check(name: str, *rules: str) -> Callable[[CheckFunction], CheckFunction]:
    def decorate(function: CheckFunction) -> CheckFunction:
        CHECKS.append(Check(name, rules, function))
        return function

    return decorate


def check_exchange(exchange: Exchange, viewpoint: Viewpoint) -> None:
    """Run every check; the first violation raises."""
    for check in CHECKS:
        check.function(exchange, viewpoint)


# --------------------------------------------------------------------------- error bodies
@_check("error_body_conformance", "errors.shape")
def error_body_conformance(exchange: Exchange, _: Viewpoint) -> None:
    if exchange.status < 400 or exchange.status >= 500:
        return
    body = exchange.body
    if not isinstance(body, dict):
        raise RuleViolation(
            "errors.shape", f"{exchange.status} answered without a JSON object body: {exchange.raw[:200]!r}"
        )
    if exchange.status == 400 and ("errors" in body or "field-errors" in body):
        if not isinstance(body.get("errors"), list) or not isinstance(body.get("field-errors"), dict):
            raise RuleViolation(
                "errors.shape",
                f"400 validation error needs both `errors` (list) and `field-errors` (object): {body}",
            )
        return
    if exchange.status == 429 and isinstance(body.get("error"), dict):
        return  # the deprecated rate-limit body; ratelimit_body_conformance judges it
    strict_shape = not runtime.current().accepts("error-shape-400", "error")
    if exchange.status == 400 and exchange.request_is_json and strict_shape:
        raise RuleViolation("errors.shape", f"400 without `errors`/`field-errors` (strict reading): {body}")
    if not isinstance(body.get("error"), str) or not body["error"]:
        raise RuleViolation("errors.shape", f"{exchange.status} needs an `error` message: {body}")


# --------------------------------------------------------------------------- ids
_PREFIXES = {
    "lead_id": "lead_",
    "contact_id": "cont_",
    "user_id": "user_",
    "organization_id": "orga_",
    "allowing_user_id": "user_",
    "allowed_user_id": "user_",
    "thread_id": "acti_",
}
_KIND_PREFIX = {
    "user": "user_",
    "lead": "lead_",
    "contact": "cont_",
    "email": "acti_",
    "send_as": "sdas_",
    "org": "orga_",
}
_CHILD_KIND = {"contacts": "contact", "organizations": "org"}


def _operation_kind(operation_id: str | None) -> str | None:
    name = (operation_id or "").lower()
    for marker, kind in (("sendas", "send_as"), ("email", "email"), ("contact", "contact"), ("lead", "lead")):
        if marker in name:
            return kind
    if name in ("getme", "listusers", "getuser"):
        return "user"
    return None


def _objects(value: Any, kind: str | None) -> Iterator[tuple[Mapping[str, Any], str | None]]:
    if isinstance(value, list):
        for item in value:
            yield from _objects(item, kind)
    elif isinstance(value, dict):
        yield value, kind
        for key, child in value.items():
            if key == "data":
                yield from _objects(child, kind)
            elif key in _CHILD_KIND and isinstance(child, list):
                yield from _objects(child, _CHILD_KIND[key])


@_check("id_prefix_conformance", "ids.prefixed")
def id_prefix_conformance(exchange: Exchange, _: Viewpoint) -> None:
    if not 200 <= exchange.status < 300:
        return
    for obj, kind in _objects(exchange.body, _operation_kind(exchange.operation_id)):
        expected = {"id": _KIND_PREFIX[kind]} if kind in _KIND_PREFIX else {}
        expected.update(_PREFIXES)
        for key, prefix in expected.items():
            value = obj.get(key)
            if isinstance(value, str) and not value.startswith(prefix):
                raise RuleViolation("ids.prefixed", f"`{key}` {value!r} does not start with {prefix!r}")


# --------------------------------------------------------------------------- deletes
_DELETE_RULES = {
    "deleteContact": "contact.delete-empty-object",
    "deleteLead": "lead.delete",
    "deleteEmail": "email.delete",
}


@_check(
    "delete_answer_conformance",
    "contact.delete-empty-object",
    "lead.delete",
    "email.delete",
    "send_as.delete-status",
)
def delete_answer_conformance(exchange: Exchange, _: Viewpoint) -> None:
    if exchange.method != "DELETE" or not 200 <= exchange.status < 300:
        return
    if exchange.operation_id in _DELETE_RULES:
        rule = _DELETE_RULES[exchange.operation_id]
        if exchange.status != 200 or exchange.body != {}:
            shown = exchange.body if exchange.body is not NO_JSON else exchange.raw[:100]
            raise RuleViolation(rule, f"a delete answers 200 {{}}, not {exchange.status} {shown!r}")
    elif exchange.operation_id in ("deleteSendAs", "deleteSendAsByUsers"):
        if not runtime.current().accepts("send-as-delete-status", exchange.status):
            accepted = runtime.current().accepted("send-as-delete-status")
            raise RuleViolation(
                "send_as.delete-status", f"answered {exchange.status}; the register accepts {accepted}"
            )
        if exchange.status == 204 and exchange.raw.strip():
            raise RuleViolation("send_as.delete-status", f"204 with a body: {exchange.raw[:100]!r}")
        if exchange.status == 200 and exchange.raw.strip() and exchange.body != {}:
            raise RuleViolation(
                "send_as.delete-status", f"200 with a body other than {{}}: {exchange.raw[:100]!r}"
            )


# --------------------------------------------------------------------------- Send As visibility
def _associations(body: Any) -> list[Mapping[str, Any]]:
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return [a for a in body["data"] if isinstance(a, dict)]
    return []


@_check(
    "send_as_visibility_conformance",
    "send_as.list-default-allowing",
    "send_as.list-involved-only",
    "send_as.get-involved-only",
    "send_as.bulk-returns-all-allowing",
    "send_as.create-as-allowing-user",
)
def send_as_visibility_conformance(exchange: Exchange, me: Viewpoint) -> None:
    if me.user_id is None or not 200 <= exchange.status < 300:
        return
    operation = exchange.operation_id
    if operation == "listSendAs":
        allowing = exchange.query.get("allowing_user_id")
        allowed = exchange.query.get("allowed_user_id")
        associations = _associations(exchange.body)
        if allowing is None and allowed is None:
            for a in associations:
                if a.get("allowing_user_id") != me.user_id:
                    raise RuleViolation(
                        "send_as.list-default-allowing",
                        f"without filters the list holds {a}, where I am not allowing",
                    )
            return
        if me.user_id not in (allowing, allowed):
            if not runtime.current().accepts("send-as-list-foreign-filter", "empty-list") or associations:
                raise RuleViolation(
                    "send_as.list-involved-only",
                    f"a filter naming only others answered {exchange.status} "
                    f"with {len(associations)} associations",
                )
            return
        for a in associations:
            if (allowing is not None and a.get("allowing_user_id") != allowing) or (
                allowed is not None and a.get("allowed_user_id") != allowed
            ):
                raise RuleViolation(
                    "send_as.list-involved-only", f"{a} does not match the filters {dict(exchange.query)}"
                )
    elif operation == "getSendAs" and isinstance(exchange.body, dict):
        if me.user_id not in (exchange.body.get("allowing_user_id"), exchange.body.get("allowed_user_id")):
            raise RuleViolation(
                "send_as.get-involved-only",
                f"{exchange.body} was shown to {me.user_id}, who is not part of it",
            )
    elif operation == "bulkEditSendAs":
        for a in _associations(exchange.body):
            if a.get("allowing_user_id") != me.user_id:
                raise RuleViolation(
                    "send_as.bulk-returns-all-allowing", f"bulk answered {a}, where I am not allowing"
                )
    elif (
        operation == "createSendAs"
        and isinstance(exchange.body, dict)
        and exchange.body.get("allowing_user_id") != me.user_id
    ):
        raise RuleViolation(
            "send_as.create-as-allowing-user",
            f"created {exchange.body} with someone else as allowing user",
        )


# --------------------------------------------------------------------------- tenancy
@_check("tenant_conformance", "tenant.isolation")
def tenant_conformance(exchange: Exchange, me: Viewpoint) -> None:
    if me.organization_id is None or not 200 <= exchange.status < 300 or exchange.operation_id == "getMe":
        return
    for obj, kind in _objects(exchange.body, _operation_kind(exchange.operation_id)):
        if kind == "org":
            continue
        organization = obj.get("organization_id")
        if isinstance(organization, str) and organization != me.organization_id:
            raise RuleViolation(
                "tenant.isolation",
                f"{obj.get('id')} of organization {organization} shown to {me.organization_id}",
            )
        organizations = obj.get("organizations")
        if (
            kind == "user"
            and isinstance(organizations, list)
            and organizations
            and all(isinstance(o, str) for o in organizations)
            and me.organization_id not in organizations
        ):
            raise RuleViolation(
                "tenant.isolation", f"user {obj.get('id')} of {organizations} shown to {me.organization_id}"
            )


# --------------------------------------------------------------------------- _fields, pagination
def _field_names(raw: Any) -> set[str]:
    return {name.strip() for name in str(raw).split(",") if name.strip()}


@_check("fields_conformance", "fields.selection")
def fields_conformance(exchange: Exchange, _: Viewpoint) -> None:
    requested = exchange.query.get("_fields")
    if not requested or not 200 <= exchange.status < 300 or not isinstance(exchange.body, dict):
        return
    wanted = _field_names(requested)
    body = exchange.body
    objects = body["data"] if isinstance(body.get("data"), list) and "has_more" in body else [body]
    for obj in objects:
        extra = set(obj) - wanted if isinstance(obj, dict) else set()
        if extra:
            raise RuleViolation(
                "fields.selection", f"_fields={requested} answered extra fields {sorted(extra)}"
            )


@_check("pagination_conformance", "pagination.offset")
def pagination_conformance(exchange: Exchange, _: Viewpoint) -> None:
    lists = ("listUsers", "listContacts", "listEmails", "listLeads")
    if exchange.operation_id not in lists or exchange.status != 200:
        return
    if exchange.query.get("_fields"):
        return  # `_fields` may leave out has_more's companions; the fields check owns that case
    body = exchange.body
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("data"), list)
        or not isinstance(body.get("has_more"), bool)
    ):
        raise RuleViolation("pagination.offset", "a list answers `data` (list) and `has_more` (bool)")
    limit = exchange.query.get("_limit")
    if limit is not None and str(limit).isdigit():
        if len(body["data"]) > int(limit):
            raise RuleViolation("pagination.offset", f"_limit={limit} answered {len(body['data'])} objects")
        if body["has_more"] and len(body["data"]) < int(limit):
            raise RuleViolation(
                "pagination.offset", f"has_more with a short page ({len(body['data'])} < _limit={limit})"
            )


# --------------------------------------------------------------------------- rate limiting
_RATELIMIT = {
    "comma": re.compile(r"^limit=\d+, remaining=\d+, reset=(\d+(?:\.\d+)?)$"),
    "semicolon": re.compile(r"^limit=\d+; ?remaining=\d+; ?reset=(\d+(?:\.\d+)?)$"),
}


@_check("ratelimit_conformance", "ratelimit.headers")
def ratelimit_conformance(exchange: Exchange, _: Viewpoint) -> None:
    if exchange.status != 429:
        return
    header = exchange.header("RateLimit")
    retry_after = exchange.header("Retry-After")
    if header is None or retry_after is None:
        raise RuleViolation(
            "ratelimit.headers", f"429 without RateLimit ({header!r}) or retry-after ({retry_after!r})"
        )
    forms = [f for f in runtime.current().accepted("ratelimit-header-format") if isinstance(f, str)]
    match = next((m for m in (_RATELIMIT[f].match(header.strip()) for f in forms) if m), None)
    if match is None:
        raise RuleViolation(
            "ratelimit.headers", f"RateLimit {header!r} is not `limit=N, remaining=N, reset=S`"
        )
    if not retry_after.strip().isdigit() or int(retry_after) != math.ceil(float(match.group(1))):
        raise RuleViolation(
            "ratelimit.headers", f"retry-after {retry_after!r} is not reset={match.group(1)} rounded up"
        )


def ratelimit_body_shape(body: Any) -> str | None:
    """Which reading of `ratelimit-body` a 429 body is: body-fields, headers-only, or neither."""
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, str) and error:
        return "headers-only"
    if (
        isinstance(error, dict)
        and isinstance(error.get("message"), str)
        and isinstance(error.get("rate_reset"), int | float)
        and not isinstance(error.get("rate_reset"), bool)
    ):
        return "body-fields"
    return None


@_check("ratelimit_body_conformance", "ratelimit.body")
def ratelimit_body_conformance(exchange: Exchange, _: Viewpoint) -> None:
    if exchange.status != 429:
        return
    shape = ratelimit_body_shape(exchange.body)
    if shape is None or not runtime.current().accepts("ratelimit-body", shape):
        raise RuleViolation(
            "ratelimit.body",
            f"a 429 body is {{'error': message}} or {{'error': {{'message', 'rate_reset', ...}}}} "
            f"(accepted: {runtime.current().accepted('ratelimit-body')}): {exchange.raw[:200]!r}",
        )
    header = exchange.header("RateLimit") or ""
    reset = re.search(r"reset=(\d+(?:\.\d+)?)", header)
    if shape == "body-fields" and reset is not None:
        rate_reset = float(exchange.body["error"]["rate_reset"])
        # Both are the same instant; the header is written with millisecond precision.
        if abs(rate_reset - float(reset.group(1))) > 0.001:
            raise RuleViolation(
                "ratelimit.body",
                f"body rate_reset {rate_reset} is not the RateLimit header's reset={reset.group(1)}",
            )


# --------------------------------------------------------------------------- email sender
_SENDER_REQUIRED = frozenset({"inbox", "scheduled", "outbox", "error"})


@_check(
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


@_check("lead_status_conformance", "lead.status-exclusive")
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


_LEAD_ANSWERS = ("createLead", "getLead", "updateLead", "listLeads")


@_check("lead_contact_ids_conformance", "lead.contact-ids")
def lead_contact_ids_conformance(exchange: Exchange, _: Viewpoint) -> None:
    """A lead answering both `contact_ids` and its (deprecated) `contacts`: the same contacts."""
    if exchange.operation_id not in _LEAD_ANSWERS or not 200 <= exchange.status < 300:
        return
    body = exchange.body
    leads = body.get("data") if exchange.operation_id == "listLeads" and isinstance(body, dict) else [body]
    for lead in leads if isinstance(leads, list) else []:
        if not isinstance(lead, dict):
            continue
        ids, contacts = lead.get("contact_ids"), lead.get("contacts")
        if not isinstance(ids, list) or not isinstance(contacts, list):
            continue  # absent (e.g. `_fields`) or mistyped: the response schema's business
        shown = sorted(str(c.get("id")) for c in contacts if isinstance(c, dict))
        if sorted(map(str, ids)) != shown:
            raise RuleViolation(
                "lead.contact-ids",
                f"lead {lead.get('id')!r} has contact_ids {ids!r} but its contacts are {shown!r}",
            )


@_check("orphan_contact_conformance", "contact.create-without-lead")
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


# --------------------------------------------------------------------------- schemathesis
def _parse(content: bytes) -> Any:
    try:
        return json.loads(content) if content else NO_JSON
    except ValueError:
        return NO_JSON


def is_json(content: bytes | str | None) -> bool:
    """Whether a request body is JSON (no body counts: a query's 400 is a validation error).
    NaN and Infinity are not JSON, though Python's parser takes them."""
    if content is None or content == b"" or content == "":
        return content is None
    try:
        json.loads(content, parse_constant=_refuse)
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def _refuse(constant: str) -> None:
    raise ValueError(constant)


def register() -> None:
    """Register the checks with schemathesis (globally: call once per process)."""
    import schemathesis

    def adapt(check: Check) -> Callable[..., None]:
        def run(ctx: Any, response: Any, case: Any) -> None:
            context = runtime.current()
            operation_id = context.contract.operation_id(f"{case.method.upper()} {case.operation.path}")
            request_headers = response.request.headers
            viewpoint = _viewpoint(context, str(request_headers.get("Authorization", "")))
            body = (
                case.body
                if isinstance(case.body, (dict, list, str, int, float, bool)) or case.body is None
                else None
            )
            exchange = Exchange(
                operation_id=operation_id,
                method=case.method.upper(),
                path=str(response.request.url),
                status=response.status_code,
                query=dict(case.query or {}),
                request_body=body,
                headers={k.lower(): v[0] if isinstance(v, list) else v for k, v in response.headers.items()},
                body=_parse(response.content),
                raw=response.content or b"",
                request_is_json=is_json(response.request.body),
            )
            check.function(exchange, viewpoint)

        run.__name__ = check.name
        return run

    for check in CHECKS:
        schemathesis.check(adapt(check))


def _viewpoint(context: runtime.RunContext, authorization: str) -> Viewpoint:
    target = context.target
    if target is None:
        return Viewpoint()
    emails = {i.user_id: i.email for i in target.identities.values()}
    for identity in target.identities.values():
        if identity.credentials.authorization == authorization:
            return Viewpoint(identity.user_id, identity.email, identity.organization_id, emails)
    return Viewpoint(emails=emails)
