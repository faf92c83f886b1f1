"""What a run spent: requests per test in --close-results, one line in the terminal summary."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from close_conformance.served import serve

pytestmark = pytest.mark.selftest

ROOT = Path(__file__).resolve().parents[3]
ACCESS = re.compile(r'uvicorn\.access: .* "(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|TRACE) [^"]*" (\d{3})')

TESTS = """
def test_two(api):
    api("me").get("/me/")
    api("me").get("/user/")

def test_none():
    pass

def test_one(api):
    api("me").get("/me/")
"""


def test_requests_are_counted_per_test_and_summed_in_the_summary(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_spent=TESTS)
    results = pytester.path / "results.json"
    # A subprocess: the plugin installs a run context per process.
    ran = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:randomly", "--close-results", str(results)
    )
    assert ran.ret == 0
    data = json.loads(results.read_text())
    by_test = data["requests_by_test"]
    assert by_test["test_spent.py::test_two"] == 2
    assert "test_spent.py::test_none" not in by_test
    assert by_test["test_spent.py::test_one"] == 1
    assert sum(by_test.values()) == data["requests_sent"]
    assert data["waits_on_429"] == 0
    ran.stdout.fnmatch_lines([f"close-conformance: {data['requests_sent']:,} requests sent, 0 waits on 429"])


@pytest.mark.parametrize("workers", ["0", "2"])
def test_the_count_is_every_request_the_server_saw(tmp_path: Path, workers: str) -> None:
    """Every request counts, those schemathesis' checks send too: `ignored_auth` sent its probes
    through a session of its own, uncounted (about 480 a standard run; now not run), and any
    check sending outside the suite's session shows here."""
    log = tmp_path / "server.log"
    results = tmp_path / "results.json"
    with serve("--log-level", "info", log=log) as served:
        ran = subprocess.run(
            [
                *(sys.executable, "-m", "pytest", "tests/conformance/test_operations.py"),
                *("-k", "GET and me or POST and lead", "-p", "no:cacheprovider", "-q"),
                *("-n", workers, "--dist", "loadgroup"),
                *("--hypothesis-profile", "quick", "--seed", "1", "--close-results", str(results)),
                *("--close-state-dir", str(tmp_path / "state"), *served.suite_args()),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert ran.returncode == 0, ran.stdout[-3000:]
    seen = ACCESS.findall(log.read_text())
    data = json.loads(results.read_text())
    assert data["requests_sent"] == len(seen)
    operations = [t for t in data["tests"] if t["when"] == "call" and "test_operation[" in t["nodeid"]]
    assert len(operations) == 2
    assert "401" not in seen  # no probe without credentials: test_access.py sends those
