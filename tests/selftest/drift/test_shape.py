"""drift/shape.py: every spelling of null, allOf/anyOf, loosest constraints."""

from __future__ import annotations

from typing import Any

import pytest

from close_conformance.drift.document import Document
from close_conformance.drift.shape import shape_of

pytestmark = pytest.mark.selftest

DOC = Document("x", {"components": {"schemas": {"Id": {"type": "string", "pattern": "^x_"}}}})


@pytest.mark.parametrize(
    "schema",
    [
        {"type": ["string", "null"]},
        {"type": "string", "nullable": True},
        {"anyOf": [{"type": "string"}, {"type": "null"}]},
        {"oneOf": [{"$ref": "#/components/schemas/Id"}, {"type": "null"}]},
        {"type": ["string", "null"], "enum": ["a", None]},
        {"enum": ["a", None]},
        {},
    ],
)
def test_every_spelling_of_nullable(schema: dict[str, Any]) -> None:
    assert shape_of(DOC, schema).nullable


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string"},
        {"$ref": "#/components/schemas/Id"},
        {"enum": ["a"]},
        {"type": "string", "nullable": False},
    ],
)
def test_not_nullable(schema: dict[str, Any]) -> None:
    assert not shape_of(DOC, schema).nullable


def test_all_of_merges_properties_and_requirements() -> None:
    shape = shape_of(
        DOC,
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                {"properties": {"b": {"type": "integer"}}, "additionalProperties": False},
            ]
        },
    )
    assert set(shape.properties) == {"a", "b"}
    assert shape.required == {"a"}
    assert shape.closed


def test_constraints_count_only_when_every_alternative_has_them() -> None:
    some = shape_of(DOC, {"anyOf": [{"type": "string", "format": "email"}, {"type": "string"}]})
    assert some.formats is None
    both = shape_of(
        DOC, {"type": "string", "maxLength": 9, "anyOf": [{"format": "email"}, {"pattern": "^a"}]}
    )
    assert both.formats is None
    assert both.patterns is None
    assert both.bounds["maxLength"] == 9
    assert shape_of(DOC, {"$ref": "#/components/schemas/Id"}).patterns == {"^x_"}


def test_items_and_conditional_requirements() -> None:
    shape = shape_of(
        DOC,
        {
            "type": ["array", "null"],
            "items": {"type": "string"},
        },
    )
    assert shape.items == {"type": "string"}
    conditional = shape_of(
        DOC,
        {
            "type": "object",
            "properties": {"status": {"type": "string"}},
            "allOf": [{"if": {"properties": {"status": {"const": "x"}}}, "then": {"required": ["when"]}}],
        },
    )
    assert conditional.conditional == {"when": "status = x"}
