"""What the report knows of each test, merged from the plugin's tally (outcome, rules, kind,
broken rules: close_conformance.plugin) and the per-phase observations (close_conformance.report.
observe): the one input of every verdict."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Extra", "RecordOfTest", "merge"]


@dataclass
class Extra:
    """The report's observations of one test, over its phases (gathered on the controller)."""

    exchanges: list[tuple[str, str, int]] = field(default_factory=list)
    operation: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    replay: str | None = None
    skip_reason: str | None = None
    skipped: bool = False
    error: str | None = None
    """The last lines of a failure's report, scrubbed (a suite error has no evidence)."""


@dataclass
class RecordOfTest:
    nodeid: str
    rules: list[str]
    outcome: str
    """passed, failed, skipped, or "not run" (selected, never reported: an interrupted run)."""
    kind: str | None = None
    """For a failure: "rule" (the server broke a rule) or "suite" (the suite could not check)."""
    broken: list[str] = field(default_factory=list)
    seconds: float = 0.0
    operation: str | None = None
    exchanges: list[tuple[str, str, int]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    replay: str | None = None
    skip_reason: str | None = None
    message: str | None = None


def merge(
    collected: Iterable[Mapping[str, Any]],
    tally: Iterable[Mapping[str, Any]],
    extras: Mapping[str, Extra],
) -> list[RecordOfTest]:
    """One record per selected test, in collection order; a failure in any phase wins."""
    records: dict[str, RecordOfTest] = {}
    for item in collected:
        nodeid = str(item["nodeid"])
        records[nodeid] = RecordOfTest(nodeid, list(item.get("rules", [])), "not run")
    for entry in tally:
        nodeid = str(entry["nodeid"])
        record = records.setdefault(nodeid, RecordOfTest(nodeid, list(entry.get("rules", [])), "not run"))
        record.seconds += float(entry.get("seconds", 0.0))
        if record.outcome == "failed":
            continue
        if entry["outcome"] == "failed":
            record.outcome = "failed"
            record.kind = str(entry.get("kind") or "suite")
            record.broken = list(entry.get("broken", []))
        elif entry["outcome"] == "passed" and entry.get("when") == "call":
            record.outcome = "passed"
    for nodeid, extra in extras.items():
        found = records.get(nodeid)
        if found is None:
            continue
        record = found
        record.exchanges = extra.exchanges
        record.operation = extra.operation
        record.evidence = extra.evidence
        record.replay = extra.replay
        record.message = extra.error
        if extra.skipped and record.outcome == "not run":
            record.outcome = "skipped"
            record.skip_reason = extra.skip_reason
    return list(records.values())
