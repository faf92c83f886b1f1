"""The mock's side of Close's method override (rule http.method-override, facts 5.6): which
method a POST stands for, and the query parameters its `_params` carries.

The decisions are the register's (`method-override-request`, `method-override-params`,
`method-override-other-methods`); the parsing is `close_conformance.override`, shared with the
SDK validator. Two faults sit here: `method-override-creates` (the header is not looked at, so the
POST is carried out as one) and `method-override-params-ignored` (the GET runs without `_params`).
"""

from __future__ import annotations

from starlette.datastructures import QueryParams
from starlette.requests import Request

from close_conformance.mock.errors import ValidationFailed, bad_request
from close_conformance.mock.faults import FaultSet
from close_conformance.mock.payload import read_optional_json
from close_conformance.mock.readings import Readings
from close_conformance.override import BODYLESS, MalformedParams, merged_query, overridden_method, params_of

__all__ = ["carries_params", "effective_method", "effective_query", "refuses_other_methods"]


def effective_method(request: Request, faults: FaultSet) -> tuple[str, bool]:
    """(the method to dispatch on, upper case; whether it came from the override header)."""
    if faults.on("method-override-creates"):
        # The fault: the header is not looked at; the POST is carried out as a POST.
        return request.method, False
    named = overridden_method(request.method, request.headers)
    if named is None:
        return request.method, False
    return named, True


def refuses_other_methods(readings: Readings, method: str) -> int | None:
    """The status an override to `method` gets when the register's reading does not honour it."""
    reading = readings("method-override-other-methods")
    if method == "GET" or reading == "honoured":
        return None
    return int(reading)


async def effective_query(request: Request, faults: FaultSet, readings: Readings) -> QueryParams:
    """The URL's query, with `_params` of an override's body merged in (its keys win).

    Raises ApiError: 415 or 400 for a body that is not JSON, 400 (Close's validation shape,
    naming the parameter) for a `_params` that is not an object or a value the reading refuses.
    """
    pairs = list(request.query_params.multi_items())
    body = await read_optional_json(request, faults)
    try:
        params = params_of(body, typed=readings("method-override-params") == "typed")
    except MalformedParams as malformed:
        if malformed.field is None:
            raise bad_request(str(malformed)) from None
        raise ValidationFailed({malformed.field: str(malformed)}) from None
    if faults.on("method-override-params-ignored"):
        # The fault: the override is honoured but `_params` dropped: the GET runs unfiltered.
        params = []
    return QueryParams(merged_query(pairs, params))


def carries_params(method: str, overridden: bool) -> bool:
    """Whether the request's parameters come (also) from `_params`: an override to a method
    without a body of its own (GET, DELETE); an override to PUT carries the PUT's body."""
    return overridden and method in BODYLESS
