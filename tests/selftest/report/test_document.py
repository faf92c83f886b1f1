"""conformance.json pieces that need no run: changelog verdicts in range, source links."""

from __future__ import annotations

import datetime

import pytest

from close_conformance.contract import default_contract
from close_conformance.report.document import changelog_verdicts, source_link

pytestmark = [pytest.mark.selftest]


def test_changelog_since_lists_entries_in_range_with_their_rules_verdicts() -> None:
    contract = default_contract()
    verdicts = {"contact.create-without-lead": "fail", "email.sender.sent-default": "pass"}
    section = changelog_verdicts(contract, verdicts, datetime.date(2025, 2, 14))
    assert section["since"] == "2025-02-14"
    in_range = {e.date.isoformat() for e in contract.changelog if e.date >= datetime.date(2025, 2, 14)}
    assert {entry["date"] for entry in section["entries"]} == in_range
    entries = {entry["date"]: entry for entry in section["entries"]}
    assert entries["2025-02-14"]["verdict"] == "fail"
    assert entries["2025-12-17"]["verdict"] == "partly run"
    assert {"id": "email.sender.sent-default", "verdict": "pass"} in entries["2025-12-17"]["rules"]
    assert "2024-04-24" not in entries


def test_without_a_date_every_entry_is_listed() -> None:
    contract = default_contract()
    assert len(changelog_verdicts(contract, {}, None)["entries"]) == len(contract.changelog)
    assert {e["verdict"] for e in changelog_verdicts(contract, {}, None)["entries"]} == {"not run"}


@pytest.mark.parametrize(
    ("source", "url"),
    [
        ("doc:https://developer.close.com/api/x.md", "https://developer.close.com/api/x.md"),
        ("changelog:2025-02-14", "https://developer.close.com/api/overview/changelog/2025/2/14"),
        ("facts:5.1", None),
        ("seed:000_b3448cf9ccfb6c8f.txt", None),
    ],
)
def test_sources_become_links_where_public(source: str, url: str | None) -> None:
    assert source_link(source)["url"] == url
