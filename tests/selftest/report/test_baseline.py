"""Known divergences: a baseline made from a faulty run's report lets the same fault pass (exit 0,
under another seed: signatures hold no seed, id or time), a second fault still fails the run and is
the only one named new; entries not met are reported as not observed, never as fixed; and the
file's own rules (expiry, malformed input, update and prune)."""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest

from close_conformance.report import baseline
from close_conformance.report.verdicts import Failure

from .conftest import FAULT, OTHER_FAULT, OTHER_RULE, ROOT, RULE, Run, run_suite

pytestmark = [pytest.mark.selftest, pytest.mark.xdist_group("report-run")]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "close_conformance.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def baseline_file(faulty_run: Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("baseline") / "baseline.yaml"
    done = _cli(
        "baseline",
        "update",
        str(path),
        "--from",
        str(faulty_run.directory / "conformance.json"),
        "--reason",
        "our gateway drops lead_id",
    )
    assert done.returncode == 0, done.stderr
    return path


@pytest.mark.slow
def test_the_same_fault_baselined_passes_and_is_marked_known(baseline_file: Path, tmp_path: Path) -> None:
    run = run_suite(
        tmp_path, "--rule", RULE, "--mock-fault", FAULT, "--close-baseline", str(baseline_file), seed=2
    )
    assert run.code == 0, run.output[-3000:]
    document = json.loads((tmp_path / "conformance.json").read_text())
    assert document["summary"]["verdict"] == "conformant except known divergences"
    assert document["run"]["exit_code_without_baseline"] == 1
    assert document["failures"]
    assert all(f["baseline"]["status"] == "known" for f in document["failures"])
    assert "Known divergences (baseline)" in (tmp_path / "conformance.md").read_text()


@pytest.mark.slow
def test_a_second_fault_fails_the_run_and_only_it_is_new(baseline_file: Path, tmp_path: Path) -> None:
    run = run_suite(
        tmp_path,
        "--rule",
        RULE,
        "--rule",
        OTHER_RULE,
        "--mock-fault",
        FAULT,
        "--mock-fault",
        OTHER_FAULT,
        "--close-baseline",
        str(baseline_file),
    )
    assert run.code == 1, run.output[-3000:]
    new_lines = [line for line in run.output.splitlines() if line.strip().startswith("new: ")]
    assert new_lines
    assert all(f"[{OTHER_RULE}]" in line for line in new_lines), new_lines
    document = json.loads((tmp_path / "conformance.json").read_text())
    new = [f for f in document["failures"] if f["baseline"] is None]
    assert {f["rule"] for f in new} == {OTHER_RULE}
    assert document["summary"]["new_failures"] == len(new)


@pytest.mark.slow
def test_entries_not_met_are_not_observed_not_fixed(baseline_file: Path, tmp_path: Path) -> None:
    run = run_suite(tmp_path, "--rule", RULE, "--close-baseline", str(baseline_file))
    assert run.code == 0, run.output[-3000:]
    assert "not observed in this run" in run.output
    assert "fixed" not in run.output.lower()
    document = json.loads((tmp_path / "conformance.json").read_text())
    assert len(document["baseline"]["unobserved"]) == len(baseline.load(baseline_file))
    # prune drops them now: the rule ran and the divergence was not seen.
    done = _cli("baseline", "prune", str(baseline_file), "--from", str(tmp_path / "conformance.json"))
    assert done.returncode == 0, done.stderr
    assert baseline.load(baseline_file) == []


def _failure(rule: str = RULE, signature: str = "0123456789abcdef") -> Failure:
    return Failure(rule, "createContact", "t", "m", "e", "g", "", "", signature, "m")


def test_an_expired_entry_no_longer_excuses_its_failure() -> None:
    entry = baseline.Divergence(
        RULE, "createContact", "0123456789abcdef", "why", expires=datetime.date(2026, 1, 1)
    )
    failure = _failure()
    assert baseline.apply([entry], [failure], datetime.date(2026, 1, 1)) == []
    assert failure.baseline is not None
    assert failure.baseline["status"] == "expired"
    assert not failure.known
    fresh = _failure()
    baseline.apply([entry], [fresh], datetime.date(2025, 12, 31))
    assert fresh.known


def test_a_failure_of_another_signature_is_new() -> None:
    entry = baseline.Divergence(RULE, "createContact", "0123456789abcdef", "why")
    failure = _failure(signature="fedcba9876543210")
    assert baseline.apply([entry], [failure], datetime.date.today()) == [entry]
    assert failure.baseline is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("divergences: {}", "divergences"),
        ("divergences:\n  - rule: a.b\n    signature: x\n", "lacks reason"),
        ("divergences:\n  - {rule: a.b, signature: x, reason: r, expires: soon}\n", "not YYYY-MM-DD"),
        ("divergences: [", "not valid YAML"),
    ],
)
def test_a_malformed_baseline_is_one_line_naming_the_file(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "baseline.yaml"
    path.write_text(text)
    with pytest.raises(baseline.BaselineError, match=error) as raised:
        baseline.load(path)
    assert str(path) in str(raised.value)
    assert "\n" not in str(raised.value)


def test_a_run_with_a_malformed_baseline_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "baseline.yaml"
    path.write_text("divergences: {}")
    run = run_suite(tmp_path, "--rule", RULE, "--close-baseline", str(path), "--collect-only")
    assert run.code == 2, run.output[-2000:]
    assert "--close-baseline" in run.output
