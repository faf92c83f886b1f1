"""Close-style errors: `{"error": "..."}`, or `{"errors": [...], "field-errors": {...}}` for a 400
validation error (facts 5.3, discrepancy `error-shape-400`).

Handlers raise `ApiError`; `render` turns it into the response. Malformed input of every kind is
mapped to a 4xx before it can raise anything else; `LastResortMiddleware` is there for the bugs
that slip through: a JSON 500 without a traceback, which schemathesis' `not_a_server_error`
reports, while the traceback goes to the log (stderr), not to the client.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from close_conformance.mock.faults import FaultSet

__all__ = [
    "ApiError",
    "LastResortMiddleware",
    "RateLimited",
    "ValidationFailed",
    "bad_request",
    "method_not_allowed",
    "not_found",
    "not_modelled",
    "refusal",
    "render",
    "unauthorized",
]

log = logging.getLogger("close_conformance.mock")


class ApiError(Exception):
    """An answer other than success, raised from anywhere in a request."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class RateLimited(ApiError):
    """A 429; `fields` are the deprecated body fields (`rate_reset`...) when the register reads
    `ratelimit-body` as body-fields, else empty and the body is the plain `{"error": message}`."""

    def __init__(self, message: str, headers: Mapping[str, str], fields: Mapping[str, Any] | None) -> None:
        super().__init__(429, message, headers)
        # None: the body is plain text, no JSON (`ratelimit-body` read as no-body).
        self.fields = None if fields is None else dict(fields)


class ValidationFailed(ApiError):
    """A 400 naming what is wrong with the request, field by field where it can."""

    def __init__(
        self, field_errors: Mapping[str, str] | None = None, errors: list[str] | None = None
    ) -> None:
        self.field_errors = dict(field_errors or {})
        self.errors = list(errors or [])
        first = next(iter(self.field_errors.items()), None)
        summary = (
            f"{first[0]}: {first[1]}" if first else (self.errors[0] if self.errors else "Invalid request")
        )
        super().__init__(400, summary)


def not_found() -> ApiError:
    return ApiError(404, "Not found.")


def not_modelled(method: str, path: str) -> ApiError:
    """501: Close has this path or method, the mock does not model it (never a claim about Close)."""
    return ApiError(
        501,
        f"The reference mock does not model {method} {path}; Close has it (specs/upstream/, "
        "specs/unmodelled.yaml). This answer says nothing about Close.",
    )


def unauthorized() -> ApiError:
    # RFC 9110 asks a 401 to name the schemes it takes; Close takes both.
    return ApiError(401, "Unauthorized", {"WWW-Authenticate": 'Basic realm="Close API", Bearer'})


def method_not_allowed(allowed: list[str]) -> ApiError:
    return ApiError(405, "Method not allowed.", {"Allow": ", ".join(allowed)})


def bad_request(message: str) -> ApiError:
    """A 400 about the request as a whole (malformed JSON): the `{"error"}` shape, per the register."""
    return ApiError(400, message)


def refusal(status: int, field: str, message: str) -> ApiError:
    """A refused request at the status the register reads: a field error when 400, `{"error"}` else."""
    if status == 400:
        return ValidationFailed({field: message})
    return ApiError(status, message)


def render(error: ApiError, *, faults: FaultSet, validation_shape: str) -> Response:
    """The response for an error, bent by the faults of `errors.shape` and its neighbours."""
    headers = dict(error.headers)
    body: dict[str, Any] = {"error": error.message}
    if isinstance(error, RateLimited) and error.fields is None:
        return PlainTextResponse(error.message, status_code=429, headers=headers)
    if isinstance(error, RateLimited) and error.fields:
        # The body before 2024-04-24, as public clients read it: error.rate_reset.
        body = {"error": {"message": error.message, **error.fields}}
    if isinstance(error, ValidationFailed):
        if faults.on("validation-errors-without-field-errors"):
            body = {"errors": [*error.errors, *(f"{k}: {v}" for k, v in error.field_errors.items())]}
        elif validation_shape == "validation":
            body = {"errors": error.errors, "field-errors": error.field_errors}
    if error.status == 401 and faults.on("unauthorized-plain-text"):
        return PlainTextResponse(error.message, status_code=401, headers=headers)
    if error.status == 404 and faults.on("not-found-detail-key"):
        body = {"detail": error.message}
    if error.status == 405 and faults.on("allow-header-missing"):
        headers.pop("Allow", None)
    if error.status == 415 and faults.on("unsupported-media-type-plain-text"):
        return PlainTextResponse(error.message, status_code=415, headers=headers)
    return JSONResponse(body, status_code=error.status, headers=headers)


class LastResortMiddleware:
    """Turns an exception that escaped the app into a JSON 500 and logs it.

    Starlette's own ServerErrorMiddleware re-raises after answering, which would crash an
    in-process client (httpx, schemathesis' ASGI transport) instead of showing it a 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            body = json.dumps({"error": "Internal server error."}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
