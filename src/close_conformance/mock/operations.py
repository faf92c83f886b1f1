"""What a resource module hands the dispatcher: one `Operation` per operationId of the spec.

A handler is a plain function from a `Call` (the caller, the validated input, the app's store,
faults and register readings) to a `Reply`. It runs under the store's lock and does no I/O, so
it is as easy to read as the rule it implements.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, tzinfo
from typing import Any

from close_conformance.mock.auth import Identity
from close_conformance.mock.faults import FaultSet
from close_conformance.mock.readings import Readings
from close_conformance.mock.store import Organization, Store, User

__all__ = ["Call", "Handler", "Operation", "Reply"]


@dataclass(frozen=True, slots=True)
class Call:
    me: Identity
    store: Store
    faults: FaultSet
    readings: Readings
    path: Mapping[str, str]
    query: Mapping[str, Any]
    # The validated JSON object of a POST or PUT; empty for operations without a body.
    body: Mapping[str, Any]
    # The caller's X-TZ-Offset where the operation declares it (UTC otherwise): naive dates and
    # date-times in its filters and body are read in it (discrepancy `naive-datetime-input`).
    zone: tzinfo = UTC

    @property
    def user(self) -> User:
        return self.me.user

    @property
    def organization(self) -> Organization:
        return self.me.organization

    @property
    def org_id(self) -> str:
        return self.me.organization.id


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    # None: no body at all (a 204).
    body: Any = None


Handler = Callable[[Call], Reply]


@dataclass(frozen=True, slots=True)
class Operation:
    operation_id: str
    handler: Handler
    # Top-level body fields holding references the handler resolves itself (see references.py).
    own_references: frozenset[str] = frozenset()
