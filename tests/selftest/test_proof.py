"""The suite's power, as a self-test: every rule has a test and a planted fault, every fault is
caught by a test that guards its rule, and the clean mock passes the same selections. And its
fairness: under every other reading the register allows, the mock passes the tests of the rules
naming that entry (and the whole suite with one alternative of every entry at once), while each
reading only the default allows is refused under --strict by a test of such a rule
(close_conformance.readings_proof).

One run of `python -m close_conformance.proof` (each fault in its own process, quick profile,
fixed seed, no example database, narrow tests before schemathesis' broad ones) feeds every test
here; its table is printed on failure and kept in reports/. It proves the whole catalogue (about
two minutes of the default run on 2 cores); CLOSE_PROOF=rules proves only the first fault of each
rule, for a quicker run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from close_conformance.contract import Contract, default_contract
from close_conformance.mock.faults import FAULTS
from close_conformance.mock.readings import alternatives
from close_conformance.proof import first_fault_per_rule
from close_conformance.readings_proof import ALL_AT_ONCE, not_covered

# One worker runs this module under xdist (--dist loadgroup): the proof fixture is run once.
pytestmark = [pytest.mark.selftest, pytest.mark.slow, pytest.mark.xdist_group("proof")]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def contract() -> Contract:
    return default_contract()


@pytest.fixture(scope="module")
def proof(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    results = tmp_path_factory.mktemp("proof") / "proof.json"
    one_per_rule = os.environ.get("CLOSE_PROOF", "all") == "rules"
    done = subprocess.run(
        [sys.executable, "-m", "close_conformance.proof", "--json", str(results)]
        + (["--one-per-rule"] if one_per_rule else []),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert results.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    # Kept where a run's output goes, for whoever wants the numbers behind the verdict.
    shutil.copyfile(results, ROOT / "reports" / "fault-proof.json")
    (ROOT / "reports" / "fault-proof.txt").write_text(done.stdout)
    data: dict[str, Any] = json.loads(results.read_text())
    data["table"] = done.stdout
    data["expected"] = set(first_fault_per_rule()) if one_per_rule else set(FAULTS)
    return data


def test_every_rule_has_a_fault_and_every_fault_a_rule(contract: Contract) -> None:
    # Client rules are proved by planted client bugs instead (lint.py, tests/selftest/sdk).
    for rule in contract.server_rules.values():
        assert rule.faults, f"{rule.id} has no planted fault in specs/rules.yaml"
        for fault in rule.faults:
            assert fault in FAULTS, f"{rule.id} names {fault!r}, which `close-mock faults` does not list"
            assert FAULTS[fault].rule == rule.id, f"{fault} breaks {FAULTS[fault].rule}, not {rule.id}"
    listed = {fault for rule in contract.rules.values() for fault in rule.faults}
    assert sorted(set(FAULTS) - listed) == [], "faults missing from specs/rules.yaml"


def test_every_rule_has_a_test(proof: dict[str, Any], contract: Contract) -> None:
    guarded = {rule for test in proof["collected"] for rule in test["rules"]}
    # Client rules are guarded by the SDK self-tests (tests/selftest/sdk), outside the suite.
    assert sorted(set(contract.server_rules) - guarded) == [], "rules no test carries (pytest.mark.rule)"


def test_every_conformance_test_names_its_rules(proof: dict[str, Any], contract: Contract) -> None:
    for test in proof["collected"]:
        assert test["rules"], f"{test['nodeid']} carries no rule marker"
        assert set(test["rules"]) <= set(contract.rules), f"{test['nodeid']} names unknown rules"


def test_every_fault_is_caught_by_a_test_of_its_rule(proof: dict[str, Any]) -> None:
    missed = [r for r in proof["faults"] if not r["caught"]]
    assert missed == [], proof["table"]
    assert {r["fault"] for r in proof["faults"]} == proof["expected"]


def test_the_clean_mock_passes_the_same_selections(proof: dict[str, Any]) -> None:
    assert proof["clean_exit"] == 0, proof["table"]


def test_every_allowed_reading_passes(proof: dict[str, Any]) -> None:
    false_positives = [r["reading"] for r in proof["readings"] if not r["strict"] and not r["ok"]]
    assert false_positives == [], proof["table"]
    assert any(r["reading"] == ALL_AT_ONCE for r in proof["readings"]), "no all-at-once run"


def test_every_strict_only_reading_is_refused_under_strict(proof: dict[str, Any], contract: Contract) -> None:
    refused = {r["reading"] for r in proof["readings"] if r["strict"] and r["ok"]}
    expected = {
        a.option
        for a in alternatives(contract)
        if a.strict_only and any(a.discrepancy in rule.discrepancies for rule in contract.rules.values())
    }
    assert sorted(expected - refused) == [], proof["table"]
    assert expected, "the register has no strict-only reading a rule names"


def test_readings_the_mock_cannot_take_are_reported(proof: dict[str, Any], contract: Contract) -> None:
    # Listed in the report, never silently skipped: the lead decides whether the mock should learn them.
    assert proof["readings_not_covered"] == not_covered(contract)
    # Today the mock takes every reading the register allows by default (issue 11).
    assert proof["readings_not_covered"] == [], proof["table"]
