"""The report's test cases: one per rule x operation (and one per suite error), as JUnit and CTRF
list them. Names are stable and unique (`rule.id [operationId]`; GitLab keeps only the first of
duplicates), the class is the rule's area.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Case", "cases"]


@dataclass
class Case:
    name: str
    classname: str
    status: str
    """passed, failed, known (a failure in the baseline), skipped (not run), error (suite error)."""
    rule: str | None
    operation: str | None
    message: str
    body: str
    changelog: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _evidence(failure: Mapping[str, Any]) -> str:
    lines = [
        f"rule: {failure['rule']}",
        f"operation: {failure['operation'] or '-'}",
        f"test: {failure['test']}",
        f"expected: {failure['expected']}",
        f"got: {failure['got']}",
        "",
        failure["message"],
        "",
        f"curl: {failure['curl'] or '-'}",
        f"replay: {failure['replay'] or '-'}",
        f"signature: {failure['signature']}",
    ]
    if failure.get("baseline"):
        lines.append(f"baseline ({failure['baseline']['status']}): {failure['baseline']['reason']}")
    return "\n".join(lines)


def cases(document: Mapping[str, Any]) -> list[Case]:
    failures: dict[tuple[str, str | None], list[Mapping[str, Any]]] = {}
    for failure in document["failures"]:
        failures.setdefault((failure["rule"], failure["operation"]), []).append(failure)
    found: list[Case] = []
    seen: set[str] = set()
    for rule in document["rules"]:
        dates = [entry["date"] for entry in rule["changelog"]]
        for cell in rule["operations"]:
            name = f"{rule['id']} [{cell['operation']}]"
            if name in seen:
                continue
            seen.add(name)
            operation = cell["operation"] if not cell["operation"].startswith("(") else None
            mine = failures.get((rule["id"], operation), [])
            if cell["verdict"] == "fail" and mine:
                known = all(f.get("baseline") and f["baseline"]["status"] == "known" for f in mine)
                status = "known" if known else "failed"
                message = rule["id"] if not known else f"{rule['id']}: known divergence (baseline)"
                body = "\n\n".join(_evidence(f) for f in mine)
            elif cell["verdict"] == "pass":
                status, message, body = "passed", "", ""
            else:
                status, message, body = "skipped", f"not run: {cell['why'] or rule['why']}", ""
            found.append(Case(name, rule["area"], status, rule["id"], operation, message, body, dates))
    for error in document["suite_errors"]:
        name = f"suite error: {error['test']}"
        if name not in seen:
            seen.add(name)
            found.append(
                Case(name, "suite", "error", None, None, "the suite could not check", error["message"])
            )
    return found
