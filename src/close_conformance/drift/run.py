"""A drift run: load Close's documents, compare them with our contract, judge by the register."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from close_conformance.contract import Contract, default_contract, specs_dir
from close_conformance.drift.document import Document, DriftInputError, load_document
from close_conformance.drift.findings import Finding
from close_conformance.drift.operations import compare_documents, our_areas
from close_conformance.drift.register import Listing, apply_register

__all__ = ["DriftReport", "default_inputs", "run_drift"]


@dataclass(frozen=True)
class DriftReport:
    inputs: tuple[str, ...]
    findings: tuple[Finding, ...]
    stale: tuple[Listing, ...]

    @property
    def unlisted(self) -> list[Finding]:
        return [f for f in self.findings if f.status == "unlisted"]

    @property
    def exit_code(self) -> int:
        """0 when every difference is listed in the register, 1 otherwise. Stale listings do not
        count: a difference fixed upstream or in our spec leaves a listing that is merely unused."""
        return 1 if self.unlisted else 0


def default_inputs() -> list[Path]:
    """The vendored copy of Close's spec (specs/upstream/*.yml)."""
    return sorted((specs_dir() / "upstream").glob("*.yml"))


def run_drift(files: Sequence[Path] = (), contract: Contract | None = None) -> DriftReport:
    """Compare Close's documents (`files`, the vendored copy by default) with our contract.
    Raises DriftInputError for unusable input (a file that is unreadable, not YAML/JSON, not an
    OpenAPI 3.x document, or with no operation in our areas)."""
    contract = contract or default_contract()
    paths = list(files) or default_inputs()
    if not paths:
        raise DriftInputError(f"no Close spec given and none vendored in {specs_dir() / 'upstream'}")
    closes = [load_document(path) for path in paths]
    ours = Document("specs/close.yaml", contract.spec)
    areas = our_areas(ours)
    for close in closes:
        # A truncated download, or another API's spec, would otherwise "pass" with no finding.
        if not any(areas.area(operation.path) is not None for operation in close.operations()):
            raise DriftInputError(
                f"{close.source}: none of its operations is in our areas: nothing to compare"
            )
    rules_of = {
        operation_id: tuple(r.id for r in contract.rules.values() if operation_id in r.operations)
        for operation_id in contract.operations
    }
    findings = sorted(
        compare_documents(ours, closes, rules_of), key=lambda f: (f.area, f.path, f.method, f.kind, f.where)
    )
    stale = apply_register(findings, {d.id: d.drift for d in contract.discrepancies.values() if d.drift})
    return DriftReport(tuple(str(p) for p in paths), tuple(findings), tuple(stale))
