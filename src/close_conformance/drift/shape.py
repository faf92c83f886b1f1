"""What a JSON Schema (inside an OpenAPI document) accepts, flattened for comparison.

A schema is read as a union of alternatives (its `anyOf`/`oneOf` branches, each combined with
the keywords next to it and its `allOf` members). Every spelling of "may be null" ends up as the
type "null": `type: [T, "null"]` (3.1), `nullable: true` (3.0), a `{type: "null"}` branch,
`enum`/`const` holding null. The `Shape` of a schema is then what the union accepts, loosest
first: a constraint only counts when every alternative has it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from close_conformance.drift.document import Document

__all__ = ["ALL_TYPES", "Shape", "shape_of"]

ALL_TYPES = frozenset({"null", "boolean", "object", "array", "number", "integer", "string"})
# Past this many alternatives (nested anyOf inside allOf...) the rest are dropped: no schema of
# Close or ours comes near it, it only bounds a pathological input.
_MAX_ALTERNATIVES = 32
_BOUNDS_MAX = ("maxLength", "maxItems", "maximum", "maxProperties")
_BOUNDS_MIN = ("minLength", "minItems", "minimum", "minProperties")


@dataclass
class _Alt:
    """One alternative: keywords that all hold at once."""

    types: frozenset[str] | None = None  # None: any type
    properties: dict[str, list[Any]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    closed: bool = False
    pattern_properties: set[str] = field(default_factory=set)
    items: list[Any] = field(default_factory=list)
    patterns: set[str] = field(default_factory=set)
    formats: set[str] = field(default_factory=set)
    enum: frozenset[str] | None = None  # JSON texts of the allowed values
    bounds: dict[str, float] = field(default_factory=dict)
    conditional: dict[str, str] = field(default_factory=dict)  # name -> when it is required (if/then)

    def combine(self, other: _Alt) -> _Alt:
        """Both at once (allOf)."""
        types = (
            other.types
            if self.types is None
            else self.types
            if other.types is None
            else (self.types & other.types)
        )
        properties = {k: list(v) for k, v in self.properties.items()}
        for name, schemas in other.properties.items():
            properties.setdefault(name, []).extend(schemas)
        bounds = dict(self.bounds)
        for key, value in other.bounds.items():
            mine = bounds.get(key)
            tighter = min if key in _BOUNDS_MAX else max
            bounds[key] = value if mine is None else tighter(mine, value)
        enum = (
            other.enum if self.enum is None else self.enum if other.enum is None else self.enum & other.enum
        )
        return _Alt(
            types=types,
            properties=properties,
            required=self.required | other.required,
            closed=self.closed or other.closed,
            pattern_properties=self.pattern_properties | other.pattern_properties,
            items=[*self.items, *other.items],
            patterns=self.patterns | other.patterns,
            formats=self.formats | other.formats,
            enum=enum,
            bounds=bounds,
            conditional={**self.conditional, **other.conditional},
        )

    @property
    def is_null_only(self) -> bool:
        return self.types == frozenset({"null"}) or self.enum == frozenset({"null"})


def _own(schema: Mapping[str, Any]) -> _Alt:
    """The keywords of `schema` itself, without its applicators."""
    alt = _Alt()
    kind = schema.get("type")
    if isinstance(kind, str):
        alt.types = frozenset({kind})
    elif isinstance(kind, list):
        alt.types = frozenset(str(t) for t in kind)
    if schema.get("nullable") is True and alt.types is not None:
        alt.types = alt.types | {"null"}
    values: list[Any] | None = None
    if "const" in schema:
        values = [schema["const"]]
    elif isinstance(schema.get("enum"), list):
        values = list(schema["enum"])
    if values is not None:
        if schema.get("nullable") is True:
            values.append(None)
        alt.enum = frozenset(json.dumps(v, sort_keys=True) for v in values)
        if alt.types is None:
            alt.types = frozenset(_json_type(v) for v in values)
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        alt.properties = {str(k): [v] for k, v in properties.items()}
    if isinstance(schema.get("required"), list):
        alt.required = {str(r) for r in schema["required"]}
    if schema.get("additionalProperties") is False:
        alt.closed = True
    if isinstance(schema.get("patternProperties"), Mapping):
        alt.pattern_properties = {str(p) for p in schema["patternProperties"]}
    if "items" in schema and isinstance(schema["items"], Mapping):
        alt.items = [schema["items"]]
    if isinstance(schema.get("pattern"), str):
        alt.patterns = {schema["pattern"]}
    if isinstance(schema.get("format"), str):
        alt.formats = {schema["format"]}
    for key in (*_BOUNDS_MAX, *_BOUNDS_MIN):
        if isinstance(schema.get(key), int | float) and not isinstance(schema.get(key), bool):
            alt.bounds[key] = float(schema[key])
    condition, then = schema.get("if"), schema.get("then")
    if isinstance(condition, Mapping) and isinstance(then, Mapping):
        for name in then.get("required") or []:
            alt.conditional[str(name)] = _condition(condition)
    return alt


def _condition(schema: Mapping[str, Any]) -> str:
    """A few words for an `if` schema: `status in inbox, outbox` (its properties' enums/consts)."""
    parts = []
    for name, value in (schema.get("properties") or {}).items():
        if isinstance(value, Mapping) and "const" in value:
            parts.append(f"{name} = {value['const']}")
        elif isinstance(value, Mapping) and isinstance(value.get("enum"), list):
            parts.append(f"{name} in {', '.join(map(str, value['enum']))}")
    return " and ".join(parts) or "a condition holds"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _alternatives(document: Document, node: Any, depth: int = 0) -> list[_Alt]:
    schema = document.deref(node)
    if schema is False:
        return [_Alt(types=frozenset())]
    if not isinstance(schema, Mapping) or depth > 20:
        return [_Alt()]  # `true`, or deeper than any real schema: accepts anything
    current = [_own(schema)]
    for member in schema.get("allOf") or []:
        current = [a.combine(b) for a in current for b in _alternatives(document, member, depth + 1)]
        current = current[:_MAX_ALTERNATIVES]
    for keyword in ("anyOf", "oneOf"):
        branches = schema.get(keyword)
        if isinstance(branches, list) and branches:
            expanded = [b for branch in branches for b in _alternatives(document, branch, depth + 1)]
            current = [a.combine(b) for a in current for b in expanded][:_MAX_ALTERNATIVES]
    return current


@dataclass(frozen=True)
class Shape:
    """What a schema accepts, loosest over its alternatives. `None` means unconstrained."""

    types: frozenset[str] | None
    properties: Mapping[str, Any]  # name -> schema (an anyOf when alternatives disagree)
    required: frozenset[str]  # required in every object alternative
    closed: bool  # every object alternative has additionalProperties false
    is_object: bool  # some alternative describes an object (type or properties)
    pattern_properties: frozenset[str]
    items: Any | None  # the schema of array items, if any alternative says
    patterns: frozenset[str] | None
    formats: frozenset[str] | None
    enum: frozenset[str] | None
    bounds: Mapping[str, float | None]
    conditional: Mapping[str, str]  # name -> when some alternative requires it (if/then)

    @property
    def nullable(self) -> bool:
        return self.types is None or "null" in self.types


def _loosest(values: list[frozenset[str] | None]) -> frozenset[str] | None:
    if not values or any(v is None or not v for v in values):
        return None
    return frozenset().union(*[v for v in values if v is not None])


def shape_of(document: Document, node: Any) -> Shape:
    """Flatten `node` (a schema of `document`, `$ref`s allowed) into a Shape."""
    alts = [a for a in _alternatives(document, node) if a.types != frozenset()]
    if not alts:
        alts = [_Alt(types=frozenset())]
    types: frozenset[str] | None = frozenset()
    for alt in alts:
        types = None if types is None or alt.types is None else types | alt.types
    values = [a for a in alts if not a.is_null_only] or alts
    objects = [a for a in values if a.properties or (a.types is not None and "object" in a.types)]
    properties: dict[str, list[Any]] = {}
    for alt in objects:
        for name, schemas in alt.properties.items():
            properties.setdefault(name, []).append(schemas[0] if len(schemas) == 1 else {"allOf": schemas})
    items = [{"allOf": a.items} if len(a.items) > 1 else a.items[0] for a in values if a.items]
    bounds: dict[str, float | None] = {}
    for key in (*_BOUNDS_MAX, *_BOUNDS_MIN):
        seen = [a.bounds.get(key) for a in values]
        present = [v for v in seen if v is not None]
        loose = max if key in _BOUNDS_MAX else min
        bounds[key] = loose(present) if present and len(present) == len(seen) else None
    return Shape(
        types=types,
        properties={n: s[0] if len(s) == 1 else {"anyOf": s} for n, s in properties.items()},
        required=frozenset.intersection(*[frozenset(a.required) for a in objects])
        if objects
        else frozenset(),
        closed=bool(objects) and all(a.closed for a in objects),
        is_object=bool(objects),
        pattern_properties=frozenset().union(*[a.pattern_properties for a in objects])
        if objects
        else frozenset(),
        items=(items[0] if len(items) == 1 else {"anyOf": items}) if items else None,
        patterns=_loosest([frozenset(a.patterns) for a in values]),
        formats=_loosest([frozenset(a.formats) for a in values]),
        enum=_loosest([a.enum - {"null"} if a.enum is not None else None for a in values]),
        bounds=bounds,
        conditional={k: v for a in objects for k, v in a.conditional.items()},
    )
