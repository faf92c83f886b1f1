"""Vendor-SDK validation: hold a client's traffic to the contract (design.md, "SDK validation").

Three ways in: the respx harness for httpx clients (`CloseSdk`, pytest fixture `close_sdk`), and
for any client the validating server (`close-mock serve --validate`) or proxy (`close-mock proxy
--upstream URL`). All three feed exchanges to one `ValidationSession`, which reports violations
(data, `Violation`) and coverage.
"""

from __future__ import annotations
