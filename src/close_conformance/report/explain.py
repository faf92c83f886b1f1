"""`close-conformance explain RULE_ID`: what a rule says, where the docs say it, how the register
reads it, which tests guard it and which planted faults prove those tests.

The guarding tests are found by reading tests/conformance/ (a checkout's; an installed suite
without its tests says so): every `pytest.mark.rule(...)` naming the rule, plus the schemathesis
tests, which carry the rules of the operations they exercise.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator
from pathlib import Path

from close_conformance.contract import Contract
from close_conformance.report.document import source_link

__all__ = ["explain", "guarding_tests", "suggestions"]

SCHEMATHESIS_TESTS = ("test_operations.py", "test_links.py")


def _suite_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "tests" / "conformance"


def _constants(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level names bound to a list/tuple of strings (`RULES = [...]`)."""
    found: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.List | ast.Tuple):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            values = [
                e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = values
    return found


def _rule_marks(node: ast.AST, constants: dict[str, list[str]]) -> Iterator[str]:
    for call in ast.walk(node):
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "rule"
            and isinstance(call.func.value, ast.Attribute)
            and call.func.value.attr == "mark"
        ):
            for arg in call.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield arg.value
                elif isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name):
                    yield from constants.get(arg.value.id, [])


def _named(tree: ast.Module) -> Iterator[tuple[str, ast.AST]]:
    """Each test-bearing statement with its name: functions, classes (and their methods), and
    `TestX = pytest.mark.rule(...)(Machine.TestCase)` assignments."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            yield node.name, node
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            yield node.targets[0].id, node


def guarding_tests(rule_id: str, contract: Contract, suite: Path | None = None) -> list[str] | None:
    """`file::name` of each test marked with the rule, plus the schemathesis tests of its
    operations; None when the suite's files are not there (an installed package)."""
    directory = suite or _suite_dir()
    if not directory.is_dir():
        return None
    found: list[str] = []
    for path in sorted(directory.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for name, node in _named(tree):
            if rule_id in set(_rule_marks(node, constants)):
                found.append(f"tests/conformance/{path.name}::{name}")
    rule = contract.rules[rule_id]
    if rule.operations:
        scope = "every operation" if "*" in rule.operations else ", ".join(rule.operations)
        found += [
            f"tests/conformance/{name} (schemathesis, {scope})"
            for name in SCHEMATHESIS_TESTS
            if (directory / name).is_file()
        ]
    return found


def suggestions(rule_id: str, contract: Contract) -> list[str]:
    close = difflib.get_close_matches(rule_id, list(contract.rules), n=3, cutoff=0.5)
    return close or [r for r in contract.rules if rule_id and rule_id.split(".")[0] == r.split(".")[0]][:3]


def explain(rule_id: str, contract: Contract, fault_lines: dict[str, str], suite: Path | None = None) -> str:
    """The text `explain` prints; `fault_lines` maps fault names to their one-line description.

    Raises KeyError for an unknown rule."""
    rule = contract.rules[rule_id]
    lines = [rule.id, "", f"  {rule.statement}", "", f"basis: {rule.basis}"]
    if rule.inferred_from:
        lines.append(f"inferred from: {rule.inferred_from}")
    lines += ["", "sources:"]
    for source in rule.sources:
        link = source_link(source)
        url = link["url"]
        lines.append(f"  {source}" + (f"  <{url}>" if url and url not in source else ""))
    entries = [e for e in contract.changelog if rule.id in e.rules]
    if entries:
        lines += ["", "changelog:"] + [f"  {e.date.isoformat()}  {e.title}" for e in entries]
    lines += ["", "operations: " + (", ".join(rule.operations) or "-")]
    lines += ["", "register readings:" if rule.discrepancies else "register readings: none (read as stated)"]
    for discrepancy_id in rule.discrepancies:
        entry = contract.discrepancy(discrepancy_id)
        lines += [
            f"  {entry.id}: {entry.question}",
            f"    default accepts {list(entry.default)}; strict accepts {list(entry.strict)}; "
            f"the mock does {entry.mock!r}",
            f"    decision: {entry.decision}",
        ]
    tests = guarding_tests(rule.id, contract, suite)
    lines += ["", "tests:"]
    if tests is None:
        lines.append("  (tests/conformance/ not found: run from a checkout to list them)")
    else:
        lines += [f"  {test}" for test in tests] or ["  none: no test guards this rule"]
    lines += ["", "faults that prove them:"]
    described = [f"  {name}: {fault_lines.get(name, '(not in the mock catalogue)')}" for name in rule.faults]
    lines += described or ["  none"]
    return "\n".join(lines)
