"""Exit codes mean what design.md says."""

from __future__ import annotations

import pytest
from hypothesis.errors import FailedHealthCheck

from close_conformance.outcome import Tally, is_rule_failure

pytestmark = pytest.mark.selftest


def test_rule_failures_are_assertions_only() -> None:
    assert is_rule_failure(AssertionError("x"))
    assert is_rule_failure(ExceptionGroup("two", [AssertionError("a"), AssertionError("b")]))
    assert not is_rule_failure(ExceptionGroup("mixed", [AssertionError("a"), TypeError("b")]))
    assert not is_rule_failure(FailedHealthCheck("too slow"))
    assert not is_rule_failure(ConnectionError("lost"))


@pytest.mark.parametrize(
    ("tally", "pytest_status", "code"),
    [
        (Tally(passed=3), 0, 0),
        (Tally(passed=3, rule_failures=["t"]), 1, 1),
        (Tally(passed=3, rule_failures=["t"], suite_errors=["f"]), 1, 3),
        (Tally(passed=0), 5, 5),
        (Tally(passed=0), 0, 5),
        (Tally(passed=2), 4, 2),
        (Tally(passed=0, usage_error="bad key"), 2, 2),
        (Tally(passed=2), 3, 3),
    ],
)
def test_exit_codes(tally: Tally, pytest_status: int, code: int) -> None:
    assert tally.exit_code(pytest_status) == code
