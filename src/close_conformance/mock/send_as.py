"""`/send_as/`, `/send_as/{id}/` and `/send_as/bulk/` (facts 1; rules send_as.*).

One user (allowing) lets a colleague (allowed) send as them. Only the allowing user creates an
association, and only with a user of the same organization. A user sees only associations they
are part of: the list needs a filter naming them and assumes `allowing_user_id` = me without one;
get and delete by id refuse anyone else, of my organization or another, with the register's
`uninvolved-status` (mock/visibility.py). Delete-by-users takes both ids, the allowing one mine.
Bulk allows and disallows for me and answers every association where I am allowing.

Where Close is silent, the register decides: the refusal status, what a foreign list filter gets,
whether the allowed user may revoke by id, and 204 or 200 for a delete.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from close_conformance.mock.errors import ApiError, ValidationFailed, not_found, refusal
from close_conformance.mock.operations import Call, Operation, Reply
from close_conformance.mock.readings import Readings
from close_conformance.mock.store import SendAs, User
from close_conformance.mock.visibility import refused, visible

__all__ = ["OPERATIONS", "handler_owned", "render_send_as"]

_FILTERS = ("allowing_user_id", "allowed_user_id")


def handler_owned(readings: Readings, spec: Mapping[str, Any]) -> list[str]:
    """Spec constraints this module enforces itself under some readings (mock/validation.py):
    the two ids delete-by-users requires, when `send-as-delete-params` refuses a missing one with
    another status than the validator's 400; the id pattern of the list's filters, when
    `send-as-list-foreign-filter` answers an empty list (a malformed id names neither party, so it
    gets what any foreign filter gets, issue 11 case 3)."""
    owned: list[str] = []

    def pointers(method: str, key: str) -> list[str]:
        parameters = spec["paths"]["/send_as/"][method].get("parameters", [])
        return [
            f"/paths/~1send_as~1/{method}/parameters/{index}/{key}"
            for index, parameter in enumerate(parameters)
            if parameter.get("name") in _FILTERS
        ]

    if readings.status("send-as-delete-params") != 400:
        owned += pointers("delete", "required")
    if readings("send-as-list-foreign-filter") == "empty-list":
        owned += pointers("get", "schema/$ref")
    return owned


def render_send_as(association: SendAs, call: Call) -> dict[str, Any]:
    association_id = association.id
    if call.faults.on("ids-without-prefix-on-send-as"):
        association_id = association_id.removeprefix("sdas_")
    return {
        "id": association_id,
        "allowing_user_id": association.allowing_user_id,
        "allowed_user_id": association.allowed_user_id,
        "organization_id": association.organization_id,
    }


def _listing(call: Call, associations: list[SendAs]) -> dict[str, Any]:
    return {"data": [render_send_as(a, call) for a in associations]}


def _refuse(call: Call, field: str, message: str) -> ApiError:
    return refusal(call.readings.status("send-as-refusal-status"), field, message)


def _uninvolved(call: Call) -> ApiError:
    return refused(call, "You are not part of this association.")


def _deleted(call: Call) -> Reply:
    """Discrepancy `send-as-delete-status`: 204 without content, or the older page's 200 `{}`."""
    status = call.readings.status("send-as-delete-status")
    return Reply(204) if status == 204 else Reply(status, {})


def _colleague(
    call: Call, user_id: str, field: str, *, outsider_fault: str, allowing: str | None = None
) -> User:
    """The user an association may allow: someone of my organization other than the allowing
    user (me, unless a fault lets me grant for someone else)."""
    user = call.store.users.get(user_id)
    if user is None or (user.organization_id != call.org_id and not call.faults.on(outsider_fault)):
        raise _refuse(call, field, "Must be a user of your organization.")
    if user.id == (allowing or call.user.id):
        raise _refuse(call, field, "You cannot allow yourself to send as you.")
    return user


def list_send_as(call: Call) -> Reply:
    me = call.user.id
    allowing = call.query.get("allowing_user_id")
    allowed = call.query.get("allowed_user_id")
    mine = call.store.of_organization(call.store.send_as, call.org_id)
    if allowing is None and allowed is None:
        if call.faults.on("send-as-list-default-both"):
            return Reply(
                200, _listing(call, [a for a in mine if me in (a.allowing_user_id, a.allowed_user_id)])
            )
        if call.faults.on("send-as-list-default-allowed"):
            allowed = me
        else:
            allowing = me
    elif me not in (allowing, allowed) and not call.faults.on("send-as-list-foreign-filter-leaks"):
        reading = call.readings("send-as-list-foreign-filter")
        if reading == "empty-list":
            return Reply(200, {"data": []})
        raise refusal(
            int(reading), "allowing_user_id", "allowing_user_id or allowed_user_id must be your user id."
        )
    if allowing is not None and call.faults.on("send-as-list-filter-ignored"):
        allowed = None
    chosen = [
        a
        for a in mine
        if (allowing is None or a.allowing_user_id == allowing)
        and (allowed is None or a.allowed_user_id == allowed)
    ]
    return Reply(200, _listing(call, chosen))


