"""Prove the suite's power: run it against the reference mock with each planted fault switched on,
and show that it fails, and fails in a test that guards the fault's rule.

A fault caught only by an unrelated test is not proof, so each run selects the tests carrying the
fault's rule (`--rule`), stops at the first failure (`-x`), uses the quick profile and a fixed
seed (which turns Hypothesis' example database off: a stored failure must not decide what counts
as caught), and does not shrink. Every fault runs in a process of its own, forked from one that
has already imported pytest, schemathesis and the plugin, so the import cost is paid once; the
test modules themselves are imported in each fork, after the run's settings are known (they
build schemathesis tests from them at import).

`python -m close_conformance.proof` prints the table; the self-test asserts on it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any

from close_conformance.contract import Contract, default_contract
from close_conformance.readings_proof import (
    ReadingResult,
    ReadingRuns,
    not_covered,
    reading_table,
    unnamed_readings,
)

__all__ = [
    "FaultResult",
    "Planted",
    "Proof",
    "first_fault_per_rule",
    "guarding_tests",
    "main",
    "prove",
    "run_pytest",
    "warm_imports",
]

# Tests that build every operation (schemathesis' coverage phase is computed at collection):
# run after the narrower tests, so -x usually stops before them.
BROAD_TESTS = ("test_operations.py", "test_links.py")
SUITE = "tests/conformance"
# One more process than cores: each run idles a little (the embedded server's shutdown, polling a
# lagging read), and another run fills the core meanwhile.
WORKERS = (os.cpu_count() or 1) + 1


@dataclass
class FaultResult:
    fault: str
    rule: str
    caught: bool
    exit_code: int
    by: list[str] = field(default_factory=list)
    """Failing tests that guard the fault's rule."""
    elsewhere: list[str] = field(default_factory=list)
    """Failing tests that do not guard it (not proof)."""
    requests: int = 0
    seconds: float = 0.0
    selected: int = 0


def run_pytest(args: Sequence[str], *, root: Path) -> dict[str, Any]:
    """One pytest session in this process; its --close-results, output swallowed."""
    import pytest

    with tempfile.TemporaryDirectory() as scratch:
        results = Path(scratch) / "results.json"
        state = Path(scratch) / "state"
        argv = [
            *args,
            *("-p", "no:cacheprovider", "-q"),
            *("--close-results", str(results), "--close-state-dir", str(state)),
            *("-n", "0"),  # this process is the fault's own: no xdist workers under it
            # Its gc passes at exit cost 0.1 s a run, 20 s a proof; an unraisable exception in a
            # run against a faulty mock proves nothing either way.
            *("-p", "no:unraisableexception"),
            # The warm parent imported the plugin before this session could rewrite its asserts.
            *("-W", "ignore::pytest.PytestAssertRewriteWarning"),
        ]
        previous = Path.cwd()
        os.chdir(root)
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code = int(pytest.main(argv))
        finally:
            os.chdir(previous)
        data: dict[str, Any] = json.loads(results.read_text()) if results.exists() else {}
    data["exit_code"] = code
    return data


def _forked(args: Sequence[str], root: str) -> dict[str, Any]:
    return run_pytest(args, root=Path(root))


def _timed(args: Sequence[str], root: str) -> tuple[dict[str, Any], float]:
    began = time.monotonic()
    data = run_pytest(args, root=Path(root))
    return data, time.monotonic() - began


def guarding_tests(collected: Iterable[dict[str, Any]], rule: str) -> tuple[list[str], list[str]]:
    """What to run for `rule`, as two stages: the node ids of the narrow tests carrying it, and the
    files of the schemathesis tests carrying it. Those are given as files, since pytest cannot
    select a schemathesis item by node id; --rule keeps only their items for the rule, and builds
    only the operations it concerns. Building them costs seconds (the coverage phase is computed
    at collection), so they run only when the narrow tests did not catch the fault."""
    guarding = [t["nodeid"] for t in collected if rule in t["rules"]]
    narrow = [n for n in guarding if not n.split("::")[0].endswith(BROAD_TESTS)]
    broad = sorted({n.split("::")[0] for n in guarding if n not in narrow})
    return narrow, broad


def _verdict(fault: Planted, stages: list[tuple[dict[str, Any], float]], selected: int) -> FaultResult:
    """The fault's result over the stages that ran (the last one decides the exit code)."""
    if not stages:  # no test guards the rule (the self-test reports that on its own)
        return FaultResult(fault.name, fault.rule, caught=False, exit_code=5)
    tests = [t for data, _ in stages for t in data.get("tests", [])]
    failed = [t for t in tests if t["outcome"] == "failed" and t.get("kind") == "rule"]
    by = [t["nodeid"] for t in failed if fault.rule in t["rules"]]
    exit_code = stages[-1][0]["exit_code"]
    return FaultResult(
        fault=fault.name,
        rule=fault.rule,
        caught=exit_code == 1 and bool(by),
        exit_code=exit_code,
        by=by,
        elsewhere=[t["nodeid"] for t in failed if fault.rule not in t["rules"]],
        requests=sum(int(data.get("requests_sent", 0)) for data, _ in stages),
        seconds=round(sum(seconds for _, seconds in stages), 2),
        selected=selected,
    )


