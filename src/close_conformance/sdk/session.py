"""One validation run: every exchange checked both ways and for behaviour, violations and
coverage collected. The harness and the proxy each own one.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from close_conformance.contract import Contract
from close_conformance.sdk.behaviour import BehaviourChecker
from close_conformance.sdk.coverage import Coverage
from close_conformance.sdk.exchange import Exchange, Sent
from close_conformance.sdk.secrets import scrubbed, secrets_of
from close_conformance.sdk.validator import ContractValidator
from close_conformance.sdk.violation import Violation

__all__ = ["ValidationSession"]


class ValidationSession:
    def __init__(self, contract: Contract | None = None, *, base_path: str = "/api/v1") -> None:
        self.validator = ContractValidator(contract, base_path=base_path)
        self.behaviour = BehaviourChecker()
        self.coverage = Coverage(
            self.validator.contract,
            {op: self.validator.documented_statuses(op) for op in self.validator.contract.operations},
        )
        self.findings: list[Violation] = []
        self.exchanges = 0
        self._lock = threading.Lock()

    def record(self, exchange: Exchange) -> list[Violation]:
        """Check one exchange; what it broke (warnings included), also kept on the session."""
        route, found = self.validator.check_request(exchange.sent)
        if exchange.received is not None:
            found += self.validator.check_response(route, exchange.sent, exchange.received)
        found += self.behaviour.check(exchange, route.operation_id)
        # Findings quote what was sent: none may carry the request's credentials (secrets.py).
        secrets = secrets_of(exchange.sent)
        found = [scrubbed(f, secrets) for f in found]
        in_contract = route.kind == "operation"
        self.coverage.record(
            route.operation_id if in_contract else None,
            exchange.received.status if exchange.received is not None and in_contract else None,
            redirected=route.kind == "slashless",
        )
        with self._lock:
            self.exchanges += 1
            self.findings.extend(found)
        return found

    def add(self, violation: Violation, sent: Sent) -> None:
        """Keep a finding made outside `record` (a call the harness could not route) about `sent`."""
        with self._lock:
            self.findings.append(scrubbed(violation, secrets_of(sent)))

    @property
    def violations(self) -> list[Violation]:
        with self._lock:
            return [v for v in self.findings if v.severity == "violation"]

    @property
    def warnings(self) -> list[Violation]:
        with self._lock:
            return [v for v in self.findings if v.severity == "warning"]

    def summary(self) -> dict[str, Any]:
        """The report: {"exchanges", "violations": [...], "warnings": [...], "by_rule": {rule: n},
        "coverage": Coverage.to_dict()}."""
        violations, warnings = self.violations, self.warnings
        by_rule: dict[str, int] = {}
        for v in violations:
            by_rule[v.rule] = by_rule.get(v.rule, 0) + 1
        return {
            "exchanges": self.exchanges,
            "violations": [v.to_dict() for v in violations],
            "warnings": [v.to_dict() for v in warnings],
            "by_rule": dict(sorted(by_rule.items())),
            "coverage": self.coverage.to_dict(),
        }

    def report(self) -> str:
        """Readable: each violation and warning, then the coverage table."""
        parts = [v.describe() for v in self.findings]
        counts = (
            f"{len(self.violations)} violation(s), {len(self.warnings)} warning(s) "
            f"in {self.exchanges} exchange(s)"
        )
        return "\n".join([*parts, counts, self.coverage.table()])

    def write(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(self.summary(), handle, indent=1)
            handle.write("\n")
