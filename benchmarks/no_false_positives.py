"""No false positives on any server the docs allow: the mock under its own readings (default and
strict) and under every other reading the register's default accepts, at 10 seeds, embedded and
over HTTP (`close-mock serve --reading ID=VALUE`).

A failure under a reading the register allows is a false positive of the suite (or a bug of the
mock): either way a defect. Each alternative reading runs the tests of the rules naming its entry
(`--rule`, as the fault proof does); one configuration with an alternative of every entry at once
runs the whole suite. Each failing run prints its replay line (`pytest --seed N ...`).
Readings the mock cannot take are printed as not covered.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from _suite import ROOT, SuiteRun

from close_conformance.contract import default_contract
from close_conformance.mock.readings import alternatives
from close_conformance.proof import WORKERS, run_pytest, warm_imports
from close_conformance.readings_proof import combined, not_covered
from close_conformance.served import serve


def _configurations(which: str) -> list[tuple[str, list[str], list[str], bool]]:
    """(label, readings as ID=VALUE, --rule selection, strict) to run at every seed."""
    contract = default_contract()
    chosen: list[tuple[str, list[str], list[str], bool]] = []
    if which in ("all", "own"):
        chosen += [("own", [], [], False), ("own", [], [], True)]
    if which in ("all", "alternatives"):
        for alternative in alternatives(contract):
            rules = [r.id for r in contract.rules.values() if alternative.discrepancy in r.discrepancies]
            if rules:  # an entry no rule names is covered by the all-at-once run
                chosen.append((alternative.option, [alternative.option], rules, False))
        # Every alternative through the whole suite: one configuration per depth (`combined`).
        for k, configuration in enumerate(combined(contract), 1):
            chosen.append((f"all alternatives #{k}", [a.option for a in configuration], [], False))
    return chosen


def _one_run(args: list[str], http_readings: list[str] | None, strict: bool) -> SuiteRun:
    """One pytest session in this (forked, warm) process: against the embedded mock, or, given
    `http_readings`, against a `close-mock serve` of its own taking them."""
    began = time.monotonic()
    if http_readings is None:
        data = run_pytest(["tests/conformance", *args], root=ROOT)
    else:
        chosen = [arg for reading in http_readings for arg in ("--reading", reading)]
        with serve(*(["--strict"] if strict else []), *chosen) as served:
            data = run_pytest(["tests/conformance", *args, *served.suite_args()], root=ROOT)
    tests = data.get("tests", [])
    failed = [t["nodeid"] for t in tests if t["outcome"] == "failed"]
    passed = sum(t["outcome"] == "passed" for t in tests)
    skipped = sum(t["outcome"] == "skipped" for t in tests)
    summary = f"{len(failed)} failed, {passed} passed, {skipped} skipped"
    # The seed and options are the run's: each failing test replays with them.
    shown = [a for a in args if a not in ("-n", "0")]
    replays = [f"pytest '{nodeid.split('@', 1)[0]}' {' '.join(shown)}" for nodeid in failed]
    return SuiteRun(int(data["exit_code"]), time.monotonic() - began, summary, replays)


def _row(
    label: str, readings: list[str], rules: list[str], strict: bool, seed: int, args: Any, pool: Any
) -> list[str]:
    """One configuration at one seed, embedded and (unless --no-http) over HTTP: its table rows,
    each failing row followed by its replay lines; rows start with FP when a false positive."""
    extra = [*(["--strict"] if strict else []), *(arg for rule in rules for arg in ("--rule", rule))]
    common = ["--seed", str(seed), "--hypothesis-profile", args.profile, *extra]
    embedded = [arg for reading in readings for arg in ("--mock-reading", reading)]
    # Each run in a process forked from this warm one (pytest, schemathesis and the plugin
    # imported once), as the fault proof runs its faults.
    pending = [("embedded", pool.apply_async(_one_run, ([*common, *embedded], None, strict)))]
    if not args.no_http:
        pending.append(("close-mock serve", pool.apply_async(_one_run, (common, readings, strict))))
    lines = []
    for target, future in pending:
        run = future.get()
        # 5: nothing selected (no test carries the rules): not a pass, not a false positive.
        flag = "FP" if run.exit_code not in (0, 5) else "  "
        mode = "strict" if strict else "default"
        row = f"{flag} {target:18} {label:44} {mode:7} {seed:>4} {run.exit_code:>4} {run.seconds:>8.1f}"
        lines.append(f"{row}  {run.summary}")
        lines += [f"     replay: {replay}" for replay in run.replays]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--profile", default="quick")
    parser.add_argument(
        "--readings",
        choices=["all", "own", "alternatives"],
        default="all",
        help="the mock's own readings, the register's alternatives, or both (default)",
    )
    parser.add_argument("--no-http", action="store_true", help="embedded only")
    parser.add_argument(
        "--jobs", type=int, default=WORKERS, help=f"pytest sessions at once (default {WORKERS})"
    )
    parser.add_argument(
        "--all-at-once",
        action="store_true",
        help="only the configurations with an alternative of every entry at once (whole suite)",
    )
    parser.add_argument(
        "--entry",
        action="append",
        metavar="ID",
        help="only the alternatives of this register entry (repeatable; no own or all-at-once runs)",
    )
    args = parser.parse_args()
    began = time.monotonic()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    configurations = _configurations(args.readings)
    if args.all_at_once:
        configurations = [c for c in configurations if c[0].startswith("all alternatives")]
    if args.entry:
        configurations = [
            c for c in configurations if c[1] and len(c[1]) == 1 and c[1][0].split("=")[0] in args.entry
        ]
    work = [(*configuration, seed) for configuration in configurations for seed in seeds]
    print(f"   {'target':18} {'reading':44} {'mode':7} {'seed':>4} {'exit':>4} {'seconds':>8}  result")
    false_positives = runs = 0
    warm_imports()  # before forking: every run starts warm
    processes = multiprocessing.get_context("fork").Pool(max(args.jobs, 1), maxtasksperchild=1)
    # Threads only wait on the pool; twice its size keeps it fed with embedded and HTTP runs.
    with processes, ThreadPoolExecutor(max_workers=2 * max(args.jobs, 1)) as threads:
        futures = [threads.submit(_row, *item, args, processes) for item in work]
        for future in as_completed(futures):
            for line in future.result():
                runs += not line.startswith("     ")
                false_positives += line.startswith("FP")
                print(line, flush=True)
    uncovered = not_covered(default_contract())
    if uncovered and args.readings != "own":
        print(f"not covered (the mock cannot take them): {', '.join(uncovered)}")
    print(f"{runs} runs ({len(work)} configurations x seeds), {time.monotonic() - began:.0f} s")
    print(f"{false_positives} false positives (failing runs under readings the register allows)")
    return 1 if false_positives else 0


if __name__ == "__main__":
    raise SystemExit(main())
