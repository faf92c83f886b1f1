"""`close-mock`: the server's one JSON line, Basic and Bearer over real HTTP, clean stops, the fault list."""

from __future__ import annotations

import json
import re
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from close_conformance.mock import FAULTS

CLOSE_MOCK = str(Path(sys.executable).with_name("close-mock"))


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLOSE_MOCK, *args], capture_output=True, text=True, timeout=60, check=False)


class Server:
    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [CLOSE_MOCK, "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        assert ready, "close-mock serve printed nothing within 30 s"
        self.line = self.process.stdout.readline()
        self.announcement = json.loads(self.line)

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
        self.process.send_signal(sig)
        stdout, stderr = self.process.communicate(timeout=30)
        return self.process.returncode, stdout, stderr


@pytest.fixture
def server():
    started = Server()
    yield started
    if started.process.poll() is None:
        started.process.kill()
        started.process.communicate()


@pytest.mark.rule("auth.schemes")
def test_serve_prints_one_line_then_answers_basic_and_bearer(server):
    announcement = server.announcement
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/v1", announcement["base_url"])
    assert [len(o["users"]) for o in announcement["organizations"]] == [3, 1]
    user = announcement["organizations"][0]["users"][0]
    assert user.keys() == {"id", "email", "api_key", "access_token"}
    with httpx.Client(base_url=announcement["base_url"], timeout=10) as client:
        by_key = client.get("/me/", auth=(user["api_key"], ""))
        by_token = client.get("/me/", headers={"Authorization": f"Bearer {user['access_token']}"})
        anonymous = client.get("/me/")
    assert by_key.status_code == by_token.status_code == 200
    assert by_key.json()["id"] == by_token.json()["id"] == user["id"]
    assert (anonymous.status_code, anonymous.json()) == (401, {"error": "Unauthorized"})
    status, stdout, stderr = server.stop(signal.SIGTERM)
    assert status == 0
    assert stdout == ""  # everything after the line, access log included, went to stderr
    assert "GET /api/v1/me/" in stderr
    assert "Traceback" not in stderr


@pytest.mark.rule("contact.custom-fields")
def test_serve_lists_each_organizations_contact_custom_fields_and_they_work(server):
    announcement = server.announcement
    organizations = announcement["organizations"]
    fields = [o["custom_fields"]["contact"] for o in organizations]
    assert [sorted(f["type"] for f in listed) for listed in fields] == [["number", "text"]] * 2
    text = next(f for f in fields[0] if f["type"] == "text")
    theirs = next(f for f in fields[1] if f["type"] == "text")
    user = organizations[0]["users"][0]
    with httpx.Client(base_url=announcement["base_url"], auth=(user["api_key"], ""), timeout=10) as client:
        mine = client.post("/contact/", json={"name": "x", f"custom.{text['id']}": "Lead Engineer"})
        other = client.post("/contact/", json={"name": "x", f"custom.{theirs['id']}": "Lead Engineer"})
    assert mine.status_code == 200
    assert mine.json()[f"custom.{text['id']}"] == "Lead Engineer"
    assert other.status_code == 400


@pytest.mark.rule("auth.required")
def test_ctrl_c_stops_cleanly(server):
    status, stdout, stderr = server.stop(signal.SIGINT)
    assert (status, stdout) == (0, "")
    assert "Traceback" not in stderr


@pytest.mark.rule("send_as.delete-by-id")
def test_serve_takes_faults_and_strict():
    started = Server("--fault", "send-as-delete-by-outsider", "--strict", "--rate-limit", "50")
    try:
        base_url = started.announcement["base_url"]
        me, peer, bystander = started.announcement["organizations"][0]["users"]
        with httpx.Client(base_url=base_url, timeout=10) as client:
            created = client.post(
                "/send_as/",
                json={"allowing_user_id": me["id"], "allowed_user_id": peer["id"]},
                auth=(me["api_key"], ""),
            )
            assert "RateLimit" in created.headers
            by_allowed = client.delete(f"/send_as/{created.json()['id']}/", auth=(peer["api_key"], ""))
            by_bystander = client.delete(f"/send_as/{created.json()['id']}/", auth=(bystander["api_key"], ""))
        # --strict: the allowed user may not revoke; the fault: a bystander may.
        assert (by_allowed.status_code, by_bystander.status_code) == (404, 204)
    finally:
        assert started.stop()[0] == 0


@pytest.mark.rule("send_as.get-involved-only")
def test_serve_takes_readings():
    started = Server("--reading", "uninvolved-status=403", "--reading", "send-as-delete-status=200")
    try:
        base_url = started.announcement["base_url"]
        me, peer, bystander = started.announcement["organizations"][0]["users"]
        with httpx.Client(base_url=base_url, timeout=10) as client:
            created = client.post(
                "/send_as/",
                json={"allowing_user_id": me["id"], "allowed_user_id": peer["id"]},
                auth=(me["api_key"], ""),
            ).json()
            seen = client.get(f"/send_as/{created['id']}/", auth=(bystander["api_key"], ""))
            deleted = client.delete(f"/send_as/{created['id']}/", auth=(me["api_key"], ""))
        assert seen.status_code == 403
        assert (deleted.status_code, deleted.json()) == (200, {})
    finally:
        assert started.stop()[0] == 0


@pytest.mark.rule("http.no-server-error")
@pytest.mark.parametrize(
    ("reading", "says"),
    [
        ("uninvolved-status=401", "close-mock: uninvolved-status=401: not a reading the register allows"),
        ("no-such-entry=1", "close-mock: no register entry 'no-such-entry'"),
        ("timestamp-offset=epoch", "close-mock: timestamp-offset=epoch: not a reading the register allows"),
    ],
)
def test_a_bad_reading_is_one_line_and_exit_2(reading, says):
    result = run("serve", "--port", "0", "--reading", reading)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(says)


@pytest.mark.rule("http.no-server-error")
def test_readings_lists_the_register_one_line_each():
    from close_conformance.contract import default_contract

    result = run("readings")
    assert result.returncode == 0
    register = default_contract().discrepancies
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(register)
    by_id = {line.split()[0]: line for line in lines}
    assert "default 404,403; strict 404; mock 404; takes 404,403" in by_id["uninvolved-status"]
    assert "takes exact,1.0 (poll = seconds, 0..10)" in by_id["read-after-delete-lag"]
    assert by_id["timestamp-offset"].endswith("takes offset,naive")
    assert [line for line in lines if "cannot take" in line] == []


@pytest.mark.rule("http.no-server-error")
def test_unknown_fault_is_one_line_and_exit_2():
    result = run("serve", "--port", "0", "--fault", "no-such-fault")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "close-mock: unknown fault no-such-fault (see `close-mock faults`)"
    ]


