"""The pieces every rule check shares: the exchange it judges, who asked, and the violation it raises.

Each check is a pure function of one `Exchange` (request and response) and the requester's
`Viewpoint`, raising `RuleViolation` (an AssertionError naming the rule, its statement and source).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from close_conformance import runtime

NO_JSON = object()


class RuleViolation(AssertionError):
    """A documented rule broken by one response (or by a setup request: see `expect`)."""

    def __init__(self, rule_id: str, message: str) -> None:
        super().__init__(f"[{rule_id}] {message}{rule_note(rule_id)}")
        self.rule_id = rule_id


def rule_note(rule_id: str) -> str:
    """The rule's statement and source, as the lines a failure message ends with ('' if unknown)."""
    rule = runtime.current().contract.rules.get(rule_id)
    return f"\n  rule: {rule.statement}\n  source: {', '.join(rule.sources)}" if rule else ""


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


def rule_check(name: str, *rules: str) -> Callable[[CheckFunction], CheckFunction]:
    def decorate(function: CheckFunction) -> CheckFunction:
        CHECKS.append(Check(name, rules, function))
        return function

    return decorate


def check_exchange(exchange: Exchange, viewpoint: Viewpoint) -> None:
    """Run every check; the first violation raises."""
    for check in CHECKS:
        check.function(exchange, viewpoint)


def parse(content: bytes) -> Any:
    """A response body as JSON, or NO_JSON."""
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
