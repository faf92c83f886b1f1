"""The fault catalogue through plain `schemathesis run` next to this suite.

Same spec (specs/close.yaml), same auth (the first user's API key, Basic), the same phases
(examples, coverage, fuzzing, stateful), checks `all`, the same example budget as the suite's
profile, the same target (`close-mock serve --fault NAME`, over HTTP). A fault counts as caught by
plain schemathesis when `st run` exits 1 (it found a failure); on the clean mock any failure is a
false positive. The suite's column comes from `python -m close_conformance.proof --json`.
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import time
from pathlib import Path

from close_conformance.mock.faults import FAULTS
from close_conformance.profiles import PROFILES
from close_conformance.served import serve

ROOT = Path(__file__).resolve().parents[1]


def plain_schemathesis(fault: str | None, *, examples: int, seed: int) -> tuple[int, float, int]:
    """(exit code, seconds, failures found) of `st run` against the mock with this fault."""
    with serve(*(["--fault", fault] if fault else []), "--log-level", "warning") as served:
        me = served.user(0, 0)
        token = base64.b64encode(f"{me['api_key']}:".encode()).decode()
        report = ROOT / "reports" / f"st-{fault or 'clean'}.json"
        began = time.monotonic()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                str(ROOT / "specs" / "close.yaml"),
                "--url",
                served.base_url,
                "--header",
                f"Authorization: Basic {token}",
                "--checks",
                "all",
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--mode",
                "all",
                "--max-examples",
                str(examples),
                "--seed",
                str(seed),
                "--generation-database",
                "none",
                "--report",
                "json",
                "--report-json-path",
                str(report),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=1800,
        )
        seconds = time.monotonic() - began
    failures = 0
    if report.exists():
        failures = sum(1 for line in report.read_text().splitlines() if '"failure"' in line)
    return done.returncode, seconds, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--suite", type=Path, required=True, help="the JSON of `python -m close_conformance.proof --json`"
    )
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("faults", nargs="*")
    args = parser.parse_args()
    suite = {r["fault"]: r for r in json.loads(args.suite.read_text())["faults"]}
    examples = PROFILES[args.profile].examples_per_operation
    names = args.faults or list(FAULTS)
    clean_code, clean_seconds, _ = plain_schemathesis(None, examples=examples, seed=args.seed)
    print(
        f"clean mock: plain schemathesis exit {clean_code} "
        f"({'false positive' if clean_code else 'no failure'}), {clean_seconds:.0f} s"
    )
    print(f"{'fault':42} {'rule':36} {'suite':>6} {'s':>6} {'schemathesis':>12} {'s':>6}")
    caught_suite = caught_st = 0
    for name in names:
        code, seconds, _ = plain_schemathesis(name, examples=examples, seed=args.seed)
        mine = suite.get(name, {})
        caught_suite += bool(mine.get("caught"))
        caught_st += code == 1
        print(
            f"{name:42} {FAULTS[name].rule:36} "
            f"{'yes' if mine.get('caught') else 'NO':>6} {mine.get('seconds', 0):>6.1f} "
            f"{'yes' if code == 1 else 'no':>12} {seconds:>6.1f}",
            flush=True,
        )
    print(f"caught: suite {caught_suite}/{len(names)}, plain schemathesis {caught_st}/{len(names)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
