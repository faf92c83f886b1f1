"""Requests on no modelled operation: slashless Close paths are redirected to the slashed path
(rule http.trailing-slash-redirect, register `trailing-slash-redirect`), Close paths and methods the
mock does not model answer 501 saying so, anything else 404 or 405 as before; and the `_skip`
maximum of the spec (rule pagination.skip-maximum)."""

from __future__ import annotations

import copy

import pytest

from close_conformance.contract import Contract, default_contract
from close_conformance.unmodelled import load_close_paths

SLASHED = "http://mock.test/api/v1"


# ---------------------------------------------------------------- http.trailing-slash-redirect
@pytest.mark.rule("http.trailing-slash-redirect")
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/me"), ("GET", "/user"), ("POST", "/lead"), ("GET", "/contact/cont_x"), ("DELETE", "/send_as")],
)
def test_a_slashless_path_is_redirected_with_308(mock, method, path):
    response = mock.me.request(
        method, path, params={"a": "1", "b": "two words"}, json=[] if method == "POST" else None
    )
    assert response.status_code == default_contract().discrepancy("trailing-slash-redirect").mock == 308
    assert response.headers["Location"] == f"{SLASHED}{path}/?a=1&b=two+words"
    assert response.content == b""


@pytest.mark.rule("http.trailing-slash-redirect")
def test_following_the_redirect_keeps_the_method_and_body(mock):
    response = mock.me.post("/lead", json={"name": "Slashless"}, follow_redirects=True)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Slashless"
    assert [r.status_code for r in response.history] == [308]
    assert mock.me.get(f"/lead/{response.json()['id']}/").status_code == 200


@pytest.mark.rule("http.trailing-slash-redirect")
def test_the_redirect_needs_no_credentials(mock):
    response = mock.anonymous.get("/me")
    assert response.status_code == 308
    assert response.headers["Location"] == f"{SLASHED}/me/"


@pytest.mark.rule("http.trailing-slash-redirect")
def test_unmodelled_close_paths_are_redirected_too_and_unknown_ones_are_not(mock):
    assert mock.me.get("/opportunity").headers["Location"] == f"{SLASHED}/opportunity/"
    assert mock.me.get("/lead/merge").status_code == 308
    assert mock.me.get("/nonsense").status_code == 404
    assert mock.me.get("/contact/cont_x/extra").status_code == 404


@pytest.mark.rule("http.trailing-slash-redirect")
def test_under_strict_still_308(strict_mock):
    assert strict_mock.me.get("/me").status_code == 308


@pytest.mark.rule("http.trailing-slash-redirect")
@pytest.mark.parametrize(
    ("fault", "status", "location"),
    [
        ("trailing-slash-404", 404, None),
        ("trailing-slash-redirect-301", 301, f"{SLASHED}/lead/?a=1"),
        ("trailing-slash-query-dropped", 308, f"{SLASHED}/lead/"),
    ],
)
def test_faults_bend_the_redirect(make_mock, fault, status, location):
    response = make_mock(faults=[fault]).me.post("/lead", params={"a": "1"}, json={"name": "x"})
    assert response.status_code == status
    assert response.headers.get("Location") == location


# ---------------------------------------------------------------- 501: Close has it, the mock does not
@pytest.mark.rule("http.method-not-allowed")
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/lead/merge/"),  # Close's leads spec; a route would take "merge" for an id
        ("GET", "/user/availability/"),  # Close's users spec, shadowing /user/{id}/
        ("GET", "/activity/"),
        ("GET", "/activity/call/"),
        ("PUT", "/activity/call/acti_x/"),
        ("GET", "/opportunity/"),
        ("DELETE", "/task/task_x/"),
    ],
)
def test_a_close_path_the_mock_does_not_model_answers_501(mock, method, path):
    response = mock.me.request(method, path)
    assert response.status_code == 501
    message = response.json()["error"]
    assert "does not model" in message
    assert method in message


@pytest.mark.rule("http.method-not-allowed")
def test_methods_close_has_on_a_modelled_path_answer_501_the_rest_405(mock, concrete_path):
    # Derived from specs/upstream/ minus our spec when the app is built, not listed by hand.
    for path, methods in load_close_paths(default_contract().spec).close_methods.items():
        for method in methods:
            response = mock.me.request(method, concrete_path(path), json={})
            assert response.status_code == 501, (method, path, response.text)
    neither = mock.me.patch("/lead/lead_x/", json={})
    assert neither.status_code == 405
    assert neither.headers["Allow"]


