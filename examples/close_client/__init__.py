"""A small Close API client on httpx, written the way an SDK vendor would: typed, sync and async.

It exists to show close-conformance's SDK validation on an httpx client (the respx harness,
`close_conformance.sdk.CloseSdk`): used as is, its traffic breaks no rule; built with `bugs=`, it
makes the mistakes listed in `PLANTED_BUGS`, one per client rule (catalogue:
`close_conformance.sdk.client_bugs`), and the SDK self-tests show each reported by its rule.
"""

from close_client.client import PLANTED_BUGS, AsyncClose, Close, CloseError, Unanswered

__all__ = ["PLANTED_BUGS", "AsyncClose", "Close", "CloseError", "Unanswered"]