@pytest.mark.rule("http.no-server-error")
def test_a_port_in_use_is_one_line_and_exit_1():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


@pytest.mark.rule("http.no-server-error")
@pytest.mark.parametrize("command", [["serve"], ["proxy", "--upstream", "http://127.0.0.1:9/api/v1"]])
@pytest.mark.parametrize("port", ["99999", "-1", "eighty"])
def test_a_port_that_is_not_one_is_a_usage_error(command, port):
    # The socket layer would take 99999 as 34463 and listen there without a word.
    result = run(*command, "--port", port)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "argument --port:" in result.stderr.strip().splitlines()[-1]


@pytest.mark.rule("http.no-server-error")
def test_faults_lists_the_catalogue_one_line_each():
    result = run("faults")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(FAULTS)
    for line, fault in zip(lines, FAULTS.values(), strict=True):
        name, rest = line.split(None, 1)
        assert name == fault.name
        assert rest == f"{fault.description} ({fault.rule})"


@pytest.mark.rule("http.no-server-error")
@pytest.mark.parametrize(
    ("args", "mentions"),
    [
        (["--help"], ["serve", "faults", "readings", "Close CRM API"]),
        (
            ["serve", "--help"],
            [
                "--port",
                "--fault NAME",
                "--reading ID=VALUE",
                "--rate-limit N",
                "--strict",
                "JSON line",
                "examples:",
            ],
        ),
        (["readings", "--help"], ["discrepancy register"]),
        (["faults", "--help"], ["rule id"]),
    ],
)
def test_help_reads_like_a_tool(args, mentions):
    result = run(*args)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: close-mock")
    for mention in mentions:
        assert mention in result.stdout


@pytest.mark.rule("http.no-server-error")
def test_no_command_is_a_usage_error():
    result = run()
    assert result.returncode == 2
    assert "usage: close-mock" in result.stderr
