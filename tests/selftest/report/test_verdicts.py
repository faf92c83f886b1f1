"""Per-rule verdicts (report/verdicts.py) from records of tests, without a run."""

from __future__ import annotations

import pytest

from close_conformance.contract import default_contract
from close_conformance.report.operations import OperationIndex
from close_conformance.report.records import RecordOfTest
from close_conformance.report.verdicts import CLIENT_RULE_NOT_RUN, rule_verdicts

pytestmark = [pytest.mark.selftest]


def test_a_server_run_passes_no_client_rule() -> None:
    # Every schemathesis item of a server run passed, each carrying its operation's rules: the
    # client rules (side: client) are not run, since no server test looks at a client's traffic.
    contract = default_contract()
    records = [
        RecordOfTest(
            f"tests/conformance/test_operations.py::test_operation[{method} {path}]",
            [r.id for r in contract.rules_for_operation(operation)],
            "passed",
            operation=operation,
        )
        for operation, (method, path) in contract.operations.items()
    ]
    verdicts = {v.rule.id: v for v in rule_verdicts(contract, records, [], OperationIndex(contract))}
    client = [rule_id for rule_id, rule in contract.rules.items() if rule.side == "client"]
    assert client
    for rule_id in client:
        assert (verdicts[rule_id].verdict, verdicts[rule_id].why) == ("not run", CLIENT_RULE_NOT_RUN)
        assert {cell.verdict for cell in verdicts[rule_id].cells} == {"not run"}
    assert verdicts["http.no-server-error"].verdict == "pass"
