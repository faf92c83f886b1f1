"""The clean mock must pass at every seed: 10 seeds, embedded and over HTTP, default and strict.

A failure here is a false positive (or a flake) of the suite, or a bug of the mock: either way a
defect. Each failing run prints its seed, which replays it (`pytest --seed N ...`).
"""

from __future__ import annotations

import argparse

from _suite import run_suite

from close_conformance.served import serve


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--profile", default="quick")
    args = parser.parse_args()
    failures = 0
    print(f"{'target':18} {'reading':8} {'seed':>4} {'exit':>4} {'seconds':>8}  result")
    for strict in (False, True):
        extra = ["--strict"] if strict else []
        for seed in range(1, args.seeds + 1):
            common = ["--seed", str(seed), "--hypothesis-profile", args.profile, *extra]
            runs = [("embedded", run_suite(*common))]
            with serve(*(["--strict"] if strict else [])) as served:
                runs.append(("close-mock serve", run_suite(*common, *served.suite_args())))
            for target, run in runs:
                failures += run.exit_code != 0
                reading = "strict" if strict else "default"
                row = f"{target:18} {reading:8} {seed:>4} {run.exit_code:>4} {run.seconds:>8.1f}"
                print(f"{row}  {run.summary}", flush=True)
                for replay in run.replays:
                    print(f"    replay: {replay}", flush=True)
    print(f"{failures} failing runs")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
