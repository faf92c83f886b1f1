"""Close's method override (rule http.method-override, facts 5.6; register `method-override-request`,
`method-override-params`, `method-override-other-methods`): a POST with `x-http-method-override: GET`
and `{"_params": {...}}` is answered as the GET with those query parameters."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from close_conformance.contract import default_contract

OVERRIDE = {"x-http-method-override": "GET"}
REGISTER = default_contract()


def _override(
    client: httpx.Client, path: str, body: Any, method: str = "GET", **kwargs: Any
) -> httpx.Response:
    return client.post(path, json=body, headers={"x-http-method-override": method}, **kwargs)


def _same(got: httpx.Response, expected: httpx.Response) -> None:
    assert (got.status_code, got.json()) == (expected.status_code, expected.json()), (got.text, expected.text)


@pytest.mark.rule("http.method-override")
def test_a_list_with_filters_is_the_get(mock):
    lead = mock.lead()["id"]
    other = mock.lead(name="Other")["id"]
    for name in ("Ann", "Bob"):
        mock.contact(lead_id=lead, name=name)
    mock.contact(lead_id=other, name="Cy")
    params = {"lead_id": lead, "_limit": "1", "_skip": "1", "_fields": "id,name"}
    got = _override(mock.me, "/contact/", {"_params": params})
    _same(got, mock.me.get("/contact/", params=params))
    assert [c["name"] for c in got.json()["data"]] == ["Bob"]
    assert len(mock.me.get("/lead/", params={"_limit": 200}).json()["data"]) == 2  # nothing created


@pytest.mark.rule("http.method-override")
def test_email_and_lead_lists_and_gets_by_id(mock):
    lead = mock.lead()["id"]
    email = mock.email(lead_id=lead)["id"]
    mock.email()
    params = {"lead_id": lead}
    _same(
        _override(mock.me, "/activity/email/", {"_params": params}),
        mock.me.get("/activity/email/", params=params),
    )
    _same(
        _override(mock.me, "/lead/", {"_params": {"_limit": "1"}}),
        mock.me.get("/lead/", params={"_limit": 1}),
    )
    _same(_override(mock.me, f"/activity/email/{email}/", {}), mock.me.get(f"/activity/email/{email}/"))
    _same(_override(mock.me, f"/lead/{lead}/", None), mock.me.get(f"/lead/{lead}/"))
    _same(
        _override(mock.me, "/me/", {"_params": {"_fields": "id"}}),
        mock.me.get("/me/", params={"_fields": "id"}),
    )


@pytest.mark.rule("http.method-override")
def test_params_win_over_the_url_and_the_header_value_is_read_in_any_case(mock):
    lead = mock.lead()["id"]
    mock.contact(lead_id=lead)
    mock.contact()
    got = mock.me.post(
        "/contact/",
        params={"lead_id": "lead_" + "A" * 43},
        json={"_params": {"lead_id": lead}},
        headers={"X-HTTP-Method-Override": "get"},
    )
    _same(got, mock.me.get("/contact/", params={"lead_id": lead}))
    assert len(got.json()["data"]) == 1


@pytest.mark.rule("http.method-override", "request.validation")
@pytest.mark.parametrize("params", [{"_limit": "many"}, {"_skip": "-1"}, {"_skip": "1000000"}])
def test_a_bad_value_gets_the_gets_400(mock, params):
    got = _override(mock.me, "/contact/", {"_params": params})
    assert got.status_code == 400
    _same(got, mock.me.get("/contact/", params=params))


@pytest.mark.rule("http.method-override", "auth.required")
def test_credentials_are_the_gets(mock):
    got = _override(mock.anonymous, "/lead/", {"_params": {}})
    assert got.status_code == 401
    _same(got, mock.anonymous.get("/lead/"))


@pytest.mark.rule("http.method-override", "errors.shape")
@pytest.mark.parametrize("body", [[], "lead_id", {"_params": ["lead_id"]}, {"_params": "lead_id=x"}])
def test_params_that_are_no_object_get_a_400(mock, body):
    got = _override(mock.me, "/lead/", body)
    assert got.status_code == REGISTER.discrepancy("method-override-request").mock == 400
    assert "error" in got.json() or "field-errors" in got.json()
    assert mock.me.get("/lead/").json()["data"] == []  # no lead was created


@pytest.mark.rule("http.method-override", "errors.shape")
def test_a_body_that_is_not_json_is_a_400_not_a_500(mock):
    got = mock.me.post(
        "/lead/", content=b"{_params", headers={**OVERRIDE, "content-type": "application/json"}
    )
    assert got.status_code == 400
    assert "error" in got.json()


@pytest.mark.rule("http.method-override")
def test_typed_values_are_read_as_the_query_string_form(mock):
    leads = [mock.lead()["id"] for _ in range(3)]
    emails = [mock.email(lead_id=lead)["id"] for lead in leads]
    got = _override(mock.me, "/activity/email/", {"_params": {"lead_id": leads[:2], "_limit": 5}})
    _same(got, mock.me.get("/activity/email/", params={"lead_id": ",".join(leads[:2]), "_limit": "5"}))
    assert sorted(e["id"] for e in got.json()["data"]) == sorted(emails[:2])
    bad = _override(mock.me, "/activity/email/", {"_params": {"lead_id": {"a": 1}}})
    assert bad.status_code == 400
    assert "lead_id" in bad.json()["field-errors"]


@pytest.mark.rule("http.method-override")
def test_under_the_strings_reading_a_typed_value_is_refused(make_mock):
    mock = make_mock(readings={"method-override-params": "strings"})
    got = _override(mock.me, "/lead/", {"_params": {"_limit": 5}})
    assert got.status_code == 400
    assert "_limit" in got.json()["field-errors"]
    assert _override(mock.me, "/lead/", {"_params": {"_limit": "5"}}).status_code == 200


@pytest.mark.rule("http.method-override", "http.method-not-allowed")
def test_a_path_without_get_answers_as_a_get_there(mock):
    got = _override(mock.me, "/send_as/bulk/", {"_params": {}})
    assert got.status_code == 405
    _same(got, mock.me.get("/send_as/bulk/"))


@pytest.mark.rule("http.method-override")
def test_an_override_to_put_and_delete_is_honoured(mock):
    contact = mock.contact()["id"]
    updated = _override(mock.me, f"/contact/{contact}/", {"title": "CEO"}, method="PUT")
    assert updated.status_code == 200, updated.text
    assert mock.me.get(f"/contact/{contact}/").json()["title"] == "CEO"
    deleted = _override(mock.me, f"/contact/{contact}/", None, method="DELETE")
    assert deleted.status_code == 200, deleted.text
    assert mock.me.get(f"/contact/{contact}/").status_code == 404


@pytest.mark.rule("http.method-override")
def test_the_405_reading_refuses_other_methods_and_carries_nothing_out(make_mock):
    mock = make_mock(readings={"method-override-other-methods": "405"})
    contact = mock.contact()["id"]
    refused = _override(mock.me, f"/contact/{contact}/", {"title": "CEO"}, method="PUT")
    assert refused.status_code == 405
    assert "PUT" in refused.headers["Allow"]
    assert mock.me.get(f"/contact/{contact}/").json()["title"] != "CEO"
    assert _override(mock.me, "/lead/", {"_params": {}}, method="DELETE").status_code == 405
    assert _override(mock.me, "/lead/", {"_params": {}}).status_code == 200  # GET still honoured
