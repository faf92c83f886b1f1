"""Search budgets and phases (profiles.py): what each profile registers with Hypothesis."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

import pytest
from hypothesis import Phase, settings

from close_conformance import runtime
from close_conformance.profiles import PROFILES, register_profiles

pytestmark = pytest.mark.selftest


@pytest.fixture
def restored() -> Iterator[None]:
    """Profiles are global: put back the ones this run registered, and the one it loaded."""
    loaded = settings.get_current_profile_name()
    yield
    run = runtime.current().settings
    register_profiles(shrink=run.shrinks, seed=run.seed)
    settings.load_profile(loaded)


@pytest.mark.usefixtures("restored")
@pytest.mark.parametrize("shrink", [True, False])
def test_every_profile_shrinks_only_when_asked(shrink: bool) -> None:
    register_profiles(shrink=shrink, seed=7)
    for name, budget in PROFILES.items():
        profile = settings.get_profile(name)
        assert (Phase.shrink in profile.phases) is shrink
        assert Phase.generate in profile.phases
        assert profile.max_examples == budget.scenario_examples
        assert profile.database is None  # a seed: no stored failure decides a run


@pytest.mark.usefixtures("restored")
def test_the_ci_profile_does_not_leak_into_ours() -> None:
    # Hypothesis loads its `ci` profile when CI is set; ours must not inherit derandomize from it,
    # or --seed is ignored and a CI run differs from the same run on a laptop.
    settings.load_profile("ci")
    register_profiles(shrink=True, seed=7)
    for name in PROFILES:
        assert settings.get_profile(name).derandomize is False
        assert settings.get_profile(name).suppress_health_check == ()


def test_each_profile_searches_at_least_as_hard_as_the_one_before() -> None:
    # The proof runs at quick: a bigger profile may only add to what quick searches.
    order = [PROFILES[name] for name in ("quick", "standard", "thorough")]
    for smaller, bigger in pairwise(order):
        assert bigger.examples_per_operation >= smaller.examples_per_operation
        assert bigger.scenario_examples >= smaller.scenario_examples
        assert bigger.steps_per_scenario >= smaller.steps_per_scenario
        assert bigger.stateful_steps >= smaller.stateful_steps
        assert bigger.coverage_phase >= smaller.coverage_phase
