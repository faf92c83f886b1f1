"""conformance.json: the run's machine verdict, one document every other rendering reads.

Its shape is `schema/conformance-1.schema.json` (JSON Schema 2020-12, shipped in the package);
`FORMAT_VERSION` changes with it: a consumer checks `format` and `version` before reading.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jsonschema

from close_conformance.contract import Contract
from close_conformance.outcome import CONFORMANT, NOTHING_CHECKED, RULE_BROKEN, SUITE_FAILED, USAGE_ERROR
from close_conformance.report.baseline import Divergence
from close_conformance.report.coverage import operation_coverage
from close_conformance.report.operations import OperationIndex
from close_conformance.report.records import RecordOfTest
from close_conformance.report.verdicts import Failure, RuleVerdict

__all__ = [
    "EXIT_MEANINGS",
    "FORMAT",
    "FORMAT_VERSION",
    "RunInfo",
    "build",
    "changelog_verdicts",
    "schema",
    "source_link",
    "validate",
]

FORMAT = "close-conformance-report"
FORMAT_VERSION = "1.0"
EXIT_MEANINGS = {
    CONFORMANT: "conformant: every rule checked held (or failed only as a known divergence)",
    RULE_BROKEN: "at least one documented rule was broken",
    USAGE_ERROR: "usage or preflight error",
    SUITE_FAILED: "the suite itself failed (fixture error, health check, internal error)",
    NOTHING_CHECKED: "nothing was checked (everything skipped or deselected): not a pass",
}
CHANGELOG_PAGE = "https://developer.close.com/api/overview/changelog/{year}/{month}/{day}"


@dataclass
class RunInfo:
    """The run's metadata, without credentials (target URL stripped of user, password, query)."""

    target: str
    live: bool
    profile: str
    seed: int | None
    strict: bool
    mock_faults: Sequence[str]
    mock_readings: Sequence[str]
    selection: Mapping[str, Any]
    versions: Mapping[str, str]
    started: datetime.datetime
    seconds: float
    exit_code: int
    exit_code_without_baseline: int
    requests_sent: int = 0
    """Requests the run sent to the target, 429 retries included (close_conformance.spend)."""
    waits_on_429: int = 0


def source_link(source: str) -> dict[str, str | None]:
    """`doc:URL`, `changelog:YYYY-MM-DD`, `seed:file`, `facts:section` as {text, url}."""
    kind, _, value = source.partition(":")
    if kind == "doc":
        return {"text": value, "url": value}
    if kind == "changelog":
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            return {"text": source, "url": None}
        return {
            "text": f"changelog {value}",
            "url": CHANGELOG_PAGE.format(year=day.year, month=day.month, day=day.day),
        }
    if kind == "facts":
        return {"text": f"close-api-facts.md section {value}", "url": None}
    if kind == "seed":
        return {"text": f"seed page {value}", "url": None}
    return {"text": source, "url": None}


def _failure(failure: Failure) -> dict[str, Any]:
    return {
        "rule": failure.rule,
        "operation": failure.operation,
        "test": failure.test,
        "expected": failure.expected,
        "got": failure.got,
        "message": failure.message,
        "curl": failure.curl,
        "replay": failure.replay,
        "signature": failure.signature,
        "normal": failure.normal,
        "baseline": failure.baseline,
    }


def _rule(verdict: RuleVerdict, contract: Contract) -> dict[str, Any]:
    rule = verdict.rule
    return {
        "id": rule.id,
        "area": rule.id.split(".", 1)[0],
        "statement": rule.statement,
        "basis": rule.basis,
        "verdict": verdict.verdict,
        "why": verdict.why,
        "reached": verdict.reached,
        "sources": [source_link(s) for s in rule.sources],
        "tests": verdict.tests,
        "operations": [
            {"operation": c.operation, "verdict": c.verdict, "why": c.why, "tests": c.tests}
            for c in verdict.cells
        ],
        "faults": list(rule.faults),
        "discrepancies": list(rule.discrepancies),
        "changelog": [
            {"date": e.date.isoformat(), "title": e.title} for e in contract.changelog if rule.id in e.rules
        ],
    }


