"""Vendor-SDK validation: hold a client's traffic to the contract (design.md, "SDK validation").

Three ways in: the respx harness for httpx clients (`CloseSdk`, pytest fixture `close_sdk`), and
for any client the validating server (`close-mock serve --validate`) or proxy (`close-mock proxy
--upstream URL`). All three feed exchanges to one `ValidationSession`, which reports violations
(data, `Violation`) and coverage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from close_conformance.sdk.harness import CloseSdk
    from close_conformance.sdk.session import ValidationSession
    from close_conformance.sdk.violation import Violation

__all__ = ["CloseSdk", "ValidationSession", "Violation"]

_WHERE = {
    "CloseSdk": "close_conformance.sdk.harness",
    "ValidationSession": "close_conformance.sdk.session",
    "Violation": "close_conformance.sdk.violation",
}


def __getattr__(name: str) -> Any:
    # Lazy: the pytest plugin lives in this package, and loading it must not load the mock.
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(name)
