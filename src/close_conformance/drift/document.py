"""An OpenAPI document (3.0, 3.1 or 3.2) loaded for comparison: its operations and local `$ref`s.

Close publishes one document per area (or one for everything); ours is `specs/close.yaml`. Each
document resolves its own `$ref`s, since component names only mean something in their file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from close_conformance.contract import SAFE_LOADER

__all__ = ["METHODS", "Document", "DriftInputError", "Operation", "load_document"]

# The methods an OpenAPI path item may hold (3.2 adds `query`).
METHODS = ("get", "put", "post", "delete", "patch", "options", "head", "trace", "query")
# Keys next to a `$ref` that do not change what it accepts.
_ANNOTATIONS = frozenset({"description", "title", "summary", "example", "examples", "default"})


class DriftInputError(Exception):
    """A document that cannot be compared: unreadable, not YAML/JSON, or not OpenAPI 3.x.
    The message is one line meant for a user (the CLI prints it and exits 2)."""


@dataclass(frozen=True)
class Operation:
    """One method on one path of a document, with the path item's parameters folded in."""

    document: Document
    method: str  # upper case
    path: str
    item: Mapping[str, Any]
    raw: Mapping[str, Any]

    @property
    def operation_id(self) -> str | None:
        value = self.raw.get("operationId")
        return str(value) if value is not None else None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def parameters(self) -> dict[tuple[str, str], Mapping[str, Any]]:
        """(in, name) -> parameter object, references resolved; the operation's win over the item's."""
        found: dict[tuple[str, str], Mapping[str, Any]] = {}
        for raw in [*self.item.get("parameters", []), *self.raw.get("parameters", [])]:
            parameter = self.document.deref(raw)
            if isinstance(parameter, Mapping) and "name" in parameter:
                found[(str(parameter.get("in")), str(parameter["name"]))] = parameter
        return found


@dataclass(frozen=True)
class Document:
    """A parsed OpenAPI document and where it came from (for messages)."""

    source: str
    data: Mapping[str, Any]

    def pointer(self, ref: str) -> Any:
        """The node a local reference (`#/a/b~1c`) names. Raises DriftInputError if it is dangling
        or not local (Close's files only use local ones)."""
        if not ref.startswith("#"):
            raise DriftInputError(f"{self.source}: external $ref {ref!r} is not supported")
        node: Any = self.data
        for part in ref.removeprefix("#").strip("/").split("/") if ref.strip("#/") else []:
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                raise DriftInputError(f"{self.source}: $ref {ref!r} points at nothing")
        return node

    def deref(self, node: Any) -> Any:
        """`node` with its top-level `$ref` followed (repeatedly). A `$ref` with constraining
        siblings (allowed in 3.1) becomes `allOf: [target, siblings]`."""
        seen: set[str] = set()
        while isinstance(node, Mapping) and "$ref" in node:
            ref = str(node["$ref"])
            if ref in seen:
                return {}  # a reference cycle accepts what its other branches accept
            seen.add(ref)
            target = self.pointer(ref)
            siblings = {k: v for k, v in node.items() if k != "$ref" and k not in _ANNOTATIONS}
            node = {"allOf": [target, siblings]} if siblings else target
        return node

    def operations(self) -> Iterator[Operation]:
        for path, item in (self.data.get("paths") or {}).items():
            item = self.deref(item)
            if not isinstance(item, Mapping):
                continue
            for method in METHODS:
                if isinstance(item.get(method), Mapping):
                    yield Operation(self, method.upper(), str(path), item, item[method])


def _parse(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DriftInputError(f"{path}: cannot read it ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise DriftInputError(f"{path}: not a text file (UTF-8)") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.load(text, Loader=SAFE_LOADER)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        where = getattr(error, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        raise DriftInputError(f"{path}: not valid {kind}{line}") from None


def load_document(path: Path) -> Document:
    """Read a YAML or JSON OpenAPI 3.x document. Raises DriftInputError with a one-line reason."""
    data = _parse(path)
    if not isinstance(data, Mapping):
        raise DriftInputError(f"{path}: not an OpenAPI document (the top level is not a mapping)")
    version = data.get("openapi")
    if "swagger" in data:
        raise DriftInputError(f"{path}: Swagger 2.0 is not supported (OpenAPI 3.0, 3.1 or 3.2 only)")
    if not isinstance(version, str) or not version.startswith("3."):
        raise DriftInputError(f"{path}: not an OpenAPI 3.x document (no `openapi: 3.x` key)")
    if not isinstance(data.get("paths"), Mapping):
        raise DriftInputError(f"{path}: an OpenAPI document without `paths`: nothing to compare")
    return Document(str(path), data)
