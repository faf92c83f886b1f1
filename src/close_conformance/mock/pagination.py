"""Offset pagination: `_skip`, `_limit` (default 100) and `has_more` (rule pagination.offset)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from close_conformance.mock.faults import FaultSet

__all__ = ["DEFAULT_LIMIT", "page"]

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
