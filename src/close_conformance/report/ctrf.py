"""ctrf.json: the Common Test Report Format (https://ctrf.io, schema/ctrf.schema.json of
ctrf-io/ctrf): the same cases as junit.xml, with the rule, operation and changelog dates as labels.

Statuses: passed, failed, skipped (not run), other (a known divergence, rawStatus says so).
Durations are milliseconds since CTRF counts them so.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from close_conformance.report.cases import cases

__all__ = ["SPEC_VERSION", "as_ctrf"]

SPEC_VERSION = "0.1.0"  # the version ctrf-io/ctrf's examples declare (schema on main, read 2026-11)
_STATUS = {"passed": "passed", "failed": "failed", "skipped": "skipped", "known": "other", "error": "failed"}
_RAW = {"known": "known divergence (baseline)", "error": "suite error", "skipped": "not run"}


def as_ctrf(document: Mapping[str, Any]) -> dict[str, Any]:
    run = document["run"]
    start = int(datetime.datetime.fromisoformat(run["started"]).timestamp() * 1000)
    duration = int(run["duration_seconds"] * 1000)
    tests = []
    for case in cases(document):
        test: dict[str, Any] = {
            "name": case.name,
            "status": _STATUS[case.status],
            "duration": 0,
            "suite": [case.classname],
            "labels": {
                key: value
                for key, value in (
                    ("rule", case.rule),
                    ("operation", case.operation),
                    ("area", case.classname),
                )
                if value
            },
        }
        if case.changelog:
            test["labels"]["changelog"] = case.changelog
        if case.status in _RAW:
            test["rawStatus"] = _RAW[case.status]
        if case.message:
            test["message"] = case.message
        if case.body:
            test["trace"] = case.body
        tests.append(test)
    summary = {
        status: sum(t["status"] == status for t in tests)
        for status in ("passed", "failed", "skipped", "pending", "other")
    }
    return {
        "reportFormat": "CTRF",
        "specVersion": SPEC_VERSION,
        "timestamp": datetime.datetime.fromtimestamp((start + duration) / 1000, datetime.UTC).isoformat(),
        "generatedBy": f"close-conformance {run['versions'].get('close-conformance', '')}".strip(),
        "results": {
            "tool": {"name": "close-conformance", "version": run["versions"].get("close-conformance", "")},
            "summary": {
                "tests": len(tests),
                **summary,
                "start": start,
                "stop": start + duration,
                "duration": duration,
            },
            "tests": tests,
            "environment": {
                "appName": "Close API",
                "extra": {
                    "target": run["target"],
                    "profile": run["profile"],
                    "seed": run["seed"],
                    "reading": run["reading"],
                },
            },
        },
        "extra": {"verdict": document["summary"]["verdict"], "exit_code": run["exit_code"]},
    }
