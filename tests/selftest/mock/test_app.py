"""The app as a whole: routes from the spec, the spec it serves, start-up checks, and schemathesis
run against the mock with the mock's own spec (no server error, no response outside the spec)."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from close_conformance.contract import default_contract
from close_conformance.mock import FAULTS, create_app
from close_conformance.mock.app import OPERATIONS, SPEC_PATH
from close_conformance.mock.validation import SpecValidators


@pytest.mark.rule("http.no-server-error")
def test_every_spec_operation_has_a_handler_and_nothing_else():
    assert set(OPERATIONS) == set(default_contract().operations)


@pytest.mark.rule("http.no-server-error")
def test_the_spec_is_served_without_credentials(mock):
    response = mock.anonymous.get(f"http://mock.test{SPEC_PATH}")
    assert response.status_code == 200
    assert response.json()["paths"].keys() == default_contract().spec["paths"].keys()


@pytest.mark.rule("send_as.delete-status")
def test_a_register_reading_the_mock_cannot_act_on_fails_at_start_up():
    contract = default_contract()
    changed = dataclasses.replace(contract.discrepancy("send-as-delete-by-id-who"), mock="maybe")
    patched = dataclasses.replace(contract, discrepancies={**contract.discrepancies, changed.id: changed})
    with pytest.raises(ValueError, match=r"send-as-delete-by-id-who.*'maybe'"):
        create_app(contract=patched)


@pytest.mark.rule("lead.status-exclusive")
def test_a_handler_owned_constraint_missing_from_the_spec_fails_at_start_up():
    spec = copy.deepcopy(dict(default_contract().spec))
    del spec["components"]["schemas"]["CreateLead"]["not"]
    with pytest.raises(ValueError, match="CreateLead/not"):
        SpecValidators(spec)


@pytest.mark.rule("http.no-server-error")
def test_unknown_fault_names_are_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown fault") as refused:
        create_app(faults=["no-such-fault"])
    assert "non-draft-editable" in str(refused.value)
    assert len(FAULTS) > 41


# ---------------------------------------------------------------- schemathesis against the mock

# Positive and negative data through the examples and fuzzing phases, with a modest budget per
# operation; the seed makes it the same run every time. The coverage phase is off here: it alone
# costs ~15 s on this spec, and the conformance suite runs it against the mock anyway.
SCHEMATHESIS_CONFIG = {
    "seed": 20261124,
    "generation": {"mode": "all", "max-examples": 25, "database": "none"},
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": False},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


class References:
    """Real objects of the app, so that "valid" generated bodies point at things that exist."""

    def __init__(self, mock: Any) -> None:
        self.me, self.peer = mock.id_of("me"), mock.id_of("peer")
        self.lead = mock.lead()["id"]
        self.contact = mock.contact(lead_id=self.lead)["id"]
        self.organization = mock.users["me"].organization_id
        self.email_account = mock.users["me"].email_account_id

    def fill(self, case: Any) -> None:
        values = {
            "lead_id": self.lead,
            "contact_id": self.contact,
            "user_id": self.me,
            "created_by": self.me,
            "organization_id": self.organization,
            "email_account_id": self.email_account,
            "allowing_user_id": self.me,
            "allowed_user_id": self.peer,
            "allowed_user_ids": [self.peer],
            "disallowed_user_ids": [],
            "template_id": None,
            "in_reply_to_id": None,
            "followup_sequence_id": None,
        }
        for part in (case.body, case.query):
            if isinstance(part, dict):
                for key in part.keys() & values.keys():
                    if part[key] is not None:
                        part[key] = values[key]
        if isinstance(case.body, dict) and {"status", "status_id"} <= case.body.keys():
            del case.body["status"]


@pytest.fixture
def target(make_mock):
    """One app per operation; its state builds up over that operation's cases, as a server's would."""
    mock = make_mock()
    return mock, References(mock), {"Authorization": mock.me.headers["Authorization"]}


# Loaded from the package's own spec, not from a fixture: schemathesis 4.32's lazy `from_fixture`
# does not run under pytest 9 (it reads the removed `Function._nodeid`).
spec_schema = schemathesis.openapi.from_dict(
    dict(default_contract().spec), config=SchemathesisConfig.from_dict(SCHEMATHESIS_CONFIG)
)


@pytest.mark.rule("http.no-server-error")
@spec_schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(case, target):
    mock, references, headers = target
    if case.meta is not None and case.meta.generation.mode.is_positive:
        references.fill(case)
    response = case.call(headers=headers, app=mock.app)
    case.validate_response(response, checks=CHECKS, headers=headers, transport_kwargs={"app": mock.app})
