"""pytest plugin: options, markers and fixtures of close-conformance (grown by the suite issue)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(*ids): the rule ids from specs/rules.yaml this test guards")
