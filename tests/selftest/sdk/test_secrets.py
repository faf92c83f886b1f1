"""No finding carries a credential of its request, wherever a client's bug put it (sdk/secrets.py,
through ValidationSession), and the access log of `close-mock serve` shows no query credential."""

from __future__ import annotations

import base64
import json
import logging

import httpx
import pytest

from close_conformance.sdk.exchange import Exchange, Received, Sent
from close_conformance.sdk.secrets import AccessLogFilter, without_query_credentials
from close_conformance.sdk.session import ValidationSession

from .conftest import basic, running

pytestmark = pytest.mark.selftest

BASE = "https://api.close.com/api/v1"
KEY = "api_7SecretKeyValue.xyz"


def findings_of(sent: Sent) -> str:
    session = ValidationSession()
    session.record(Exchange(sent, Received.of(401, [("content-type", "application/json")], b"{}"), 1.0, 1.1))
    assert session.findings, "each of these requests breaks a rule"
    return json.dumps(session.summary()) + session.report()


@pytest.mark.rule("auth.schemes", "request.validation", "client.documented-operations")
@pytest.mark.parametrize(
    "sent",
    [
        Sent.of("GET", BASE + "/me/", [("Authorization", KEY)]),  # the bare key, no scheme
        Sent.of("GET", BASE + "/me/", [("Authorization", f"Token {KEY}")]),
        Sent.of("GET", BASE + f"/me/?api_key={KEY}"),
        Sent.of("GET", BASE + f"/me/?_fields=id&token={KEY}", [basic(KEY)]),
        Sent.of("GET", BASE + "/me/", [("X-Api-Key", KEY), ("Cookie", f"session={KEY}")]),
        Sent.of("GET", BASE + "/me/", [basic(KEY, "hunter2-password")]),
        Sent.of("GET", BASE + "/nowhere/", [basic(KEY)]),
        Sent.of("POST", BASE + "/lead/", [basic(KEY)], json.dumps({"name": KEY}).encode()),
        Sent.of(
            "POST",
            BASE + "/lead/",
            [("Authorization", "Basic " + base64.b64encode(f"{KEY}:".encode()).decode())],
            b"not json " + KEY.encode(),
        ),
    ],
)
def test_no_finding_carries_the_requests_credentials(sent):
    text = findings_of(sent)
    assert KEY not in text
    assert "hunter2-password" not in text


def test_the_access_log_shows_no_query_credential():
    assert without_query_credentials(f"/api/v1/me/?_fields=id&api_key={KEY}") == (
        "/api/v1/me/?_fields=id&api_key=[redacted]"
    )
    assert without_query_credentials("/api/v1/lead/?_limit=2") == "/api/v1/lead/?_limit=2"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", f"/api/v1/me/?access_token={KEY}", "1.1", 200),
        None,
    )
    assert AccessLogFilter().filter(record)
    assert KEY not in record.getMessage()


@pytest.mark.rule("auth.schemes")
def test_serve_validate_logs_no_credential_a_client_misplaced(tmp_path):
    with running(tmp_path, "serve", "--port", "0", "--validate") as server:
        key = server.key()
        httpx.get(f"{server.base_url}/me/", params={"api_key": key})
        httpx.get(f"{server.base_url}/me/", headers={"Authorization": key})
        assert server.stop() == 0
    stderr = server.stderr_path.read_text()
    assert sorted(f["rule"] for f in server.findings()) == [
        "auth.required",
        "auth.schemes",
        "request.validation",
    ]
    assert key not in stderr
