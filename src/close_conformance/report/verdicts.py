"""Per rule and per rule x operation: pass, fail or not run (and why), and the failures.

A rule fails when a test broke it (the plugin names the broken rules of each failure); it passes
when a test guarding it passed and none broke it; otherwise it was not run, and `why` says what
happened instead (not selected, skipped and why, the suite failed). A cell rule x operation passes
when a passing test of the rule reached the operation (a schemathesis item of that operation, or a
request the test sent to it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from close_conformance.contract import Contract, Rule
from close_conformance.report.operations import OperationIndex
from close_conformance.report.records import RecordOfTest
from close_conformance.report.signature import failure_signature, normal_message

__all__ = [
    "CLIENT_RULE_NOT_RUN",
    "UNKNOWN_OPERATION",
    "Failure",
    "RuleVerdict",
    "failures_of",
    "rule_operations",
    "rule_verdicts",
]

UNKNOWN_OPERATION = "(operation not identified)"
CLIENT_RULE_NOT_RUN = (
    "a client rule: judged on a client's traffic by SDK validation (close_sdk, close-mock serve "
    "--validate, close-mock proxy), never by a run against a server"
)
_EXPECTED = re.compile(r"expected\s+(?P<expected>.+?),\s+got\s+(?P<got>.+)", re.IGNORECASE | re.DOTALL)


@dataclass
class Failure:
    rule: str
    operation: str | None
    test: str
    message: str
    expected: str
    got: str
    curl: str
    replay: str
    signature: str
    normal: str
    baseline: dict[str, Any] | None = None
    """Set by the baseline: {"status": "known" | "expired", "reason", "expires"}; None = new."""

    @property
    def known(self) -> bool:
        return self.baseline is not None and self.baseline.get("status") == "known"


@dataclass
class Cell:
    operation: str
    verdict: str
    why: str = ""
    tests: list[str] = field(default_factory=list)


@dataclass
class RuleVerdict:
    rule: Rule
    verdict: str
    why: str
    tests: list[str]
    reached: bool
    cells: list[Cell]


def rule_operations(rule: Rule, contract: Contract) -> list[str]:
    """The operations a rule concerns, `*` expanded to every operation of the spec."""
    return sorted(contract.operations) if "*" in rule.operations else list(rule.operations)


def _operations_reached(record: RecordOfTest, index: OperationIndex) -> set[str]:
    reached = {index.operation(method, path) for method, path, _ in record.exchanges}
    if record.operation:
        reached.add(record.operation)
    return {operation for operation in reached if operation}


def failures_of(records: Iterable[RecordOfTest], contract: Contract) -> list[Failure]:
    """Every (rule, evidence) of the run's rule failures, in test order."""
    failures: list[Failure] = []
    for record in records:
        if record.outcome != "failed" or record.kind != "rule":
            continue
        evidence = record.evidence or [{"rule": None, "message": record.message or "", "got": "", "curl": ""}]
        for item in evidence:
            # A failure that names no rule (it should: verdict trust) breaks every rule of its test.
            rules = [item["rule"]] if item.get("rule") else (record.broken or record.rules)
            for rule_id in rules:
                operation = item.get("operation") or record.operation
                if operation is None and rule_id in contract.rules:
                    ops = contract.rules[rule_id].operations
                    operation = ops[0] if len(ops) == 1 and ops[0] != "*" else None
                message = str(item.get("message") or record.message or "")
                found = _EXPECTED.search(message.split("\n", 1)[0])
                statement = contract.rules[rule_id].statement if rule_id in contract.rules else ""
                failures.append(
                    Failure(
                        rule=rule_id,
                        operation=operation,
                        test=record.nodeid,
                        message=message,
                        expected=found.group("expected").strip() if found else statement,
                        got=(found.group("got").strip()[:500] if found else str(item.get("got") or "")),
                        curl=str(item.get("curl") or ""),
                        replay=record.replay or "",
                        signature=failure_signature(rule_id, operation, message),
                        normal=normal_message(message),
                    )
                )
    return failures


def rule_verdicts(
    contract: Contract, records: Sequence[RecordOfTest], failures: Sequence[Failure], index: OperationIndex
) -> list[RuleVerdict]:
    verdicts = []
    for rule in contract.rules.values():
        guarding = [r for r in records if rule.id in r.rules]
        broken = [f for f in failures if f.rule == rule.id]
        passed = [r for r in guarding if r.outcome == "passed"]
        ran = [r for r in guarding if r.outcome in ("passed", "failed")]
        if broken:
            verdict, why = "fail", f"broken in {len({f.test for f in broken})} test(s)"
        elif passed:
            verdict, why = "pass", f"{len(passed)} test(s) passed"
        elif rule.side == "client" and not guarding:
            # Judged on a client's traffic only; a run against a server never sees one.
            verdict, why = "not run", CLIENT_RULE_NOT_RUN
        else:
            verdict, why = "not run", _why_not_run(guarding)
        verdicts.append(
            RuleVerdict(
                rule=rule,
                verdict=verdict,
                why=why,
                tests=[r.nodeid for r in guarding],
                reached=bool(ran),
                cells=_cells(rule, contract, passed, broken, guarding, index),
            )
        )
    return verdicts


def _why_not_run(guarding: Sequence[RecordOfTest]) -> str:
    if not guarding:
        return "no test guarding it was selected"
    errors = [r for r in guarding if r.outcome == "failed"]
    if errors:
        return f"the suite could not check it: {errors[0].nodeid} failed without a rule verdict"
    skipped = [r for r in guarding if r.outcome == "skipped"]
    if skipped:
        return f"skipped: {skipped[0].skip_reason or 'no reason given'}"
    return "its tests were selected but never ran (interrupted run)"


def _cells(
    rule: Rule,
    contract: Contract,
    passed: Sequence[RecordOfTest],
    broken: Sequence[Failure],
    guarding: Sequence[RecordOfTest],
    index: OperationIndex,
) -> list[Cell]:
    operations = rule_operations(rule, contract)
    operations += sorted({f.operation for f in broken if f.operation and f.operation not in operations})
    reached = {r.nodeid: _operations_reached(r, index) for r in passed}
    cells = []
    for operation in operations:
        failing = [f for f in broken if f.operation == operation]
        if failing:
            cells.append(Cell(operation, "fail", failing[0].normal, sorted({f.test for f in failing})))
            continue
        passing = [nodeid for nodeid, ops in reached.items() if operation in ops]
        if passing:
            cells.append(Cell(operation, "pass", "", passing))
        elif not guarding:
            cells.append(Cell(operation, "not run", "no test guarding the rule was selected"))
        else:
            cells.append(Cell(operation, "not run", "no passing test of the rule reached this operation"))
    unplaced = [f for f in broken if f.operation is None]
    if unplaced:
        cells.append(Cell(UNKNOWN_OPERATION, "fail", unplaced[0].normal, sorted({f.test for f in unplaced})))
    return cells
