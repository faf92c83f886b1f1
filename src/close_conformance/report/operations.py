"""Which operation of specs/close.yaml a request was, and what statuses the spec documents for it.

The report maps the URLs the run sent to operationIds once, at the end of the session (the
per-request cost stays an append, see close_conformance.retry.Counter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from close_conformance.contract import HTTP_METHODS, Contract

__all__ = ["OperationIndex"]

_PARAMETER = re.compile(r"\{[^/}]+\}")


@dataclass
class OperationIndex:
    """operationId <-> (METHOD, path template), with documented statuses per operation."""

    contract: Contract
    base_path: str = "/api/v1"
    _patterns: list[tuple[str, re.Pattern[str], str]] = field(default_factory=list, repr=False)
    _paths: list[re.Pattern[str]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        # Literal templates first: `/send_as/bulk/` must not be read as `/send_as/{id}/`.
        ordered = sorted(self.contract.operations.items(), key=lambda kv: kv[1][1].count("{"))
        for operation, (method, template) in ordered:
            self._patterns.append((method, _compile(template), operation))
        self._paths = [_compile(path) for path in self.contract.spec.get("paths", {})]

    def operation(self, method: str, url: str) -> str | None:
        """The operationId of `METHOD url` (a full URL or a path under the base), or None."""
        path = self._relative(url)
        for known_method, pattern, operation in self._patterns:
            if known_method == method.upper() and pattern.fullmatch(path):
                return operation
        return None

    def relative_path(self, url: str) -> str:
        """The path under the API base (`/contact/cont_x/`), without host or query."""
        return self._relative(url)

    def documented(self, operation: str) -> list[int]:
        """The status codes specs/close.yaml lists for the operation (numeric ones, sorted)."""
        method, path = self.contract.operations[operation]
        responses = self.contract.spec["paths"][path][method.lower()].get("responses", {})
        return sorted(int(code) for code in responses if str(code).isdigit())

    def methods(self) -> tuple[str, ...]:
        return tuple(m.upper() for m in HTTP_METHODS)

    def _relative(self, url: str) -> str:
        path = urlsplit(url).path if "://" in url else url.split("?", 1)[0]
        index = path.find(self.base_path + "/")
        return path[index + len(self.base_path) :] if index >= 0 else path


def _compile(template: str) -> re.Pattern[str]:
    parts = _PARAMETER.split(template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))
