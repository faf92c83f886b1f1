"""From an HTTP request on a spec path to a handler's `Reply`, and back to an HTTP response.

The order is fixed and every step can only end in a documented answer:
method, a POST's `x-http-method-override` read first (405 with Allow) -> credentials (401) ->
rate limit (429) -> path ids (404) -> query, an override's `_params` merged in (400)
-> X-TZ-Offset where declared (400) -> body: media type (415), size (413), JSON (400),
schema (400), references (400) -> handler.
Path ids that cannot exist answer 404 like any missing object; a malformed query is a 400. A body
whose only faults are ids without their form gets 404 instead under the register's `id-format`
reading 404, and a method a literal segment lacks gets 404 where a sibling route would take the
segment as its `{id}` under `literal-segment-as-id` 404.

What Close has and the mock does not model answers 501 after credentials, never a 404 or 405
that would claim Close lacks it: a method Close's spec gives a modelled path (`close_conformance.unmodelled`),
or a more literal Close path a route would take for an id (`/lead/merge/` for `/lead/{id}/`).
A request no route takes goes to `not_routed`: a slashless Close path is redirected to its
slashed form before credentials, as Close's router does (rule http.trailing-slash-redirect);
an unmodelled Close path answers 501; anything else 404.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any, NoReturn
from urllib.parse import quote

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from close_conformance.mock.auth import authenticate
from close_conformance.mock.errors import (
    ApiError,
    ValidationFailed,
    method_not_allowed,
    not_found,
    not_modelled,
    render,
)
from close_conformance.mock.faults import FaultSet
from close_conformance.mock.fields import select_fields
from close_conformance.mock.filters import TZ_HEADER, caller_zone
from close_conformance.mock.method_override import (
    carries_params,
    effective_method,
    effective_query,
    refuses_other_methods,
)
from close_conformance.mock.operations import Call, Operation, Reply
from close_conformance.mock.payload import read_json
from close_conformance.mock.ratelimit import RateLimiter
from close_conformance.mock.readings import Readings
from close_conformance.mock.references import check_references, malformed_references
from close_conformance.mock.store import Store
from close_conformance.mock.timestamps import without_offsets
from close_conformance.mock.validation import Repeated, SpecValidators
from close_conformance.unmodelled import ClosePaths, Template

__all__ = ["API_PREFIX", "MockState", "PathEndpoint", "not_routed"]

API_PREFIX = "/api/v1"


@dataclass(frozen=True, slots=True)
class MockState:
    """Everything one app instance owns; reached from a request as `request.app.state.mock`."""

    store: Store
    faults: FaultSet
    readings: Readings
    validators: SpecValidators
    limiter: RateLimiter | None
    paths: ClosePaths
    naive_timestamps: frozenset[str] = frozenset()
    """Names of the timestamp properties an answer writes without offset (register
    `timestamp-offset`: naive); empty under the mock's own reading."""


def render_error(state: MockState, error: ApiError) -> Response:
    return render(error, faults=state.faults, validation_shape=state.readings("error-shape-400"))


class PathEndpoint:
    """The ASGI endpoint of one spec path; it dispatches on the method itself so a 405 can name the others."""

    def __init__(
        self, operations: Mapping[str, Operation], template: str, *, as_id: Iterable[str] = ()
    ) -> None:
        """`as_id`: methods this path lacks that a sibling path serves when a literal segment of
        this one is read as its `{id}` (GET `/send_as/bulk/` as GET `/send_as/{id}/`)."""
        self.operations = dict(operations)
        self.allowed = sorted(self.operations)
        self.template = template
        self.parameters = Template.parse(template).parameters
        self.as_id = frozenset(as_id)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        state: MockState = request.app.state.mock
        headers: dict[str, str] = {}
        try:
            response = await self._answer(state, request, headers)
        except ApiError as error:
            error.headers = {**headers, **error.headers}
            response = render_error(state, error)
        await response(scope, receive, send)

    async def _answer(self, state: MockState, request: Request, headers: dict[str, str]) -> Response:
        path = request.url.path.removeprefix(API_PREFIX)
        if self.parameters:
            shadowing = state.paths.unmodelled_path(path, parameters_below=self.parameters)
            if shadowing is not None:
                _refuse_unmodelled(state, request, shadowing, path)
        # A POST standing for another method (rule http.method-override) is that method from here on.
        method, overridden = effective_method(request, state.faults)
        if overridden and (refused := refuses_other_methods(state.readings, method)) is not None:
            authenticate(request.headers.get("authorization"), state.store, state.faults)
            if refused == 405:
                raise method_not_allowed(self.allowed)
            raise ApiError(refused, f"x-http-method-override: {method} is not supported.")
        operation = self.operations.get(method)
        if operation is None:
            if method in state.paths.unmodelled_methods(self.template):
                authenticate(request.headers.get("authorization"), state.store, state.faults)
                raise not_modelled(method, self.template)
            if state.faults.on("method-not-allowed-as-404"):
                raise not_found()
            if method in self.as_id and state.readings.status("literal-segment-as-id") == 404:
                # The register's other reading: the router took the segment for the sibling's
                # `{id}`, which names no object (credentials first, as on that route).
                authenticate(request.headers.get("authorization"), state.store, state.faults)
                raise not_found()
            raise method_not_allowed(self.allowed)
        operation_id = operation.operation_id
        me = authenticate(request.headers.get("authorization"), state.store, state.faults)
        if state.limiter is not None:
            headers.update(state.limiter.hit(me.credential, state.faults))
        validators = state.validators
        if not validators.path_matches(operation_id, request.path_params):
            raise not_found()
        shape = validators.operations[operation_id]
        # Repeated keys of a list filter: gathered, or (register `email-list-id-filter-form`: any)
        # the first only.
        repeated: Repeated = "first" if state.readings("email-list-id-filter-form") == "any" else "gathered"
        if state.faults.on("email-id-list-repeated-last-only"):
            repeated = "last"
        query_params = request.query_params
        if carries_params(method, overridden):
            query_params = await effective_query(request, state.faults, state.readings)
        query = validators.query(operation_id, query_params, repeated=repeated)
        zone: tzinfo = UTC
        if any(p.location == "header" and p.name.lower() == TZ_HEADER for p in shape.parameters):
            zone = caller_zone(request.headers.get(TZ_HEADER))
        body: Any = {}
        if shape.body_pointer is not None:
            body = await read_json(request, state.faults)
            try:
                validators.body(operation_id, body)
            except ValidationFailed as failed:
                _refuse_malformed_ids(state, operation_id, body, failed)
                raise
        with state.store.transaction():
            if body:
                check_references(
                    validators,
                    operation_id,
                    body,
                    lambda kind, value: state.store.exists(kind, value, me.organization.id),
                    status=state.readings.status("unknown-reference"),
                    own=operation.own_references,
                )
            call = Call(
                me=me,
                store=state.store,
                faults=state.faults,
                readings=state.readings,
                path=request.path_params,
                query=query,
                body=body,
                zone=zone,
            )
            reply = operation.handler(call)
        fields = query_params.get("_fields") if shape.takes_fields else None
        return _response(reply, fields, state, headers)


