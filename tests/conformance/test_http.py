"""HTTP-level rules: 405 with `Allow`, 415 for bodies that are not JSON, the shape of 400s, no 5xx
whatever is sent, slashless paths redirected, the `_skip` maximum, and the headers and body of a
429 (facts 5.1, 5.2, 5.3, 5.4, 5.7)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from close_conformance import runtime
from close_conformance.checks import (
    NO_JSON,
    Exchange,
    Viewpoint,
    check_exchange,
    is_json,
    ratelimit_body_conformance,
    ratelimit_conformance,
)
from close_conformance.checks.builtin import literal_segment_is_an_id
from close_conformance.client import CloseClient, SendRefused, record_created
from close_conformance.client import json_or_none as _json
from close_conformance.client import said as _said
from close_conformance.contract import HTTP_METHODS
from close_conformance.ledger import GuardRefused
from close_conformance.preconditions import expect_success
from close_conformance.retry import RateLimitedTransport
from close_conformance.runtime import RunContext
from close_conformance.target import TIMEOUT, Identity, Role, Target

Api = Callable[[Role], CloseClient]
CONTRACT = runtime.current().contract
PATHS: Mapping[str, Any] = CONTRACT.spec["paths"]
PROBE = "ConformanceProbe000000"
"""22 base62 characters: with a prefix, an id that is valid and names nothing."""


def _methods(path: str) -> set[str]:
    return {m.upper() for m in HTTP_METHODS if m in PATHS[path]}


def _probe_path(path: str) -> str:
    """The path with its `{id}` filled by a valid id that names nothing."""
    for parameter in PATHS[path].get("parameters", []):
        ref = str(parameter["schema"]["$ref"]).rsplit("/", 1)[-1]
        prefix = str(CONTRACT.spec["components"]["schemas"][ref]["pattern"]).split("_", 1)[0].lstrip("^")
        path = path.replace("{" + parameter["name"] + "}", f"{prefix}_{PROBE}")
    return path


def _error_shape(body: Any) -> str | None:
    """Which of the register's 400 shapes a body has (`error-shape-400`), if any."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("errors"), list) and isinstance(body.get("field-errors"), dict):
        return "validation"
    if isinstance(body.get("error"), str) and body["error"]:
        return "error"
    return None


@dataclass(frozen=True)
class Own:
    """Objects of mine the write probes aim at."""

    lead_id: str
    contact_id: str
    email_id: str


@pytest.fixture(scope="module")
def own(api: Api) -> Own:
    client = api("me")
    lead = expect_success(client.post("/lead/", {"name": "close-conformance http probes"}), "POST /lead/")
    lead_id = lead["id"]
    contact = client.post("/contact/", {"lead_id": lead_id, "name": "Http Probe"})
    email = client.post("/activity/email/", {"lead_id": lead_id, "status": "draft", "subject": "http probe"})
    return Own(
        lead_id,
        expect_success(contact, "POST /contact/")["id"],
        expect_success(email, "POST /activity/email/ (a draft)")["id"],
    )


def _send_raw(
    client: CloseClient, method: str, path: str, *, content: bytes, content_type: str, payload: Any = None
) -> httpx.Response:
    """A body that is not what `post`/`put` would send, through the identity's guarded, recorded
    client: the ledger's guard first, and whatever a wrongly accepting server creates is recorded."""
    client.ledger.guard(method, path, payload, actor=client.user_id)
    response = client.http.request(method, path, content=content, headers={"Content-Type": content_type})
    body = _json(response)
    if method == "POST" and response.is_success and isinstance(body, dict):
        record_created(client.ledger, path, body, client.role, request=payload)
    client.ledger.observe(body if body is not NO_JSON else None)
    return response


# --------------------------------------------------------------------------- http.method-not-allowed
_EXTRA = [
    ("DELETE", "/me/"),
    ("POST", "/me/"),
    ("PUT", "/send_as/bulk/"),
    ("GET", "/send_as/bulk/"),
    ("POST", "/contact/{id}/"),
    ("POST", "/activity/email/{id}/"),
    ("POST", "/send_as/{id}/"),
]
PROBES = [("PATCH", path) for path in PATHS if "PATCH" not in _methods(path)] + [
    (method, path) for method, path in _EXTRA if method not in _methods(path)
]
"""Methods Close documents nowhere for the path: PATCH everywhere (every PUT is a PATCH), and a
few writes on read-only or id paths. Ids name nothing, so even a wrong answer changes nothing."""


@pytest.fixture(scope="module")
def as_me(target: Target, me: Identity) -> httpx.Client:
    """A raw client acting as me (429-aware)."""
    return target.client("me")


