"""Shared by the scripts: run the suite as a user would, timed."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]


class SuiteRun(NamedTuple):
    exit_code: int
    seconds: float
    summary: str
    """pytest's last line."""
    replays: list[str]
    """The replay line printed with each failing test: what reproduces it."""


def run_suite(*args: str, timeout: float = 3600) -> SuiteRun:
    """`pytest tests/conformance ARGS` from the project root, timed."""
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/conformance", "-p", "no:cacheprovider", "-q", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    seconds = time.monotonic() - began
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    replays = [after for line, after in itertools.pairwise(lines) if "close-conformance replay" in line]
    return SuiteRun(done.returncode, seconds, lines[-1] if lines else done.stderr[-300:], replays)