def _refuse_malformed_ids(state: MockState, operation_id: str, body: Any, failed: ValidationFailed) -> None:
    """Register `id-format` read as 404: a body whose only faults are ids without their kind's
    form names objects that do not exist, answered as such (anything else wrong: the 400)."""
    status = state.readings.status("id-format")
    if status == 400 or failed.errors or not failed.field_errors:
        return
    if set(failed.field_errors) <= malformed_references(state.validators, operation_id, body):
        field = next(iter(failed.field_errors))
        raise ApiError(status, f"{field}: Not found.") from failed


def _response(reply: Reply, fields: str | None, state: MockState, headers: dict[str, str]) -> Response:
    if reply.body is None:
        return Response(status_code=reply.status, headers=headers)
    body = reply.body
    if state.naive_timestamps:
        body = without_offsets(body, state.naive_timestamps)
    return JSONResponse(select_fields(body, fields, state.faults), status_code=reply.status, headers=headers)


async def not_routed(scope: Scope, receive: Receive, send: Send) -> None:
    """The router's default: a request on no route of the spec (see the module's docstring)."""
    request = Request(scope, receive)
    state: MockState = request.app.state.mock
    try:
        response = _unrouted(state, request)
    except ApiError as error:
        response = render_error(state, error)
    await response(scope, receive, send)


def _refuse_unmodelled(state: MockState, request: Request, template: Template, path: str) -> NoReturn:
    """A Close path the mock does not model: 405 for a method Close does not have there either
    (with Close's methods in `Allow`), else 501 saying the mock does not model it."""
    authenticate(request.headers.get("authorization"), state.store, state.faults)
    allowed = state.paths.unmodelled_refusal(template, request.method)
    if allowed is not None:
        raise method_not_allowed(sorted(allowed))
    raise not_modelled(request.method, path)


def _sent_path(request: Request) -> str:
    """The path as the client sent it, percent-encoding kept, so a redirect names the same URL.

    `request.url.path` is decoded: written back into `Location` it would carry raw spaces or
    non-ASCII (a header cannot hold those: the server failed with 500). The raw path is ASCII.
    """
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        return raw.decode("ascii", errors="strict") if raw.isascii() else quote(raw, safe="/%")
    return quote(request.url.path, safe="/")


def _unrouted(state: MockState, request: Request) -> Response:
    if not request.url.path.startswith(API_PREFIX + "/"):
        raise not_found()
    path = request.url.path.removeprefix(API_PREFIX)
    if not path.endswith("/") and state.paths.is_close_path(path + "/"):
        if state.faults.on("trailing-slash-404"):
            raise not_found()
        status = state.readings.status("trailing-slash-redirect")
        if status in (301, 302) and request.method not in ("GET", "HEAD"):
            # The register allows 301/302 for reads only: a write must keep its method (307/308).
            status = 308
        if state.faults.on("trailing-slash-redirect-301"):
            status = 301
        location: URL = request.url.replace(path=_sent_path(request) + "/")
        if state.faults.on("trailing-slash-query-dropped"):
            location = location.replace(query="")
        return Response(status_code=status, headers={"Location": str(location)})
    template = state.paths.unmodelled_path(path)
    if template is not None:
        _refuse_unmodelled(state, request, template, path)
    raise not_found()