def create_send_as(call: Call) -> Reply:
    allowing_id: str = call.body["allowing_user_id"]
    if allowing_id != call.user.id:
        if not call.faults.on("send-as-create-for-others"):
            raise _refuse(call, "allowing_user_id", "Must be your own user id.")
        allowing = call.store.find(call.store.users, allowing_id, call.org_id)
        if allowing is None:
            raise _refuse(call, "allowing_user_id", "Must be a user of your organization.")
    allowed = _colleague(
        call,
        call.body["allowed_user_id"],
        "allowed_user_id",
        outsider_fault="send-as-allowed-outside-org",
        allowing=allowing_id,
    )
    if allowed.id == allowing_id:
        raise _refuse(call, "allowed_user_id", "A user cannot allow themselves.")
    # Creating an association that exists answers it again: granting twice is still one grant.
    association = call.store.add_send_as(call.org_id, allowing_id, allowed.id)
    status = 200 if call.faults.on("send-as-create-returns-200") else 201
    return Reply(status, render_send_as(association, call))


def _visible(call: Call, *, leak: str) -> SendAs:
    # The `leak` fault lets anyone reach the association, another organization's user included:
    # the suite's outsider is the uninvolved user it has.
    return visible(call, call.store.send_as, call.path["id"], leak=call.faults.on(leak))


def get_send_as(call: Call) -> Reply:
    association = _visible(call, leak="send-as-get-visible-to-outsider")
    me = call.user.id
    involved = me in (association.allowing_user_id, association.allowed_user_id)
    if not involved and not call.faults.on("send-as-get-visible-to-outsider"):
        raise _uninvolved(call)
    if me == association.allowed_user_id and call.faults.on("send-as-get-hidden-from-allowed"):
        raise not_found()
    return Reply(200, render_send_as(association, call))


def delete_send_as(call: Call) -> Reply:
    association = _visible(call, leak="send-as-delete-by-outsider")
    me = call.user.id
    if me == association.allowed_user_id:
        # Discrepancy `send-as-delete-by-id-who`: may the allowed user revoke? Refused means 404.
        if call.readings("send-as-delete-by-id-who") == "refused":
            raise not_found()
    elif me != association.allowing_user_id and not call.faults.on("send-as-delete-by-outsider"):
        raise _uninvolved(call)
    if not call.faults.on("send-as-delete-by-id-keeps"):
        call.store.send_as.pop(association.id)
    if call.faults.on("send-as-delete-answers-association"):
        return Reply(200, render_send_as(association, call))
    return _deleted(call)


def delete_send_as_by_users(call: Call) -> Reply:
    # Both ids are required by the spec, so a request missing one was refused with 400 before this
    # point, unless `send-as-delete-params` reads another status (then this module owns the check).
    missing = [name for name in _FILTERS if name not in call.query]
    if missing:
        raise refusal(call.readings.status("send-as-delete-params"), missing[0], "Supply both user ids.")
    allowing_id: str = call.query["allowing_user_id"]
    allowed_id: str = call.query["allowed_user_id"]
    if allowing_id != call.user.id and not call.faults.on("send-as-delete-by-users-as-allowed"):
        raise _refuse(call, "allowing_user_id", "Must be your own user id.")
    association = call.store.find_send_as(allowing_id, allowed_id)
    if association is None or association.organization_id != call.org_id:
        raise not_found()
    if not call.faults.on("send-as-delete-by-users-keeps"):
        call.store.send_as.pop(association.id)
    if call.faults.on("send-as-delete-by-users-answers-200"):
        return Reply(200, {})
    return _deleted(call)


def bulk_edit_send_as(call: Call) -> Reply:
    me = call.user.id
    allow_ids: list[str] = list(call.body.get("allowed_user_ids") or [])
    disallow_ids: list[str] = list(call.body.get("disallowed_user_ids") or [])
    # Check everything before changing anything: a refused bulk edit changes nothing.
    for field, ids in (("allowed_user_ids", allow_ids), ("disallowed_user_ids", disallow_ids)):
        for index, user_id in enumerate(ids):
            _colleague(call, user_id, f"{field}.{index}", outsider_fault="send-as-bulk-outside-org")
    both = sorted(set(allow_ids) & set(disallow_ids))
    if both:
        raise ValidationFailed(
            {"disallowed_user_ids": f"Users both allowed and disallowed: {', '.join(both)}."}
        )
    before = set(call.store.send_as)
    for user_id in allow_ids:
        call.store.add_send_as(call.org_id, me, user_id)
    if not call.faults.on("bulk-disallow-ignored"):
        for user_id in disallow_ids:
            association = call.store.find_send_as(me, user_id)
            if association is not None:
                call.store.send_as.pop(association.id)
    mine = [a for a in call.store.send_as.values() if a.allowing_user_id == me]
    if call.faults.on("bulk-returns-only-changed"):
        mine = [a for a in mine if a.id not in before]
    return Reply(200, _listing(call, mine))


OPERATIONS = (
    Operation("listSendAs", list_send_as),
    Operation("createSendAs", create_send_as, frozenset({"allowing_user_id", "allowed_user_id"})),
    Operation("deleteSendAsByUsers", delete_send_as_by_users),
    Operation("getSendAs", get_send_as),
    Operation("deleteSendAs", delete_send_as),
    Operation("bulkEditSendAs", bulk_edit_send_as, frozenset({"allowed_user_ids", "disallowed_user_ids"})),
)
