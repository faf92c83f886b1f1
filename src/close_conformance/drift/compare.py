"""Compare one of our schemas with Close's at the same place, property by property, to any depth.

Only the ways ours is narrower (or different) are reported:
- in a request (body or parameter): a key, a null, a type or a value Close accepts and we refuse,
  and the requirements and constraints we add;
- in a response: the nulls and types Close may answer that our schema refuses, and a required
  field either side requires and the other does not. Response patterns and formats are judged
  through Close's examples instead (examples.py): our response patterns on ids are deliberate.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from close_conformance.drift.document import Document
from close_conformance.drift.shape import ALL_TYPES, Shape, shape_of

__all__ = ["Report", "compare_request", "compare_response"]

# (kind, where, close says, ours says)
Report = Callable[[str, str, str, str], None]
_DEPTH = 12  # deeper than any of Close's schemas; bounds recursive ones


def _types(types: frozenset[str] | None) -> str:
    return "any" if types is None else ", ".join(sorted(types)) or "nothing"


def _missing_types(ours: frozenset[str] | None, close: frozenset[str] | None) -> set[str]:
    """The types Close accepts and we do not (an integer is a number)."""
    if ours is None:
        return set()
    theirs = set(ALL_TYPES - {"integer"} if close is None else close)
    covered = set(ours) | ({"integer"} if "number" in ours else set())
    return theirs - covered


def _join(where: str, name: str) -> str:
    return f"{where}.{name}"


def _constraints(ours: Shape, close: Shape, where: str, report: Report) -> None:
    if ours.patterns is not None and (close.patterns is None or not close.patterns <= ours.patterns):
        said = "none" if close.patterns is None else " | ".join(sorted(close.patterns))
        report("request-pattern", where, said, " | ".join(sorted(ours.patterns)))
    if ours.formats is not None and (close.formats is None or not close.formats <= ours.formats):
        said = "none" if close.formats is None else ", ".join(sorted(close.formats))
        report("request-format", where, said, ", ".join(sorted(ours.formats)))
    if ours.enum is not None and (close.enum is None or not close.enum <= ours.enum):
        extra = "any value" if close.enum is None else ", ".join(sorted(close.enum - ours.enum))
        report("request-enum", where, extra, ", ".join(sorted(ours.enum)))
    tighter: list[tuple[str, float | None, float]] = []
    for key, mine in ours.bounds.items():
        if mine is None:
            continue
        theirs = close.bounds.get(key)
        if theirs is None or (mine < theirs if key.startswith("max") else mine > theirs):
            tighter.append((key, theirs, mine))
    if tighter:
        report(
            "request-bounds",
            where,
            ", ".join(f"{k} {_num(t)}" for k, t, _m in tighter),
            ", ".join(f"{k} {_num(m)}" for k, _t, m in tighter),
        )


def _num(value: float | None) -> str:
    return "none" if value is None else str(int(value)) if value == int(value) else str(value)


def compare_request(
    ours_doc: Document,
    ours: Any,
    close_doc: Document,
    close: Any,
    where: str,
    report: Report,
    *,
    parameter: bool = False,
    depth: int = 0,
) -> None:
    """What Close accepts at `where` that `ours` refuses. `parameter`: a query or path value,
    which cannot be null (a query string has no null), so nullability is not compared."""
    if depth > _DEPTH:
        return
    mine, theirs = shape_of(ours_doc, ours), shape_of(close_doc, close)
    missing = _missing_types(mine.types, theirs.types)
    if parameter:
        missing.discard("null")
    if "null" in missing:
        report("request-not-nullable", where, _types(theirs.types), _types(mine.types))
        missing.discard("null")
    if missing:
        report("request-type", where, _types(theirs.types), _types(mine.types))
    _constraints(mine, theirs, where, report)
    if theirs.is_object and mine.is_object:
        _request_object(ours_doc, mine, close_doc, theirs, where, report, depth)
    if theirs.items is not None and mine.items is not None:
        compare_request(ours_doc, mine.items, close_doc, theirs.items, where + "[]", report, depth=depth + 1)


def _request_object(
    ours_doc: Document,
    mine: Shape,
    close_doc: Document,
    theirs: Shape,
    where: str,
    report: Report,
    depth: int,
) -> None:
    if mine.closed and not theirs.closed:
        report("request-closed-object", where, "unknown keys accepted", "additionalProperties: false")
    for name in sorted(mine.required - theirs.required):
        said = "optional" if name in theirs.properties else "not described"
        report("request-required", _join(where, name), said, "required")
    for name, when in sorted(mine.conditional.items()):
        if name not in mine.required and name not in theirs.required and name not in theirs.conditional:
            said = "optional" if name in theirs.properties else "not described"
            report("request-required", _join(where, name), said, f"required when {when}")
    for name, schema in theirs.properties.items():
        if name in mine.properties:
            compare_request(
                ours_doc,
                mine.properties[name],
                close_doc,
                schema,
                _join(where, name),
                report,
                depth=depth + 1,
            )
        elif mine.closed and not any(re.search(p, name) for p in mine.pattern_properties):
            report("request-property-missing", _join(where, name), _describe(close_doc, schema), "refused")
    for pattern in sorted(theirs.pattern_properties - mine.pattern_properties):
        if mine.closed:
            report(
                "request-property-missing", _join(where, "{" + pattern + "}"), "keys matching it", "refused"
            )


def _describe(document: Document, schema: Any) -> str:
    """A few words for a schema: its types and formats."""
    found = shape_of(document, schema)
    text = _types(found.types)
    if found.formats:
        text += " (" + ", ".join(sorted(found.formats)) + ")"
    if found.enum:
        text += " in " + ", ".join(sorted(found.enum))
    return text


def compare_response(
    ours_doc: Document,
    ours: Any,
    close_doc: Document,
    close: Any,
    where: str,
    report: Report,
    *,
    depth: int = 0,
) -> None:
    """What Close may answer at `where` that `ours` refuses, and required fields that differ."""
    if depth > _DEPTH:
        return
    mine, theirs = shape_of(ours_doc, ours), shape_of(close_doc, close)
    if theirs.types is None and not theirs.is_object:
        return  # Close says nothing here ("Any"): nothing to hold our schema to
    missing = _missing_types(mine.types, theirs.types)
    if "null" in missing:
        report("response-not-nullable", where, _types(theirs.types), _types(mine.types))
        missing.discard("null")
    if missing:
        report("response-type", where, _types(theirs.types), _types(mine.types))
    if theirs.is_object and mine.is_object:
        for name in sorted(theirs.required - mine.required):
            said = "not described" if name not in mine.properties else "optional"
            report("response-required-missing", _join(where, name), "required", said)
        for name in sorted(mine.required - theirs.required):
            said = "optional" if name in theirs.properties else "not described"
            report("response-required-extra", _join(where, name), said, "required")
        for name, schema in theirs.properties.items():
            if name in mine.properties:
                compare_response(
                    ours_doc,
                    mine.properties[name],
                    close_doc,
                    schema,
                    _join(where, name),
                    report,
                    depth=depth + 1,
                )
    if theirs.items is not None and mine.items is not None:
        compare_response(ours_doc, mine.items, close_doc, theirs.items, where + "[]", report, depth=depth + 1)
