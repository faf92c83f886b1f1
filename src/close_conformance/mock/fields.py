"""`_fields=a,b`: only the named fields of each object come back (docs, "Specifying Fields")."""

from __future__ import annotations

from typing import Any

from close_conformance.mock.faults import FaultSet

__all__ = ["select_fields"]


def _pick(obj: Any, names: list[str]) -> Any:
    if not isinstance(obj, dict):
        return obj
    return {name: obj[name] for name in names if name in obj}


def select_fields(body: Any, fields: str | None, faults: FaultSet) -> Any:
    """The body with each object cut down to `fields`; a list keeps its envelope (`data`, `has_more`)."""
    if not fields or faults.on("fields-ignored") or not isinstance(body, dict):
        return body
    names = [name.strip() for name in fields.split(",")]
    if isinstance(body.get("data"), list) and "has_more" in body:
        if faults.on("fields-ignored-on-lists"):
            return body
        return {**body, "data": [_pick(item, names) for item in body["data"]]}
    return _pick(body, names)
