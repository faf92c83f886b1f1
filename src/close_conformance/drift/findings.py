"""A drift finding: one way our contract is narrower than, or different from, Close's spec.

Key grammar (stable, what `specs/discrepancies.yaml` lists under `drift:`):

    <kind> <METHOD> <path> [<where>]

- `path` is our path when the operation is matched (`/contact/{id}/`), else Close's as written.
- `where` says where in the operation, dotted, `[]` for array items:
  `query.<name>`, `path.<name>`, `request` (the body), `request.emails[].type`,
  `request.{^custom\\.}` (a patternProperties key), `response.<status>`,
  `response.200.data[].emails[].type`. Example findings use `request` or `response.<status>`,
  with `[<name>]` for a named example of an `examples:` map.
- `operation-missing` and `response-status-missing` findings have no `where` / `response.<status>`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["KINDS", "Finding", "Status"]

# kind -> what it means (shown by the CLI's legend and the README).
KINDS: dict[str, str] = {
    "operation-missing": "Close has this method on a path of our areas; our spec lacks it",
    "query-param-missing": "Close accepts this query parameter; our spec lacks it",
    "request-body-missing": "Close takes a request body here; our spec has none",
    "request-property-missing": "Close accepts this body key; our object refuses unknown keys",
    "request-closed-object": "we refuse unknown keys (additionalProperties: false) where Close does not",
    "request-not-nullable": "Close accepts null here; we refuse it",
    "request-type": "Close accepts a type here that we refuse",
    "request-required": "we require this where Close does not",
    "request-pattern": "we add (or change) a pattern",
    "request-format": "we add (or change) a format",
    "request-enum": "we allow fewer values than Close",
    "request-bounds": "we add or tighten a length, size or value bound",
    "response-status-missing": "Close answers this success status; our spec does not document it",
    "response-required-missing": "Close requires this response field; we do not require (or describe) it",
    "response-required-extra": "we require this response field; Close does not",
    "response-not-nullable": "Close may answer null here; our schema refuses null",
    "response-type": "Close may answer a type here that our schema refuses",
    "request-example-rejected": "our schema rejects Close's request example",
    "response-example-rejected": "our schema rejects Close's response example",
}

Status = Literal["listed", "unlisted"]


@dataclass
class Finding:
    """One difference. `status`/`listed_by` are filled from the register after comparison."""

    kind: str
    method: str
    path: str
    where: str
    close: str  # what Close's spec says, in a few words
    ours: str  # what our spec says
    area: str  # our tag (users, leads, contacts, emails, send_as)
    operation_id: str | None = None  # ours, when the operation is matched
    close_operation_id: str | None = None
    rules: tuple[str, ...] = ()  # rules of specs/rules.yaml naming operation_id
    status: Status = "unlisted"
    listed_by: str | None = None  # register id
    details: list[str] = field(default_factory=list)  # e.g. each example error

    @property
    def key(self) -> str:
        return " ".join(part for part in (self.kind, self.method, self.path, self.where) if part)

    def as_json(self) -> dict[str, object]:
        return {
            "key": self.key,
            "kind": self.kind,
            "status": self.status,
            "listed_by": self.listed_by,
            "area": self.area,
            "operation": {
                "method": self.method,
                "path": self.path,
                "operation_id": self.operation_id,
                "close_operation_id": self.close_operation_id,
            },
            "where": self.where,
            "close": self.close,
            "ours": self.ours,
            "details": list(self.details),
            "rules": list(self.rules),
        }
