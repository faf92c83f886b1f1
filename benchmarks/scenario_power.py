"""What a scenario's search budget buys: each rule scenario alone against each planted fault of its
rules, per profile and seed: how many it catches, and what a clean run of it costs in requests.

The proof runs once, at quick and seed 1. A scenario's power on other seeds, and what a cheaper
profile or a cheaper step would lose, is measured here (issue 14: spend requests where they find
faults):

    python benchmarks/scenario_power.py          # every scenario, quick and standard, seeds 1-5
    python benchmarks/scenario_power.py --scenario email --profiles standard --seeds 1-10
    python benchmarks/scenario_power.py --json power.json

Every run is a pytest session forked from a warm parent (close_conformance.proof), against the
embedded mock with the fault planted, the scenario alone, `-x`, no shrinking. A fault counts as
caught in a run when the scenario fails it and guards the fault's rule.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from close_conformance.contract import default_contract
from close_conformance.mock.faults import FAULTS
from close_conformance.proof import WORKERS, Planted, _caught, read_lag_bound, run_pytest, warm_imports

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {
    "email": "tests/conformance/test_email_sender.py::TestEmailSender",
    "contacts": "tests/conformance/test_contacts.py::TestContactLifecycle",
    "send-as": "tests/conformance/test_send_as.py::TestSendAs",
}


def _run(args: list[str]) -> dict[str, Any]:
    return run_pytest(args, root=ROOT)


def _seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def _print(
    results: list[tuple[str, str | None, str, int, dict[str, Any]]], profiles: list[str], seeds: int
) -> None:
    """Per scenario: each fault it caught on some seed, caught/seeds per profile; the faults of its
    rules it never caught (another endpoint's, by construction); requests of a clean run."""
    caught: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    requests: dict[tuple[str, str], list[int]] = defaultdict(list)
    clean: dict[tuple[str, str], set[int]] = defaultdict(set)
    for scenario, fault, profile, _, data in results:
        if fault is None:
            requests[scenario, profile].append(int(data.get("requests_sent", 0)))
            clean[scenario, profile].add(int(data["exit_code"]))
        else:
            caught[scenario][fault][profile] += _caught(Planted(fault, FAULTS[fault].rule), data)
    for scenario, faults in caught.items():
        found = {f: row for f, row in faults.items() if any(row.values())}
        print(f"\n{scenario}: {len(found)} faults caught on some seed")
        print(f"  {'fault':44}" + "".join(f"{p:>10}" for p in profiles))
        for fault, row in sorted(found.items()):
            print(f"  {fault:44}" + "".join(f"{f'{row[p]}/{seeds}':>10}" for p in profiles))
        total = {p: sum(row[p] for row in found.values()) for p in profiles}
        print(
            f"  {'all (fault, seed) runs':44}"
            + "".join(f"{f'{total[p]}/{len(found) * seeds}':>10}" for p in profiles)
        )
        cost = {p: sum(requests[scenario, p]) / max(len(requests[scenario, p]), 1) for p in profiles}
        print(f"  {'requests of a clean run (mean)':44}" + "".join(f"{cost[p]:>10.0f}" for p in profiles))
        print(
            f"  {'clean exit codes':44}"
            + "".join(f"{','.join(map(str, sorted(clean[scenario, p]))):>10}" for p in profiles)
        )
        never = sorted(f for f in faults if f not in found)
        if never:
            print(f"  never caught (another endpoint's faults of its rules): {' '.join(never)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="default: all")
    parser.add_argument(
        "--profiles", default="quick,standard", help="comma-separated (default quick,standard)"
    )
    parser.add_argument("--seeds", default="1-5", help="a seed or a range (default 1-5)")
    parser.add_argument(
        "--faults", help="comma-separated fault names (default: every fault of the scenario's rules)"
    )
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--json", type=Path, help="also write every run's result here")
    args = parser.parse_args(argv)
    scenarios = args.scenario or sorted(SCENARIOS)
    profiles = args.profiles.split(",")
    seeds = _seeds(args.seeds)
    wanted = set(args.faults.split(",")) if args.faults else None
    warm_imports()
    began = time.monotonic()
    lag = ["--read-lag", f"{read_lag_bound(default_contract()):g}"]
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=args.workers, maxtasksperchild=1) as pool:
        collected = pool.apply(_run, (["tests/conformance", "--collect-only"],))["collected"]
        runs: list[tuple[str, str | None, str, int, Any]] = []
        for scenario in scenarios:
            rules = {
                rule
                for test in collected
                if test["nodeid"] == SCENARIOS[scenario] + "::runTest"
                for rule in test["rules"]
            }
            faults = [
                Planted(name, fault.rule, fault.strict)
                for name, fault in FAULTS.items()
                if fault.rule in rules and not fault.strict and (wanted is None or name in wanted)
            ]
            for profile in profiles:
                for seed in seeds:
                    common = [SCENARIOS[scenario], "--hypothesis-profile", profile, "--seed", str(seed)]
                    common += ["--no-shrink", *lag]
                    runs.append((scenario, None, profile, seed, pool.apply_async(_run, (common,))))
                    for fault in faults:
                        planted = [*common, "-x", "--rule", fault.rule, "--mock-fault", fault.name]
                        runs.append((scenario, fault.name, profile, seed, pool.apply_async(_run, (planted,))))
        results = [(s, f, p, seed, future.get()) for s, f, p, seed, future in runs]
    print(f"seeds {args.seeds}; {len(results)} runs in {time.monotonic() - began:.0f} s")
    _print(results, profiles, len(seeds))
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "scenario": s,
                        "fault": f,
                        "profile": p,
                        "seed": seed,
                        "exit_code": d["exit_code"],
                        "caught": f is not None and _caught(Planted(f, FAULTS[f].rule), d),
                        "requests": d.get("requests_sent", 0),
                    }
                    for s, f, p, seed, d in results
                ],
                indent=1,
            )
        )
    return 0 if all(data["exit_code"] == 0 for _, fault, _, _, data in results if fault is None) else 1


if __name__ == "__main__":
    sys.exit(main())