def _caught(fault: Planted, data: dict[str, Any]) -> bool:
    return _verdict(fault, [(data, 0.0)], 0).caught


@dataclass(frozen=True)
class Planted:
    """A fault of the mock's catalogue, as the proof needs it."""

    name: str
    rule: str
    strict: bool = False
    """Only a --strict run can catch it (the register accepts the behaviour by default)."""


@dataclass
class Proof:
    results: list[FaultResult]
    clean_exit: int
    """The clean mock under every selection used, both readings: must be 0."""
    collected: list[dict[str, Any]]
    """Every test of the suite with its rules."""
    readings: list[ReadingResult] = field(default_factory=list)
    """The reading matrix (close_conformance.readings_proof): every allowed reading passed, every
    strict-only one refused under --strict."""


def prove(
    faults: Sequence[Planted],
    *,
    root: Path,
    seed: int = 1,
    profile: str = "quick",
    workers: int = WORKERS,
    readings: bool = True,
) -> Proof:
    """Run the suite once per fault, each in its own process, and the clean mock once per reading;
    with `readings`, the reading matrix too (close_conformance.readings_proof), in the same pool."""
    context = multiprocessing.get_context("fork")
    # One task per process: every fault starts from the same warm, pristine fork.
    with context.Pool(processes=workers, maxtasksperchild=1) as pool:
        collected = pool.apply(_forked, ([SUITE, "--collect-only"], str(root)))["collected"]
        stages = {fault.name: guarding_tests(collected, fault.rule) for fault in faults}
        # Caught is caught: a minimal example is not needed to prove it, and shrinking a stateful
        # failure can cost thousands of requests.
        common = ["--hypothesis-profile", profile, "--seed", str(seed), "--no-shrink"]
        # A fault that leaves a deleted object readable is caught once polling gives up: a bound of
        # a few times the lag the matrix tries (1 s) proves the same as the live 10 s, in a third.
        common += ["--read-lag", f"{read_lag_bound(default_contract()):g}"]
        clean_selection = sorted({n for narrow, broad in stages.values() for n in narrow + broad})
        cleans = [
            pool.apply_async(_forked, ([*clean_selection, *common, *reading], str(root)))
            for reading in ([], ["--strict"])
            if clean_selection  # no fault, no selection: an empty one would run every test
        ]

        def run(fault: Planted, selection: list[str]) -> AsyncResult[tuple[dict[str, Any], float]]:
            args = [*selection, *common, "-x", "--rule", fault.rule, "--mock-fault", fault.name]
            return pool.apply_async(_timed, ([*args, *(["--strict"] if fault.strict else [])], str(root)))

        matrix = ReadingRuns(
            default_contract(),
            lambda rule: guarding_tests(collected, rule),
            lambda args: pool.apply_async(_timed, ([*args, *common], str(root))),
            SUITE,
        )
        if readings:
            matrix.submit()  # before the faults: it holds the pool's longest task
        first = {f.name: run(f, stages[f.name][0]) for f in faults if stages[f.name][0]}
        ran: dict[str, list[tuple[dict[str, Any], float]]] = {f.name: [] for f in faults}
        second: dict[str, AsyncResult[tuple[dict[str, Any], float]]] = {}
        for fault in faults:
            if fault.name in first:
                ran[fault.name].append(first[fault.name].get())
            broad = stages[fault.name][1]
            if broad and not (ran[fault.name] and _caught(fault, ran[fault.name][0][0])):
                second[fault.name] = run(fault, broad)
        for name, future in second.items():
            ran[name].append(future.get())
        results = [_verdict(f, ran[f.name], sum(map(len, stages[f.name]))) for f in faults]
        clean_exit = max((clean.get()["exit_code"] for clean in cleans), default=0)
        return Proof(results, clean_exit, collected, matrix.results())


# Imported lazily during a session: by the embedded mock's server start, schemathesis' checks
# and reporting, pytest's debugging plugin.
_IMPORTED_BY_A_SESSION = (
    "close_conformance.embedded",
    "close_conformance.models.contact",
    "close_conformance.models.email",
    "close_conformance.models.send_as",
    "close_conformance.mock.app",
    "uvicorn.loops.auto",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.lifespan.on",
    "uvicorn.lifespan.off",
    "schemathesis.specs.openapi.checks",
    "schemathesis.engine.events",
    "schemathesis.reporting.html",
    "schemathesis.reporting.junitxml",
    "schemathesis.pytest.xdist",
    "hypothesis.extra",
    "email.policy",
    "packaging.version",
    "pdb",
)


