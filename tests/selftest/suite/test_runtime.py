"""The run's read lag (register `read-after-delete-lag`): the register's bound by default, less
with --read-lag, none under --strict."""

from __future__ import annotations

import pytest

from close_conformance.runtime import RunContext
from close_conformance.settings import RunSettings

pytestmark = pytest.mark.selftest


@pytest.mark.parametrize(
    ("settings", "lag"),
    [
        (RunSettings(), 10.0),
        (RunSettings(read_lag=3.0), 3.0),
        (RunSettings(read_lag=0.0), 0.0),
        (RunSettings(strict=True), 0.0),
        (RunSettings(strict=True, read_lag=3.0), 0.0),
    ],
    ids=["register bound", "shorter", "none", "strict", "strict wins"],
)
def test_read_lag_follows_the_register_and_the_option(settings: RunSettings, lag: float) -> None:
    assert RunContext(settings=settings).read_lag == lag
