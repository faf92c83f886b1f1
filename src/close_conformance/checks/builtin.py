"""Schemathesis' built-in checks as verdicts of our rules, and our rule checks as schemathesis checks.

Every built-in check the suite runs maps to the rule of specs/rules.yaml it enforces
(`BUILTIN_RULES`, the table in tests/README.md): its failures are titled `[rule.id] ...` with the
rule's statement and source, so the failure message, --close-results and --rule know it. A
built-in check that demands more than the docs is narrowed here, only where a register entry
(specs/discrepancies.yaml) says a server may answer otherwise; the strict reading keeps the
narrow check. Nothing is switched off: each built-in runs on every response, as schemathesis'
registry names it (its configuration still applies), wrapped by `_judged`.

Narrowings (each with its register entry):
- use_after_free: a read that still finds a deleted object is read again until the register's
  lag bound (`read-after-delete-lag`: poll); exact when the reading is exact.
- unsupported_method: an undeclared method on a literal segment that our spec also serves as an
  `{id}` (GET /send_as/bulk/ read as GET /send_as/{id}/ with id "bulk") may get that route's 404
  (`literal-segment-as-id`).
- content_type_conformance, response_schema_conformance: a 429 without a JSON body
  (`ratelimit-body`: no-body); its headers are still checked (ratelimit.headers).
- negative_data_rejection: constraints our spec infers are not handed to schemathesis where the
  register accepts a success for breaking them (close_conformance.inferred).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from close_conformance import runtime
from close_conformance.checks.base import CHECKS, Check, Exchange, RuleViolation, Viewpoint, is_json, parse
from close_conformance.checks.base import rule_note as _rule_note
from close_conformance.checks.ratelimit import ratelimit_body_shape

__all__ = ["BUILTIN_RULES", "literal_segment_is_an_id", "register", "rule_for"]

BUILTIN_RULES: dict[str, tuple[str, ...]] = {
    "not_a_server_error": ("http.no-server-error",),
    "status_code_conformance": ("http.no-server-error",),
    "content_type_conformance": ("response.documented-shape",),
    "response_headers_conformance": ("response.documented-shape",),
    "response_schema_conformance": ("response.documented-shape",),
    "negative_data_rejection": ("request.validation",),
    "positive_data_acceptance": ("request.validation",),
    "missing_required_header": ("request.validation",),
    "unsupported_method": ("http.method-not-allowed",),
    "allow_header_conformance": ("http.method-not-allowed",),
    # One rule per resource: the one of the resource the deleted object is.
    "use_after_free": ("lead.delete", "contact.gone-after-delete", "email.delete", "send_as.delete-by-id"),
    "ensure_resource_availability": ("resource.readable-after-create",),
    "ignored_auth": ("auth.required",),
    "object_level_authorization": ("tenant.isolation",),
}
"""Built-in check -> the rules it enforces. `max_response_time` is not run (no limit is configured:
the docs state none); nor is `ignored_auth` (close_conformance.generated: test_access.py sends its
probes to every operation and demands more of the answers)."""

_RESOURCE_OF_PATH = {"lead": "lead.", "contact": "contact.", "activity": "email.", "send_as": "send_as."}
_READ_LAG_INTERVAL = 0.5


def rule_for(check: str, path: str = "") -> str:
    """The rule a built-in check's failure breaks, for an operation `path` (`/lead/{id}/`): where
    the check enforces one rule per resource, the rule of the path's resource."""
    rules = BUILTIN_RULES[check]
    prefix = _RESOURCE_OF_PATH.get(path.strip("/").split("/")[0], "") if path else ""
    return next((rule for rule in rules if prefix and rule.startswith(prefix)), rules[0])


def _named(error: AssertionError, rule: str) -> AssertionError:
    """The same failure, titled with its rule (schemathesis' Failure keeps its class and code)."""
    title = getattr(error, "title", None)
    if isinstance(title, str):
        if not title.startswith(f"[{rule}]"):
            error.title = f"[{rule}] {title}"  # type: ignore[attr-defined]
            error.message = f"{getattr(error, 'message', '') or ''}{_rule_note(rule)}"  # type: ignore[attr-defined]
        return error
    return RuleViolation(rule, str(error))


