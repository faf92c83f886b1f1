"""Objects the caller may not see, and how they are refused (rules tenant.isolation,
send_as.get-involved-only, send_as.delete-by-id; register `uninvolved-status`).

Another organization's object, or a Send As association of my organization I am not part of,
EXISTS: the register's `uninvolved-status` reads what the caller gets for it (404, the safe design
that does not leak existence, or 403 "operation not allowed", which the default also accepts).
An id naming no object at all is a 404 in every reading: there is nothing to refuse. Lists never
show what is hidden; they filter by organization themselves and never come here.

Every resource module finds objects by id through `visible` (or, when it has its own fallbacks
such as a stale read under a fault, raises `unseen` once they are exhausted), so one reading
switches every kind of object at once.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from close_conformance.mock.errors import ApiError, not_found
from close_conformance.mock.operations import Call

__all__ = ["refused", "unseen", "visible"]


class _Owned(Protocol):
    @property
    def organization_id(self) -> str: ...


Owned = TypeVar("Owned", bound=_Owned)


def refused(call: Call, message: str) -> ApiError:
    """The refusal of an object that exists but the caller may not see: 404 (`not_found()`, the
    same answer as for an unknown id) or `{"error": message}` at the status the register reads
    for `uninvolved-status`."""
    status = call.readings.status("uninvolved-status")
    return not_found() if status == 404 else ApiError(status, message)


def unseen(call: Call, table: dict[str, Owned], object_id: str) -> ApiError:
    """The answer for an id not found in the caller's organization: `refused` when it names an
    object of another organization (an unscoped lookup finds it), 404 when it names nothing."""
    if table.get(object_id) is not None:
        return refused(call, "This object belongs to another organization.")
    return not_found()


def visible(call: Call, table: dict[str, Owned], object_id: str, *, leak: bool = False) -> Owned:
    """The record with this id in the caller's organization; raises `unseen`'s error otherwise.
    `leak` (a tenant-leak fault) drops the organization scope, handing out any organization's."""
    record = table.get(object_id)
    if record is None or (not leak and record.organization_id != call.org_id):
        raise unseen(call, table, object_id)
    return record
