"""`close-mock serve --validate` and `close-mock proxy --upstream` (sdk/proxy.py, proxy_cli.py),
as processes: violations on stderr and in a header, answers unchanged, the report at exit."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from close_conformance.sdk.proxy import VIOLATIONS_HEADER

from .conftest import running

pytestmark = [pytest.mark.selftest, pytest.mark.xdist_group("sdk-proxy")]


@pytest.mark.rule("client.no-read-only-fields", "client.slashed-paths", "request.validation")
def test_serve_validate_marks_violations_and_changes_no_answer(tmp_path):
    report = tmp_path / "report.json"
    with running(tmp_path, "serve", "--port", "0", "--validate", "--report", str(report)) as server:
        with httpx.Client(base_url=server.base_url, auth=(server.key(), "")) as client:
            clean = client.post("/lead/", json={"name": "Acme"})
            lead = clean.json()
            wrong = client.put(f"/lead/{lead['id']}/", json=lead)
            redirected = client.get("/lead")
        status = server.stop()
    assert status == 0
    assert (clean.status_code, clean.headers[VIOLATIONS_HEADER]) == (200, "0")
    # The whole object PUT back: Close ignores its server-set fields; the mock answers 200 as it
    # would, and only the header says what was wrong.
    assert (wrong.status_code, wrong.headers[VIOLATIONS_HEADER]) == (200, "1")
    assert wrong.json()["name"] == "Acme"
    # A warning is logged but not counted.
    assert (redirected.status_code, redirected.headers[VIOLATIONS_HEADER]) == (308, "0")
    findings = server.findings()
    assert [(f["rule"], f["severity"]) for f in findings] == [
        ("client.no-read-only-fields", "violation"),
        ("client.slashed-paths", "warning"),
    ]
    assert server.key() not in server.stderr_path.read_text()
    summary = json.loads(report.read_text())
    assert (summary["exchanges"], summary["by_rule"]) == (3, {"client.no-read-only-fields": 1})
    assert summary["coverage"]["operations"]["updateLead"]["statuses"] == {"200": 1}
    stderr = server.stderr_path.read_text()
    assert "close-mock: 1 violation(s), 1 warning(s) in 3 exchange(s)" in stderr
    # The coverage table, for a reader of the log.
    assert "operations called: 2/24; calls outside the contract: 0; redirected (slashless): 1" in stderr


@pytest.mark.rule("response.documented-shape", "request.validation")
def test_proxy_validates_both_ways_in_front_of_another_server(tmp_path):
    report = tmp_path / "proxy.json"
    # A server with a bug: the proxy reports its undocumented answer, the client gets it unchanged.
    with (
        running(tmp_path, "serve", "--port", "0", "--fault", "contact-get-display-name-missing") as upstream,
        running(
            tmp_path, "proxy", "--upstream", upstream.base_url, "--port", "0", "--report", str(report)
        ) as proxy,
    ):
        assert proxy.announcement == {
            "base_url": proxy.base_url,
            "upstream": upstream.base_url,
        }
        assert proxy.base_url.endswith("/api/v1")
        with httpx.Client(
            base_url=proxy.base_url, auth=(upstream.key(), ""), follow_redirects=True
        ) as client:
            contact = client.post("/contact/", json={"name": "Jane"}).json()
            direct = httpx.get(f"{upstream.base_url}/contact/{contact['id']}/", auth=(upstream.key(), ""))
            through = client.get(f"/contact/{contact['id']}/")
            bad_query = client.get("/contact/", params={"_limit": "-1"})
            slashless = client.get("/me")
        assert proxy.stop() == 0
    assert (through.status_code, through.content) == (direct.status_code, direct.content)
    assert through.headers[VIOLATIONS_HEADER] == "1"
    assert (bad_query.status_code, bad_query.headers[VIOLATIONS_HEADER]) == (400, "1")
    # The redirect came back through the proxy (Location rewritten to it) and was followed there.
    assert (slashless.status_code, str(slashless.url)) == (200, proxy.base_url + "/me/")
    summary = json.loads(report.read_text())
    assert summary["by_rule"] == {"request.validation": 1, "response.documented-shape": 1}
    assert [w["rule"] for w in summary["warnings"]] == ["client.slashed-paths"]
    assert summary["coverage"]["operations"]["getMe"]["statuses"] == {"200": 1}


@pytest.mark.parametrize(
    ("upstream", "status", "message"),
    [
        ("ftp://example.com/api/v1", 2, "is not an http(s)://host[:port]/path URL"),
        ("not a url", 2, "is not an http(s)://host[:port]/path URL"),
        ("http://[::1/api/v1", 2, "is not an http(s)://host[:port]/path URL"),
        ("http://example.com:99999/api/v1", 2, "is not an http(s)://host[:port]/path URL"),
        (
            "http://user:s3cret-pass@127.0.0.1:9/api/v1",
            1,
            "cannot reach the upstream http://127.0.0.1:9/api/v1",
        ),
        ("http://127.0.0.1:9/api/v1", 1, "cannot reach the upstream http://127.0.0.1:9/api/v1"),
    ],
)
def test_proxy_refuses_a_bad_or_unreachable_upstream_in_one_line(upstream, status, message):
    done = subprocess.run(
        [sys.executable, "-m", "close_conformance.mock", "proxy", "--upstream", upstream, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == status
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert message in line
    assert "s3cret-pass" not in line