@pytest.mark.rule("http.method-not-allowed", "errors.shape")
@pytest.mark.parametrize(("method", "path"), PROBES, ids=[f"{m} {p}" for m, p in PROBES])
def test_unsupported_method_gets_405_with_allow(
    as_me: httpx.Client, close_context: RunContext, method: str, path: str
) -> None:
    response = as_me.request(method, _probe_path(path), json={} if method != "GET" else None)
    if (
        response.status_code == 404
        and literal_segment_is_an_id(method, _probe_path(path))
        and close_context.accepts("literal-segment-as-id", 404)
    ):
        # GET /send_as/bulk/ read as GET /send_as/{id}/ of an id "bulk" that names nothing.
        shape = _error_shape(_json(response))
        assert shape == "error", f"[errors.shape] a 404 carries {{'error'}}: {_said(response)}"
        return
    assert response.status_code == 405, f"[http.method-not-allowed] expected 405, got {_said(response)}"
    allow = response.headers.get("Allow")
    assert allow is not None, f"[http.method-not-allowed] a 405 without an Allow header: {_said(response)}"
    # HEAD and OPTIONS come with every HTTP server; the rule is about the API's own methods.
    listed = {m.strip().upper() for m in allow.split(",") if m.strip()} - {"HEAD", "OPTIONS"}
    assert listed == _methods(path), (
        f"[http.method-not-allowed] Allow: {allow!r} for {path}, the spec has {sorted(_methods(path))}"
    )
    assert _error_shape(_json(response)) == "error", (
        f"[errors.shape] a 405 carries {{'error'}}: {_said(response)}"
    )


# --------------------------------------------------------------------------- http.unsupported-media-type
WRITES = [
    "createLead",
    "updateLead",
    "createContact",
    "updateContact",
    "createEmail",
    "updateEmail",
    "createSendAs",
    "bulkEditSendAs",
]


def _write(operation_id: str, own: Own, me: Identity) -> tuple[str, str, dict[str, Any]]:
    """METHOD, path and a harmless JSON payload of one write operation, on my own objects."""
    method, path = CONTRACT.operations[operation_id]
    payloads: dict[str, tuple[str, dict[str, Any]]] = {
        "createLead": (path, {"name": "close-conformance media type"}),
        "updateLead": (f"/lead/{own.lead_id}/", {"description": "media type"}),
        "createContact": (path, {"lead_id": own.lead_id, "name": "Media Type"}),
        "updateContact": (f"/contact/{own.contact_id}/", {"title": "Media Type"}),
        "createEmail": (path, {"lead_id": own.lead_id, "status": "draft", "subject": "media type"}),
        "updateEmail": (f"/activity/email/{own.email_id}/", {"subject": "media type"}),
        "createSendAs": (path, {"allowing_user_id": me.user_id, "allowed_user_id": me.user_id}),
        "bulkEditSendAs": (path, {"allowed_user_ids": [], "disallowed_user_ids": []}),
    }
    concrete, payload = payloads[operation_id]
    return method, concrete, payload


ENCODINGS: dict[str, tuple[str, Callable[[dict[str, Any]], bytes]]] = {
    "JSON sent as text/plain": ("text/plain", lambda payload: json.dumps(payload).encode()),
    "form data": (
        "application/x-www-form-urlencoded",
        lambda payload: urlencode({k: v for k, v in payload.items() if not isinstance(v, list)}).encode(),
    ),
}


@pytest.mark.rule("http.unsupported-media-type")
@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("operation_id", WRITES)
def test_a_body_that_is_not_json_gets_415(
    api: Api, own: Own, me: Identity, operation_id: str, encoding: str
) -> None:
    method, path, payload = _write(operation_id, own, me)
    content_type, encode = ENCODINGS[encoding]
    response = _send_raw(
        api("me"), method, path, content=encode(payload), content_type=content_type, payload=payload
    )
    assert response.status_code == 415, (
        f"[http.unsupported-media-type] {operation_id} with {encoding}: expected 415, got {_said(response)}"
    )
    assert _error_shape(_json(response)) == "error", (
        f"[http.unsupported-media-type] a 415 carries {{'error': ...}}: {_said(response)}"
    )


