"""Rules auth.required and auth.schemes: Basic with the API key, Bearer with the token, 401 otherwise."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from close_conformance.contract import default_contract

OPERATIONS = sorted(default_contract().operations.items())


@pytest.mark.rule("auth.required")
@pytest.mark.parametrize(("operation_id", "route"), OPERATIONS, ids=[o for o, _ in OPERATIONS])
def test_every_operation_refuses_missing_credentials(mock, concrete_path, operation_id, route):
    method, path = route
    body = {} if method in ("POST", "PUT") else None
    response = mock.anonymous.request(method, concrete_path(path), json=body)
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}


@pytest.mark.rule("auth.required")
@pytest.mark.parametrize(
    "authorization",
    [
        basic_value
        for basic_value in (
            "Basic " + base64.b64encode(b"api_wrong:").decode(),  # unknown key
            "Basic " + base64.b64encode(b"nocolon").decode(),  # no user:password pair
            "Basic " + base64.b64encode(b":").decode(),  # empty username
            "Basic %%%not-base64",
            "Basic " + base64.b64encode(b"\xff\xfe:").decode(),  # not UTF-8
            "Bearer",
            "Bearer wrong-token",
            "Token abc",
            "",
        )
    ],
    ids=[
        "unknown-key",
        "no-colon",
        "empty-user",
        "bad-base64",
        "not-utf8",
        "bearer-empty",
        "bearer-wrong",
        "other-scheme",
        "empty",
    ],
)
def test_wrong_credentials_get_401(mock, authorization):
    response = mock.client(None, headers={"Authorization": authorization}).get("/me/")
    assert response.status_code == 401
    assert response.json() == {"error": "Unauthorized"}
    assert "Basic" in response.headers["WWW-Authenticate"]


@pytest.mark.rule("auth.schemes")
def test_api_key_is_the_basic_username_with_an_empty_password(mock):
    response = mock.client(None, auth=(mock.users["me"].api_key, "")).get("/me/")
    assert response.status_code == 200
    assert response.json()["id"] == mock.id_of("me")


@pytest.mark.rule("auth.schemes")
def test_a_password_is_ignored_not_refused(mock):
    # Close documents an empty password, not a refusal of others (see auth.py for the reasoning).
    response = mock.client(None, auth=(mock.users["me"].api_key, "x")).get("/me/")
    assert response.status_code == 200


@pytest.mark.rule("auth.schemes")
@pytest.mark.parametrize("role", ["me", "peer", "outsider"])
def test_bearer_token_acts_as_the_same_user_as_the_api_key(mock, role):
    by_key = mock.client(role).get("/me/").json()
    by_token = mock.client(role, bearer=True).get("/me/").json()
    assert by_token == by_key
    assert by_token["id"] == mock.id_of(role)


@pytest.mark.rule("auth.schemes")
def test_scheme_names_are_case_insensitive(mock):
    token = mock.users["me"].access_token
    assert mock.client(None, headers={"Authorization": f"bearer {token}"}).get("/me/").status_code == 200


@pytest.mark.rule("auth.required")
@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=80))
def test_random_authorization_headers_get_401_never_5xx(mock, value):
    # Any header that is not one of the seeded credentials is a 401, whatever bytes it holds.
    response = mock.anonymous.get("/user/", headers={"Authorization": value.encode("latin-1")})
    assert response.status_code == 401
