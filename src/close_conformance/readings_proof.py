"""The reading matrix: the other half of the proof. A suite that fails a server the docs allow is a
suite that gets switched off, so the mock takes, one at a time, every reading the register's
default accepts besides its own (`close-mock readings`), and:

- under the default mode, the tests of the rules naming that entry (`discrepancies:` in
  specs/rules.yaml) must pass: a failure is a false positive;
- under --strict, a reading only the default accepts must be refused: the same selection must
  fail, in a test of a rule naming the entry (`-x`, narrow tests before schemathesis' broad ones,
  as for a fault);
- one configuration with an alternative of every entry at once (each entry's last) must pass the
  whole suite. The per-reading default runs take the narrow tests only (schemathesis' broad tests
  cost seconds to build each time); `combined` gives the configurations that put every alternative
  through the whole suite, which benchmarks/no_false_positives.py runs.

Readings of entries no rule names are covered by the all-at-once run only; readings the mock
cannot take are listed as not covered. Runs use the fault proof's pool and options (quick
profile, fixed seed, --no-shrink): `close_conformance.proof` submits them beside the faults.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from typing import Any

from close_conformance.contract import Contract
from close_conformance.mock.readings import Alternative, alternatives, untaken

__all__ = [
    "ALL_AT_ONCE",
    "ReadingResult",
    "ReadingRuns",
    "all_at_once",
    "combined",
    "not_covered",
    "reading_table",
    "unnamed_readings",
]

Stage = tuple[dict[str, Any], float]
# (alternative or None for all-at-once, strict, rules, futures, the broad stage still to run)
Pending = tuple[Alternative | None, bool, list[str], list["AsyncResult[Stage]"], list[str]]

ALL_AT_ONCE = "all alternatives at once"


@dataclass
class ReadingResult:
    reading: str
    """`ID=VALUE`, or ALL_AT_ONCE."""
    strict: bool
    """Run under --strict: must fail (a strict-only reading); else must pass."""
    ok: bool
    exit_code: int
    rules: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    """Failing tests (for a default run: the false positives)."""
    by: list[str] = field(default_factory=list)
    """Strict runs: failing tests of a rule naming the entry (the proof it is refused)."""
    selected: int = 0
    seconds: float = 0.0


def all_at_once(contract: Contract) -> list[Alternative]:
    """One alternative per entry: the last the register lists (furthest from the mock's own)."""
    return combined(contract)[0]


def combined(contract: Contract) -> list[list[Alternative]]:
    """Configurations with an alternative of every entry at once, as many as the entry with the
    most alternatives has, so each alternative is in one: the first takes each entry's last
    alternative, the next its one before (or its last again, when it has no more)."""
    by_entry: dict[str, list[Alternative]] = {}
    for alternative in alternatives(contract):
        by_entry.setdefault(alternative.discrepancy, []).append(alternative)
    depth = max((len(found) for found in by_entry.values()), default=0)
    return [[found[max(len(found) - 1 - k, 0)] for found in by_entry.values()] for k in range(depth)]


def not_covered(contract: Contract) -> list[str]:
    """`ID=VALUE` readings the register allows by default and the mock cannot take."""
    return [f"{entry.id}={value}" for entry in contract.discrepancies.values() for value in untaken(entry)]


def _rules_naming(contract: Contract, discrepancy_id: str) -> list[str]:
    return [rule.id for rule in contract.rules.values() if discrepancy_id in rule.discrepancies]


def _failed(stages: list[Stage]) -> list[dict[str, Any]]:
    tests = [t for data, _ in stages for t in data.get("tests", [])]
    return [t for t in tests if t["outcome"] == "failed"]


class ReadingRuns:
    """The matrix's runs in flight: `submit` them (narrow stages), `finish` them (broad stages
    where needed), then read `results`."""

    def __init__(
        self,
        contract: Contract,
        stages_of: Callable[[str], tuple[list[str], list[str]]],
        run: Callable[[Sequence[str]], AsyncResult[Stage]],
        suite: str,
        *,
        configurations: int = 1,
    ) -> None:
        """`configurations`: how many all-at-once runs of the whole suite (`combined`; each costs
        about as much as a quick run of the suite); the benchmark runs them all."""
        self.contract = contract
        self._configurations = configurations
        self._stages_of = stages_of
        self._run = run
        self._suite = suite
        self._pending: list[Pending] = []

    def _selection(self, rules: list[str]) -> tuple[list[str], list[str]]:
        narrow: set[str] = set()
        broad: set[str] = set()
        for rule in rules:
            n, b = self._stages_of(rule)
            narrow.update(n)
            broad.update(b)
        return sorted(narrow), sorted(broad)

    def submit(self) -> None:
        # The whole-suite runs first: the longest tasks of the pool, they would otherwise leave one
        # worker running alone at the end (they are still listed last).
        whole = []
        for configuration in combined(self.contract)[: self._configurations]:
            everything = [arg for a in configuration for arg in ("--mock-reading", a.option)]
            whole.append(self._run([self._suite, *everything]))
        for alternative in alternatives(self.contract):
            rules = _rules_naming(self.contract, alternative.discrepancy)
            if not rules:
                continue  # no test names the entry: the all-at-once run covers it
            narrow, broad = self._selection(rules)
            rule_args = [arg for rule in rules for arg in ("--rule", rule)]
            base = [*rule_args, "--mock-reading", alternative.option]
            # Default mode: the narrow tests alone (schemathesis' broad ones, which cost seconds to
            # build, run in the all-at-once configurations, where every alternative is once).
            futures = [self._run([*(narrow or broad), *base])]
            self._pending.append((alternative, False, rules, futures, []))
            if alternative.strict_only:
                # Strict: narrow first; the broad stage only if the narrow one did not refuse it.
                strict = [*base, "--strict", "-x"]
                first = [self._run([*narrow, *strict])] if narrow else []
                self._pending.append((alternative, True, rules, first, [*broad, *strict] if broad else []))
        self._pending += [(None, False, [], [future], []) for future in whole]

    def results(self) -> list[ReadingResult]:
        done: list[ReadingResult] = []
        for alternative, strict, rules, futures, broad in self._pending:
            stages = [f.get() for f in futures]
            if strict and broad and not self._refused(stages, rules):
                stages.append(self._run(broad).get())
            done.append(self._verdict(alternative, strict, rules, stages))
        return done

    @staticmethod
    def _refused(stages: list[Stage], rules: list[str]) -> bool:
        return any(t.get("kind") == "rule" and set(t["rules"]) & set(rules) for t in _failed(stages))

    def _verdict(
        self, alternative: Alternative | None, strict: bool, rules: list[str], stages: list[Stage]
    ) -> ReadingResult:
        failed = _failed(stages)
        exit_code = max((data["exit_code"] for data, _ in stages), default=5)
        by = [t["nodeid"] for t in failed if t.get("kind") == "rule" and set(t["rules"]) & set(rules)]
        ok = (exit_code == 1 and bool(by)) if strict else exit_code == 0
        return ReadingResult(
            reading=alternative.option if alternative else ALL_AT_ONCE,
            strict=strict,
            ok=ok,
            exit_code=exit_code,
            rules=rules,
            failed=[t["nodeid"] for t in failed],
            by=by,
            selected=sum(len(data.get("tests", [])) for data, _ in stages),
            seconds=round(sum(seconds for _, seconds in stages), 2),
        )


def _short(nodeid: str) -> str:
    file, _, test = nodeid.partition("::")
    return f"{file.rsplit('/', 1)[-1]}::{test}"


def reading_table(results: list[ReadingResult], uncovered: list[str], unnamed: list[str]) -> str:
    lines = [f"{'reading':46} {'mode':7} {'expect':6} {'ok':3} {'tests':>5} {'seconds':>7}  detail"]
    for r in results:
        expect = "red" if r.strict else "green"
        if r.strict:
            detail = f"refused by {_short(r.by[0])}" if r.by else f"not refused (exit {r.exit_code})"
        elif r.failed:
            detail = f"FALSE POSITIVE: {', '.join(_short(n) for n in r.failed[:3])}"
            detail += f" (+{len(r.failed) - 3})" if len(r.failed) > 3 else ""
        else:
            detail = f"passed (exit {r.exit_code})"
        mode = "strict" if r.strict else "default"
        ok = "yes" if r.ok else "NO"
        lines.append(f"{r.reading:46} {mode:7} {expect:6} {ok:3} {r.selected:>5} {r.seconds:>7.1f}  {detail}")
    passes = [r for r in results if not r.strict]
    refusals = [r for r in results if r.strict]
    lines.append(
        f"{sum(r.ok for r in passes)}/{len(passes)} allowed readings passed, "
        f"{sum(r.ok for r in refusals)}/{len(refusals)} strict-only readings refused under --strict"
    )
    if unnamed:
        lines.append(f"covered by the all-at-once run only (no rule names the entry): {', '.join(unnamed)}")
    if uncovered:
        lines.append(f"not covered (the mock cannot take them): {', '.join(uncovered)}")
    return "\n".join(lines)


def unnamed_readings(contract: Contract) -> list[str]:
    """Alternatives whose entry no rule names: only the all-at-once run covers them."""
    return [a.option for a in alternatives(contract) if not _rules_naming(contract, a.discrepancy)]