# --------------------------------------------------------------------------- narrowings
def _poll_after_delete(original: Callable[..., Any], ctx: Any, response: Any, case: Any) -> bool:
    """read-after-delete-lag: read again until the check passes or the bound passes."""
    lag = runtime.current().read_lag
    if not lag:
        return False
    kwargs = dict(getattr(ctx.internals, "transport_kwargs", None) or {})
    deadline = time.monotonic() + lag
    while time.monotonic() < deadline:
        time.sleep(_READ_LAG_INTERVAL)
        again = case.call(**{k: v for k, v in kwargs.items() if k in ("base_url", "session", "headers")})
        try:
            original(ctx, again, case)
        except AssertionError:
            continue
        return True
    return False


def literal_segment_is_an_id(method: str, path: str) -> bool:
    """Whether another operation of our spec serves `method path` with a segment read as `{id}`."""
    contract = runtime.current().contract
    for operation_method, template in contract.operations.values():
        if operation_method.upper() != method.upper() or "{" not in template:
            continue
        pattern = "^" + re.sub(r"\\\{[^/]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            return True
    return False


def _narrowed(name: str, original: Callable[..., Any], ctx: Any, response: Any, case: Any) -> bool:
    """Whether the register accepts this failing response in this mode (see the module docstring)."""
    context = runtime.current()
    if name == "use_after_free":
        return _poll_after_delete(original, ctx, response, case)
    if name == "unsupported_method" and response.status_code == 404:
        request = response.request
        path = str(request.url).split("?")[0]
        operation_path = case.operation.path
        served = path[path.find(operation_path) :] if operation_path in path else operation_path
        return literal_segment_is_an_id(str(request.method), served) and context.accepts(
            "literal-segment-as-id", 404
        )
    return False


def _exempt(name: str, response: Any) -> bool:
    """Responses a check does not apply to, per the register (checked before it runs)."""
    if name in ("content_type_conformance", "response_schema_conformance") and response.status_code == 429:
        shape = ratelimit_body_shape(parse(response.content or b""))
        return shape == "no-body" and runtime.current().accepts("ratelimit-body", "no-body")
    return False


def _judged(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def run(ctx: Any, response: Any, case: Any) -> Any:
        __tracebackhide__ = True
        if _exempt(name, response):
            return None
        try:
            return original(ctx, response, case)
        except AssertionError as error:
            if _narrowed(name, original, ctx, response, case):
                return None
            raise _named(error, rule_for(name, case.operation.path)) from None

    run.__name__ = name
    run.__doc__ = original.__doc__
    run.__wrapped__ = original  # type: ignore[attr-defined]
    run.close_judged = True  # type: ignore[attr-defined]
    return run


# --------------------------------------------------------------------------- registration
def _adapt(check: Check) -> Callable[..., None]:
    """One of our rule checks, run on a schemathesis exchange."""

    def run(ctx: Any, response: Any, case: Any) -> None:
        context = runtime.current()
        operation_id = context.contract.operation_id(f"{case.method.upper()} {case.operation.path}")
        viewpoint = _viewpoint(context, str(response.request.headers.get("Authorization", "")))
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
            body=parse(response.content),
            raw=response.content or b"",
            request_is_json=is_json(response.request.body),
        )
        check.function(exchange, viewpoint)

    run.__name__ = check.name
    return run


def register() -> None:
    """Judge schemathesis' built-in checks by our rules and add ours (its registry is global:
    call once per process). A built-in check the table does not map is an error: every failure
    must name a rule."""
    import schemathesis
    from schemathesis.checks import CHECKS as REGISTRY
    from schemathesis.checks import load_all_checks

    load_all_checks()
    ours = {check.name for check in CHECKS}
    unmapped = sorted(set(REGISTRY.get_all_names()) - set(BUILTIN_RULES) - ours)
    if unmapped:
        raise RuntimeError(
            f"schemathesis checks {', '.join(unmapped)} name no rule: add them to BUILTIN_RULES "
            "(close_conformance/checks/builtin.py) and tests/README.md"
        )
    for name in BUILTIN_RULES:
        if name in REGISTRY.get_all_names():
            current = REGISTRY.get_one(name)
            if not getattr(current, "close_judged", False):
                REGISTRY.register(_judged(name, current))
    for check in CHECKS:
        if check.name not in REGISTRY.get_all_names():
            schemathesis.check(_adapt(check))


def _viewpoint(context: runtime.RunContext, authorization: str) -> Viewpoint:
    target = context.target
    if target is None:
        return Viewpoint()
    emails = {i.user_id: i.email for i in target.identities.values()}
    for identity in target.identities.values():
        if identity.credentials.authorization == authorization:
            return Viewpoint(identity.user_id, identity.email, identity.organization_id, emails)
    return Viewpoint(emails=emails)
