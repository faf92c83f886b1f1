"""specs/rules.yaml and the discrepancy register: every rule sourced, scoped and decidable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from close_conformance.contract import Contract
from close_conformance.lint import lint_rules

pytestmark = pytest.mark.selftest

# The `broken_contract` fixture (conftest.py): copy specs/, edit one file's data, load the copy.
BrokenContract = Callable[[str, Callable[[Any], None]], Contract]


def test_rules_are_sound(contract: Contract, seeds: Path) -> None:
    assert lint_rules(contract, seeds=seeds) == []


def test_rule_count_is_in_the_expected_range(contract: Contract) -> None:
    # 42 rules for the first 22 operations; the fidelity work (24 operations, filters, custom
    # fields, redirects, _skip bounds, the 429 body) brought 50. Far more would mean rules split
    # below one documented behaviour each. Client rules (SDK validation) are counted apart.
    assert 25 <= len(contract.server_rules) <= 60
    assert 1 <= len(contract.rules) - len(contract.server_rules) <= 10


@pytest.mark.parametrize(
    "rule_id",
    [
        "email.sender.required-by-status",
        "email.sender.optional-for-draft",
        "email.sender.sent-default",
        "email.sender.required-to-send-draft",
        "email.only-drafts-editable",
        "email.cancel-to-draft",
        "send_as.create-as-allowing-user",
        "send_as.list-default-allowing",
        "send_as.list-involved-only",
        "send_as.get-involved-only",
        "send_as.delete-by-id",
        "send_as.delete-by-users",
        "send_as.bulk-returns-all-allowing",
        "contact.delete-empty-object",
        "contact.gone-after-delete",
        "contact.create-without-lead",
        "contact.update-is-patch",
        "auth.required",
        "tenant.isolation",
        "errors.shape",
    ],
)
def test_the_issue_s_rules_are_catalogued(contract: Contract, rule_id: str) -> None:
    assert rule_id in contract.rules


def test_inferred_rules_are_lenient_by_default(contract: Contract) -> None:
    """Each inferred rule that names a register entry gets a narrower reading under --strict."""
    for rule in contract.rules.values():
        if rule.basis == "inferred" and rule.discrepancies:
            entries = [contract.discrepancy(d) for d in rule.discrepancies]
            assert any(len(e.strict) < len(e.default) for e in entries), rule.id


def test_register_readings(contract: Contract) -> None:
    delete = contract.discrepancy("send-as-delete-status")
    assert delete.accepted(strict=False) == (204, 200)
    assert delete.accepted(strict=True) == (204,)
    who = contract.discrepancy("send-as-delete-by-id-who")
    assert who.mock_reading(strict=False) == "allowed"
    assert who.mock_reading(strict=True) == "refused"


def test_rule_without_source_is_reported(broken_contract: BrokenContract) -> None:
    def break_it(data: Any) -> None:
        data["rules"][0]["sources"] = []
        data["rules"][1]["sources"] = ["wiki:somewhere"]

    problems = lint_rules(broken_contract("rules.yaml", break_it))
    assert "rule auth.required: no source" in problems
    assert any(p.startswith("rule auth.schemes: source 'wiki:somewhere'") for p in problems)


def test_rule_naming_a_missing_operation_is_reported(
    broken_contract: BrokenContract,
) -> None:
    def break_it(data: Any) -> None:
        rule = next(r for r in data["rules"] if r["id"] == "lead.delete")
        rule["operations"] = ["removeLead"]
        rule["discrepancies"] = ["no-such-entry"]

    problems = lint_rules(broken_contract("rules.yaml", break_it))
    assert problems == [
        "rule lead.delete: no operation 'removeLead' in close.yaml",
        "rule lead.delete: no discrepancy 'no-such-entry' in the register",
    ]


def test_missing_seed_is_reported(broken_contract: BrokenContract, seeds: Path) -> None:
    if not seeds.is_dir():
        pytest.skip(f"the seed pages are not beside this checkout ({seeds})")

    def break_it(data: Any) -> None:
        data["rules"][0]["sources"] = ["seed:999_0123456789abcdef.txt"]

    problems = lint_rules(broken_contract("rules.yaml", break_it), seeds=seeds)
    assert problems == [f"rule auth.required: seed '999_0123456789abcdef.txt' not found in {seeds}"]


def test_inferred_rule_without_reason_is_reported(
    broken_contract: BrokenContract,
) -> None:
    def break_it(data: Any) -> None:
        rule = next(r for r in data["rules"] if r["id"] == "tenant.isolation")
        del rule["inferred_from"]

    assert lint_rules(broken_contract("rules.yaml", break_it)) == [
        "rule tenant.isolation: inferred but does not say from what"
    ]


def test_register_entry_with_wider_strict_reading_is_reported(
    broken_contract: BrokenContract,
) -> None:
    def break_it(data: Any) -> None:
        data["discrepancies"][0]["accept"]["strict"] = [418]

    problems = lint_rules(broken_contract("discrepancies.yaml", break_it))
    assert problems == ["discrepancy send-as-delete-status: strict must be a narrowing of the default"]


def test_client_rule_without_client_bug_is_reported(broken_contract: BrokenContract) -> None:
    def break_it(data: Any) -> None:
        rule = next(r for r in data["rules"] if r["id"] == "client.ratelimit-wait")
        del rule["client_bugs"]
        rule["faults"] = ["retry-after-missing"]
        other = next(r for r in data["rules"] if r["id"] == "client.slashed-paths")
        other["client_bugs"] = ["retry-429-at-once", "no-such-bug"]

    assert lint_rules(broken_contract("rules.yaml", break_it)) == [
        "rule client.ratelimit-wait: a client rule cannot have a mock fault",
        "rule client.ratelimit-wait: a client rule needs a planted client bug (client_bugs)",
        "rule client.slashed-paths: client bug retry-429-at-once breaks client.ratelimit-wait",
        "rule client.slashed-paths: no client bug 'no-such-bug' in close_conformance.sdk.client_bugs",
    ]


def test_server_rule_with_client_bugs_or_unknown_side_is_reported(broken_contract: BrokenContract) -> None:
    def break_it(data: Any) -> None:
        next(r for r in data["rules"] if r["id"] == "lead.create")["client_bugs"] = ["retry-429-at-once"]
        next(r for r in data["rules"] if r["id"] == "lead.delete")["side"] = "both"

    assert lint_rules(broken_contract("rules.yaml", break_it)) == [
        "rule lead.create: a server rule names client bugs",
        "rule lead.delete: side must be server or client, not 'both'",
    ]


def test_every_client_bug_is_named_by_its_rule(contract: Contract) -> None:
    from close_conformance.sdk.client_bugs import CLIENT_BUGS

    for bug in CLIENT_BUGS.values():
        assert bug.name in contract.rules[bug.rule].client_bugs, bug.name


def test_an_operations_rules_are_the_server_rules(contract: Contract) -> None:
    # Schemathesis items carry the rules of their operation; a client rule on one would be
    # "passed" by a server run that never looked at a client's traffic.
    client = {r.id for r in contract.rules.values() if r.side == "client"}
    assert client, "the catalogue has client rules (SDK validation)"
    for operation in contract.operations:
        concerned = {r.id for r in contract.rules_for_operation(operation)}
        assert concerned, operation
        assert not concerned & client, (operation, sorted(concerned & client))