def warm_imports() -> None:
    """Import, before forking, what every fault's session imports: pytest, every pytest11 plugin
    it loads (schemathesis', xdist, anyio, respx, ours) and the embedded mock's server. Imported
    in each fork instead (258 modules), they took about half of a narrow run's CPU: 1.1 instead
    of 0.53 s with bytecode not cached (PYTHONDONTWRITEBYTECODE), over ~190 runs a proof.
    The test modules are not imported here: they read the run's settings at import."""
    import importlib
    from importlib.metadata import entry_points

    from _pytest.config import default_plugins

    for name in default_plugins:
        importlib.import_module(f"_pytest.{name}")
    for plugin in entry_points(group="pytest11"):
        plugin.load()
    for module in _IMPORTED_BY_A_SESSION:
        with contextlib.suppress(ImportError):  # parts a library picks at run time may be absent
            importlib.import_module(module)


def read_lag_bound(contract: Contract) -> float:
    """The proof's polling bound: three times the lag the reading matrix tries (register
    `read-after-delete-lag`, `measure.tried`), within the register's maximum."""
    measure = contract.discrepancy("read-after-delete-lag").measure or {}
    return min(3 * float(measure.get("tried", 1.0)), float(measure.get("maximum", 10)))


def first_fault_per_rule() -> list[str]:
    """The first fault specs/rules.yaml names for each rule: one proof per rule, in rule order."""
    return [rule.faults[0] for rule in default_contract().rules.values() if rule.faults]


def _table(results: list[FaultResult]) -> str:
    lines = [f"{'fault':42} {'rule':38} {'caught':6} {'requests':>8} {'seconds':>7}  by"]
    for r in results:
        if r.by:
            # The file's name and the test, whose parameters may hold "/" (`[GET /me/]`).
            file, _, test = r.by[0].partition("::")
            by = f"{file.rsplit('/', 1)[-1]}::{test}"
        else:
            by = f"not caught (exit {r.exit_code})" + (f"; only by {r.elsewhere[0]}" if r.elsewhere else "")
        caught = "yes" if r.caught else "NO"
        lines.append(f"{r.fault:42} {r.rule:38} {caught:6} {r.requests:>8} {r.seconds:>7.1f}  {by}")
    lines.append(f"{sum(r.caught for r in results)}/{len(results)} faults caught")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from close_conformance.mock.faults import FAULTS

    parser = argparse.ArgumentParser(
        prog="python -m close_conformance.proof", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("faults", nargs="*", help="fault names (default: the whole catalogue)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"processes (default {WORKERS})")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--one-per-rule", action="store_true", help="only the first fault rules.yaml lists for each rule"
    )
    parser.add_argument(
        "--no-readings",
        action="store_true",
        help="skip the reading matrix (close_conformance.readings_proof)",
    )
    parser.add_argument("--only-readings", action="store_true", help="run the reading matrix, no fault")
    args = parser.parse_args(argv)
    names = args.faults or (first_fault_per_rule() if args.one_per_rule else list(FAULTS))
    names = [] if args.only_readings else names
    chosen = [Planted(name, FAULTS[name].rule, FAULTS[name].strict) for name in names]
    warm_imports()
    began = time.monotonic()
    # The matrix runs with the whole catalogue (the default) or on request; a named fault or two
    # (a helper's quick check) does not pay for it.
    with_readings = not args.no_readings and (args.only_readings or not args.faults)
    proof = prove(
        chosen,
        root=Path.cwd(),
        seed=args.seed,
        profile=args.profile,
        workers=args.workers,
        readings=with_readings,
    )
    print(_table(proof.results))
    print(f"clean mock, same selections, both readings: exit {proof.clean_exit}")
    contract = default_contract()
    uncovered, unnamed = not_covered(contract), unnamed_readings(contract)
    if with_readings:
        print()
        print(reading_table(proof.readings, uncovered, unnamed))
    print(f"total {time.monotonic() - began:.0f} s")
    if args.json:
        document = {
            "faults": [asdict(r) for r in proof.results],
            "clean_exit": proof.clean_exit,
            "readings": [asdict(r) for r in proof.readings],
            "readings_not_covered": uncovered if with_readings else [],
            "readings_all_at_once_only": unnamed if with_readings else [],
        }
        args.json.write_text(json.dumps({**document, "collected": proof.collected}, indent=1))
    faults_ok = all(r.caught for r in proof.results) and proof.clean_exit == 0
    return 0 if faults_ok and all(r.ok for r in proof.readings) else 1


if __name__ == "__main__":
    sys.exit(main())
