"""From a request's method and URL path to the operation of the contract it calls, if any.

The contract's paths are templates (`/lead/{id}/`) under a base path (`/api/v1` on
api.close.com). Literal templates win over templated ones, as in the mock's router, so
`/send_as/bulk/` is never read as `/send_as/{id}/`. What does not match is classified, because
each case has its own verdict: a slashless form of a contract path (a redirect, rule
client.slashed-paths), a method the path does not have, a Close path our contract does not model
(specs/upstream, specs/unmodelled.yaml), or nothing Close has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from close_conformance.contract import HTTP_METHODS
from close_conformance.unmodelled import ClosePaths, Template

__all__ = ["OperationIndex", "Route", "RouteKind"]

RouteKind = Literal["operation", "slashless", "method", "unmodelled", "foreign"]


@dataclass(frozen=True, slots=True)
class Route:
    kind: RouteKind
    operation_id: str | None = None
    """The operation called (kind "operation"), or reached after the redirect ("slashless")."""
    template: str | None = None
    path_params: Mapping[str, str] = field(default_factory=dict)
    allowed: tuple[str, ...] = ()
    """For kind "method": the methods the contract gives the path."""


class OperationIndex:
    def __init__(self, spec: Mapping[str, Any], close_paths: ClosePaths, base_path: str = "/api/v1") -> None:
        self.base_path = base_path.rstrip("/")
        self.close_paths = close_paths
        self._templates: list[tuple[Template, list[str | None], dict[str, str]]] = []
        for text, item in spec.get("paths", {}).items():
            names = [p[1:-1] if p.startswith("{") else None for p in text.strip("/").split("/")]
            methods = {m.upper(): item[m]["operationId"] for m in HTTP_METHODS if m in item}
            self._templates.append((Template.parse(text), names, methods))
        self._templates.sort(key=lambda entry: entry[0].parameters)

    def _match(self, path: str) -> tuple[Template, dict[str, str], dict[str, str]] | None:
        for template, names, methods in self._templates:
            if template.matches(path):
                parts = path.strip("/").split("/")
                params = {n: v for n, v in zip(names, parts, strict=True) if n is not None}
                return template, params, methods
        return None

    def find(self, method: str, url_path: str) -> Route:
        """The route of `METHOD url_path` (the URL's path, base path included)."""
        if not url_path.startswith(self.base_path + "/"):
            return Route("foreign")
        path = url_path[len(self.base_path) :]
        found = self._match(path)
        if found is not None:
            template, params, methods = found
            # A literal Close path the contract does not model (`/lead/merge/`, `/user/availability/`)
            # shadows the templated one it would match (`/lead/{id}/`, `/user/{id}/`), as in the mock.
            shadowing = self.close_paths.unmodelled_path(path, parameters_below=template.parameters)
            if shadowing is not None:
                return Route("unmodelled", None, shadowing.text)
            if method.upper() not in methods and method.upper() in self.close_paths.unmodelled_methods(
                template.text
            ):
                return Route("unmodelled", None, template.text)  # Close has it; the contract does not
            if method.upper() in methods:
                return Route("operation", methods[method.upper()], template.text, params)
            return Route("method", None, template.text, params, tuple(sorted(methods)))
        if not path.endswith("/"):
            slashed = self._match(path + "/")
            if slashed is not None or self.close_paths.is_close_path(path + "/"):
                operation_id = slashed[2].get(method.upper()) if slashed else None
                return Route("slashless", operation_id, slashed[0].text if slashed else None)
        unmodelled = self.close_paths.unmodelled_path(path)
        if unmodelled is not None:
            return Route("unmodelled", None, unmodelled.text)
        return Route("foreign")
