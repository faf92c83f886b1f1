"""Setup requests judged by the rules they exercise.

A fixture or scenario creating the objects a test works on sends requests the docs allow. When the
server answers one of them with a refusal the docs do not admit, the server broke the rule that
admits the request (a draft email without sender refused breaks email.sender.optional-for-draft),
not the suite: `expect_success` raises a `RuleViolation` naming that rule, which the plugin counts
as a broken rule (exit 1) wherever it is raised, setup included. A refusal the register admits
for this request skips the test instead: the server is right, the test cannot run.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from close_conformance import runtime
from close_conformance.checks.base import RuleViolation
from close_conformance.client import json_or_none, said
from close_conformance.models.email import ABSENT, EmailRequest, decide

__all__ = ["expect_success", "setup_rule"]

_RULE_OF_OPERATION = {
    "getMe": "me.current-user",
    "createLead": "lead.create",
    "updateLead": "lead.update",
    "listLeads": "lead.list",
    "updateContact": "contact.update-is-patch",
    "listContacts": "contact.create-on-lead",
    "createSendAs": "send_as.create-as-allowing-user",
    "bulkEditSendAs": "send_as.bulk-returns-all-allowing",
    "listEmails": "email.list-filters",
    "listUsers": "user.organization-members",
}
"""The rule that admits a request of each operation a setup sends, where one rule does."""


def _body(response: httpx.Response) -> Any:
    try:
        return json.loads(response.request.content) if response.request.content else None
    except (httpx.RequestNotRead, ValueError):
        return None


def setup_rule(response: httpx.Response) -> tuple[str, tuple[int, ...]]:
    """The rule admitting the request `response` answers, and the refusals the register admits
    for it (a tuple of statuses; empty when the docs demand a success)."""
    request = response.request
    context = runtime.current()
    path = "/" + request.url.path.split("/api/v1/", 1)[-1].lstrip("/")
    operation = context.contract.operation_id(f"{request.method} {_template(path)}") or ""
    body = _body(response)
    if operation == "createContact":
        with_lead = isinstance(body, dict) and body.get("lead_id")
        return ("contact.create-on-lead" if with_lead else "contact.create-without-lead"), ()
    if operation == "createEmail" and isinstance(body, dict) and isinstance(body.get("status"), str):
        verdict = decide(
            None,
            EmailRequest(
                status=body["status"],
                sender=body.get("sender", ABSENT),
                date_scheduled=body.get("date_scheduled", ABSENT),
                send_in=body.get("send_in", ABSENT),
            ),
            actor_email="",
            strict=context.strict,
            contract=context.contract,
        )
        return verdict.rule, tuple(sorted(verdict.reject))
    if operation == "listSendAs":
        filtered = "allowing_user_id" in request.url.params or "allowed_user_id" in request.url.params
        return ("send_as.list-involved-only" if filtered else "send_as.list-default-allowing"), ()
    if operation in _RULE_OF_OPERATION:
        return _RULE_OF_OPERATION[operation], ()
    concerned = [r.id for r in context.contract.rules_for_operation(operation) if "*" not in r.operations]
    return (concerned[0] if concerned else "response.documented-shape"), ()


def _template(path: str) -> str:
    """`/lead/lead_abc/` -> `/lead/{id}/` (ids carry an underscore; literal segments do not)."""
    return "/".join("{id}" if "_" in part and part != "send_as" else part for part in path.split("/"))


def expect_success(response: httpx.Response, what: str) -> Any:
    """The JSON body of a setup request's success; else a RuleViolation naming the rule the answer
    breaks (or a skip, when the register admits the refusal for this request)."""
    body = json_or_none(response)
    if response.is_success and isinstance(body, dict):
        return body
    rule, admitted = setup_rule(response)
    if response.status_code in admitted:
        pytest.skip(f"{what}: refused with {response.status_code}, as the register admits; the test needs it")
    raise RuleViolation(
        rule,
        f"{what} (setup of the test) answered {said(response)}; the docs admit this request, "
        "so the test could not check anything further",
    )
