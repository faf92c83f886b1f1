"""Rules me.current-user, user.organization-members (and the pagination and _fields rules on /user/)."""

from __future__ import annotations

import re

import pytest

USER_ID = re.compile(r"^user_[0-9A-Za-z]{43}$")


@pytest.mark.rule("me.current-user")
@pytest.mark.parametrize("role", ["me", "peer", "outsider"])
def test_me_describes_the_caller_with_full_organizations(mock, role):
    me = mock.client(role).get("/me/").json()
    user = mock.users[role]
    assert (me["id"], me["email"], me["first_name"], me["last_name"]) == (
        user.id,
        user.email,
        user.first_name,
        user.last_name,
    )
    [organization] = me["organizations"]
    assert organization["id"] == user.organization_id
    assert organization["name"]
    assert organization["lead_statuses"][0]["label"] == "Potential"
    assert all(s["id"].startswith("stat_") for s in organization["lead_statuses"])
    [membership] = me["memberships"]
    assert (membership["user_id"], membership["organization_id"]) == (user.id, user.organization_id)
    assert membership["id"].startswith("memb_")
    [account] = me["email_accounts"]
    assert account["id"].startswith("emailacct_")
    assert account["identities"][0]["email"] == user.email


@pytest.mark.rule("ids.prefixed")
def test_user_and_organization_ids_carry_their_prefix(mock):
    me = mock.me.get("/me/").json()
    assert USER_ID.match(me["id"])
    assert re.match(r"^orga_[0-9A-Za-z]{43}$", me["organizations"][0]["id"])


@pytest.mark.rule("user.organization-members")
def test_user_list_is_exactly_my_organization_with_organization_ids(mock):
    listing = mock.me.get("/user/").json()
    assert listing["has_more"] is False
    assert {u["id"] for u in listing["data"]} == {mock.id_of(r) for r in ("me", "peer", "bystander")}
    for user in listing["data"]:
        assert user["organizations"] == [mock.users["me"].organization_id]


@pytest.mark.rule("user.organization-members")
def test_outsider_lists_only_their_own_organization(mock):
    listing = mock.outsider.get("/user/").json()
    assert [u["id"] for u in listing["data"]] == [mock.id_of("outsider")]


@pytest.mark.rule("user.organization-members")
@pytest.mark.parametrize("role", ["me", "peer", "bystander"])
def test_get_user_answers_a_member_with_organization_ids(mock, role):
    response = mock.me.get(f"/user/{mock.id_of(role)}/")
    assert response.status_code == 200
    assert response.json()["id"] == mock.id_of(role)
    assert response.json()["organizations"] == [mock.users[role].organization_id]


@pytest.mark.rule("tenant.isolation")
def test_get_user_of_another_organization_is_404(mock):
    response = mock.me.get(f"/user/{mock.id_of('outsider')}/")
    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}


@pytest.mark.rule("pagination.offset")
@pytest.mark.parametrize(
    ("skip", "limit", "expected", "has_more"),
    [
        (0, 2, 2, True),
        (2, 2, 1, False),
        (1, 2, 2, False),
        (0, 3, 3, False),
        (3, 1, 0, False),
        (0, 0, 0, True),
    ],
)
def test_user_list_pages(mock, skip, limit, expected, has_more):
    listing = mock.me.get("/user/", params={"_skip": skip, "_limit": limit}).json()
    assert len(listing["data"]) == expected
    assert listing["has_more"] is has_more


@pytest.mark.rule("user.organization-members")
def test_user_list_orders_by_name(mock):
    by_last = mock.me.get("/user/", params={"_order_by": "last_name,first_name"}).json()["data"]
    assert [u["last_name"] for u in by_last] == sorted(u["last_name"] for u in by_last)
    by_first = mock.me.get("/user/", params={"_order_by": "first_name,last_name"}).json()["data"]
    assert [u["first_name"] for u in by_first] == sorted(u["first_name"] for u in by_first)


@pytest.mark.rule("fields.selection")
def test_fields_on_me_user_and_user_list(mock):
    assert mock.me.get("/me/", params={"_fields": "id,email"}).json().keys() == {"id", "email"}
    one = mock.me.get(f"/user/{mock.id_of('peer')}/", params={"_fields": "first_name"}).json()
    assert one == {"first_name": "Lucius"}
    listing = mock.me.get("/user/", params={"_fields": "id"}).json()
    assert all(u.keys() == {"id"} for u in listing["data"])
    assert listing["has_more"] is False


@pytest.mark.rule("pagination.offset")
@pytest.mark.parametrize("params", [{"_limit": 201}, {"_limit": -1}, {"_skip": -1}, {"_limit": "ten"}])
def test_out_of_range_paging_is_a_400_naming_the_parameter(mock, params):
    response = mock.me.get("/user/", params=params)
    assert response.status_code == 400
    assert response.json()["errors"] == []
    assert list(response.json()["field-errors"]) == list(params)


@pytest.mark.rule("pagination.offset")
def test_a_skip_past_every_object_is_an_empty_last_page(mock):
    # Up to the spec's maximum (discrepancy skip-maximum) a skip is valid and simply past the end.
    listing = mock.me.get("/user/", params={"_skip": "250000"}).json()
    assert listing == {"data": [], "has_more": False}
