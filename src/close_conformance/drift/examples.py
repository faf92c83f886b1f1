"""Close's request and response examples, validated against our schemas with jsonschema.

An example is what Close sends or answers; a schema of ours that rejects it is narrower than
Close in a way the structural comparison may not see (a pattern, a format, a length).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from close_conformance.drift.document import Document

__all__ = ["ExampleJudge", "examples_of", "pointer"]

_ROOT = "urn:close-conformance:ours"
_MAX_ERRORS = 5
_MAX_MESSAGE = 160


def pointer(*parts: str) -> str:
    """A JSON pointer fragment for these keys (`#/paths/~1contact~1/post`)."""
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def examples_of(document: Document, media: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(name, value) for a media type object's `example` (name "") and its `examples` map."""
    if "example" in media:
        yield "", media["example"]
    for name, example in (media.get("examples") or {}).items():
        example = document.deref(example)
        if isinstance(example, Mapping) and "value" in example:
            yield str(name), example["value"]


def _path(error: jsonschema.ValidationError) -> str:
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".") or "(root)"


class ExampleJudge:
    """Validates instances against schemas of our spec named by pointer; built once per run
    (the registry holds our whole spec, so its local `$ref`s resolve)."""

    def __init__(self, ours: Document) -> None:
        resource: Resource[Any] = Resource.from_contents(dict(ours.data), default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_ROOT, resource)
        self._checker = jsonschema.FormatChecker()

    def errors(self, schema_pointer: str, instance: Any) -> list[str]:
        """Why our schema at `schema_pointer` rejects `instance` (empty when it accepts it): at most
        five messages, each `<where in the instance>: <reason>`, shortened."""
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": _ROOT + schema_pointer}
        validator = validator_for(schema)(schema, registry=self._registry, format_checker=self._checker)
        found = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
        messages = []
        for error in found[:_MAX_ERRORS]:
            # An anyOf's own message repeats the whole instance; its best branch says why.
            error = jsonschema.exceptions.best_match(error.context) or error if error.context else error
            message = (
                error.message if len(error.message) <= _MAX_MESSAGE else error.message[:_MAX_MESSAGE] + "…"
            )
            messages.append(f"{_path(error)}: {message}")
        if len(found) > _MAX_ERRORS:
            messages.append(f"… and {len(found) - _MAX_ERRORS} more")
        return messages
