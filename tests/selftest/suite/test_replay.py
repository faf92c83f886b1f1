"""A failure is reproducible from what its output prints (issue 5): the replay line the plugin adds
to a failing test, run as printed, fails the same test on the same example, shrunk or as found."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.selftest, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
# A Hypothesis state machine, so the seed decides what is generated; quick to catch at any seed.
TEST = "tests/conformance/test_contacts.py::TestContactLifecycle"
FAULT = "phone-not-normalised"
_BLOB = re.compile(r"@reproduce_failure\('[^']+', (b'[^']+')\)")
_FAILED = re.compile(r"^FAILED (\S+\[[^\]]+\])", re.MULTILINE)
SCHEMATHESIS = "tests/conformance/test_operations.py"


def _pytest(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider", "-n", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, f"exit {done.returncode}, expected a rule failure:\n{done.stdout[-3000:]}"
    return done.stdout


def _replay_line(output: str) -> list[str]:
    lines = output.splitlines()
    headers = [i for i, line in enumerate(lines) if "close-conformance replay" in line]
    assert headers, f"no replay section in the failure output:\n{output[-3000:]}"
    argv = shlex.split(lines[headers[0] + 1])
    assert argv[0] == "pytest", argv
    return argv[1:]


@pytest.mark.parametrize("shrink", [[], ["--no-shrink"]], ids=["shrunk", "as found"])
def test_the_printed_replay_line_fails_the_same_way(shrink: list[str]) -> None:
    # No --seed: the plugin draws one, as it does for a user, and must print it.
    first = _pytest(TEST, "--mock-fault", FAULT, "--hypothesis-profile", "quick", *shrink)
    replay = _replay_line(first)
    assert "--seed" in replay, replay
    assert replay[-2:] == ["--mock-fault", FAULT], replay
    assert ("--no-shrink" in replay) == bool(shrink), replay

    again = _pytest(*replay)
    assert re.search(r"^FAILED .*TestContactLifecycle", again, re.MULTILINE), again[-3000:]
    blobs = [_BLOB.findall(output) for output in (first, again)]
    assert blobs[0], f"no @reproduce_failure blob printed:\n{first[-3000:]}"
    assert blobs[0] == blobs[1], "the replay failed on a different example"


def test_a_schemathesis_failure_replays_by_file_and_operation() -> None:
    # pytest cannot select a schemathesis item by node id: the line names its file and --operation.
    fault = "server-error-on-malformed-json"
    first = _pytest(SCHEMATHESIS, "--rule", "http.no-server-error", "--mock-fault", fault, "-x")
    failed = _FAILED.findall(first)
    replay = _replay_line(first)
    assert replay[:2] == [SCHEMATHESIS, "--operation"], replay

    again = _pytest(*replay)
    assert failed[0] in _FAILED.findall(again), again[-3000:]
