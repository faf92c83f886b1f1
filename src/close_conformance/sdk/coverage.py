"""SDK coverage: which operations, documented statuses and rules a client's traffic reached.

A rule is reached when the traffic called an operation the rule concerns (specs/rules.yaml
`operations`, "*" for all): the client met the behaviour, whether or not it went wrong there.
A documented status is reached when an answer of that status came back.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from close_conformance.contract import Contract

__all__ = ["Coverage"]


class Coverage:
    def __init__(self, contract: Contract, documented: dict[str, list[int]]) -> None:
        self.contract = contract
        self.documented = documented
        self.calls: Counter[str] = Counter()
        self.statuses: dict[str, Counter[int]] = {op: Counter() for op in documented}
        self.outside = 0
        # Slashless contract paths: not outside the contract, but each costs a redirect.
        self.redirected = 0
        self._lock = threading.Lock()

    def record(self, operation: str | None, status: int | None, *, redirected: bool = False) -> None:
        """One exchange: its operation (None outside the contract, or `redirected`) and status."""
        with self._lock:
            if redirected:
                self.redirected += 1
                return
            if operation is None:
                self.outside += 1
                return
            self.calls[operation] += 1
            if status is not None:
                self.statuses[operation][status] += 1

    def rules_reached(self) -> list[str]:
        called = {op for op, n in self.calls.items() if n}
        return sorted(
            rule.id
            for rule in self.contract.rules.values()
            if called and ("*" in rule.operations or called & set(rule.operations))
        )

    def to_dict(self) -> dict[str, Any]:
        """{"operations": {op: {calls, statuses: {status: n}, never_seen: [status]}},
        "operations_never_called",
        "calls_outside_contract", "rules": {"reached", "never_reached"}}."""
        with self._lock:
            operations = {
                op: {
                    "calls": self.calls[op],
                    "statuses": {str(s): n for s, n in sorted(self.statuses[op].items())},
                    "never_seen": [s for s in self.documented[op] if s not in self.statuses[op]],
                }
                for op in sorted(self.documented)
            }
            outside, redirected = self.outside, self.redirected
        reached = self.rules_reached()
        return {
            "operations": operations,
            "operations_never_called": [op for op, row in operations.items() if not row["calls"]],
            "calls_outside_contract": outside,
            "calls_redirected": redirected,
            "rules": {
                "reached": reached,
                "never_reached": sorted(set(self.contract.rules) - set(reached)),
            },
        }

    def table(self) -> str:
        """A plain-text table: operation, calls, statuses seen, documented statuses never seen."""
        data = self.to_dict()
        width = max(len(op) for op in data["operations"])
        lines = [f"{'operation':<{width}}  calls  statuses seen            documented, never seen"]
        for op, row in data["operations"].items():
            seen = " ".join(f"{s}x{n}" for s, n in row["statuses"].items()) or "-"
            never = " ".join(map(str, row["never_seen"])) or "-"
            lines.append(f"{op:<{width}}  {row['calls']:>5}  {seen:<24} {never}")
        called = len(data["operations"]) - len(data["operations_never_called"])
        rules = data["rules"]
        lines.append(
            f"operations called: {called}/{len(data['operations'])}; calls outside the contract: "
            f"{data['calls_outside_contract']}; redirected (slashless): {data['calls_redirected']}"
        )
        lines.append(
            f"rules reached: {len(rules['reached'])}/{len(rules['reached']) + len(rules['never_reached'])}"
        )
        if rules["never_reached"]:
            lines.append("never reached: " + ", ".join(rules["never_reached"]))
        return "\n".join(lines)
