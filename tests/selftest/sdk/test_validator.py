"""The validation core: one exchange against specs/close.yaml, both ways (sdk/validator.py,
routes.py, schemas.py, curl.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from close_conformance.sdk.curl import curl_line
from close_conformance.sdk.exchange import Received, Sent
from close_conformance.sdk.schemas import response_only_fields
from close_conformance.sdk.validator import ContractValidator
from close_conformance.sdk.violation import Violation

from .conftest import basic

pytestmark = pytest.mark.selftest

BASE = "https://api.close.com/api/v1"
KEY = "api_4xSecretKeyValue"
LEAD = "lead_" + "A" * 43


def an_id(prefix: str) -> str:
    return f"{prefix}_" + "B" * 43


JSON = ("Content-Type", "application/json")


@pytest.fixture(scope="module")
def validator() -> ContractValidator:
    return ContractValidator()


def sent(method: str, path: str, body: Any = None, *headers: tuple[str, str]) -> Sent:
    raw = json.dumps(body).encode() if body is not None else b""
    return Sent.of(method, BASE + path, [basic(KEY), *headers], raw)


def rules(found: list[Violation]) -> list[str]:
    return sorted(v.rule for v in found)


@pytest.mark.rule("request.validation")
def test_a_correct_request_finds_its_operation_and_passes(validator):
    route, found = validator.check_request(sent("POST", "/lead/", {"name": "Acme"}, JSON))
    assert (route.kind, route.operation_id, found) == ("operation", "createLead", [])
    route, found = validator.check_request(sent("GET", f"/lead/{LEAD}/?_fields=id,name"))
    assert (route.operation_id, route.path_params, found) == ("getLead", {"id": LEAD}, [])
    # A literal path is never read as an id (the mock's router does the same).
    assert (
        validator.check_request(sent("POST", "/send_as/bulk/", {}, JSON))[0].operation_id == "bulkEditSendAs"
    )


@pytest.mark.rule("request.validation")
def test_body_query_and_path_breaking_their_schemas(validator):
    found = validator.check_request(sent("POST", "/activity/email/", {"status": "draft"}, JSON))[1]
    assert rules(found) == ["request.validation"]
    assert "lead_id" in found[0].expected
    # status and status_id together: the schema's `not`, which the mock enforces in its handler.
    both = {"name": "A", "status": "Potential", "status_id": "stat_" + "B" * 43}
    assert rules(validator.check_request(sent("POST", "/lead/", both, JSON))[1]) == ["request.validation"]
    found = validator.check_request(sent("GET", "/lead/?_limit=abc&limit=5"))[1]
    assert [(v.rule, v.severity) for v in found] == [
        ("request.validation", "warning"),  # `limit`: Close ignores it, refuses nothing
        ("request.validation", "violation"),  # `_limit=abc`: refused
    ]
    assert any("limit" in v.observed and "ignores" in v.expected for v in found)
    assert rules(validator.check_request(sent("GET", "/lead/lead_short/"))[1]) == ["request.validation"]
    assert rules(validator.check_request(sent("POST", "/lead/", None, JSON))[1]) == ["request.validation"]


@pytest.mark.rule("http.unsupported-media-type", "auth.required", "auth.schemes")
def test_media_type_and_credentials(validator):
    plain = Sent.of("POST", BASE + "/lead/", [basic(KEY), ("Content-Type", "text/plain")], b'{"name": "A"}')
    assert rules(validator.check_request(plain)[1]) == ["http.unsupported-media-type"]
    anonymous = Sent.of("GET", BASE + "/me/")
    assert rules(validator.check_request(anonymous)[1]) == ["auth.required"]
    with_password = Sent.of("GET", BASE + "/me/", [basic(KEY, "secret")])
    assert rules(validator.check_request(with_password)[1]) == ["auth.schemes"]
    bearer = Sent.of("GET", BASE + "/me/", [("Authorization", "Bearer tok_123")])
    assert validator.check_request(bearer)[1] == []


@pytest.mark.rule("client.documented-operations", "client.slashed-paths")
def test_calls_outside_the_contract_are_violations_and_slashless_paths_warnings(validator):
    route, found = validator.check_request(sent("GET", "/lead"))
    assert (route.kind, route.operation_id) == ("slashless", "listLeads")
    assert [(v.rule, v.severity) for v in found] == [("client.slashed-paths", "warning")]
    for path, kind in [("/opportunity/", "unmodelled"), ("/nothing/", "foreign"), ("/me/", "method")]:
        method = "DELETE" if kind == "method" else "GET"
        route, found = validator.check_request(sent(method, path))
        assert route.kind == kind
        assert [(v.rule, v.severity) for v in found] == [("client.documented-operations", "violation")]
    outside = Sent.of("GET", "https://api.close.com/other/me/", [basic(KEY)])
    assert rules(validator.check_request(outside)[1]) == ["client.documented-operations"]


@pytest.mark.rule("client.documented-operations")
@pytest.mark.parametrize(
    ("method", "path", "template"),
    [("POST", "/lead/merge/", "/lead/merge/"), ("GET", "/user/availability/", "/user/availability/")],
)
def test_a_literal_close_path_the_contract_lacks_is_not_read_as_a_templated_one(
    validator, method, path, template
):
    # Close has them (its published spec); they are not `/lead/{id}/` with id "merge" (a 405) or
    # `/user/{id}/` with a malformed id, and the mock's 501 for them is no server error.
    route, found = validator.check_request(sent(method, path, {} if method == "POST" else None, JSON))
    assert (route.kind, route.template) == ("unmodelled", template)
    assert [v.expected for v in found] == [f"{template} is a Close path this contract does not model"]
    assert validator.check_response(route, sent(method, path), answer(501, {"error": "not modelled"})) == []


@pytest.mark.rule("client.no-read-only-fields")
def test_fields_close_sets_itself_are_reported_once_by_their_own_rule(validator):
    fields = response_only_fields(validator.spec)
    # The docs' email update: the create fields minus lead_id, organization_id, created_by, date_created.
    assert {"lead_id", "organization_id", "created_by", "date_created"} <= fields["updateEmail"]
    assert {"id", "organization_id", "date_created", "date_updated"} <= fields["updateLead"]
    # Close's spec lets an email create carry organization_id: not a read-only field there.
    assert "organization_id" not in fields["createEmail"]
    body = {"id": LEAD, "organization_id": "orga_x", "name": "Acme"}
    found = validator.check_request(sent("PUT", f"/lead/{LEAD}/", body, JSON))[1]
    assert rules(found) == ["client.no-read-only-fields"]
    assert "id, organization_id" in found[0].observed
    # For a body with additionalProperties: false, no second report for the same fields.
    email = validator.check_request(
        sent("PUT", f"/activity/email/{an_id('acti')}/", {"lead_id": LEAD}, JSON)
    )[1]
    assert rules(email) == ["client.no-read-only-fields"]


def answer(status: int, body: Any, *, media: str = "application/json") -> Received:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Received.of(status, [("Content-Type", media)], raw)


@pytest.mark.rule("response.documented-shape", "http.no-server-error")
def test_answers_are_held_to_the_documented_statuses_and_shapes(validator):
    request = sent("GET", "/send_as/")
    route = validator.check_request(request)[0]
    association = {
        "id": an_id("sdas"),
        "allowing_user_id": an_id("user"),
        "allowed_user_id": an_id("user"),
        "organization_id": an_id("orga"),
    }
    good = {"data": [association]}
    assert validator.check_response(route, request, answer(200, good)) == []
    assert rules(validator.check_response(route, request, answer(200, {"data": [{"id": "x"}]}))) == [
        "response.documented-shape"
    ]
    assert rules(validator.check_response(route, request, answer(201, good))) == ["response.documented-shape"]
    assert rules(validator.check_response(route, request, answer(500, {}))) == ["http.no-server-error"]
    assert rules(validator.check_response(route, request, answer(200, b"<html>", media="text/html"))) == [
        "response.documented-shape"
    ]
    assert validator.check_response(route, request, answer(404, {"error": "Not found"})) == []
    # A 429 without JSON body: the register's default (ratelimit-body) accepts no-body.
    assert validator.check_response(route, request, answer(429, b"Too many", media="text/plain")) == []


def test_curl_line_redacts_credentials():
    line = curl_line(sent("POST", "/lead/", {"name": "A"}, JSON))
    assert KEY not in line
    assert '-u "$CLOSE_API_KEY:"' in line
    bearer = curl_line(Sent.of("GET", BASE + "/me/", [("Authorization", "Bearer tok_secret")]))
    assert "tok_secret" not in bearer
    assert "$CLOSE_ACCESS_TOKEN" in bearer


@pytest.mark.rule("request.validation")
def test_query_parameters_closes_spec_declares_are_not_findings(validator):
    # Close's published spec lists _limit/_skip/_order_by on GET /user/{id}/ (ours does not:
    # register user-get-pagination-params); a client sending them is not wrong.
    user = an_id("user")
    found = validator.check_request(sent("GET", f"/user/{user}/?_limit=1&_skip=0&_order_by=id"))[1]
    assert found == []
    # Neither spec declares `colour`: Close ignores it, so it is a warning, never a violation.
    found = validator.check_request(sent("GET", f"/user/{user}/?colour=red"))[1]
    assert [(v.rule, v.severity) for v in found] == [("request.validation", "warning")]


def test_a_head_request_replays_as_curl_head():
    line = curl_line(Sent.of("HEAD", BASE + "/me/", [basic(KEY)]))
    assert line.startswith("curl -I ")
    assert "-X" not in line
    assert KEY not in line


@pytest.mark.rule("request.validation")
def test_what_our_spec_only_infers_is_no_clients_fault(validator):
    # A recipient Close's spec types as a string (our address form is inferred: register
    # email-recipient-format) and a Send As filter id of no known form (send-as-list-foreign-filter).
    email = {"lead_id": LEAD, "status": "draft", "to": ["Team Inbox"]}
    assert validator.check_request(sent("POST", "/activity/email/", email, JSON))[1] == []
    assert validator.check_request(sent("GET", "/send_as/?allowing_user_id=someone"))[1] == []
    # A documented constraint still holds: a status Close does not list.
    email["status"] = "archived"
    assert rules(validator.check_request(sent("POST", "/activity/email/", email, JSON))[1]) == [
        "request.validation"
    ]


OVERRIDE = ("x-http-method-override", "GET")


@pytest.mark.rule("http.method-override", "request.validation")
def test_a_post_overridden_to_get_is_judged_as_the_get(validator):
    params = {"lead_id": LEAD, "_limit": "10", "_fields": "id,name"}
    request = sent("POST", "/contact/", {"_params": params}, JSON, OVERRIDE)
    route, found = validator.check_request(request)
    assert (route.kind, route.operation_id, found) == ("operation", "listContacts", [])
    # The answer is held to the GET's responses (a list), not createContact's.
    contacts = {"data": [{"id": an_id("cont"), "name": "Ann"}], "has_more": False}
    assert validator.check_response(route, request, answer(200, contacts)) == []
    route, found = validator.check_request(sent("POST", f"/lead/{LEAD}/", None, OVERRIDE))
    assert (route.operation_id, found) == ("getLead", [])
    # The same parameters' faults as in the query: a bad `_limit`, a `_params` that is no object.
    route, found = validator.check_request(sent("POST", "/contact/", {"_params": {"_limit": "x"}}, OVERRIDE))
    assert (route.operation_id, rules(found)) == ("listContacts", ["request.validation"])
    assert "_limit" in found[0].observed
    found = validator.check_request(sent("POST", "/lead/", {"_params": ["_limit"]}, JSON, OVERRIDE))[1]
    assert [(v.rule, v.severity) for v in found] == [("request.validation", "violation")]


@pytest.mark.rule("http.method-override")
def test_typed_params_are_a_warning_and_other_overrides_their_method(validator):
    request = sent("POST", "/activity/email/", {"_params": {"lead_id": [LEAD], "_limit": 5}}, JSON, OVERRIDE)
    route, found = validator.check_request(request)
    assert route.operation_id == "listEmails"
    assert [(v.rule, v.severity) for v in found] == [("request.validation", "warning")]
    assert "_params.lead_id is not a string" in found[0].observed
    put = ("x-http-method-override", "PUT")
    contact = an_id("cont")
    route, found = validator.check_request(sent("POST", f"/contact/{contact}/", {"title": "CEO"}, JSON, put))
    assert (route.operation_id, found) == ("updateContact", [])
    found = validator.check_request(sent("POST", f"/contact/{contact}/", {"title": 5}, JSON, put))[1]
    assert rules(found) == ["request.validation"]
