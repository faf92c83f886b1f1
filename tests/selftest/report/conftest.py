"""Runs of the suite the report self-tests read: each one a `pytest` subprocess (the report is
written at the end of a session, so it needs a session of its own), narrow and quick."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
RULE = "contact.create-without-lead"
FAULT = "no-lead-for-orphan-contact"
# A second fault, of another rule, for the baseline: it must come out as the only new failure.
OTHER_RULE = "contact.update-is-patch"
OTHER_FAULT = "put-replaces-contact"


@dataclass(frozen=True)
class Run:
    code: int
    output: str
    directory: Path


def run_suite(directory: Path, *args: str, seed: int = 1) -> Run:
    """The suite with the quick profile, one worker, the report written to `directory`."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/conformance",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
            "-n",
            "0",
            "-q",
            "--hypothesis-profile",
            "quick",
            "--seed",
            str(seed),
            "--close-state-dir",
            str(directory / "state"),
            f"--close-report={directory}",
            *args,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return Run(done.returncode, done.stdout + done.stderr, directory)


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The embedded mock with one fault, the tests of its rule."""
    run = run_suite(tmp_path_factory.mktemp("faulty"), "--rule", RULE, "--mock-fault", FAULT)
    assert run.code == 1, f"exit {run.code}, expected 1 (a rule broken):\n{run.output[-3000:]}"
    return run
