"""Requests map to the operations of specs/close.yaml; literal segments win over `{id}`."""

from __future__ import annotations

import pytest

from close_conformance.contract import default_contract
from close_conformance.report.operations import OperationIndex

pytestmark = [pytest.mark.selftest]


@pytest.mark.parametrize(
    ("method", "url", "operation"),
    [
        ("GET", "http://127.0.0.1:5/api/v1/contact/cont_abc/", "getContact"),
        ("PUT", "/api/v1/lead/lead_x/?fields=id", "updateLead"),
        ("POST", "/api/v1/send_as/bulk/", "bulkEditSendAs"),
        ("DELETE", "/send_as/", "deleteSendAsByUsers"),
        ("PATCH", "/api/v1/contact/cont_abc/", None),
        ("GET", "/api/v1/opportunity/", None),
    ],
)
def test_operation_of_a_request(method: str, url: str, operation: str | None) -> None:
    assert OperationIndex(default_contract()).operation(method, url) == operation


def test_documented_statuses_come_from_the_spec() -> None:
    index = OperationIndex(default_contract())
    assert 201 in index.documented("createSendAs")
    assert 200 not in index.documented("createSendAs")
