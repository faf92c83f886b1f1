"""What a run spent: requests per test in --close-results, one line in the terminal summary."""

from __future__ import annotations

import json

import pytest

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
