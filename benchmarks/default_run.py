"""Wall time of the default run: `pytest` as the README's Quick start runs it (suite, self-tests,
fault proof and reading matrix), with the proof's share read from its table.

Issue 11's budget: under 5 minutes on 2 cores. Prints the wall time, pytest's summary line, the
requests the suite sent, and the proof's own total (reports/fault-proof.txt, written by the run).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time

from _suite import ROOT


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pytest_args", nargs="*", help="extra pytest options (none: the default run)")
    args = parser.parse_args()
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args.pytest_args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - began
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    spent = next((line for line in lines if line.startswith("close-conformance:") and "requests" in line), "")
    proof = ROOT / "reports" / "fault-proof.txt"
    proof_total = re.findall(r"^total (\d+) s$", proof.read_text(), re.MULTILINE) if proof.exists() else []
    caught = re.findall(r"^\d+/\d+ faults caught$", proof.read_text(), re.MULTILINE) if proof.exists() else []
    print(f"default run: {seconds:.0f} s wall, exit {done.returncode}")
    print(f"  {lines[-1] if lines else done.stderr[-300:]}")
    for line in lines:
        if line.startswith(("FAILED", "ERROR")):
            print(f"  {line[:300]}")
    if spent:
        print(f"  {spent}")
    if proof_total:
        print(f"  fault proof and reading matrix: {proof_total[-1]} s ({', '.join(caught)})")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
