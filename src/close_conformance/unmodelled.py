"""Which paths and methods Close has that our contract does not model: the mock says so (501)
instead of claiming, with a 404 or 405, that Close lacks them, and the suite never sends one as
an "undeclared method" that Close would answer (200 for `GET /lead/`, not 405).

Two sources, both data: Close's published OpenAPI for our areas (specs/upstream/*.yml), compared
with our spec when the app is built, so a path or method our spec gains stops being unmodelled
without an edit; and the resources of Close's API reference listed in specs/unmodelled.yaml (with
its sources). Paths are templates in the specs' form (`/lead/{id}/`, under `/api/v1`); any `{...}`
segment matches one non-empty segment of a request path.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from close_conformance.contract import HTTP_METHODS, read_yaml, specs_dir

__all__ = ["ClosePaths", "Template", "close_paths", "close_query_parameters", "load_close_paths"]

UPSTREAM_GLOB = "upstream/*.yml"
LISTED = "unmodelled.yaml"


@dataclass(frozen=True, slots=True)
class Template:
    """A path template as its segments; `None` stands for a `{...}` segment."""

    text: str
    segments: tuple[str | None, ...]

    @classmethod
    def parse(cls, text: str) -> Template:
        parts = text.strip("/").split("/") if text.strip("/") else []
        return cls(text, tuple(None if p.startswith("{") and p.endswith("}") else p for p in parts))

    @property
    def key(self) -> tuple[str | None, ...]:
        """The same for `/lead/{id}/` and `/lead/{lead_id}/`."""
        return self.segments

    @property
    def parameters(self) -> int:
        return sum(1 for s in self.segments if s is None)

    def matches(self, path: str) -> bool:
        """Whether a slashed request path (without `/api/v1`) is an instance of this template."""
        if not path.endswith("/"):
            return False
        parts = path.strip("/").split("/") if path.strip("/") else []
        return len(parts) == len(self.segments) and all(
            (s is None and p != "") or s == p for s, p in zip(self.segments, parts, strict=True)
        )


def _methods(item: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(m.upper() for m in HTTP_METHODS if m in item)


@dataclass(frozen=True)
class ClosePaths:
    """Close's paths as the mock knows them: the ones it serves and the ones it only knows of."""

    modelled: Mapping[tuple[str | None, ...], frozenset[str]]
    """Our spec's templates -> the methods our spec gives them."""
    close_methods: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Our spec's paths (as our spec writes them) -> methods Close's published spec gives them
    that ours does not."""
    unmodelled: tuple[Template, ...] = ()
    """Templates of Close paths our spec lacks entirely."""
    unmodelled_known: Mapping[tuple[str | None, ...], frozenset[str]] = field(default_factory=dict)
    """Of those, the ones Close's published spec gives, with its methods; a path known only from
    specs/unmodelled.yaml has no entry (its methods are not known, so every method is Close's)."""

    def is_modelled(self, path: str) -> bool:
        return any(Template(text="", segments=key).matches(path) for key in self.modelled)

    def unmodelled_path(self, path: str, *, parameters_below: int | None = None) -> Template | None:
        """The unmodelled template this path is an instance of, if any. With `parameters_below`,
        only templates more literal than the route that matched it (`/lead/merge/` shadows
        `/lead/{id}/`, which Starlette would otherwise take it for)."""
        for template in sorted(self.unmodelled, key=lambda t: t.parameters):
            if parameters_below is not None and template.parameters >= parameters_below:
                return None
            if template.matches(path):
                return template
        return None

    def is_close_path(self, path: str) -> bool:
        """A slashed path Close has, modelled or not (what a slashless request is redirected for)."""
        return self.is_modelled(path) or self.unmodelled_path(path) is not None

    def unmodelled_refusal(self, template: Template, method: str) -> frozenset[str] | None:
        """For an unmodelled path: the methods Close has on it when `method` is not one of them
        (the answer is then 405 with them in `Allow`, as Close would give), else None (501)."""
        known = self.unmodelled_known.get(template.key)
        return known if known is not None and method.upper() not in known else None

    def unmodelled_methods(self, template: str) -> frozenset[str]:
        """Methods Close has on one of our spec's paths (`/lead/{id}/`) that our spec lacks."""
        return self.close_methods.get(template, frozenset())


@functools.lru_cache(maxsize=32)
def _parsed(path: Path, modified: int) -> Any:
    return read_yaml(path)


def _read(path: Path) -> Any:
    """A file of specs/, parsed once per process and version (every mock app reads them; the
    result is only read, never changed)."""
    return _parsed(path, path.stat().st_mtime_ns)


def close_paths(
    spec: Mapping[str, Any], upstream: Iterable[Mapping[str, Any]], listed: Iterable[str]
) -> ClosePaths:
    """Compare our spec with Close's published ones and the listed resources.

    Args:
        spec: our OpenAPI document (specs/close.yaml).
        upstream: Close's OpenAPI documents (specs/upstream/*.yml).
        listed: path templates of documented resources (specs/unmodelled.yaml `paths`).
    """
    ours = {Template.parse(p).key: p for p in spec.get("paths", {})}
    modelled = {Template.parse(p).key: _methods(item) for p, item in spec.get("paths", {}).items()}
    close_methods: dict[str, frozenset[str]] = {}
    unmodelled: dict[tuple[str | None, ...], Template] = {}
    known: dict[tuple[str | None, ...], frozenset[str]] = {}
    for document in upstream:
        for text, item in document.get("paths", {}).items():
            template = Template.parse(text)
            if template.key in modelled:
                extra = _methods(item) - modelled[template.key]
                if extra:
                    path = ours[template.key]
                    close_methods[path] = close_methods.get(path, frozenset()) | extra
            else:
                unmodelled.setdefault(template.key, template)
                known[template.key] = known.get(template.key, frozenset()) | _methods(item)
    for text in listed:
        template = Template.parse(text)
        if template.key not in modelled:
            unmodelled.setdefault(template.key, template)
            known.pop(template.key, None)  # listed: the reference names more methods than the file
    return ClosePaths(
        modelled=modelled,
        close_methods=close_methods,
        unmodelled=tuple(unmodelled.values()),
        unmodelled_known=known,
    )


def load_close_paths(spec: Mapping[str, Any], directory: Path | None = None) -> ClosePaths:
    """`close_paths` from the files in specs/ (or another directory laid out the same way)."""
    base = directory or specs_dir()
    upstream = [_read(path) for path in sorted(base.glob(UPSTREAM_GLOB))]
    listed_file = base / LISTED
    listed = [str(p) for p in (_read(listed_file) or {}).get("paths", [])] if listed_file.is_file() else []
    return close_paths(spec, upstream, listed)


def _parameter_names(document: Mapping[str, Any], parameters: Iterable[Any], location: str) -> set[str]:
    names = set()
    for parameter in parameters:
        if isinstance(parameter, Mapping) and isinstance(parameter.get("$ref"), str):
            # Local references only (#/components/parameters/...), as Close's files use them.
            node: Any = document
            for part in parameter["$ref"].removeprefix("#/").split("/"):
                node = node.get(part, {}) if isinstance(node, Mapping) else {}
            parameter = node
        if isinstance(parameter, Mapping) and parameter.get("in") == location and "name" in parameter:
            names.add(str(parameter["name"]))
    return names


def close_query_parameters(
    directory: Path | None = None,
) -> dict[tuple[str, tuple[str | None, ...]], frozenset[str]]:
    """The query parameters Close's published spec (specs/upstream/) declares, by (METHOD, path
    template key): what a client may send that Close's own spec accepts, declared by ours or not."""
    base = directory or specs_dir()
    found: dict[tuple[str, tuple[str | None, ...]], frozenset[str]] = {}
    for path in sorted(base.glob(UPSTREAM_GLOB)):
        document = _read(path)
        for text, item in (document.get("paths") or {}).items():
            shared = _parameter_names(document, item.get("parameters") or [], "query")
            for method in _methods(item):
                operation = item.get(method.lower()) or {}
                names = shared | _parameter_names(document, operation.get("parameters") or [], "query")
                key = (method, Template.parse(text).key)
                found[key] = found.get(key, frozenset()) | frozenset(names)
    return found
