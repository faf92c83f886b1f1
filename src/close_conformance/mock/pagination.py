"""Offset pagination: `_skip`, `_limit` (default 100) and `has_more` (rule pagination.offset).

The largest `_skip` of each list is a `maximum` in the spec (discrepancy `skip-maximum`), so the
request validation answers past it with a 400 naming `_skip` (rule pagination.skip-maximum);
`skip_maximum_pointers` finds those constraints, for the fault that drops them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from close_conformance.mock.faults import FaultSet

__all__ = ["DEFAULT_LIMIT", "page", "skip_maximum_pointers"]

DEFAULT_LIMIT = 100
T = TypeVar("T")


def page(
    items: Sequence[T], query: Mapping[str, Any], faults: FaultSet, render: Callable[[T], dict[str, Any]]
) -> dict[str, Any]:
    """`{"data": [...], "has_more": bool}` for one page; `has_more` exactly when objects remain past it."""
    skip = 0 if faults.on("skip-ignored") else int(query.get("_skip", 0))
    limit = int(query.get("_limit", DEFAULT_LIMIT))
    chosen = items[skip : skip + limit]
    if faults.on("has-more-wrong"):
        has_more = limit > 0 and len(chosen) == limit
    else:
        has_more = skip + limit < len(items)
    return {"data": [render(item) for item in chosen], "has_more": has_more}


def skip_maximum_pointers(spec: Mapping[str, Any]) -> list[str]:
    """JSON pointers to every `maximum` of a `_skip` parameter in the spec (shared or inline)."""
    return sorted(set(_skip_maximums(spec)))


def _skip_maximums(spec: Mapping[str, Any]) -> Iterator[str]:
    def escape(token: str) -> str:
        return token.replace("~", "~0").replace("/", "~1")

    for key, parameter in spec.get("components", {}).get("parameters", {}).items():
        if parameter.get("name") == "_skip" and "maximum" in parameter.get("schema", {}):
            yield f"/components/parameters/{escape(key)}/schema/maximum"
    for path, item in spec.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            for index, parameter in enumerate(operation.get("parameters", [])):
                if parameter.get("name") == "_skip" and "maximum" in parameter.get("schema", {}):
                    yield f"/paths/{escape(path)}/{method}/parameters/{index}/schema/maximum"
