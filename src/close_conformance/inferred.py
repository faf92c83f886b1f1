"""Constraints our spec infers rather than the docs state, as schemathesis is to read them.

A parameter marked `x-close-inferred: <register id>` in specs/close.yaml has constraints (pattern,
lengths, format) we inferred. Schemathesis treats every constraint as documented: it generates
values breaking it and fails any success answer to them ("schema-violating request accepted").
Where the register entry admits a success in this mode (any accepted value that is not a 4xx
status: "empty-list", say), the schema schemathesis gets has those constraints removed, so it
neither generates negative data from them nor demands their rejection; the rule checks still
judge the answer (e.g. send_as.list-involved-only: an empty list, nothing leaked). Where the
reading admits only 4xx answers (strict), the constraint stays and is tested as stated.

A schema node marked so beside a `$ref` (a recipient's address form, `email-recipient-format`)
is loosened the same way, in request and response schemas alike: its `$ref` and constraints go,
what is left beside it (the item's Close-documented type and length) stays.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from close_conformance.contract import Contract

__all__ = ["INFERRED_KEYS", "MARK", "loosened_spec", "marked", "marked_schemas", "success_accepted"]

MARK = "x-close-inferred"
INFERRED_KEYS = ("pattern", "minLength", "maxLength", "format")


def success_accepted(contract: Contract, discrepancy: str, *, strict: bool) -> bool:
    """Whether the register's reading admits an answer other than a 4xx refusal."""
    accepted = contract.discrepancy(discrepancy).accepted(strict=strict)
    return any(not (isinstance(value, int) and 400 <= value < 500) for value in accepted)


def marked(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(operation label `METHOD /path`, register id, parameter) for every marked parameter."""
    for path, item in spec.get("paths", {}).items():
        if not isinstance(item, dict):
            continue
        shared = [p for p in item.get("parameters", []) if isinstance(p, dict)]
        for method, operation in item.items():
            if method == "parameters" or not isinstance(operation, dict):
                continue
            for parameter in [*shared, *operation.get("parameters", [])]:
                if isinstance(parameter, dict) and MARK in parameter:
                    yield f"{method.upper()} {path}", str(parameter[MARK]), parameter


def _resolve(spec: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in str(node["$ref"]).lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def marked_schemas(spec: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(register id, schema node) for every marked node under `components/schemas`."""

    def walk(node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        if isinstance(node, dict):
            if MARK in node:
                yield str(node[MARK]), node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    yield from walk(spec.get("components", {}).get("schemas", {}))


def loosened_spec(contract: Contract, *, strict: bool) -> dict[str, Any]:
    """A copy of the spec where each marked parameter whose register entry admits a success in this
    mode has its inferred constraints removed (its `$ref` inlined first), and each marked schema
    node its `$ref` and constraints."""
    spec: dict[str, Any] = copy.deepcopy(dict(contract.spec))
    for discrepancy, node in list(marked_schemas(spec)):
        if success_accepted(contract, discrepancy, strict=strict):
            for key in ("$ref", *INFERRED_KEYS):
                node.pop(key, None)
    for _, discrepancy, parameter in marked(spec):
        if not success_accepted(contract, discrepancy, strict=strict):
            continue
        schema = copy.deepcopy(_resolve(spec, parameter.get("schema", {})))
        if isinstance(schema, dict):
            for key in INFERRED_KEYS:
                schema.pop(key, None)
            parameter["schema"] = schema
    return spec
