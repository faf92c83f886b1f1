"""Coverage cells from the requests tests sent: covered, documented but never observed, observed
but undocumented, not run; requests to no operation counted apart."""

from __future__ import annotations

import pytest

from close_conformance.contract import default_contract
from close_conformance.report.coverage import (
    COVERED,
    NOT_RUN,
    UNDOCUMENTED,
    UNOBSERVED,
    operation_coverage,
)
from close_conformance.report.operations import OperationIndex
from close_conformance.report.records import RecordOfTest

pytestmark = [pytest.mark.selftest]


def test_each_cell_state() -> None:
    record = RecordOfTest(
        "t",
        ["contact.create-on-lead"],
        "passed",
        exchanges=[
            ("POST", "/api/v1/contact/", 200),
            ("POST", "/api/v1/contact/", 200),
            ("POST", "/api/v1/contact/", 500),
            ("PATCH", "/api/v1/contact/cont_abcdefghijklmnopqrstuvwx/", 405),
        ],
    )
    coverage = operation_coverage([record], OperationIndex(default_contract()))
    cells = {(op["operation"], c["status"]): c for op in coverage["operations"] for c in op["cells"]}
    assert cells[("createContact", 200)]["state"] == COVERED
    assert cells[("createContact", 200)]["count"] == 2
    assert cells[("createContact", 400)]["state"] == UNOBSERVED
    assert cells[("createContact", 500)]["state"] == UNDOCUMENTED
    assert cells[("getLead", 200)]["state"] == NOT_RUN
    assert coverage["totals"][UNDOCUMENTED] == 1
    assert coverage["outside"] == [{"method": "PATCH", "path": "/contact/{id}/", "status": 405, "count": 1}]
