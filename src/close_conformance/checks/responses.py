"""Rule checks on responses: error bodies, id prefixes, delete answers, Send As visibility, tenancy,
`_fields` and pagination."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from close_conformance import runtime
from close_conformance.checks.base import NO_JSON, Exchange, RuleViolation, Viewpoint, rule_check


# --------------------------------------------------------------------------- error bodies
@rule_check("error_body_conformance", "errors.shape")
def error_body_conformance(exchange: Exchange, _: Viewpoint) -> None:
    if exchange.status < 400 or exchange.status >= 500 or exchange.status == 429:
        return  # a 429's body is ratelimit.body's to judge (register ratelimit-body: it may have none)
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


@rule_check("id_prefix_conformance", "ids.prefixed")
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


@rule_check(
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


@rule_check(
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
@rule_check("tenant_conformance", "tenant.isolation")
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


@rule_check("fields_conformance", "fields.selection")
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


@rule_check("pagination_conformance", "pagination.offset")
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


# --------------------------------------------------------------------------- lead contact_ids
_LEAD_ANSWERS = ("createLead", "getLead", "updateLead", "listLeads")


@rule_check("lead_contact_ids_conformance", "lead.contact-ids")
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
