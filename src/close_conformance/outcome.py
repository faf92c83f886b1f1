"""What a run's result means, as an exit code (design.md):

0 conformant · 1 at least one rule broken, and only then · 2 usage or preflight error ·
3 the suite itself failed (fixture error, Hypothesis health check, internal error) ·
5 nothing was checked (everything skipped or deselected): not a pass.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

__all__ = [
    "CONFORMANT",
    "NOTHING_CHECKED",
    "RULE_BROKEN",
    "SUITE_FAILED",
    "USAGE_ERROR",
    "Tally",
    "is_rule_failure",
    "is_setup_rule_failure",
    "rules_named",
]

CONFORMANT = 0
RULE_BROKEN = 1
USAGE_ERROR = 2
SUITE_FAILED = 3
NOTHING_CHECKED = 5

# pytest's own codes (pytest.ExitCode) and what they become.
_PYTEST_INTERRUPTED = 2
_PYTEST_INTERNAL_ERROR = 3
_PYTEST_USAGE_ERROR = 4


def is_rule_failure(error: BaseException) -> bool:
    """A failed assertion about the server (ours or schemathesis'), and nothing else.

    Schemathesis and Hypothesis group several failures in an ExceptionGroup; it is a rule failure
    when every leaf is an AssertionError. A health check, a TypeError in a fixture, a lost
    connection: the suite could not check, which is not the server's fault to report as 1.
    """
    if isinstance(error, BaseExceptionGroup):
        return all(is_rule_failure(leaf) for leaf in error.exceptions)
    return isinstance(error, AssertionError)


_NAMED = re.compile(r"\[([a-z][a-z0-9_]*(?:\.[a-z0-9_-]+)+)\]")


def rules_named(error: BaseException, known: Collection[str]) -> list[str]:
    """The rules of the catalogue a failure names (`[rule.id] ...`, as RuleViolation and the judged
    built-in checks write them), every leaf of a group included; in order, without repeats."""
    leaves = error.exceptions if isinstance(error, BaseExceptionGroup) else (error,)
    found: list[str] = []
    for leaf in leaves:
        if isinstance(leaf, BaseExceptionGroup):
            named = rules_named(leaf, known)
        else:
            rule_id = getattr(leaf, "rule_id", None)
            text = f"{getattr(leaf, 'title', '')}\n{leaf}"
            named = [rule_id] if isinstance(rule_id, str) else _NAMED.findall(text)
        found += [rule for rule in named if rule in known and rule not in found]
    return found


def is_setup_rule_failure(error: BaseException, known: Collection[str]) -> bool:
    """A fixture's failed assertion that names the rule the server broke (a setup request answered
    against the docs, see close_conformance.preconditions): a broken rule, not a broken suite."""
    if isinstance(error, BaseExceptionGroup):
        return all(is_setup_rule_failure(leaf, known) for leaf in error.exceptions)
    return isinstance(error, AssertionError) and bool(rules_named(error, known))


@dataclass
class Tally:
    passed: int = 0
    usage_error: str | None = None
    records: list[dict[str, object]] = field(default_factory=list)
    """Per-test outcome and rules, for --close-results."""
    collected: list[dict[str, object]] = field(default_factory=list)
    rule_failures: list[str] = field(default_factory=list)
    suite_errors: list[str] = field(default_factory=list)

    def exit_code(self, pytest_status: int) -> int:
        if self.usage_error is not None or pytest_status == _PYTEST_USAGE_ERROR:
            return USAGE_ERROR
        if pytest_status in (_PYTEST_INTERNAL_ERROR, _PYTEST_INTERRUPTED) or self.suite_errors:
            return SUITE_FAILED
        if self.rule_failures:
            return RULE_BROKEN
        if self.passed == 0:
            return NOTHING_CHECKED
        return CONFORMANT
