"""Validate one exchange against the contract: the request a client sent, the answer it received.

The shapes come from specs/close.yaml through the mock's own compiled validators
(`mock/validation.SpecValidators`), here over the whole spec: the constraints the mock enforces in
its handlers (status xor status_id, sender by status, send_in below 60) are the client's to respect
too. A call outside the contract is a violation (strict): Close answers it 404/405, or it reaches
an area the contract does not model, which no verdict here could cover. The one exception is a
slashless contract path: Close redirects it (register `trailing-slash-redirect`), so it works at
the cost of a round trip, a warning.

A POST with `x-http-method-override` is judged as the method it stands for, `_params` as its query
(rule http.method-override; close_conformance.override).

Rules (specs/rules.yaml): request.validation, auth.required, auth.schemes,
http.unsupported-media-type, client.documented-operations, client.slashed-paths,
client.no-read-only-fields for requests; response.documented-shape, http.no-server-error for
answers.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError
from starlette.datastructures import QueryParams

from close_conformance.contract import Contract, default_contract
from close_conformance.inferred import loosened_spec
from close_conformance.mock.errors import ValidationFailed
from close_conformance.mock.validation import SpecValidators
from close_conformance.override import BODYLESS, MalformedParams, merged_query, overridden_method, params_of
from close_conformance.sdk.curl import curl_line
from close_conformance.sdk.exchange import Received, Sent
from close_conformance.sdk.routes import OperationIndex, Route
from close_conformance.sdk.schemas import escape, resolve, response_only_fields
from close_conformance.sdk.violation import Violation
from close_conformance.unmodelled import Template, close_query_parameters, load_close_paths

__all__ = ["ContractValidator"]

# Every rule this module can report, for coverage: "what could have been judged".
REQUEST_RULES = (
    "request.validation",
    "auth.required",
    "auth.schemes",
    "http.unsupported-media-type",
    "client.documented-operations",
    "client.slashed-paths",
    "client.no-read-only-fields",
)
RESPONSE_RULES = ("response.documented-shape", "http.no-server-error")
_SHOWN = 300  # characters of a value quoted in a violation


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


def _where(error: ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(the body)"


def _describe(errors: Iterable[ValidationError]) -> str:
    return "; ".join(f"{_where(e)}: {_short(e.message)}" for e in list(errors)[:5])


class ContractValidator:
    """Stateless checks of single exchanges; thread-safe (jsonschema validators are)."""

    def __init__(self, contract: Contract | None = None, *, base_path: str = "/api/v1") -> None:
        self.contract = contract or default_contract()
        # What our spec infers and the register's default lets a server accept (id patterns on
        # filters, a recipient's address form: `x-close-inferred`) is no client's fault: Close's
        # own spec accepts it. The validator reads the spec with those constraints loosened.
        spec = loosened_spec(self.contract, strict=False)
        self.spec = spec
        self.validators = SpecValidators(spec, handler_owned=())
        self.index = OperationIndex(spec, load_close_paths(spec), base_path)
        self.response_only = response_only_fields(spec)
        self._operations = {
            op_id: spec["paths"][path][method.lower()]
            for op_id, (method, path) in self.contract.operations.items()
        }
        self._close_query = close_query_parameters()
        # A 429 without a JSON body is what Close's ingress answers; the register's default admits it.
        self.no_body_429 = "no-body" in self.contract.discrepancy("ratelimit-body").default

    def documented_statuses(self, operation_id: str) -> list[int]:
        return sorted(int(s) for s in self._operations[operation_id].get("responses", {}) if s.isdigit())

    # ------------------------------------------------------------------ requests

    def check_request(self, sent: Sent) -> tuple[Route, list[Violation]]:
        """The route the request takes and every way it breaks the contract.

        A POST with `x-http-method-override` (rule http.method-override) is judged as the method it
        stands for: its route, its query with `_params` merged in, and no body of its own for a
        GET or DELETE."""
        method, query, malformed = self._effective(sent)
        route = self.index.find(method, sent.path)
        found: list[Violation] = []

        def report(rule: str, observed: str, expected: str, severity: str = "violation") -> None:
            found.append(
                Violation(
                    rule=rule,
                    operation=route.operation_id,
                    direction="request",
                    observed=observed,
                    expected=expected,
                    request=f"{sent.method} {sent.url}",
                    curl=curl_line(sent),
                    severity="warning" if severity == "warning" else "violation",
                )
            )

        if route.kind == "slashless":
            report(
                "client.slashed-paths",
                f"{sent.path} without its trailing slash",
                f"{sent.path}/ (every Close path ends with '/'; this one costs a redirect)",
                "warning",
            )
            return route, found
        if route.kind != "operation":
            expected = {
                "method": f"{route.template} takes {', '.join(route.allowed)} (Close answers 405)",
                "unmodelled": f"{route.template} is a Close path this contract does not model",
                "foreign": "a path of the contract under " + self.index.base_path,
            }[route.kind]
            report("client.documented-operations", f"{sent.method} {sent.path}", expected)
            return route, found
        assert route.operation_id is not None
        self._check_credentials(sent, report)
        self._check_path(route, report)
        if malformed is not None:
            report(
                "request.validation",
                f"the override's body {_short(sent.body.decode(errors='replace'))}: {malformed}",
                '{"_params": {...}} with string values (register method-override-request)',
            )
        self._check_query(route.operation_id, sent, query, report)
        self._check_headers(route.operation_id, sent, report)
        if method != sent.method and method in BODYLESS:
            self._check_override_values(sent, report)
        else:
            self._check_body(route.operation_id, sent, report)
        return route, found

    def _effective(self, sent: Sent) -> tuple[str, list[tuple[str, str]], MalformedParams | None]:
        """(the method the request stands for, its query, why its `_params` cannot be read)."""
        method = overridden_method(sent.method, sent.headers)
        if method is None:
            return sent.method, sent.query, None
        if method not in BODYLESS:
            return method, sent.query, None
        try:
            body = sent.json() if sent.body.strip() else None
            return method, merged_query(sent.query, params_of(body, typed=True)), None
        except ValueError as error:  # MalformedParams is one; so is a body that is not JSON
            malformed = error if isinstance(error, MalformedParams) else MalformedParams(f"not JSON: {error}")
            return method, sent.query, malformed

    def _check_override_values(self, sent: Sent, report: Any) -> None:
        """`_params` values other than strings: the docs show strings; a server may refuse the rest
        (register method-override-params: typed or strings by default), so a warning."""
        try:
            params_of(sent.json() if sent.body.strip() else None, typed=False)
        except MalformedParams as malformed:
            if malformed.field not in (None, "_params"):
                report(
                    "request.validation",
                    f"_params.{malformed.field} is not a string",
                    "string values, as in a query string (register method-override-params)",
                    "warning",
                )
        except ValueError:
            return  # not JSON: reported as malformed already

    def _check_credentials(self, sent: Sent, report: Any) -> None:
        value = sent.header("authorization")
        if not value:
            report("auth.required", "no Authorization header", "Basic (API key) or Bearer credentials")
            return
        scheme, _, token = value.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(token.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                report("auth.schemes", "a Basic header that is not base64 of user:password", "`-u apikey:`")
                return
            if user and not password:
                return
            report(
                "auth.schemes",
                "Basic credentials with a password" if password else "Basic credentials without a username",
                "the API key as the username and an empty password (`-u apikey:`)",
            )
            return
        shown = f"of scheme {scheme!r}" if token.strip() else "with no scheme (a bare credential)"
        report("auth.schemes", f"an Authorization header {shown}", "Basic (API key) or Bearer")

    def _check_path(self, route: Route, report: Any) -> None:
        assert route.operation_id is not None
        if not self.validators.path_matches(route.operation_id, route.path_params):
            report(
                "request.validation",
                f"path ids {dict(route.path_params)}",
                "ids of the documented form (Close answers 404 for one that cannot exist)",
            )

    def _check_query(self, operation_id: str, sent: Sent, query: list[tuple[str, str]], report: Any) -> None:
        shape = self.validators.operations[operation_id]
        declared = {p.name for p in shape.parameters if p.location == "query"}
        if shape.takes_fields:
            declared.add("_fields")
        # Close's published spec may declare more than ours (getUser's _limit/_skip, register
        # user-get-pagination-params): a client sending them is not wrong. Others are not refused
        # by Close either (OpenAPI does not close the query), so they are warnings: likely a typo,
        # a filter silently not applied.
        method, path = self.contract.operations[operation_id]
        close_declares = self._close_query.get((method.upper(), Template.parse(path).key), frozenset())
        unknown = sorted({name for name, _ in query} - declared - close_declares)
        if unknown:
            report(
                "request.validation",
                f"query parameters {', '.join(unknown)}",
                f"only {', '.join(sorted(declared)) or 'none'} (Close ignores others: no filter applied)",
                "warning",
            )
        try:
            self.validators.query(operation_id, QueryParams(query))
        except ValidationFailed as failed:
            report(
                "request.validation",
                f"query {_short(failed.field_errors)}",
                "the parameters' documented schemas",
            )

    def _check_headers(self, operation_id: str, sent: Sent, report: Any) -> None:
        for parameter in self.validators.operations[operation_id].parameters:
            if parameter.location != "header":
                continue
            value = sent.header(parameter.name)
            if value is None:
                if parameter.required:
                    report(
                        "request.validation", f"no {parameter.name} header", f"{parameter.name} is required"
                    )
                continue
            errors = self.validators.schema_errors(parameter.schema_pointer, value)
            if errors:
                report("request.validation", f"{parameter.name}: {_short(value)}", _describe(errors))

    def _check_body(self, operation_id: str, sent: Sent, report: Any) -> None:
        shape = self.validators.operations[operation_id]
        if shape.body_pointer is None:
            return
        media = (sent.header("content-type") or "").split(";")[0].strip().lower()
        if media != "application/json":
            report("http.unsupported-media-type", f"Content-Type {media or 'missing'}", "application/json")
        try:
            body = sent.json()
        except ValueError:
            report(
                "request.validation",
                f"a body that is not JSON: {_short(sent.body.decode(errors='replace'))}",
                "a JSON object",
            )
            return
        if isinstance(body, dict):
            never = sorted(set(body) & self.response_only.get(operation_id, frozenset()))
            if never:
                report(
                    "client.no-read-only-fields",
                    f"body fields {', '.join(never)}",
                    "only the body schema's fields; these are set by Close (the answer's own)",
                )
                body = {k: v for k, v in body.items() if k not in never}
        errors = self.validators.schema_errors(shape.body_pointer, body)
        if errors:
            report("request.validation", f"body {_short(body)}", _describe(errors))

    # ------------------------------------------------------------------ responses

    def check_response(self, route: Route, sent: Sent, received: Received) -> list[Violation]:
        """Every way the answer is not one the contract documents for the operation."""
        if route.kind != "operation" or route.operation_id is None:
            return []
        operation = self._operations[route.operation_id]

        def violation(rule: str, observed: str, expected: str) -> Violation:
            return Violation(
                rule=rule,
                operation=route.operation_id,
                direction="response",
                observed=observed,
                expected=expected,
                request=f"{sent.method} {sent.url}",
                curl=curl_line(sent),
            )

        method, query, _ = self._effective(sent)
        status = received.status
        if status >= 500:
            return [
                violation("http.no-server-error", f"status {status}", "no 5xx, ever (documented codes only)")
            ]
        responses: Mapping[str, Any] = operation.get("responses", {})
        if str(status) not in responses:
            documented = ", ".join(str(s) for s in self.documented_statuses(route.operation_id))
            return [violation("response.documented-shape", f"status {status}", f"one of {documented}")]
        raw = responses[str(status)]
        base = (
            str(raw["$ref"]).removeprefix("#")
            if "$ref" in raw
            else escape("paths", route.template or "", method.lower(), "responses", str(status))
        )
        content = resolve(self.spec, raw).get("content", {})
        if "application/json" not in content:
            if received.body.strip():
                return [violation("response.documented-shape", f"a {status} with a body", "no content")]
            return []
        media = (received.header("content-type") or "").split(";")[0].strip().lower()
        if media != "application/json":
            if status == 429 and self.no_body_429:
                return []  # register ratelimit-body: no-body is accepted by default
            return [
                violation(
                    "response.documented-shape", f"Content-Type {media or 'missing'}", "application/json"
                )
            ]
        try:
            body = json.loads(received.body)
        except ValueError:
            return [violation("response.documented-shape", "a body that is not JSON", "a JSON body")]
        if 200 <= status < 300 and any(name == "_fields" for name, _ in query):
            return []  # a projection: no schema of the contract describes it (docs: fields.md)
        pointer = base + escape("content", "application/json", "schema")
        errors = self.validators.schema_errors(pointer, body)
        if errors:
            return [violation("response.documented-shape", f"body {_short(body)}", _describe(errors))]
        return []
