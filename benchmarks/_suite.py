"""Shared by the scripts: run the suite as a user would, timed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_suite(*args: str, timeout: float = 3600) -> tuple[int, float, str]:
    """`pytest tests/conformance ARGS` from the project root: (exit code, seconds, last line)."""
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/conformance", "-p", "no:cacheprovider", "-q", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return done.returncode, time.monotonic() - began, lines[-1] if lines else done.stderr[-300:]
