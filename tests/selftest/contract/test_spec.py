"""specs/close.yaml: valid OpenAPI 3.1, every operation there, links and examples sound."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from close_conformance.contract import Contract
from close_conformance.lint import lint_examples, lint_links, lint_spec

pytestmark = pytest.mark.selftest

# The `broken_contract` fixture (conftest.py): copy specs/, edit one file's data, load the copy.
BrokenContract = Callable[[str, Callable[[Any], None]], Contract]

OPERATIONS = {
    "getMe": ("GET", "/me/"),
    "listUsers": ("GET", "/user/"),
    "getUser": ("GET", "/user/{id}/"),
    "listLeads": ("GET", "/lead/"),
    "createLead": ("POST", "/lead/"),
    "getLead": ("GET", "/lead/{id}/"),
    "updateLead": ("PUT", "/lead/{id}/"),
    "deleteLead": ("DELETE", "/lead/{id}/"),
    "listContacts": ("GET", "/contact/"),
    "createContact": ("POST", "/contact/"),
    "getContact": ("GET", "/contact/{id}/"),
    "updateContact": ("PUT", "/contact/{id}/"),
    "deleteContact": ("DELETE", "/contact/{id}/"),
    "listEmails": ("GET", "/activity/email/"),
    "createEmail": ("POST", "/activity/email/"),
    "getEmail": ("GET", "/activity/email/{id}/"),
    "updateEmail": ("PUT", "/activity/email/{id}/"),
    "deleteEmail": ("DELETE", "/activity/email/{id}/"),
    "listSendAs": ("GET", "/send_as/"),
    "createSendAs": ("POST", "/send_as/"),
    "deleteSendAsByUsers": ("DELETE", "/send_as/"),
    "getSendAs": ("GET", "/send_as/{id}/"),
    "deleteSendAs": ("DELETE", "/send_as/{id}/"),
    "bulkEditSendAs": ("POST", "/send_as/bulk/"),
}


def test_spec_is_valid_openapi_with_documented_errors(contract: Contract) -> None:
    assert lint_spec(contract.spec) == []


def test_spec_has_the_24_operations(contract: Contract) -> None:
    assert dict(contract.operations) == OPERATIONS
    assert contract.spec["servers"][0]["url"].endswith("/api/v1")


def test_links_resolve(contract: Contract) -> None:
    assert lint_links(contract.spec) == []


def test_examples_validate(contract: Contract) -> None:
    assert lint_examples(contract.spec) == []


def test_invalid_spec_is_reported(broken_contract: BrokenContract) -> None:
    def break_it(spec: Any) -> None:
        spec["paths"]["/me/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
            "type": 5
        }
        del spec["paths"]["/contact/"]["post"]["responses"]["415"]

    problems = lint_spec(broken_contract("close.yaml", break_it).spec)
    assert any(p.startswith("not valid OpenAPI") for p in problems)
    assert "POST /contact/: response 415 not documented" in problems


def test_dangling_link_is_reported(broken_contract: BrokenContract) -> None:
    def break_it(spec: Any) -> None:
        links = spec["paths"]["/contact/"]["post"]["responses"]["200"]["links"]
        links["GetContact"]["operationId"] = "fetchContact"
        links["UpdateContact"]["parameters"] = {"contact_id": "$response.body#/id"}

    problems = lint_links(broken_contract("close.yaml", break_it).spec)
    assert problems == [
        "POST /contact/ 200 link GetContact: no operation 'fetchContact'",
        "POST /contact/ 200 link UpdateContact: updateContact has no parameter 'contact_id'",
    ]


def test_link_from_a_list_is_reported(broken_contract: BrokenContract) -> None:
    def break_it(spec: Any) -> None:
        spec["paths"]["/contact/"]["get"]["responses"]["200"]["links"] = {
            "DeleteListed": {
                "operationId": "deleteContact",
                "parameters": {"id": "$response.body#/data/0/id"},
            }
        }

    problems = lint_links(broken_contract("close.yaml", break_it).spec)
    assert problems == [
        "GET /contact/ 200 link DeleteListed: links from a list would touch data the run did not create"
    ]


def test_invalid_example_is_reported(broken_contract: BrokenContract) -> None:
    def break_it(spec: Any) -> None:
        body = spec["paths"]["/activity/email/"]["post"]["requestBody"]["content"]["application/json"]
        body["example"]["status"] = "inbox"
        del body["example"]["sender"]

    problems = lint_examples(broken_contract("close.yaml", break_it).spec)
    assert problems == [
        "POST /activity/email/ request application/json: example invalid: 'sender' is a required property"
    ]


@pytest.fixture(scope="module")
def loaded(contract: Contract) -> Any:
    return schemathesis.openapi.from_dict(dict(contract.spec))


def test_schemathesis_loads_every_operation(loaded: Any) -> None:
    labels = {result.ok().label for result in loaded.get_all_operations()}
    assert labels == {f"{method} {path}" for method, path in OPERATIONS.values()}


@pytest.mark.rule("email.sender.required-by-status", "email.scheduling-fields")
def test_generated_email_bodies_obey_the_sender_rule(loaded: Any) -> None:
    """The conditional schema makes generated "valid" data really valid."""
    strategy = loaded["/activity/email/"]["POST"].as_strategy()

    @settings(max_examples=150, database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(case=strategy)
    def check(case: Any) -> None:
        body = case.body
        if body["status"] in {"inbox", "scheduled", "outbox", "error"}:
            assert isinstance(body.get("sender"), str)
        if body["status"] == "scheduled":
            assert isinstance(body.get("date_scheduled"), str)

    check()


NAMED = st.text(st.characters(exclude_characters='"\\\n', exclude_categories=["Cs"]), min_size=1, max_size=30)


@pytest.mark.rule("email.sender.display-name")
@given(name=NAMED)
@settings(max_examples=50, database=None)
def test_sender_accepts_the_named_form(contract: Contract, name: str) -> None:
    pattern = contract.spec["components"]["schemas"]["EmailAddress"]["anyOf"][1]["pattern"]
    jsonschema.validate(f'"{name}" <john@example.com>', {"type": "string", "pattern": pattern})