@pytest.mark.rule("http.method-not-allowed")
def test_a_method_dropped_from_our_spec_becomes_a_501(make_mock, concrete_path):
    contract = default_contract()
    spec = copy.deepcopy(dict(contract.spec))
    del spec["paths"]["/lead/{id}/"]["delete"]  # Close's leads spec has it
    narrowed = Contract(spec, contract.rules, contract.discrepancies, contract.changelog)
    mock = make_mock(contract=narrowed)
    assert mock.me.delete(concrete_path("/lead/{id}/")).status_code == 501
    assert mock.me.get(concrete_path("/lead/{id}/")).status_code == 404
    assert mock.me.delete("/me/").status_code == 405  # neither Close nor we have it


@pytest.mark.rule("auth.required")
def test_a_501_still_asks_for_credentials(mock):
    assert mock.anonymous.get("/activity/").status_code == 401
    assert mock.anonymous.post("/lead/merge/", json={}).status_code == 401


@pytest.mark.rule("errors.shape")
@pytest.mark.parametrize("path", ["/nonsense/", "/lead/lead_x/merge/", "/activity/email/acti_x/extra/"])
def test_unknown_paths_still_answer_404(mock, path):
    response = mock.me.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": "Not found."}


@pytest.mark.rule("errors.shape")
def test_paths_outside_the_api_answer_404(mock):
    assert mock.me.get("http://mock.test/elsewhere/").status_code == 404
    assert mock.me.get("http://mock.test/api/v2/me/").status_code == 404


# ---------------------------------------------------------------- pagination.skip-maximum
def _maximum() -> int:
    return int(default_contract().spec["components"]["parameters"]["skip"]["schema"]["maximum"])


@pytest.mark.rule("pagination.skip-maximum")
@pytest.mark.parametrize("path", ["/activity/email/", "/contact/", "/user/"])
def test_a_skip_past_the_maximum_is_a_400_naming_it(mock, path):
    assert _maximum() == 250000
    response = mock.me.get(path, params={"_skip": _maximum() + 1})
    assert response.status_code == 400
    assert "250000" in response.json()["field-errors"]["_skip"]
    at_the_maximum = mock.me.get(path, params={"_skip": _maximum()})
    assert at_the_maximum.status_code == 200
    assert at_the_maximum.json() == {"data": [], "has_more": False}


@pytest.mark.rule("pagination.skip-maximum")
def test_fault_skip_maximum_ignored_answers_a_page(make_mock):
    response = make_mock(faults=["skip-maximum-ignored"]).me.get("/activity/email/", params={"_skip": 250100})
    assert response.status_code == 200
    assert response.json()["data"] == []
    # Only the maximum is dropped: the rest of the parameter's schema still holds.
    assert (
        make_mock(faults=["skip-maximum-ignored"]).me.get("/contact/", params={"_skip": -1}).status_code
        == 400
    )


@pytest.mark.rule("http.method-not-allowed")
@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/lead/merge/", "POST"),
        ("DELETE", "/lead/merge/", "POST"),
        ("POST", "/user/availability/", "GET"),
    ],
)
def test_a_method_close_lacks_on_an_unmodelled_path_is_405_with_closes_methods(mock, method, path, allow):
    # Close's published spec gives these paths one method: any other is Close's own 405, not a 501.
    response = mock.me.request(method, path, json={})
    assert response.status_code == 405, response.text
    assert response.headers["Allow"] == allow


@pytest.mark.rule("http.trailing-slash-redirect")
@pytest.mark.parametrize(
    ("sent", "location"),
    [
        ("/contact/%E2%9C%93", "/api/v1/contact/%E2%9C%93/"),
        ("/contact/%FF", "/api/v1/contact/%FF/"),
        ("/lead/a%20b?q=%C3%A9", "/api/v1/lead/a%20b/?q=%C3%A9"),
    ],
)
def test_the_redirect_names_the_path_as_sent_percent_encoded(mock, sent, location):
    # Written back decoded, a non-Latin-1 character made the server fail (500) and a space or an
    # accent made the client follow a different URL.
    response = mock.me.get(sent)
    assert response.status_code == 308
    assert response.headers["Location"].endswith(location)
