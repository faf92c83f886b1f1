"""The discrepancy register as the mock acts on it: the `mock` reading, or `accept.strict[0]` under --strict.

Nothing in the resource modules hard-codes a choice the register makes; they ask `Readings`. The
readings are checked once when the app is built, so a register edit the mock cannot act on fails
at start-up with a message, not as a wrong answer in the middle of a run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from close_conformance.contract import Contract

__all__ = ["OUTCOMES", "Readings"]

# What the mock can do for each discrepancy it consults: `int` stands for any HTTP status, a string
# for a named outcome it implements.
OUTCOMES: Mapping[str, tuple[type[int] | str, ...]] = {
    "send-as-delete-status": (int,),
    "send-as-delete-params": (int,),
    "send-as-refusal-status": (int,),
    "send-as-list-foreign-filter": (int, "empty-list"),
    "uninvolved-status": (int,),
    "send-as-delete-by-id-who": ("allowed", "refused"),
    "email-scheduling-fields": (int,),
    "email-non-draft-edit-status": (int,),
    "email-draft-other-transitions": (int, "accepted"),
    "error-shape-400": ("validation", "error"),
    "contact-new-lead-name": ("contact-name",),
    "lead-delete-cascade": ("removed", "kept"),
    "lead-list-total-results": ("present", "absent"),
    "lead-update-contacts": ("ignored", int),
    "email-contact-of-lead": (int, "accepted"),
    "unknown-reference": (int,),
    "naive-datetime-input": ("caller-offset",),
    "contact-custom-fields": (int,),
    "contact-update-null-lead": (int, "accepted"),
    "nested-request-keys": ("ignored",),
    "trailing-slash-redirect": (int,),
    "ratelimit-body": ("body-fields", "headers-only"),
}


class Readings:
    """One reading per discrepancy id, fixed for the life of an app."""

    def __init__(self, contract: Contract, *, strict: bool) -> None:
        self.strict = strict
        self._values: dict[str, Any] = {}
        for discrepancy_id, allowed in OUTCOMES.items():
            value = contract.discrepancy(discrepancy_id).mock_reading(strict=strict)
            if not any(value == a if isinstance(a, str) else isinstance(value, a) for a in allowed):
                raise ValueError(
                    f"discrepancy {discrepancy_id!r}: the mock cannot act on the reading {value!r} "
                    f"({'strict' if strict else 'default'} mode); expected {allowed!r}"
                )
            self._values[discrepancy_id] = value

    def __call__(self, discrepancy_id: str) -> Any:
        return self._values[discrepancy_id]

    def status(self, discrepancy_id: str) -> int:
        """The reading as an HTTP status; callers use it only where the register gives one."""
        value = self._values[discrepancy_id]
        if not isinstance(value, int):
            raise TypeError(f"discrepancy {discrepancy_id!r} reads {value!r}, not a status")
        return value
