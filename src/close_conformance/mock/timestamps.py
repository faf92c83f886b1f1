"""Timestamps as the mock writes them in its answers (register `timestamp-offset`).

The store keeps every timestamp with its UTC offset (`ids.timestamp`: microseconds, +00:00, as
most of Close's examples show, facts 5.9). Under the register's other reading, `naive`, the answer
drops the offset: the instant in UTC without `+00:00`, as Close's email examples show
`activity_at`. Which properties are timestamps is read from the spec (the `Timestamp` schema), so
a new one needs no code here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["TIMESTAMP_REF", "naive", "timestamp_fields", "without_offsets"]

TIMESTAMP_REF = "#/components/schemas/Timestamp"


def _is_timestamp(schema: Any) -> bool:
    if not isinstance(schema, Mapping):
        return False
    if schema.get("$ref") == TIMESTAMP_REF:
        return True
    return any(_is_timestamp(branch) for key in ("anyOf", "oneOf") for branch in schema.get(key, ()))


def timestamp_fields(spec: Mapping[str, Any]) -> frozenset[str]:
    """Names of the properties the spec's schemas type as `Timestamp` (or Timestamp-or-null)."""
    found: set[str] = set()
    for schema in spec.get("components", {}).get("schemas", {}).values():
        if isinstance(schema, Mapping):
            found.update(name for name, prop in schema.get("properties", {}).items() if _is_timestamp(prop))
    return frozenset(found)


def naive(value: str) -> str:
    """`value` as the same instant in UTC without an offset (microseconds); a value that is no
    timestamp, or one past the calendar in UTC (kept as sent by the resource modules), unchanged."""
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return value
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    except (ValueError, OverflowError):
        return value


def without_offsets(body: Any, fields: frozenset[str]) -> Any:
    """A copy of an answer's JSON body with every string under a name in `fields` made `naive`,
    at any depth (a lead's contacts, my organizations)."""
    if isinstance(body, dict):
        return {
            key: naive(value) if key in fields and isinstance(value, str) else without_offsets(value, fields)
            for key, value in body.items()
        }
    if isinstance(body, list):
        return [without_offsets(item, fields) for item in body]
    return body
