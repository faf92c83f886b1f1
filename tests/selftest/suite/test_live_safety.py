"""Safe against a live org: a run against `close-mock serve` (a separate server, as live Close is)
that is interrupted, or killed outright, leaves nothing it created behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from close_conformance.served import Served, serve

pytestmark = [pytest.mark.selftest, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
# A scenario that creates leads, contacts and emails from its first steps.
SCENARIO = "tests/conformance/test_contacts.py"


# Ctrl-C as in a terminal: a process started in the background (CI's job, nohup, `cmd &`) inherits
# SIGINT ignored, and Python then never raises KeyboardInterrupt; the run would go on to the end.
_AS_IN_A_TERMINAL = (
    "import signal, sys, pytest; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.exit(pytest.main(sys.argv[1:]))"
)


def _start_run(served: Served, state: Path) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-c",
        _AS_IN_A_TERMINAL,
        SCENARIO,
        *served.suite_args(),
        "--close-state-dir",
        str(state),
        "--hypothesis-profile",
        "thorough",  # long enough to be interrupted mid-way
        "-p",
        "no:cacheprovider",
        "-n",
        "0",  # one process: the signal reaches the run that holds the ledger
        "-q",
    ]
    # faulthandler: a run that hangs can be made to print where each of its threads is (SIGABRT).
    environment = {**os.environ, "PYTHONFAULTHANDLER": "1"}
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment
    )


def _ended(run: subprocess.Popen[str], timeout: float = 120) -> str:
    """The run's output once it has ended; if it has not within `timeout` (generous: the default
    run loads both cores), where it hangs."""
    try:
        output, _ = run.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        run.send_signal(signal.SIGABRT)
        output, _ = run.communicate(timeout=30)
        pytest.fail(f"the run did not end within {timeout:g} s of the signal; its threads:\n{output[-6000:]}")
    return output


def _created(state: Path) -> list[str]:
    ids = []
    for ledger in state.glob("run-*.jsonl"):
        ids += [json.loads(line)["id"] for line in ledger.read_text().splitlines()[1:] if line.strip()]
    return ids


def _wait_for_objects(state: Path, run: subprocess.Popen[str], count: int = 5, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(_created(state)) < count:
        assert run.poll() is None, (
            f"the run ended before creating anything: {run.stdout and run.stdout.read()}"
        )
        assert time.monotonic() < deadline, "the run created nothing within a minute"
        time.sleep(0.2)


def _leftovers(served: Served, ids: list[str]) -> list[str]:
    paths = {
        "lead": "/lead/{}/",
        "cont": "/contact/{}/",
        "acti": "/activity/email/{}/",
        "sdas": "/send_as/{}/",
    }
    me = served.user(0, 0)
    with httpx.Client(base_url=served.base_url, auth=(me["api_key"], "")) as client:
        return [i for i in ids if client.get(paths[i.split("_")[0]].format(i)).status_code != 404]


@pytest.mark.rule("contact.gone-after-delete")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_run_removes_what_it_created(tmp_path: Path, signum: int) -> None:
    with serve() as served:
        run = _start_run(served, tmp_path)
        _wait_for_objects(tmp_path, run)
        run.send_signal(signum)
        output = _ended(run)
        created = sorted(set(_created(tmp_path))) or []
        assert run.returncode != 0, "an interrupted run is not a pass"
        assert list(tmp_path.glob("run-*.jsonl")) == [], f"the ledger stayed: {output[-2000:]}"
        assert created == [], "the ledger is removed only once everything is gone"


def test_a_killed_run_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    with serve() as served:
        run = _start_run(served, tmp_path)
        _wait_for_objects(tmp_path, run)
        os.kill(run.pid, signal.SIGKILL)
        run.communicate(timeout=30)
        left = sorted(set(_created(tmp_path)))
        assert left, "a killed run leaves its ledger behind"
        assert _leftovers(served, left), "a killed run leaves its objects behind"
        follow_up = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "tests/conformance/test_leads.py",
                *served.suite_args(),
                "--close-state-dir",
                str(tmp_path),
                "--hypothesis-profile",
                "quick",
                "-p",
                "no:cacheprovider",
                "-n",
                "0",
                "-q",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert follow_up.returncode == 0, follow_up.stdout[-2000:]
        assert _leftovers(served, left) == [], "the next run removes a killed run's leftovers"
        assert list(tmp_path.glob("run-*.jsonl")) == []
