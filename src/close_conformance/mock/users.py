"""`/me/`, `/user/` and `/user/{id}/` (facts 4.2, 4.3; rules me.current-user, user.organization-members).

`/me/` lists organizations as full objects, `/user/` and `/user/{id}/` as id strings (discrepancy
`user-organizations-shape`: both are documented, each for its own endpoint).
"""

from __future__ import annotations

from typing import Any

from close_conformance.mock.operations import Call, Operation, Reply
from close_conformance.mock.pagination import page
from close_conformance.mock.store import Organization, Store, User
from close_conformance.mock.visibility import visible

__all__ = ["OPERATIONS", "render_organization", "render_user"]

_ORDERINGS = {
    "last_name,first_name": lambda u: (u.last_name, u.first_name),
    "first_name,last_name": lambda u: (u.first_name, u.last_name),
}


def render_organization(organization: Organization) -> dict[str, Any]:
    return {
        "id": organization.id,
        "name": organization.name,
        "date_created": organization.date_created,
        "date_updated": organization.date_updated,
        "created_by": None,
        "updated_by": None,
        "lead_statuses": [{"id": s.id, "label": s.label} for s in organization.lead_statuses],
    }


def render_user(user: User, store: Store, *, organizations_as_objects: bool = False) -> dict[str, Any]:
    organization = store.organizations[user.organization_id]
    return {
        "id": user.id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "image": None,
        "date_created": user.date_created,
        "date_updated": user.date_updated,
        "organizations": [render_organization(organization) if organizations_as_objects else organization.id],
    }


def get_me(call: Call) -> Reply:
    user = call.user
    if call.faults.on("me-answers-first-user"):
        user = call.store.members(call.org_id)[0]
    body = render_user(
        user, call.store, organizations_as_objects=not call.faults.on("me-organizations-as-ids")
    )
    body.update(
        last_used_timezone="UTC",
        memberships=[
            {
                "id": user.membership_id,
                "organization_id": user.organization_id,
                "user_id": user.id,
                "role_id": None,
                "auto_record_calls": "unset",
            }
        ],
        email_accounts=[
            {
                "_type": "google",
                "id": user.email_account_id,
                "identities": [{"email": user.email, "name": user.full_name}],
                "organization_id": user.organization_id,
                "user_id": user.id,
            }
        ],
        phone_numbers=[],
    )
    return Reply(200, body)


def list_users(call: Call) -> Reply:
    everyone = call.faults.on("user-list-includes-outsiders")
    users = list(call.store.users.values()) if everyone else call.store.members(call.org_id)
    order = call.query.get("_order_by")
    if order in _ORDERINGS:
        users.sort(key=_ORDERINGS[order])
    as_objects = call.faults.on("user-organizations-as-objects")

    def render(user: User) -> dict[str, Any]:
        return render_user(user, call.store, organizations_as_objects=as_objects)

    return Reply(200, page(users, call.query, call.faults, render))


def get_user(call: Call) -> Reply:
    user = visible(call, call.store.users, call.path["id"], leak=call.faults.on("tenant-leak-user-get"))
    as_objects = call.faults.on("user-organizations-as-objects")
    return Reply(200, render_user(user, call.store, organizations_as_objects=as_objects))


OPERATIONS = (
    Operation("getMe", get_me),
    Operation("listUsers", list_users),
    Operation("getUser", get_user),
)
