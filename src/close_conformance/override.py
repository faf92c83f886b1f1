"""Close's method override (rule http.method-override; docs filter-parameters.md, facts 5.6).

A POST with the header `x-http-method-override: GET` and the JSON body `{"_params": {...}}` is the
GET of the same path with those query parameters, for filters too long for a URL. The same header
lets a client that can only send GET and POST stand a POST for PUT or DELETE (register
`method-override-other-methods`). Shared by the mock, which honours it, and the SDK validator,
which judges such a request as the operation it stands for; pure functions, no HTTP library.

What the register decides (`method-override-request`, `method-override-params`): the header's
value is read in any case; a body without `_params` is the GET without parameters; `_params` must
be an object; a key both in the URL and in `_params` takes the `_params` value; values are strings
as in a query string, or (the `typed` reading) JSON scalars and lists of scalars, read as their
query-string form (`5` -> "5", `true` -> "true", `["a", "b"]` -> "a,b").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["BODYLESS", "HEADER", "MalformedParams", "merged_query", "overridden_method", "params_of"]

HEADER = "x-http-method-override"
"""The header's name (field names are case-insensitive: RFC 9110 5.1)."""

BODYLESS = frozenset({"GET", "DELETE", "HEAD"})
"""Methods whose parameters travel in `_params`; a POST standing for PUT carries the PUT's body."""


class MalformedParams(ValueError):
    """The body names no parameters the way the docs give them.

    `field` is the parameter at fault (`None` when the body or `_params` itself is wrong); the
    message says why, for a Close-style 400.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def overridden_method(method: str, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> str | None:
    """The method (upper case) a POST stands for, or None when the request is no override.

    `headers`: a mapping or (name, value) pairs, names in any case. Only a POST is overridden
    (the docs: clients that can send only GET and POST); a header naming POST changes nothing.
    """
    if method.upper() != "POST":
        return None
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    value = next((v for k, v in pairs if k.lower() == HEADER), None)
    if value is None or not value.strip():
        return None
    named = value.strip().upper()
    return None if named == "POST" else named


def _as_query_value(name: str, value: Any, *, typed: bool) -> str:
    if isinstance(value, str):
        return value
    if not typed:
        raise MalformedParams("Must be a string, as in a query string.", name)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list) and all(
        isinstance(item, str | int | float) and not isinstance(item, bool) for item in value
    ):
        return ",".join(item if isinstance(item, str) else json.dumps(item) for item in value)
    raise MalformedParams("Must be a string, a number, a boolean or a list of strings and numbers.", name)


def params_of(body: Any, *, typed: bool) -> list[tuple[str, str]]:
    """The query parameters `_params` carries, as (name, value) pairs in the body's order.

    `body`: the decoded JSON body, None when the request had none (the GET without parameters).
    `typed`: whether JSON numbers, booleans and lists are taken (register
    `method-override-params`: typed) or only strings are (strings).
    Raises MalformedParams when the body is not an object, `_params` is not an object, or a value
    is not one the reading takes.
    """
    if body is None:
        return []
    if not isinstance(body, dict):
        raise MalformedParams('The body of an overridden request must be an object: {"_params": {...}}.')
    params = body.get("_params", {})
    if not isinstance(params, dict):
        raise MalformedParams("`_params` must be an object of query parameters.", "_params")
    return [(str(name), _as_query_value(str(name), value, typed=typed)) for name, value in params.items()]


def merged_query(query: Iterable[tuple[str, str]], params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The URL's query pairs with `_params` added; a name in both keeps only the `_params` value."""
    named = {name for name, _ in params}
    return [(name, value) for name, value in query if name not in named] + params
