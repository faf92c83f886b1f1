"""drift/compare.py and operations.py on small specs: each kind of finding is reported where ours
is narrower, and nothing where ours is the same or wider."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from close_conformance.drift.document import Document
from close_conformance.drift.operations import compare_documents

pytestmark = pytest.mark.selftest

ITEM = {"type": "object", "properties": {"email": {"type": "string"}, "type": {"type": "string"}}}
CLOSE: dict[str, Any] = {
    "openapi": "3.2.0",
    "paths": {
        "/thing": {
            "post": {
                "operationId": "things_create",
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/New"}}}
                },
                "responses": {
                    "201": {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Thing"},
                                "example": {"id": "t_1", "name": None},
                            }
                        }
                    }
                },
            },
            "get": {
                "parameters": [
                    {"in": "query", "name": "_limit", "schema": {"type": "integer"}},
                    {"in": "query", "name": "owner", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "ok"}},
            },
        },
        "/thing/{thing_id}/": {"delete": {"responses": {"204": {"description": "gone"}}}},
        "/other/": {"get": {"responses": {"200": {"description": "not our area"}}}},
    },
    "components": {
        "schemas": {
            "New": {
                "type": "object",
                "additionalProperties": False,
                "patternProperties": {"^custom\\.": {}},
                "properties": {
                    "name": {"type": ["string", "null"]},
                    "size": {"type": "number"},
                    "colour": {"type": "string", "enum": ["red", "blue"]},
                    "emails": {"type": ["array", "null"], "items": ITEM},
                    "nickname": {"type": "string"},
                },
            },
            "Thing": {
                "type": "object",
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                },
            },
        }
    },
}
OURS: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/thing/": {
            "post": {
                "operationId": "createThing",
                "tags": ["things"],
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/New"}}}
                },
                "responses": {
                    "201": {
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}
                    }
                },
            },
            "get": {
                "operationId": "listThings",
                "tags": ["things"],
                "parameters": [
                    {"in": "query", "name": "_limit", "schema": {"type": "integer", "maximum": 200}}
                ],
                "responses": {"200": {"description": "ok"}},
            },
        },
        "/thing/{id}/": {"get": {"operationId": "getThing", "tags": ["things"], "responses": {}}},
    },
    "components": {
        "schemas": {
            "New": {
                "type": "object",
                "additionalProperties": False,
                "required": ["size"],
                "properties": {
                    "name": {"type": "string", "maxLength": 10, "pattern": "^n"},
                    "size": {"type": "integer"},
                    "colour": {"type": "string", "enum": ["red"]},
                    "emails": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"email": {"type": "string", "format": "email"}},
                        },
                    },
                    "extra": {"type": "string"},
                },
            },
            "Thing": {
                "type": "object",
                "required": ["id", "extra"],
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "extra": {"type": "string"},
                },
            },
        }
    },
}


def _keys(ours: dict[str, Any] = OURS, close: dict[str, Any] = CLOSE) -> set[str]:
    found = compare_documents(Document("ours", ours), [Document("close", close)], {"createThing": ("r.one",)})
    return {f.key for f in found}


def test_each_narrowing_is_reported_once_with_a_stable_key() -> None:
    assert _keys() == {
        "operation-missing DELETE /thing/{thing_id}/",
        "query-param-missing GET /thing/ query.owner",
        "request-bounds GET /thing/ query._limit",
        "request-not-nullable POST /thing/ request.name",
        "request-bounds POST /thing/ request.name",
        "request-pattern POST /thing/ request.name",
        "request-type POST /thing/ request.size",
        "request-required POST /thing/ request.size",
        "request-enum POST /thing/ request.colour",
        "request-not-nullable POST /thing/ request.emails",
        "request-closed-object POST /thing/ request.emails[]",
        "request-property-missing POST /thing/ request.emails[].type",
        "request-format POST /thing/ request.emails[].email",
        "request-property-missing POST /thing/ request.nickname",
        "request-property-missing POST /thing/ request.{^custom\\.}",
        "response-not-nullable POST /thing/ response.201.name",
        "response-required-missing POST /thing/ response.201.name",
        "response-required-extra POST /thing/ response.201.extra",
        "response-example-rejected POST /thing/ response.201",
    }


def test_the_same_contract_has_no_findings() -> None:
    # Close's own documents compared with themselves (ours spelled with a trailing slash).
    ours = copy.deepcopy(CLOSE)
    ours["paths"] = {
        "/thing/": ours["paths"]["/thing"],
        "/thing/{id}/": ours["paths"]["/thing/{thing_id}/"],
        "/other/": ours["paths"]["/other/"],
    }
    assert _keys(ours=ours) == set()


def test_wider_is_not_a_finding() -> None:
    ours = copy.deepcopy(OURS)
    new = ours["components"]["schemas"]["New"]
    new.pop("additionalProperties")
    new.pop("required")
    new["properties"] = {"name": {}, "size": {"type": "number"}, "colour": {"type": "string"}, "emails": {}}
    ours["components"]["schemas"]["Thing"] = {"type": "object", "required": ["id", "name"], "properties": {}}
    keys = {k for k in _keys(ours=ours) if " POST " in k}
    assert keys == set()


def test_findings_name_our_operation_and_its_rules() -> None:
    found = list(
        compare_documents(Document("ours", OURS), [Document("close", CLOSE)], {"createThing": ("r.one",)})
    )
    create = next(f for f in found if f.kind == "request-type")
    assert (create.operation_id, create.close_operation_id, create.rules, create.area) == (
        "createThing",
        "things_create",
        ("r.one",),
        "things",
    )
    example = next(f for f in found if f.kind == "response-example-rejected")
    assert any("name" in detail and "None" in detail for detail in example.details)


def test_only_paths_of_our_areas_are_compared() -> None:
    assert not any("/other/" in key for key in _keys())
