"""`/me/` and `/user/`: who the credentials are, who my organization's members are (and nobody
else), and offset pagination over them (facts 4.2, 4.3, 5.4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from close_conformance import runtime
from close_conformance.client import CloseClient
from close_conformance.client import said as _said
from close_conformance.target import ROLES, Identity, Role, Target

Api = Callable[[Role], CloseClient]
PAGE = 200
"""The largest page the register admits (`page-size-cap`)."""


def _page(client: CloseClient, rule: str, **query: Any) -> tuple[list[dict[str, Any]], bool]:
    response = client.get("/user/", **query)
    body = response.json() if response.status_code == 200 else None
    assert isinstance(body, dict), f"[{rule}] GET /user/: {_said(response)}"
    data, has_more = body.get("data"), body.get("has_more")
    assert isinstance(data, list), f"[pagination.offset] a list answers `data`: {_said(response)}"
    assert isinstance(has_more, bool), f"[pagination.offset] a list answers `has_more`: {_said(response)}"
    return [u for u in data if isinstance(u, dict)], has_more


def _all_users(client: CloseClient, rule: str) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = []
    while True:
        page, has_more = _page(client, rule, _limit=PAGE, _skip=len(users))
        users += page
        if not has_more or not page:
            return users


def _identity(target: Target, role: Role) -> Identity:
    identity = target.identity(role)
    if identity is None:
        option = {"me": "--api-key", "peer": "--peer-api-key", "outsider": "--outsider-api-key"}[role]
        pytest.skip(f"needs {option}: the {role} identity")
    return identity


# --------------------------------------------------------------------------- me.current-user
@pytest.mark.rule("me.current-user")
@pytest.mark.parametrize("role", ROLES)
def test_me_is_the_caller(api: Api, target: Target, role: Role, close_context: runtime.RunContext) -> None:
    identity = _identity(target, role)
    response = api(role).get("/me/")
    assert response.status_code == 200, f"[me.current-user] GET /me/ as {role}: {_said(response)}"
    me = response.json()
    assert me.get("id") == identity.user_id, (
        f"[me.current-user] GET /me/ with the {role}'s key is {me.get('id')!r}, not {identity.user_id!r}"
    )
    assert me.get("email") == identity.email, (
        f"[me.current-user] /me/ email for the {role}: {me.get('email')!r}"
    )
    assert close_context.accepts("user-organizations-shape", "per-endpoint")
    organizations = me.get("organizations")
    assert isinstance(organizations, list), f"[me.current-user] /me/ organizations: {_said(response)}"
    assert organizations, f"[me.current-user] /me/ has no organization: {_said(response)}"
    for organization in organizations:
        assert isinstance(organization, dict), (
            f"[me.current-user] /me/ lists organizations as objects, not {organization!r}"
        )
        assert str(organization.get("id", "")).startswith("orga_"), (
            f"[me.current-user] an organization of /me/ without an orga_ id: {organization}"
        )
        assert isinstance(organization.get("name"), str), (
            f"[me.current-user] an organization of /me/ without a name: {organization}"
        )
    assert identity.organization_id in {o.get("id") for o in organizations}


# --------------------------------------------------------------------------- user.organization-members
def _assert_member(user: dict[str, Any], organization_id: str, what: str) -> None:
    organizations = user.get("organizations")
    assert isinstance(organizations, list), (
        f"[user.organization-members] {what}: organizations {organizations!r}"
    )
    assert all(isinstance(o, str) for o in organizations), (
        f"[user.organization-members] {what}: organizations are id strings here, not {organizations!r}"
    )
    assert organization_id in organizations, (
        f"[user.organization-members] {what}: {user.get('id')} is not a member of {organization_id}"
    )


@pytest.mark.rule("user.organization-members")
def test_user_list_is_my_organization(api: Api, me: Identity, peer: Identity) -> None:
    rule = "user.organization-members"
    users = _all_users(api("me"), rule)
    ids = [u.get("id") for u in users]
    assert len(ids) == len(set(ids)), f"[{rule}] GET /user/ lists a user twice: {ids}"
    assert {me.user_id, peer.user_id} <= set(ids), f"[{rule}] GET /user/ lacks me or the peer: {ids}"
    for user in users:
        _assert_member(user, me.organization_id, "GET /user/")
    as_peer = {u.get("id") for u in _all_users(api("peer"), rule)}
    assert as_peer == set(ids), f"[{rule}] the peer's GET /user/ lists {as_peer}, mine {set(ids)}"


@pytest.mark.rule("user.organization-members", "tenant.isolation")
def test_user_list_leaves_the_outsider_out(api: Api, me: Identity, outsider: Identity) -> None:
    rule = "user.organization-members"
    mine = {u.get("id") for u in _all_users(api("me"), rule)}
    assert outsider.user_id not in mine, f"[{rule}] GET /user/ lists the outsider {outsider.user_id}"
    theirs = {u.get("id") for u in _all_users(api("outsider"), rule)}
    assert outsider.user_id in theirs, f"[{rule}] the outsider's GET /user/ lacks the outsider"
    assert me.user_id not in theirs, f"[tenant.isolation] the outsider's GET /user/ lists me ({me.user_id})"


@pytest.mark.rule("user.organization-members")
def test_get_user_of_my_organization(api: Api, me: Identity, peer: Identity) -> None:
    for identity in (me, peer):
        response = api("me").get(f"/user/{identity.user_id}/")
        assert response.status_code == 200, (
            f"[user.organization-members] GET /user/ of the {identity.role}: {_said(response)}"
        )
        user = response.json()
        assert user.get("id") == identity.user_id, f"[user.organization-members] {_said(response)}"
        _assert_member(user, me.organization_id, f"GET /user/ of the {identity.role}")


@pytest.mark.rule("user.organization-members", "tenant.isolation")
def test_get_user_of_another_organization_is_refused(
    api: Api, outsider: Identity, close_context: runtime.RunContext
) -> None:
    accepted = close_context.accepted("uninvolved-status")
    response = api("me").get(f"/user/{outsider.user_id}/")
    assert close_context.accepts("uninvolved-status", response.status_code), (
        f"[tenant.isolation] GET /user/ of the outsider: expected {accepted}, got {_said(response)}"
    )


# --------------------------------------------------------------------------- pagination.offset
@pytest.mark.rule("pagination.offset")
@given(limit=st.integers(1, 5), skip=st.integers(0, 8))
def test_user_pages_are_slices_of_the_list(api: Api, limit: int, skip: int) -> None:
    client = api("me")
    everyone = [u.get("id") for u in _all_users(client, "pagination.offset")]
    page, has_more = _page(client, "pagination.offset", _limit=limit, _skip=skip)
    got = [u.get("id") for u in page]
    assert got == everyone[skip : skip + limit], (
        f"[pagination.offset] _skip={skip}&_limit={limit} answered {got}, the list holds {everyone}"
    )
    assert has_more == (skip + limit < len(everyone)), (
        f"[pagination.offset] _skip={skip}&_limit={limit} of {len(everyone)} answered has_more={has_more}"
    )


@pytest.mark.rule("pagination.offset")
@pytest.mark.parametrize("limit", [1, 2, 3])
def test_walking_user_pages_gives_the_list(api: Api, limit: int) -> None:
    client = api("me")
    everyone = [u.get("id") for u in _all_users(client, "pagination.offset")]
    walked: list[Any] = []
    for _ in range(len(everyone) + 2):
        page, has_more = _page(client, "pagination.offset", _limit=limit, _skip=len(walked))
        walked += [u.get("id") for u in page]
        assert has_more == (len(walked) < len(everyone)), (
            f"[pagination.offset] _skip={len(walked) - len(page)}&_limit={limit} of {len(everyone)} "
            f"answered has_more={has_more}"
        )
        if not has_more:
            break
    assert walked == everyone, f"[pagination.offset] pages of {limit} walked {walked}, the list is {everyone}"