# --------------------------------------------------------------------------- errors.shape
MALFORMED = {
    "truncated JSON": '{{"lead_id": "{lead}", "name": ',
    "NaN": '{{"lead_id": "{lead}", "name": "NaN Probe", "score": NaN}}',
    "Infinity": '{{"lead_id": "{lead}", "name": "Infinity Probe", "score": Infinity}}',
    "-Infinity": '{{"lead_id": "{lead}", "name": "Infinity Probe", "score": -Infinity}}',
    "trailing garbage": '{{"lead_id": "{lead}", "name": "Trailing Probe"}} and more',
    "a list": '[{{"lead_id": "{lead}", "name": "List Probe"}}]',
    "an empty body": "",
}


@pytest.mark.rule("errors.shape")
@pytest.mark.parametrize("path", ["/lead/", "/contact/"])
@pytest.mark.parametrize("kind", list(MALFORMED))
def test_a_malformed_body_gets_400(
    api: Api, own: Own, close_context: runtime.RunContext, kind: str, path: str
) -> None:
    content = MALFORMED[kind].format(lead=own.lead_id).encode()
    response = _send_raw(api("me"), "POST", path, content=content, content_type="application/json")
    assert response.status_code == 400, (
        f"[errors.shape] POST {path} with {kind}: expected 400, got {_said(response)}"
    )
    shape = _error_shape(_json(response))
    # Not JSON at all is not a validation error: either Close shape will do (register
    # error-shape-400); JSON of the wrong type is one, read as the register says.
    accepted = close_context.accepted("error-shape-400") if kind == "a list" else ("error", "validation")
    assert shape in accepted, (
        f"[errors.shape] a 400 for {kind} has the shape {shape}; accepted here: {accepted}: {_said(response)}"
    )


@pytest.mark.rule("errors.shape")
def test_an_unknown_field_is_a_validation_error(
    api: Api, own: Own, close_context: runtime.RunContext
) -> None:
    response = api("me").post("/contact/", {"lead_id": own.lead_id, "name": "Unknown Field", "nickname": "x"})
    assert response.status_code == 400, (
        f"[errors.shape] a contact with an unknown field: expected 400, got {_said(response)}"
    )
    shape = _error_shape(_json(response))
    assert close_context.accepts("error-shape-400", shape), (
        f"[errors.shape] a validation error has the shape {shape}; the register accepts "
        f"{close_context.accepted('error-shape-400')}: {_said(response)}"
    )


# --------------------------------------------------------------------------- http.no-server-error
def _documented(operation_id: str) -> set[int]:
    method, path = CONTRACT.operations[operation_id]
    return {int(code) for code in PATHS[path][method.lower()]["responses"]}


