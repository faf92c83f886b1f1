"""Walk Close's operations in our areas and compare each with ours: existence, query
parameters, request body, success responses and every example."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from close_conformance.drift.compare import compare_request, compare_response
from close_conformance.drift.document import Document, Operation
from close_conformance.drift.examples import ExampleJudge, examples_of, pointer
from close_conformance.drift.findings import Finding
from close_conformance.drift.paths import Areas

__all__ = [
    "compare_documents",
    "our_areas",
]

JSON = "application/json"
# Keys of our operations that say they take `?_fields=` (see close.yaml's description).
FIELDS_EXTENSION = "x-close-fields"


def _json_media(content: Mapping[str, Any] | None) -> tuple[str, Mapping[str, Any]] | None:
    """The JSON media type of a content map (application/json, or any +json/json variant)."""
    for media, value in (content or {}).items():
        if media.split(";")[0].strip() == JSON or media.endswith("+json"):
            return media, value
    return None


class _Pair:
    """One Close operation and our operation of the same method and path shape (if any)."""

    def __init__(self, close: Operation, ours: Operation | None, area: str, rules: tuple[str, ...]) -> None:
        self.close, self.ours, self.area, self.rules = close, ours, area, rules
        self.findings: list[Finding] = []

    def report(self, kind: str, where: str, close: str, ours: str, details: Iterable[str] = ()) -> None:
        self.findings.append(
            Finding(
                kind=kind,
                method=self.close.method,
                path=self.ours.path if self.ours else self.close.path,
                where=where,
                close=close,
                ours=ours,
                area=self.area,
                operation_id=self.ours.operation_id if self.ours else None,
                close_operation_id=self.close.operation_id,
                rules=self.rules,
                details=list(details),
            )
        )


def _parameters(pair: _Pair, ours: Operation) -> None:
    close_params = pair.close.parameters()
    our_params = ours.parameters()
    our_path_params = [p for (where, _n), p in our_params.items() if where == "path"]
    close_path_params = [p for (where, _n), p in close_params.items() if where == "path"]
    # Path parameters pair up by position: Close's `{id}` may be our `{contact_id}`.
    for theirs, mine in zip(close_path_params, our_path_params, strict=False):
        compare_request(
            ours.document,
            mine.get("schema", {}),
            pair.close.document,
            theirs.get("schema", {}),
            f"path.{mine['name']}",
            pair.report,
            parameter=True,
        )
    for (where, name), theirs in close_params.items():
        if where != "query":
            continue
        declared = our_params.get(("query", name))
        if declared is None:
            if name == "_fields" and ours.raw.get(FIELDS_EXTENSION) is True:
                continue  # declared by our extension, deliberately not as a parameter
            pair.report("query-param-missing", f"query.{name}", "accepted", "not declared")
            continue
        compare_request(
            ours.document,
            declared.get("schema", {}),
            pair.close.document,
            theirs.get("schema", {}),
            f"query.{name}",
            pair.report,
            parameter=True,
        )
    for (where, name), mine in our_params.items():
        if (
            where == "query"
            and mine.get("required")
            and not close_params.get((where, name), {}).get("required")
        ):
            pair.report("request-required", f"query.{name}", "optional", "required")


def _request(pair: _Pair, ours: Operation, judge: ExampleJudge) -> None:
    close_body = pair.close.document.deref(pair.close.raw.get("requestBody"))
    if not isinstance(close_body, Mapping):
        return
    theirs = _json_media(close_body.get("content"))
    if theirs is None:
        return
    our_body = ours.document.deref(ours.raw.get("requestBody"))
    mine = _json_media(our_body.get("content")) if isinstance(our_body, Mapping) else None
    if mine is None:
        pair.report("request-body-missing", "request", "a JSON body", "no body")
        return
    if "schema" in theirs[1] and "schema" in mine[1]:
        compare_request(
            ours.document, mine[1]["schema"], pair.close.document, theirs[1]["schema"], "request", pair.report
        )
    body_pointer = _body_pointer(ours, mine[0])
    for name, value in examples_of(pair.close.document, theirs[1]):
        errors = judge.errors(body_pointer, value)
        if errors:
            where = f"request[{name}]" if name else "request"
            pair.report("request-example-rejected", where, "a valid example", "rejected", errors)


def _body_pointer(ours: Operation, media: str) -> str:
    body = ours.raw["requestBody"]
    base = (
        _unpointer(str(body["$ref"]))
        if "$ref" in body
        else ["paths", ours.path, ours.method.lower(), "requestBody"]
    )
    return pointer(*base, "content", media, "schema")


def _unpointer(ref: str) -> list[str]:
    """The keys a local `$ref` names, unescaped (pointer() escapes them again)."""
    return [p.replace("~1", "/").replace("~0", "~") for p in ref.removeprefix("#/").split("/")]


def _response_pointer(ours: Operation, status: str) -> tuple[Mapping[str, Any], list[str]]:
    """Our response object for `status` and the pointer parts that lead to it."""
    response = ours.raw["responses"][status]
    if isinstance(response, Mapping) and "$ref" in response:
        return ours.document.deref(response), _unpointer(str(response["$ref"]))
    return response, ["paths", ours.path, ours.method.lower(), "responses", status]


def _responses(pair: _Pair, ours: Operation, judge: ExampleJudge) -> None:
    our_responses = ours.raw.get("responses") or {}
    for status, raw in (pair.close.raw.get("responses") or {}).items():
        status = str(status)
        theirs = pair.close.document.deref(raw)
        if not isinstance(theirs, Mapping):
            continue
        if status not in our_responses:
            if status.startswith("2"):
                pair.report("response-status-missing", f"response.{status}", "documented", "not documented")
            continue
        mine, parts = _response_pointer(ours, status)
        close_media = _json_media(theirs.get("content"))
        our_media = _json_media(mine.get("content")) if isinstance(mine, Mapping) else None
        if close_media is None or our_media is None:
            continue
        where = f"response.{status}"
        if "schema" in close_media[1] and "schema" in our_media[1]:
            compare_response(
                ours.document,
                our_media[1]["schema"],
                pair.close.document,
                close_media[1]["schema"],
                where,
                pair.report,
            )
        for name, value in examples_of(pair.close.document, close_media[1]):
            errors = judge.errors(pointer(*parts, "content", our_media[0], "schema"), value)
            if errors:
                pair.report(
                    "response-example-rejected",
                    f"{where}[{name}]" if name else where,
                    "a valid example",
                    "rejected",
                    errors,
                )


def our_areas(ours: Document) -> Areas:
    """Our paths by area (the first tag of their operations)."""
    return Areas.from_operations((op.path, str((op.raw.get("tags") or ["-"])[0])) for op in ours.operations())


def compare_documents(
    ours: Document, closes: Iterable[Document], rules_of: Mapping[str, tuple[str, ...]]
) -> Iterator[Finding]:
    """Every finding for every operation of `closes` that falls in one of our areas.
    `rules_of`: our operationId -> the rule ids naming it."""
    by_key = {(op.method, op.path): op for op in ours.operations()}
    areas = our_areas(ours)
    judge = ExampleJudge(ours)
    seen: set[tuple[str, str]] = set()
    for document in closes:
        for close in document.operations():
            area = areas.area(close.path)
            our_path = areas.ours(close.path)
            if area is None or (close.method, our_path or close.path) in seen:
                continue  # outside our areas, or already compared from an earlier file
            seen.add((close.method, our_path or close.path))
            mine = by_key.get((close.method, our_path)) if our_path else None
            operation_id = mine.operation_id if mine else None
            pair = _Pair(close, mine, area, rules_of.get(operation_id or "", ()))
            if mine is None:
                pair.report("operation-missing", "", close.operation_id or "documented", "no such operation")
            else:
                _parameters(pair, mine)
                _request(pair, mine, judge)
                _responses(pair, mine, judge)
            yield from pair.findings
