"""drift/document.py: loading Close's documents, unusable input as one readable error."""

from __future__ import annotations

from pathlib import Path

import pytest

from close_conformance.drift.document import Document, DriftInputError, load_document

pytestmark = pytest.mark.selftest


@pytest.mark.parametrize(
    ("content", "name", "reason"),
    [
        ("openapi: [unclosed\n", "bad.yaml", "not valid YAML"),
        ("{not json", "bad.json", "not valid JSON"),
        ("- a list\n", "list.yaml", "top level is not a mapping"),
        ("title: something else\n", "other.yaml", "not an OpenAPI 3.x document"),
        ("swagger: '2.0'\npaths: {}\n", "old.yaml", "Swagger 2.0"),
        ("openapi: 3.1.0\ninfo: {title: x, version: '1'}\n", "nopaths.yaml", "without `paths`"),
    ],
)
def test_unusable_documents_are_refused_with_one_line(
    tmp_path: Path, content: str, name: str, reason: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DriftInputError, match=reason) as raised:
        load_document(path)
    assert "\n" not in str(raised.value)
    assert str(path) in str(raised.value)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DriftInputError, match="cannot read"):
        load_document(tmp_path / "absent.yml")


def test_json_documents_load(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text('{"openapi": "3.0.3", "paths": {"/me/": {"get": {"responses": {}}}}}', encoding="utf-8")
    assert [op.label for op in load_document(path).operations()] == ["GET /me/"]


def test_references_resolve_through_chains_siblings_and_cycles() -> None:
    doc = Document(
        "x",
        {
            "components": {
                "schemas": {
                    "A": {"$ref": "#/components/schemas/B"},
                    "B": {"type": "string"},
                    "Loop": {"$ref": "#/components/schemas/Loop"},
                    "a/b": {"type": "integer"},
                }
            }
        },
    )
    assert doc.deref({"$ref": "#/components/schemas/A"}) == {"type": "string"}
    assert doc.deref({"$ref": "#/components/schemas/a~1b"}) == {"type": "integer"}
    assert doc.deref({"$ref": "#/components/schemas/B", "maxLength": 3, "description": "d"}) == {
        "allOf": [{"type": "string"}, {"maxLength": 3}]
    }
    assert doc.deref({"$ref": "#/components/schemas/Loop"}) == {}
    with pytest.raises(DriftInputError, match="points at nothing"):
        doc.deref({"$ref": "#/components/schemas/Missing"})


def test_operations_carry_path_item_parameters() -> None:
    doc = Document(
        "x",
        {
            "paths": {
                "/contact/{id}": {
                    "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}}],
                    "get": {"parameters": [{"$ref": "#/components/parameters/F"}]},
                }
            },
            "components": {"parameters": {"F": {"name": "_fields", "in": "query"}}},
        },
    )
    (operation,) = doc.operations()
    assert set(operation.parameters()) == {("path", "id"), ("query", "_fields")}
