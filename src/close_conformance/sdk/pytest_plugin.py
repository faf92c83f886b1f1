"""The `close_sdk` pytest fixture (entry point `pytest11: close_sdk`): a `CloseSdk` harness
entered for one test.

    def test_my_client_creates_a_lead(close_sdk):
        client = MyClient(api_key=close_sdk.api_key())
        client.create_lead("Acme")
        close_sdk.assert_no_violations()

The base URL it routes is the ini option `close_sdk_base_url` (Close's own by default); a test
that needs other mock options (`rate_limit`, `faults`, `readings`) builds `CloseSdk(...)` itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from close_conformance.sdk.harness import CloseSdk

__all__ = ["close_sdk"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "close_sdk_base_url",
        "the Close base URL the close_sdk fixture routes to the mock",
        default="https://api.close.com/api/v1",
    )


@pytest.fixture
def close_sdk(request: pytest.FixtureRequest) -> Iterator[CloseSdk]:
    # Imported here: loading the plugin must not load the mock into every pytest run.
    from close_conformance.sdk.harness import CloseSdk

    with CloseSdk(str(request.config.getini("close_sdk_base_url"))) as harness:
        yield harness
