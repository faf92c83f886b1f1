"""The fault catalogue through plain `schemathesis run` next to this suite.

Same spec (specs/close.yaml), same auth (the first user's API key, Basic), the same phases
(examples, coverage, fuzzing, stateful), checks `all`, the same example budget as the suite's
profile and the same seed, the same target (`close-mock serve --fault NAME`, over HTTP).

Plain schemathesis already fails on the clean mock (its schema-valid requests name objects that do
not exist and break rules it cannot know), so its exit code alone cannot tell a fault from the
clean server. Two columns therefore: `exit 1` (what a CI job would see) and `new` (a failure, as
check type and operation, that the clean run did not have: the fairest reading of "caught").
The suite's column comes from `python -m close_conformance.proof --json` (a test of the fault's
rule failed; the clean mock passes the same selections).
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from close_conformance.profiles import PROFILES
from close_conformance.served import serve

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class PlainRun:
    exit_code: int
    seconds: float
    failures: frozenset[tuple[str, str]]
    """(failure type, operation) pairs of the JSON report."""


def plain_schemathesis(fault: str | None, *, examples: int, seed: int) -> PlainRun:
    """`st run` against `close-mock serve` with this fault (None: the clean mock)."""
    with serve(*(["--fault", fault] if fault else []), "--log-level", "warning") as served:
        me = served.user(0, 0)
        token = base64.b64encode(f"{me['api_key']}:".encode()).decode()
        with tempfile.TemporaryDirectory() as scratch:
            report = Path(scratch) / "report.json"
            began = time.monotonic()
            done = subprocess.run(
                [
                    *(sys.executable, "-m", "schemathesis.cli", "run", str(ROOT / "specs" / "close.yaml")),
                    *("--url", served.base_url, "--header", f"Authorization: Basic {token}"),
                    *("--checks", "all", "--phases", "examples,coverage,fuzzing,stateful", "--mode", "all"),
                    *("--max-examples", str(examples), "--seed", str(seed)),
                    *("--generation-database", "none", "--no-color"),
                    *("--report", "json", "--report-json-path", str(report)),
                ],
                capture_output=True,
                text=True,
                cwd=ROOT,
                timeout=1800,
            )
            seconds = time.monotonic() - began
            found = json.loads(report.read_text())["failures"] if report.exists() else []
    pairs = frozenset((f["type"], op) for f in found for op in f["operations"])
    return PlainRun(done.returncode, seconds, pairs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--suite", type=Path, required=True, help="the JSON of `python -m close_conformance.proof --json`"
    )
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="plain runs at once (each has its own mock)")
    parser.add_argument("faults", nargs="*", help="fault names (default: those in --suite)")
    args = parser.parse_args()
    proof = json.loads(args.suite.read_text())
    suite = {r["fault"]: r for r in proof["faults"]}
    names = args.faults or list(suite)
    examples = PROFILES[args.profile].examples_per_operation

    clean = plain_schemathesis(None, examples=examples, seed=args.seed)
    with ThreadPoolExecutor(args.workers) as pool:
        plain = pool.map(lambda name: plain_schemathesis(name, examples=examples, seed=args.seed), names)
        runs = dict(zip(names, plain, strict=True))

    print(f"{'fault':42} {'suite':>5} {'s':>6} | {'exit 1':>6} {'new':>4} {'s':>6}  first new failure")
    for name in names:
        mine, run = suite.get(name, {}), runs[name]
        new = sorted(run.failures - clean.failures)
        print(
            f"{name:42} {'yes' if mine.get('caught') else 'NO':>5} {mine.get('seconds', 0):>6.1f} | "
            f"{'yes' if run.exit_code == 1 else 'no':>6} {len(new):>4} {run.seconds:>6.1f}  "
            f"{' '.join(new[0]) if new else ''}",
            flush=True,
        )
    mine = [suite.get(name, {}) for name in names]
    theirs = list(runs.values())
    n = len(names)
    rows = [
        (
            "faults caught (exit 1)",
            sum(bool(r.get("caught")) for r in mine),
            sum(r.exit_code == 1 for r in theirs),
        ),
        (
            "faults caught beyond clean noise",
            sum(bool(r.get("caught")) for r in mine),
            sum(bool(r.failures - clean.failures) for r in theirs),
        ),
    ]
    print(f"\n{'':34} {'this suite':>12} {'plain schemathesis':>20}")
    for label, ours, plain_count in rows:
        print(f"{label:34} {f'{ours}/{n}':>12} {f'{plain_count}/{n}':>20}")
    print(f"{'clean mock: exit code':34} {proof['clean_exit']:>12} {clean.exit_code:>20}")
    print(
        f"{'clean mock: distinct failures':34} {'none' if proof['clean_exit'] == 0 else 'some':>12} "
        f"{len(clean.failures):>20}"
    )
    ours_s = sum(r.get("seconds", 0) for r in mine) / n
    print(f"{'seconds per fault (mean)':34} {ours_s:>12.1f} {sum(r.seconds for r in theirs) / n:>20.1f}")
    print(f"{'seconds, clean mock':34} {'':>12} {clean.seconds:>20.1f}")
    print(f"plain schemathesis on the clean mock: {sorted(clean.failures)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
