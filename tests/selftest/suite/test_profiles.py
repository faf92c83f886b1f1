"""Search budgets and phases (profiles.py): what each profile registers with Hypothesis."""

from __future__ import annotations

from collections.abc import Iterator

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