def _check(
    operation_id: str,
    response: httpx.Response,
    me: Identity,
    body: Any = None,
    *,
    request_is_json: bool = True,
) -> None:
    """No 5xx, a documented status, and every rule that holds on any response (checks.py)."""
    assert response.status_code < 500, f"[http.no-server-error] {operation_id}: {_said(response)}"
    assert response.status_code in _documented(operation_id), (
        f"[http.no-server-error] {operation_id} answered an undocumented status "
        f"(documented {sorted(_documented(operation_id))}): {_said(response)}"
    )
    request = response.request
    check_exchange(
        Exchange(
            operation_id=operation_id,
            method=request.method,
            path=request.url.path,
            status=response.status_code,
            query=dict(request.url.params),
            request_body=body,
            headers={k.lower(): v for k, v in response.headers.items()},
            body=_json(response),
            raw=response.content,
            request_is_json=request_is_json,
        ),
        Viewpoint(me.user_id, me.email, me.organization_id),
    )


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _bodies(operation_id: str) -> st.SearchStrategy[Any]:
    """Any JSON value, or an object with the operation's own keys holding any JSON values."""
    method, path = CONTRACT.operations[operation_id]
    schema = PATHS[path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
    name = str(schema["$ref"]).rsplit("/", 1)[-1]
    keys = sorted(CONTRACT.spec["components"]["schemas"][name].get("properties", {}))
    return JSON_VALUES | st.fixed_dictionaries({}, optional=dict.fromkeys(keys, JSON_VALUES))


@pytest.mark.rule("http.no-server-error", "errors.shape")
@pytest.mark.parametrize("operation_id", WRITES)
@given(data=st.data())
def test_random_json_bodies_get_no_server_error(
    api: Api, own: Own, me: Identity, operation_id: str, data: st.DataObject
) -> None:
    method, path, _ = _write(operation_id, own, me)
    body = data.draw(_bodies(operation_id), label="body")
    client = api("me")
    try:
        response = client.post(path, body) if method == "POST" else client.put(path, body)
    except (GuardRefused, SendRefused):
        reject()  # a write the run may not send here; nothing was sent
    _check(operation_id, response, me, body)


@pytest.mark.rule("http.no-server-error", "errors.shape")
@pytest.mark.parametrize("operation_id", WRITES)
@given(content=st.binary(max_size=200))
def test_random_bytes_get_no_server_error(
    api: Api, own: Own, me: Identity, operation_id: str, content: bytes
) -> None:
    method, path, _ = _write(operation_id, own, me)
    try:
        response = _send_raw(api("me"), method, path, content=content, content_type="application/json")
    except GuardRefused:
        reject()
    _check(operation_id, response, me, request_is_json=is_json(content))


READS = [o for o, (method, _) in CONTRACT.operations.items() if method == "GET"]


def _read_path(operation_id: str, own: Own, me: Identity) -> str:
    path = CONTRACT.operations[operation_id][1]
    ids = {
        "/user/": me.user_id,
        "/lead/": own.lead_id,
        "/contact/": own.contact_id,
        "/activity/email/": own.email_id,
    }
    for prefix, object_id in ids.items():
        if path == prefix + "{id}/":
            return prefix + object_id + "/"
    return _probe_path(path)


def _queries(operation_id: str) -> st.SearchStrategy[dict[str, str]]:
    method, path = CONTRACT.operations[operation_id]
    names = [
        p.get("name") or str(p.get("$ref", "")).rsplit("/", 1)[-1]
        for p in PATHS[path][method.lower()].get("parameters", [])
    ]
    documented = [str(CONTRACT.spec["components"]["parameters"].get(n, {}).get("name", n)) for n in names]
    keys = (
        st.sampled_from(documented) | st.text(min_size=1, max_size=12) if documented else st.text(min_size=1)
    )
    return st.dictionaries(keys, st.text(max_size=40), max_size=4)


@pytest.mark.rule("http.no-server-error", "errors.shape")
@pytest.mark.parametrize("operation_id", READS)
@given(data=st.data())
def test_random_queries_get_no_server_error(
    api: Api, own: Own, me: Identity, operation_id: str, data: st.DataObject
) -> None:
    query = data.draw(_queries(operation_id), label="query")
    response = api("me").request("GET", _read_path(operation_id, own, me), params=query)
    _check(operation_id, response, me)


# --------------------------------------------------------------------------- ratelimit.headers
BURST = 300
"""At most this many requests when no answer announces how many are left (`RateLimit` is on
"most responses", not all: a server may limit without announcing)."""
BURST_SECONDS = 5.0
_REMAINING = re.compile(r"\bremaining=(\d+)")


def _remaining(response: httpx.Response) -> int | None:
    """`remaining=` of the answer's `RateLimit` header (commas or semicolons), if it has one."""
    found = _REMAINING.search(response.headers.get("RateLimit", ""))
    return int(found.group(1)) if found else None


@pytest.fixture
def unretried(throttled_target: Target) -> Iterator[httpx.Client]:
    """A client that does NOT wait out 429s, on a target that limits soon (live: the target)."""
    identity = throttled_target.identity("me")
    if identity is None:
        pytest.skip("needs --api-key: the me identity")
    # max_retries=0: every request is counted (the proof's "after N requests"), none re-sent.
    # In the key's window but never held back: this burst goes past the limit on purpose, and the
    # run's other requests (other xdist workers too) wait for the reset it leads to.
    transport = RateLimitedTransport(
        httpx.HTTPTransport(),
        max_retries=0,
        counter=throttled_target.requests_sent,
        gates=throttled_target.gates,
        wait_for_room=False,
    )
    with httpx.Client(
        base_url=throttled_target.base_url, headers=identity.headers, timeout=TIMEOUT, transport=transport
    ) as client:
        yield client


@pytest.mark.rule("ratelimit.headers", "ratelimit.body", "errors.shape")
def test_a_429_carries_the_rate_limit_headers(unretried: httpx.Client) -> None:
    # No more requests than the announced limit needs: once answers say `remaining=0`, the burst
    # goes on (some groups allow bursts above the limit) only until the window resets, which the
    # next answer's larger `remaining` shows: a whole window past the limit without a 429 means
    # this server does not enforce it here. Unannounced, at most BURST in BURST_SECONDS.
    deadline = time.monotonic() + BURST_SECONDS
    sent, exhausted, last = 0, False, None
    response: httpx.Response | None = None
    while sent < BURST:
        response = unretried.get("/me/")
        sent += 1
        if response.status_code == 429:
            break
        assert response.status_code == 200, f"[ratelimit.headers] GET /me/ in a burst: {_said(response)}"
        remaining = _remaining(response)
        if remaining is not None:
            if exhausted and last is not None and remaining > last:
                break
            exhausted, last = exhausted or remaining == 0, remaining
        if time.monotonic() > deadline:
            break
    if response is None or response.status_code != 429:
        pytest.skip(
            f"the server did not rate-limit a burst of {sent} GET /me/ in {BURST_SECONDS:g} s "
            f"(at most {BURST}, or until a window past its announced limit ended)"
        )
    exchange = Exchange(
        operation_id="getMe",
        method="GET",
        path="/me/",
        status=429,
        headers={k.lower(): v for k, v in response.headers.items()},
        body=_json(response),
        raw=response.content,
    )
    ratelimit_conformance(exchange, Viewpoint())
    # The body: {"error": message}, or the deprecated {"error": {"rate_reset", ...}} agreeing with
    # the header, as the register's `ratelimit-body` admits.
    ratelimit_body_conformance(exchange, Viewpoint())


# --------------------------------------------------------------------------- http.trailing-slash-redirect
KEEPS_METHOD = frozenset({307, 308})
"""RFC 9110 15.4: a client may follow a 301/302 with a GET; only these keep a write's method and body."""
SLASHLESS = [(method, path) for path in PATHS for method in sorted(_methods(path))]


def _slashless_request(method: str, path: str) -> tuple[str, dict[str, str], Any]:
    """The path without its slash, a query to keep, and a body; were the server to act on the
    request instead of redirecting, it names nothing (probe ids) or is refused (`[]` is no body
    any create takes), so nothing changes."""
    query = {"close_conformance_probe": "1"}
    if method == "DELETE" and "{" not in path:
        query = {"allowing_user_id": f"user_{PROBE}", "allowed_user_id": f"user_{PROBE}"}
    body = [] if method in ("POST", "PUT") else None
    return _probe_path(path).removesuffix("/"), query, body


@pytest.mark.rule("http.trailing-slash-redirect")
@pytest.mark.parametrize(("method", "path"), SLASHLESS, ids=[f"{m} {p}" for m, p in SLASHLESS])
def test_a_path_without_its_slash_is_redirected_to_it(
    as_me: httpx.Client, close_context: runtime.RunContext, method: str, path: str
) -> None:
    slashless, query, body = _slashless_request(method, path)
    response = as_me.request(method, slashless, params=query, json=body)
    accepted = set(close_context.accepted("trailing-slash-redirect"))
    if method != "GET":
        accepted &= KEEPS_METHOD
    assert response.status_code in accepted, (
        f"[http.trailing-slash-redirect] {method} {slashless} (no trailing slash): expected a redirect "
        f"in {sorted(accepted)} to the slashed path, got {_said(response)}"
    )
    location = response.headers.get("Location")
    assert location, f"[http.trailing-slash-redirect] a redirect without Location: {_said(response)}"
    sent = response.request.url
    expected = sent.copy_with(path=sent.path + "/")
    assert sent.join(location) == expected, (
        f"[http.trailing-slash-redirect] {method} {slashless}: Location {location!r}, expected the "
        f"slashed path with the query kept: {expected}"
    )


# --------------------------------------------------------------------------- pagination.skip-maximum
def _skip_maximum(path: str) -> int | None:
    """The `maximum` of the list's `_skip` in the spec (register `skip-maximum`), if it has one."""
    for parameter in PATHS[path]["get"].get("parameters", []):
        if "$ref" in parameter:
            parameter = CONTRACT.spec["components"]["parameters"][str(parameter["$ref"]).rsplit("/", 1)[-1]]
        if parameter.get("name") == "_skip" and "maximum" in parameter.get("schema", {}):
            return int(parameter["schema"]["maximum"])
    return None


CAPPED = [path for path in PATHS if "get" in PATHS[path] and _skip_maximum(path) is not None]


@pytest.mark.rule("pagination.skip-maximum", "errors.shape")
@pytest.mark.parametrize("path", CAPPED)
def test_a_skip_past_the_maximum_gets_400_with_a_message(
    as_me: httpx.Client, close_context: runtime.RunContext, path: str
) -> None:
    skip = (_skip_maximum(path) or 0) + 1
    response = as_me.get(path, params={"_skip": skip})
    assert response.status_code in close_context.accepted("skip-maximum"), (
        f"[pagination.skip-maximum] GET {path}?_skip={skip} (past the maximum): expected "
        f"{close_context.accepted('skip-maximum')}, got {_said(response)}"
    )
    body = _json(response)
    shape = _error_shape(body)
    said_what = shape == "error" or (shape == "validation" and (body["errors"] or body["field-errors"]))
    assert said_what, f"[pagination.skip-maximum] a 400 past the maximum says why: {_said(response)}"
