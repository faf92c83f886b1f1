"""A violation is data: which rule, which operation, what was sent or received, what the contract
says, and how to replay it.

`severity` is "violation" (Close would refuse or misread it, or the answer is not a documented
one) or "warning" (it works, at a cost: a slashless path costs a redirect). Warnings are listed but
never counted in `Close-Conformance-Violations`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["Severity", "Violation"]

Severity = Literal["violation", "warning"]


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    """A rule id of specs/rules.yaml."""
    operation: str | None
    """The operationId the exchange belongs to; None for a call outside the contract."""
    direction: Literal["request", "response", "behaviour"]
    observed: str
    """What was sent or received, in a few words."""
    expected: str
    """What the contract says."""
    request: str
    """`METHOD URL` of the exchange."""
    curl: str
    """A curl line replaying the request, credentials as shell variables."""
    severity: Severity = "violation"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """Several readable lines: rule, operation, what was observed, what was expected, the replay."""
        where = self.operation or "outside the contract"
        return (
            f"[{self.rule}] {self.severity} ({self.direction}) {self.request} ({where})\n"
            f"  observed: {self.observed}\n"
            f"  expected: {self.expected}\n"
            f"  replay:   {self.curl}"
        )
