"""Rules errors.shape, http.no-server-error, http.method-not-allowed, http.unsupported-media-type:
every way a request can be wrong ends in a documented 4xx with a JSON error body."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from close_conformance.contract import HTTP_METHODS, default_contract
from close_conformance.mock.payload import MAX_BODY_BYTES
from close_conformance.unmodelled import load_close_paths

SPEC = default_contract().spec
CLOSE_HAS = load_close_paths(SPEC).close_methods
"""Methods Close's published spec gives our paths and ours lacks: 501, not 405 (test_dispatch.py)."""
BODY_OPERATIONS = sorted(
    (op["operationId"], method.upper(), path)
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if method in HTTP_METHODS and "requestBody" in op
)
UNSUPPORTED = sorted(
    (path, method, sorted(m.upper() for m in item if m in HTTP_METHODS))
    for path, item in SPEC["paths"].items()
    for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
    if method.lower() not in item and method not in CLOSE_HAS.get(path, frozenset())
)
JSON = {"Content-Type": "application/json"}
FUZZ = settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.rule("errors.shape")
@pytest.mark.parametrize("path", ["/nothing/", "/nothing", "/contact/cont_x/extra/", "/../etc/passwd"])
def test_unknown_paths_are_json_404(mock, path):
    response = mock.me.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}


@pytest.mark.rule("http.method-not-allowed")
@pytest.mark.parametrize(
    ("path", "method", "allowed"), UNSUPPORTED, ids=[f"{m} {p}" for p, m, _ in UNSUPPORTED]
)
def test_unsupported_methods_are_405_with_allow(mock, concrete_path, path, method, allowed):
    response = mock.me.request(method, concrete_path(path))
    assert response.status_code == 405
    assert sorted(m.strip() for m in response.headers["Allow"].split(",")) == allowed
    if method != "HEAD":
        assert response.json() == {"error": "Method not allowed."}


@pytest.mark.rule("http.unsupported-media-type")
@pytest.mark.parametrize(
    ("operation_id", "method", "path"), BODY_OPERATIONS, ids=[o for o, _, _ in BODY_OPERATIONS]
)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
def test_bodies_that_are_not_json_are_415(mock, concrete_path, operation_id, method, path, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = mock.me.request(method, concrete_path(path), content=b'{"name": "x"}', headers=headers)
    assert response.status_code == 415
    assert response.json()["error"]


@pytest.mark.rule("http.unsupported-media-type")
@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON"])
def test_json_media_type_with_parameters_or_other_case_is_json(mock, content_type):
    response = mock.me.post("/contact/", content=b'{"name": "x"}', headers={"Content-Type": content_type})
    assert response.status_code == 200


@pytest.mark.rule("http.no-server-error")
def test_oversized_bodies_are_413(mock):
    big = json.dumps({"name": "x", "title": "y" * (MAX_BODY_BYTES + 1)}).encode()
    response = mock.me.post("/contact/", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]

    def chunks():  # no Content-Length: the cap holds while streaming too
        yield b'{"name": "'
        for _ in range(6):
            yield b"y" * (1024 * 1024)
        yield b'"}'

    streamed = mock.me.post("/contact/", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413


@pytest.mark.rule("errors.shape")
@pytest.mark.rule("http.no-server-error")
@pytest.mark.parametrize(
    "raw",
    [
        b"{",
        b"NaN",
        b'{"name": NaN}',
        b'{"name": Infinity}',
        b'{"name": -Infinity}',
        b'{"size": 1e999}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"name": "\\ud800"}',
        b'{"name": "\xff\xfe"}',
        b'{"name": ' + b"9" * 5000 + b"}",
        b"",
        b"   ",
        b'{"name": "x"} trailing',
    ],
    ids=[
        "truncated",
        "nan",
        "nan-value",
        "infinity",
        "minus-infinity",
        "overflow",
        "deep",
        "surrogate",
        "not-utf8",
        "huge-int",
        "empty",
        "blank",
        "trailing",
    ],
)
def test_malformed_json_is_a_400_with_an_error_message(mock, raw):
    response = mock.me.post("/contact/", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert set(response.json()) == {"error"}


@pytest.mark.rule("errors.shape")
@pytest.mark.parametrize("body", [[], "x", 1, None, True])
def test_a_body_that_is_not_an_object_is_a_validation_error(mock, body):
    response = mock.me.post("/contact/", content=json.dumps(body), headers=JSON)
    assert response.status_code == 400
    assert response.json() == {"errors": ["The request body must be a JSON object."], "field-errors": {}}


@pytest.mark.rule("errors.shape")
@pytest.mark.parametrize("mode", ["default", "strict"])
def test_validation_errors_carry_errors_and_field_errors(make_mock, mode):
    mock = make_mock(strict=mode == "strict")
    response = mock.me.post("/activity/email/", json={"status": "draft"})
    assert response.status_code == 400
    assert response.json() == {"errors": [], "field-errors": {"lead_id": "This field is required."}}


@pytest.mark.rule("errors.shape")
def test_long_values_are_not_echoed_in_errors(mock):
    response = mock.me.post("/contact/", json={"name": "z" * 5000})
    assert response.status_code == 400
    assert "zzzz" not in response.text


@pytest.mark.rule("http.no-server-error")
def test_a_bug_still_answers_json_without_a_traceback(make_mock):
    # The planted fault raises inside a handler: the last-resort handler must still answer JSON.
    mock = make_mock(faults=["server-error-on-non-ascii-name"])
    response = mock.me.post("/contact/", json={"name": "Zoë"})
    assert response.status_code == 500
    assert response.json() == {"error": "Internal server error."}
    assert "Traceback" not in response.text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.mark.rule("http.no-server-error")
@pytest.mark.parametrize(
    ("operation_id", "method", "path"), BODY_OPERATIONS, ids=[o for o, _, _ in BODY_OPERATIONS]
)
@FUZZ
@given(
    body=json_values
    | st.dictionaries(
        st.sampled_from(
            [
                "name",
                "status",
                "lead_id",
                "sender",
                "emails",
                "allowed_user_ids",
                "allowing_user_id",
                "phones",
                "date_scheduled",
                "send_in",
                "to",
            ]
        ),
        json_values,
    )
)
def test_random_json_bodies_never_get_a_5xx(mock, concrete_path, operation_id, method, path, body):
    response = mock.me.request(method, concrete_path(path), content=json.dumps(body), headers=JSON)
    assert response.status_code < 500, response.text
    assert isinstance(response.json(), dict)


header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)


@pytest.mark.rule("http.no-server-error")
@FUZZ
@given(
    content_type=header_text,
    extra=st.dictionaries(
        st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True), header_text, max_size=4
    ),
    raw=st.binary(max_size=200),
)
def test_random_headers_and_bytes_never_get_a_5xx(mock, content_type, extra, raw):
    headers = {
        k: v.encode("latin-1")
        for k, v in extra.items()
        if k.lower() not in ("authorization", "content-length", "transfer-encoding", "host")
    }
    headers["Content-Type"] = content_type.encode("latin-1")
    response = mock.me.post("/contact/", content=raw, headers=headers)
    assert response.status_code < 500, response.text
