"""A drift report as a readable table (per area) or as JSON."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from close_conformance.drift.findings import KINDS
from close_conformance.drift.run import DriftReport

__all__ = ["as_json", "as_table"]

_SCHEMA_VERSION = 1


def as_json(report: DriftReport) -> str:
    """`{version, inputs, exit_code, counts: {listed, unlisted, stale}, findings: [...], stale:
    [{register, key}]}`; each finding as Finding.as_json."""
    document: dict[str, Any] = {
        "version": _SCHEMA_VERSION,
        "inputs": list(report.inputs),
        "exit_code": report.exit_code,
        "counts": {
            "listed": sum(f.status == "listed" for f in report.findings),
            "unlisted": len(report.unlisted),
            "stale": len(report.stale),
        },
        "findings": [f.as_json() for f in report.findings],
        "stale": [{"register": s.register_id, "key": s.key} for s in report.stale],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _summary(report: DriftReport) -> list[str]:
    areas = sorted({f.area for f in report.findings})
    counts = Counter((f.kind, f.area) for f in report.findings)
    unlisted = Counter((f.kind, f.area) for f in report.unlisted)
    width = max([len(k) for k in KINDS] + [4])
    lines = [
        "Findings by kind and area (unlisted/all):",
        "  " + "kind".ljust(width) + "".join(a[:10].rjust(11) for a in areas),
    ]
    for kind in KINDS:
        if any(counts[(kind, a)] for a in areas):
            cells = "".join(
                (f"{unlisted[(kind, a)]}/{counts[(kind, a)]}" if counts[(kind, a)] else "-").rjust(11)
                for a in areas
            )
            lines.append("  " + kind.ljust(width) + cells)
    return lines


def as_table(report: DriftReport, *, unlisted_only: bool = False) -> str:
    """Findings grouped by area, two lines each (key, then what each side says), a summary by
    kind and area, the stale register keys, and which tests guard the touched operations."""
    lines = [f"close-conformance drift: specs/close.yaml against {len(report.inputs)} Close file(s)"]
    shown = report.unlisted if unlisted_only else list(report.findings)
    for area in sorted({f.area for f in shown}):
        mine = [f for f in shown if f.area == area]
        lines += ["", f"{area}: {len(mine)} finding(s), {sum(f.status == 'unlisted' for f in mine)} unlisted"]
        for finding in mine:
            status = "unlisted" if finding.status == "unlisted" else f"listed ({finding.listed_by})"
            lines.append(f"  {status:<10} {finding.key}")
            said = f"Close: {finding.close} | ours: {finding.ours}"
            if finding.operation_id:
                said += f" | {finding.operation_id}"
            lines.append(f"  {'':<10}   {said}")
            lines += [f"  {'':<10}     {detail}" for detail in finding.details]
    if report.findings:
        lines += ["", *_summary(report)]
    if report.stale:
        lines += ["", "Listed in the register but not observed (stale; fixed here or upstream?):"]
        lines += [f"  {s.register_id}: {s.key}" for s in report.stale]
    touched: dict[str, set[str]] = {}
    for finding in report.unlisted:
        if finding.operation_id:
            touched.setdefault(finding.operation_id, set()).update(finding.rules)
    if touched:
        lines += ["", "Operations touched by unlisted findings, and the tests guarding them:"]
        for operation_id, rules in sorted(touched.items()):
            rule_flags = " ".join(f"--rule {r}" for r in sorted(rules))
            lines.append(
                f"  pytest --operation {operation_id}" + (f"    (rules: {rule_flags})" if rules else "")
            )
    listed = sum(f.status == "listed" for f in report.findings)
    lines += [
        "",
        f"{len(report.findings)} finding(s): {listed} listed, {len(report.unlisted)} unlisted; "
        f"{len(report.stale)} stale listing(s). Exit {report.exit_code}.",
    ]
    return "\n".join(lines)