def changelog_verdicts(
    contract: Contract, verdicts: Mapping[str, str], since: datetime.date | None
) -> dict[str, Any]:
    entries = []
    for entry in contract.changelog:
        if since is not None and entry.date < since:
            continue
        rules = [{"id": r, "verdict": verdicts.get(r, "not run")} for r in entry.rules]
        states = {r["verdict"] for r in rules}
        overall = (
            "fail"
            if "fail" in states
            else "pass"
            if states == {"pass"}
            else "not run"
            if states == {"not run"}
            else "partly run"
        )
        entries.append(
            {
                "date": entry.date.isoformat(),
                "title": entry.title,
                "source": source_link(entry.source),
                "verdict": overall,
                "rules": rules,
            }
        )
    return {"since": since.isoformat() if since else None, "entries": entries}


def _verdict_word(exit_code: int, failures: Sequence[Failure]) -> str:
    if exit_code == CONFORMANT:
        return "conformant except known divergences" if failures else "conformant"
    return {
        RULE_BROKEN: "not conformant",
        USAGE_ERROR: "usage error",
        SUITE_FAILED: "suite failed",
        NOTHING_CHECKED: "nothing checked",
    }.get(exit_code, "suite failed")


def build(
    info: RunInfo,
    contract: Contract,
    records: Sequence[RecordOfTest],
    failures: Sequence[Failure],
    verdicts: Sequence[RuleVerdict],
    *,
    baseline_file: str | None = None,
    unobserved: Sequence[Divergence] = (),
    changelog_since: datetime.date | None = None,
) -> dict[str, Any]:
    """The conformance.json document (a dict that validates against `schema()`)."""
    index = OperationIndex(contract)
    by_rule = {v.rule.id: v.verdict for v in verdicts}
    counts = {state: sum(v.verdict == state for v in verdicts) for state in ("pass", "fail", "not run")}
    outcomes = {
        state: sum(r.outcome == state for r in records)
        for state in ("passed", "failed", "skipped", "not run")
    }
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "run": {
            "target": info.target,
            "live": info.live,
            "profile": info.profile,
            "seed": info.seed,
            "reading": "strict" if info.strict else "default",
            "mock_faults": list(info.mock_faults),
            "mock_readings": list(info.mock_readings),
            "selection": dict(info.selection),
            "versions": dict(info.versions),
            "started": info.started.isoformat(timespec="seconds"),
            "duration_seconds": round(info.seconds, 3),
            "requests_sent": info.requests_sent,
            "waits_on_429": info.waits_on_429,
            "exit_code": info.exit_code,
            "exit_meaning": EXIT_MEANINGS.get(info.exit_code, "unknown"),
            "exit_code_without_baseline": info.exit_code_without_baseline,
        },
        "summary": {
            "verdict": _verdict_word(info.exit_code, failures),
            "rules": counts,
            "tests": outcomes,
            "failures": len(failures),
            "new_failures": sum(not f.known for f in failures),
            "known_failures": sum(f.known for f in failures),
        },
        "rules": [_rule(v, contract) for v in verdicts],
        "failures": [_failure(f) for f in failures],
        "suite_errors": [
            {"test": r.nodeid, "message": r.message or ""}
            for r in records
            if r.outcome == "failed" and r.kind != "rule"
        ],
        "coverage": operation_coverage(records, index),
        "changelog": changelog_verdicts(contract, by_rule, changelog_since),
        "baseline": None
        if baseline_file is None
        else {"file": baseline_file, "unobserved": [e.as_dict() for e in unobserved]},
    }


def schema() -> dict[str, Any]:
    text = (
        resources.files("close_conformance.report")
        .joinpath("schema/conformance-1.schema.json")
        .read_text(encoding="utf-8")
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def validate(document: Mapping[str, Any]) -> None:
    """Raises jsonschema.ValidationError if the document does not follow the shipped schema."""
    jsonschema.Draft202012Validator(schema()).validate(document)
