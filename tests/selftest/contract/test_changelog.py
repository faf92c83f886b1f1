"""specs/changelog.yaml: each entry maps to rules that exist."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from close_conformance.contract import Contract
from close_conformance.lint import lint_changelog

pytestmark = pytest.mark.selftest

# The `broken_contract` fixture (conftest.py): copy specs/, edit one file's data, load the copy.
BrokenContract = Callable[[str, Callable[[Any], None]], Contract]


def test_changelog_is_sound(contract: Contract) -> None:
    assert lint_changelog(contract) == []


@pytest.mark.parametrize("when", ["2025-12-17", "2025-02-14", "2024-04-24", "2020-10-09"])
def test_the_entries_in_scope_are_mapped(contract: Contract, when: str) -> None:
    assert date.fromisoformat(when) in {entry.date for entry in contract.changelog}


def test_changelog_selection(contract: Contract) -> None:
    assert contract.rules_since(date(2025, 12, 1)) == {
        "email.sender.required-by-status",
        "email.sender.optional-for-draft",
        "email.sender.sent-default",
        "email.sender.required-to-send-draft",
    }


def test_entry_naming_a_missing_rule_is_reported(
    broken_contract: BrokenContract,
) -> None:
    def break_it(data: Any) -> None:
        data["entries"][0]["rules"].append("email.sender.gone")
        data["entries"][1]["rules"] = []

    assert lint_changelog(broken_contract("changelog.yaml", break_it)) == [
        "changelog 2025-12-17: no rule 'email.sender.gone'",
        "changelog 2025-02-14: names no rule",
    ]
