"""Search budgets: how hard the suite looks, per profile.

`--hypothesis-profile quick|standard|thorough` picks one; `standard` is the default. The budget is
set explicitly in every profile, so Hypothesis' own `ci` profile (loaded when the CI environment
variable is set) never changes how much is checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import Phase, settings

__all__ = ["PROFILES", "Budget", "register_profiles"]


@dataclass(frozen=True, slots=True)
class Budget:
    name: str
    examples_per_operation: int
    """schemathesis fuzzing-phase examples per operation (the coverage and examples phases add theirs)."""
    scenario_examples: int
    """hypothesis runs of each rule scenario (RuleBasedStateMachine)."""
    steps_per_scenario: int
    """steps in one scenario run."""
    stateful_steps: int
    """schemathesis link-following steps per stateful run."""
    coverage_phase: bool = False
    """schemathesis' coverage phase: every wrong type of every field, boundaries, undeclared
    methods, the same ~1,900 requests whatever the budget. No planted fault needs it (the proof:
    every fault is caught by a narrower test of its rule), so only the thorough search pays it."""


# The proof runs at quick (seed 1) and catches every fault there. Standard buys margin where the
# search decides, the scenarios: each alone against every fault of its rules, seeds 1-5
# (benchmarks/scenario_power.py), caught in 215 of 275 (fault, seed) runs at quick, 236 at the
# 8 x 16 scenario budget below, 240 at the former 10 x 20, for 660 requests instead of 979.
# Fuzzing budgets per operation and link steps are quick's: no fault needs more, and against
# Close every request costs 100-200 ms and rate limit (issue 14: standard sends 2,350-2,480
# requests at seeds 1-3, where it sent about 3,550 counting schemathesis' auth probes).
PROFILES: dict[str, Budget] = {
    "quick": Budget(
        "quick", examples_per_operation=10, scenario_examples=8, steps_per_scenario=12, stateful_steps=10
    ),
    "standard": Budget(
        "standard", examples_per_operation=10, scenario_examples=8, steps_per_scenario=16, stateful_steps=10
    ),
    "thorough": Budget(
        "thorough",
        examples_per_operation=300,
        scenario_examples=100,
        steps_per_scenario=50,
        stateful_steps=60,
        coverage_phase=True,
    ),
}


def register_profiles(*, shrink: bool, seed: int | None) -> None:
    """Register one Hypothesis profile per budget.

    No deadline anywhere: speed is measured in benchmarks/, not asserted by tests. No shrinking
    when `shrink` is off (live targets, --no-shrink: RunSettings.shrinks).
    Every run has a seed (--seed N, or one drawn at random and printed), passed on to Hypothesis as
    its global seed; the example database is then off, so a stored failure cannot make two runs
    with the same seed differ.
    """
    # Reuse replays the example database, which a fixed seed turns off anyway.
    phases = [Phase.explicit, Phase.generate, Phase.target, *([Phase.reuse, Phase.shrink] if shrink else [])]
    # The parent is Hypothesis' own default, not whatever profile is loaded: with CI set that is
    # its `ci` profile, whose derandomize=True would ignore --seed and make CI runs differ.
    default = settings.get_profile("default")
    for budget in PROFILES.values():
        settings.register_profile(
            budget.name,
            parent=default,
            derandomize=False,
            max_examples=budget.scenario_examples,
            stateful_step_count=budget.steps_per_scenario,
            deadline=None,
            database=None if seed is not None else default.database,
            phases=phases,
            print_blob=True,
        )
