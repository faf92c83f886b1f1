"""Rules send_as.*: the six operations, who may see and change what, and the register's readings."""

from __future__ import annotations

import re

import pytest

SDAS = re.compile(r"^sdas_[0-9A-Za-z]{22}$")


def pairs(listing):
    return {(a["allowing_user_id"], a["allowed_user_id"]) for a in listing["data"]}


@pytest.mark.rule("send_as.create-as-allowing-user")
@pytest.mark.rule("ids.prefixed")
def test_allowing_user_creates_an_association(mock):
    response = mock.me.post(
        "/send_as/", json={"allowing_user_id": mock.id_of("me"), "allowed_user_id": mock.id_of("peer")}
    )
    assert response.status_code == 201
    association = response.json()
    assert SDAS.match(association["id"])
    assert association == {
        "id": association["id"],
        "allowing_user_id": mock.id_of("me"),
        "allowed_user_id": mock.id_of("peer"),
        "organization_id": mock.users["me"].organization_id,
    }


@pytest.mark.rule("send_as.create-as-allowing-user")
def test_creating_twice_answers_the_same_association(mock):
    assert mock.send_as()["id"] == mock.send_as()["id"]
    assert len(mock.me.get("/send_as/").json()["data"]) == 1


@pytest.mark.rule("send_as.create-as-allowing-user")
@pytest.mark.parametrize("mode", ["default", "strict"])
def test_nobody_creates_for_another_allowing_user(make_mock, mode):
    mock = make_mock(strict=mode == "strict")
    response = mock.peer.post(
        "/send_as/", json={"allowing_user_id": mock.id_of("me"), "allowed_user_id": mock.id_of("peer")}
    )
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["allowing_user_id"]
    assert mock.me.get("/send_as/").json()["data"] == []


@pytest.mark.rule("send_as.create-same-organization")
@pytest.mark.parametrize("allowed", ["outsider", "unknown", "me"])
def test_allowed_user_must_be_a_colleague(mock, allowed):
    allowed_id = "user_" + "U" * 43 if allowed == "unknown" else mock.id_of(allowed)
    response = mock.me.post(
        "/send_as/", json={"allowing_user_id": mock.id_of("me"), "allowed_user_id": allowed_id}
    )
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["allowed_user_id"]


@pytest.mark.rule("send_as.list-default-allowing")
def test_list_without_filters_is_where_i_am_allowing(mock):
    mine = mock.send_as("me", "peer")
    mock.send_as("peer", "me")
    mock.send_as("peer", "bystander")
    listing = mock.me.get("/send_as/").json()
    assert [a["id"] for a in listing["data"]] == [mine["id"]]


@pytest.mark.rule("send_as.list-involved-only")
def test_list_by_either_filter_naming_me(mock):
    me, peer, bystander = (mock.id_of(r) for r in ("me", "peer", "bystander"))
    mock.send_as("me", "peer")
    mock.send_as("me", "bystander")
    mock.send_as("peer", "me")
    mock.send_as("bystander", "peer")
    assert pairs(mock.me.get("/send_as/", params={"allowed_user_id": me}).json()) == {(peer, me)}
    assert pairs(mock.me.get("/send_as/", params={"allowing_user_id": me}).json()) == {
        (me, peer),
        (me, bystander),
    }
    both = mock.me.get("/send_as/", params={"allowing_user_id": me, "allowed_user_id": bystander}).json()
    assert pairs(both) == {(me, bystander)}
    mine_as_allowed = mock.me.get(
        "/send_as/", params={"allowing_user_id": peer, "allowed_user_id": me}
    ).json()
    assert pairs(mine_as_allowed) == {(peer, me)}


@pytest.mark.rule("send_as.list-involved-only")
@pytest.mark.parametrize("mode", ["default", "strict"])
@pytest.mark.parametrize(
    "filters",
    [
        {"allowing_user_id": "peer"},
        {"allowed_user_id": "peer"},
        {"allowing_user_id": "bystander", "allowed_user_id": "peer"},
    ],
)
def test_list_with_filters_not_naming_me_is_refused(make_mock, mode, filters):
    mock = make_mock(strict=mode == "strict")
    mock.send_as("bystander", "peer")
    response = mock.me.get("/send_as/", params={k: mock.id_of(v) for k, v in filters.items()})
    assert response.status_code == 400
    assert response.json()["errors"] == []


@pytest.mark.rule("send_as.get-involved-only")
@pytest.mark.parametrize(
    ("role", "status"), [("me", 200), ("peer", 200), ("bystander", 404), ("outsider", 404)]
)
def test_get_by_id_only_for_the_two_users(mock, role, status):
    association = mock.send_as("me", "peer")
    response = mock.client(role).get(f"/send_as/{association['id']}/")
    assert response.status_code == status
    assert response.json() == (association if status == 200 else {"error": "Not found."})


@pytest.mark.rule("send_as.delete-by-id")
def test_allowing_user_deletes_by_id(mock):
    association = mock.send_as("me", "peer")
    response = mock.me.delete(f"/send_as/{association['id']}/")
    assert (response.status_code, response.content) == (204, b"")
    assert mock.me.get(f"/send_as/{association['id']}/").status_code == 404
    assert mock.me.delete(f"/send_as/{association['id']}/").status_code == 404
    assert mock.me.get("/send_as/").json()["data"] == []


