"""`create_app`: the reference mock as one Starlette app, for in-process use and for `close-mock serve`.

Routes come from the spec's paths (every operationId must have a handler, checked here), under
`/api/v1` as on api.close.com. Literal paths are routed before templated ones, so
`/send_as/bulk/` is never taken for `/send_as/{id}/`. The spec itself is served, without
credentials, at `/api/openapi.json`, where Close publishes its own. A request on no route goes to
`dispatch.not_routed` (trailing-slash redirects, 501 for Close paths the mock does not model).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from close_conformance.contract import Contract, default_contract
from close_conformance.mock import contacts, emails, leads, send_as, users
from close_conformance.mock.dispatch import API_PREFIX, MockState, PathEndpoint, not_routed, render_error
from close_conformance.mock.errors import ApiError, LastResortMiddleware, method_not_allowed, not_found
from close_conformance.mock.faults import FaultSet
from close_conformance.mock.operations import Operation
from close_conformance.mock.pagination import skip_maximum_pointers
from close_conformance.mock.ratelimit import RateLimiter
from close_conformance.mock.readings import Readings
from close_conformance.mock.store import Store
from close_conformance.mock.timestamps import timestamp_fields
from close_conformance.mock.validation import HANDLER_OWNED, SpecValidators
from close_conformance.unmodelled import load_close_paths

__all__ = ["API_PREFIX", "OPERATIONS", "SPEC_PATH", "create_app"]

SPEC_PATH = "/api/openapi.json"

OPERATIONS: dict[str, Operation] = {
    op.operation_id: op for module in (users, leads, contacts, emails, send_as) for op in module.OPERATIONS
}


def _routes(validators: SpecValidators, spec_json: bytes) -> list[Route]:
    by_path: dict[str, dict[str, Operation]] = {}
    for shape in validators.operations.values():
        if shape.operation_id not in OPERATIONS:
            raise ValueError(f"the spec's operation {shape.operation_id} has no handler in the mock")
        by_path.setdefault(shape.path, {})[shape.method] = OPERATIONS[shape.operation_id]
    # Literal paths first: Starlette takes the first full match, and `{id}` matches "bulk".
    ordered = sorted(by_path, key=lambda path: path.count("{"))
    routes = [
        Route(API_PREFIX + path, PathEndpoint(by_path[path], path, as_id=_as_id(path, by_path)), methods=None)
        for path in ordered
    ]

    async def spec(request: Request) -> Response:
        return Response(spec_json, media_type="application/json")

    routes.append(Route(SPEC_PATH, spec, methods=["GET"]))
    return routes


def _as_id(path: str, by_path: Mapping[str, Mapping[str, Operation]]) -> set[str]:
    """Methods `path` lacks that a templated sibling serves on the same URL, a literal segment of
    `path` read as its `{id}` (register `literal-segment-as-id`)."""
    found: set[str] = set()
    for other, operations in by_path.items():
        if other == path or "{" not in other:
            continue
        pattern = "^" + re.sub(r"\\\{[^/]+\\\}", "[^/{}]+", re.escape(other)) + "$"
        if re.match(pattern, path):
            found.update(set(operations) - set(by_path[path]))
    return found


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404 (unknown path) and 405, in Close's error shape."""
    state: MockState = request.app.state.mock
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        error = not_found()
    elif status == 405 and isinstance(exc, HTTPException):
        error = method_not_allowed([m.strip() for m in (exc.headers or {}).get("Allow", "GET").split(",")])
    else:
        error = ApiError(status, str(getattr(exc, "detail", "")) or "Error.")
    return render_error(state, error)


def create_app(
    *,
    store: Store | None = None,
    faults: Iterable[str] = (),
    strict: bool = False,
    rate_limit: float | None = None,
    contract: Contract | None = None,
    clock: Callable[[], float] = time.monotonic,
    readings: Mapping[str, Any] | None = None,
) -> Starlette:
    """The mock as an ASGI app.

    Args:
        store: the state to serve; a fresh one with random keys by default.
        faults: names from the catalogue (`close-mock faults`) to switch on; an unknown name
            raises ValueError listing the known ones.
        strict: follow the strict reading of every discrepancy instead of the mock's default.
        rate_limit: answer 429 past this many requests per second per credential (whole requests:
            a fraction is dropped; below 1 raises ValueError).
        contract: the specs to serve (the project's own by default).
        clock: the rate limiter's and the read lag's clock, for tests that must not sleep.
        readings: {register id: value} to take instead of the mode's reading, each one the
            register's `accept.default` lists (`close-mock readings`); values typed or as strings
            ("403", "empty-list", "1.0"). A value the register or the mock cannot take raises
            ValueError naming the allowed ones.
    """
    contract = contract or default_contract()
    fault_set = FaultSet(faults)
    chosen = Readings(contract, strict=strict, overrides=readings)
    handler_owned = [*HANDLER_OWNED, *send_as.handler_owned(chosen, contract.spec)]
    handler_owned += emails.handler_owned(chosen)
    if fault_set.on("skip-maximum-ignored"):
        # The fault: the spec's `_skip` maximums are not enforced, a page (empty) comes back.
        handler_owned += skip_maximum_pointers(contract.spec)
    if fault_set.on("contact-title-max-length-ignored"):
        # The fault: a new contact's title is not held to the documented bound (Close's CreateContact
        # says maxLength 1000), so a longer one is accepted and stored.
        handler_owned.append(contacts.CREATE_CONTACT_TITLE_MAX_LENGTH)
    validators = SpecValidators(contract.spec, handler_owned=handler_owned)
    store = store or Store()
    store.clock = clock
    state = MockState(
        store=store,
        faults=fault_set,
        readings=chosen,
        validators=validators,
        limiter=(
            RateLimiter(
                rate_limit,
                clock=clock,
                body=chosen("ratelimit-body"),
                separator=", " if chosen("ratelimit-header-format") == "comma" else "; ",
            )
            if rate_limit is not None
            else None
        ),
        paths=load_close_paths(contract.spec),
        naive_timestamps=(
            timestamp_fields(contract.spec) if chosen("timestamp-offset") == "naive" else frozenset()
        ),
    )
    spec_json = json.dumps(contract.spec, default=str).encode()
    app = Starlette(
        routes=_routes(validators, spec_json),
        middleware=[Middleware(LastResortMiddleware)],
        exception_handlers={HTTPException: _http_error},
    )
    # Starlette's own slash redirect (307, every path) is off: `not_routed` redirects Close's paths
    # with the register's status (`trailing-slash-redirect`) and answers the rest.
    app.router.redirect_slashes = False
    app.router.default = not_routed
    app.state.mock = state
    return app
