"""Ids in request bodies must name objects the caller's organization has.

The spec marks such properties with `x-close-ref: <kind>` (its description: "the mock rejects
unknown ones with 400"). This walks a body that already passed schema validation alongside its
schema and collects every marked string, so a new reference in the spec is checked without code.
Another organization's object counts as unknown: naming it must not reveal that it exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from close_conformance.mock.errors import ApiError, ValidationFailed
from close_conformance.mock.validation import SpecValidators

__all__ = ["check_references", "malformed_references", "references"]

_BRANCHES = ("anyOf", "oneOf", "allOf")


def references(validators: SpecValidators, operation_id: str, body: Any) -> dict[str, tuple[str, str]]:
    """field path -> (kind, id) for every `x-close-ref` string in the body."""
    found = _marked(validators, operation_id, body)
    return {field: (kind, value) for field, (kind, value, _) in found.items()}


def malformed_references(validators: SpecValidators, operation_id: str, body: Any) -> set[str]:
    """Fields of a body (schema-invalid or not) holding an `x-close-ref` string that does not have
    its kind's id form (the schema's pattern: `<prefix>_<base62>`, register `id-format`)."""
    return {
        field
        for field, (_, value, schema) in _marked(validators, operation_id, body).items()
        if isinstance(schema.get("pattern"), str) and re.search(schema["pattern"], value) is None
    }


def _marked(
    validators: SpecValidators, operation_id: str, body: Any
) -> dict[str, tuple[str, str, Mapping[str, Any]]]:
    """field path -> (kind, id, the schema naming the kind) for every `x-close-ref` string."""
    pointer = validators.operations[operation_id].body_pointer
    found: dict[str, tuple[str, str, Mapping[str, Any]]] = {}
    if pointer is None:
        return found

    def walk(schema: Mapping[str, Any], value: Any, path: tuple[str, ...]) -> None:
        if "$ref" in schema:
            walk(validators.resolve({"$ref": schema["$ref"]}), value, path)
        kind = schema.get("x-close-ref")
        if isinstance(kind, str) and isinstance(value, str):
            found[".".join(path)] = (kind, value, schema)
        for keyword in _BRANCHES:
            for branch in schema.get(keyword, ()):
                walk(branch, value, path)
        if isinstance(value, dict):
            for name, subschema in schema.get("properties", {}).items():
                if name in value:
                    walk(subschema, value[name], (*path, name))
        items = schema.get("items")
        if isinstance(value, list) and isinstance(items, dict):
            for index, item in enumerate(value):
                walk(items, item, (*path, str(index)))

    walk({"$ref": f"#{pointer}"}, body, ())
    return found


def check_references(
    validators: SpecValidators,
    operation_id: str,
    body: Any,
    exists: Callable[[str, str], bool],
    *,
    status: int = 400,
    own: Collection[str] = (),
) -> None:
    """Refuse references to objects that do not exist for the caller.

    `status` is the register's reading (`unknown-reference`): a 400 names every such field, any
    other status carries the first one as `{"error"}`. `own` names top-level fields the
    operation's handler resolves itself (Send As refuses users by its own register entry).
    """
    field_errors = {
        field: f"Unknown {kind.replace('_', ' ')}."
        for field, (kind, value) in references(validators, operation_id, body).items()
        if field.split(".", 1)[0] not in own and not exists(kind, value)
    }
    if not field_errors:
        return
    if status == 400:
        raise ValidationFailed(field_errors)
    field, message = next(iter(field_errors.items()))
    raise ApiError(status, f"{field}: {message}")
