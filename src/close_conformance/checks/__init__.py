"""Rules that hold on every single response, as checks.

Each check is a pure function of one `Exchange` (request and response) and the requester's
`Viewpoint`, raising `RuleViolation` (an AssertionError naming the rule, its statement and source).
`register()` hands them to schemathesis, so every generated request is checked by them too, and
judges schemathesis' own built-in checks by the rules they enforce (`builtin.BUILTIN_RULES`); the
hand-written scenarios call `check_exchange` directly.

Modules: `base` (shared types), `responses`, `ratelimit`, `requests` (the rule checks, registered in
that order), `builtin` (schemathesis).
"""

# ruff: noqa: I001  (import order is registration order, the order check_exchange runs them in)
from __future__ import annotations

from close_conformance.checks.base import (
    CHECKS,
    NO_JSON,
    Check,
    Exchange,
    RuleViolation,
    Viewpoint,
    check_exchange,
    is_json,
    rule_check,
)
from close_conformance.checks.responses import (
    delete_answer_conformance,
    error_body_conformance,
    fields_conformance,
    id_prefix_conformance,
    lead_contact_ids_conformance,
    pagination_conformance,
    send_as_visibility_conformance,
    tenant_conformance,
)
from close_conformance.checks.ratelimit import (
    ratelimit_body_conformance,
    ratelimit_body_shape,
    ratelimit_conformance,
)
from close_conformance.checks.requests import (
    email_sender_conformance,
    lead_status_conformance,
    orphan_contact_conformance,
)

from close_conformance.checks.builtin import BUILTIN_RULES, register, rule_for

__all__ = [
    "BUILTIN_RULES",
    "CHECKS",
    "NO_JSON",
    "Check",
    "Exchange",
    "RuleViolation",
    "Viewpoint",
    "check_exchange",
    "delete_answer_conformance",
    "email_sender_conformance",
    "error_body_conformance",
    "fields_conformance",
    "id_prefix_conformance",
    "is_json",
    "lead_contact_ids_conformance",
    "lead_status_conformance",
    "orphan_contact_conformance",
    "pagination_conformance",
    "ratelimit_body_conformance",
    "ratelimit_body_shape",
    "ratelimit_conformance",
    "register",
    "rule_check",
    "rule_for",
    "send_as_visibility_conformance",
    "tenant_conformance",
]
