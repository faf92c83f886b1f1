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
    """Profiles are global: put back the ones this run registered."""
    yield
    run = runtime.current().settings
    register_profiles(shrink=run.shrinks, seed=run.seed)


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