@pytest.mark.rule("send_as.delete-by-id")
@pytest.mark.parametrize(("mode", "status"), [("default", 204), ("strict", 404)])
def test_allowed_user_revokes_by_id_per_the_register(make_mock, mode, status):
    mock = make_mock(strict=mode == "strict")
    association = mock.send_as("me", "peer")
    assert mock.peer.delete(f"/send_as/{association['id']}/").status_code == status
    still_there = mock.me.get(f"/send_as/{association['id']}/").status_code == 200
    assert still_there is (status == 404)


@pytest.mark.rule("send_as.delete-by-id")
@pytest.mark.parametrize("role", ["bystander", "outsider"])
def test_others_cannot_delete_by_id(mock, role):
    association = mock.send_as("me", "peer")
    assert mock.client(role).delete(f"/send_as/{association['id']}/").status_code == 404
    assert mock.me.get(f"/send_as/{association['id']}/").status_code == 200


@pytest.mark.rule("send_as.delete-by-users")
def test_delete_by_users_as_allowing_user(mock):
    mock.send_as("me", "peer")
    kept = mock.send_as("me", "bystander")
    response = mock.me.delete(
        "/send_as/", params={"allowing_user_id": mock.id_of("me"), "allowed_user_id": mock.id_of("peer")}
    )
    assert (response.status_code, response.content) == (204, b"")
    assert [a["id"] for a in mock.me.get("/send_as/").json()["data"]] == [kept["id"]]


@pytest.mark.rule("send_as.delete-by-users")
@pytest.mark.parametrize("missing", ["allowing_user_id", "allowed_user_id"])
def test_delete_by_users_needs_both_ids(mock, missing):
    mock.send_as("me", "peer")
    params = {"allowing_user_id": mock.id_of("me"), "allowed_user_id": mock.id_of("peer")}
    del params[missing]
    response = mock.me.delete("/send_as/", params=params)
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == [missing]
    assert len(mock.me.get("/send_as/").json()["data"]) == 1


@pytest.mark.rule("send_as.delete-by-users")
def test_delete_by_users_refused_unless_i_am_allowing(mock):
    mock.send_as("me", "peer")
    response = mock.peer.delete(
        "/send_as/", params={"allowing_user_id": mock.id_of("me"), "allowed_user_id": mock.id_of("peer")}
    )
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == ["allowing_user_id"]
    assert len(mock.me.get("/send_as/").json()["data"]) == 1


@pytest.mark.rule("send_as.delete-by-users")
def test_delete_by_users_of_no_association_is_404(mock):
    params = {"allowing_user_id": mock.id_of("me"), "allowed_user_id": mock.id_of("peer")}
    assert mock.me.delete("/send_as/", params=params).status_code == 404


@pytest.mark.rule("send_as.bulk-returns-all-allowing")
def test_bulk_allows_disallows_and_answers_every_association_where_i_am_allowing(mock):
    me, peer, bystander = (mock.id_of(r) for r in ("me", "peer", "bystander"))
    mock.send_as("me", "peer")
    mock.send_as("peer", "me")
    response = mock.me.post(
        "/send_as/bulk/", json={"allowed_user_ids": [bystander], "disallowed_user_ids": []}
    )
    assert response.status_code == 200
    assert pairs(response.json()) == {(me, peer), (me, bystander)}
    response = mock.me.post("/send_as/bulk/", json={"disallowed_user_ids": [peer]})
    assert pairs(response.json()) == {(me, bystander)}
    assert pairs(mock.me.get("/send_as/").json()) == {(me, bystander)}
    assert pairs(mock.me.get("/send_as/", params={"allowed_user_id": me}).json()) == {(peer, me)}


@pytest.mark.rule("send_as.create-same-organization")
@pytest.mark.parametrize("field", ["allowed_user_ids", "disallowed_user_ids"])
def test_bulk_refuses_users_outside_my_organization_and_changes_nothing(mock, field):
    body = {"allowed_user_ids": [mock.id_of("peer")], "disallowed_user_ids": []}
    body[field] = [*body[field], mock.id_of("outsider")]
    response = mock.me.post("/send_as/bulk/", json=body)
    assert response.status_code == 400
    assert list(response.json()["field-errors"]) == [f"{field}.{len(body[field]) - 1}"]
    assert mock.me.get("/send_as/").json()["data"] == []


@pytest.mark.rule("http.method-not-allowed")
def test_bulk_path_is_not_taken_for_an_id(mock):
    response = mock.me.get("/send_as/bulk/")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert mock.me.delete("/send_as/bulk/").status_code == 405


@pytest.mark.rule("send_as.get-involved-only")
def test_malformed_or_unknown_ids_are_404(mock):
    assert mock.me.get("/send_as/sdas_nope/").status_code == 404
    assert mock.me.get("/send_as/" + "sdas_" + "A" * 22 + "/").status_code == 404
