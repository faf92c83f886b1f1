"""Coverage of operations x documented statuses, from the requests the run's tests sent.

Each cell is one of: `covered` (documented and observed), `documented, never observed`,
`observed, undocumented` (the server answered a status specs/close.yaml does not list), or
`not run` (no request reached the operation at all). Requests to no operation of the spec (an
undeclared method, a path outside it) are counted apart, by method, path template and status.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from close_conformance.report.operations import OperationIndex
from close_conformance.report.records import RecordOfTest

__all__ = ["COVERED", "NOT_RUN", "UNDOCUMENTED", "UNOBSERVED", "operation_coverage"]

COVERED = "covered"
UNOBSERVED = "documented, never observed"
UNDOCUMENTED = "observed, undocumented"
NOT_RUN = "not run"


def operation_coverage(records: Iterable[RecordOfTest], index: OperationIndex) -> dict[str, Any]:
    """{"operations": [{operation, method, path, requests, cells: [{status, state, count}]}],
    "totals": {state: count}, "outside": [{method, path, status, count}]}"""
    observed: Counter[tuple[str, int]] = Counter()
    outside: Counter[tuple[str, str, int]] = Counter()
    for record in records:
        for method, path, status in record.exchanges:
            operation = index.operation(method, path)
            if operation:
                observed[(operation, status)] += 1
            else:
                outside[(method, _template(index.relative_path(path)), status)] += 1
    operations = []
    totals: Counter[str] = Counter()
    for operation, (method, path) in sorted(index.contract.operations.items()):
        documented = index.documented(operation)
        seen = {status: n for (op, status), n in observed.items() if op == operation}
        cells = []
        for status in sorted(set(documented) | set(seen)):
            if not seen:
                state = NOT_RUN
            elif status in seen and status in documented:
                state = COVERED
            elif status in documented:
                state = UNOBSERVED
            else:
                state = UNDOCUMENTED
            totals[state] += 1
            cells.append({"status": status, "state": state, "count": seen.get(status, 0)})
        operations.append(
            {
                "operation": operation,
                "method": method,
                "path": path,
                "requests": sum(seen.values()),
                "cells": cells,
            }
        )
    return {
        "operations": operations,
        "totals": {state: totals.get(state, 0) for state in (COVERED, UNOBSERVED, UNDOCUMENTED, NOT_RUN)},
        "outside": [
            {"method": m, "path": p, "status": s, "count": n} for (m, p, s), n in sorted(outside.items())
        ][:200],
    }


def _template(path: str) -> str:
    """Ids out of a path outside the spec, so the list groups alike requests."""
    return "/".join("{id}" if "_" in part and len(part) > 20 else part for part in path.split("/"))
