"""Per test phase, in the process that ran it (an xdist worker or the only one): the requests the
phase sent and, for a failure, its evidence, attached to the test report so they travel to the
controller with it (pytest serialises a report's plain attributes).

    report.close_exchanges  [[METHOD, path, status], ...]   every answered request of the phase
    report.close_operation  operationId of a schemathesis item, else None
    report.close_evidence   {"rule", "operation", "message", "got", "curl"} per broken rule,
                            a failed call only; every text scrubbed of the run's credentials
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any
from urllib.parse import urlsplit

import pytest

from close_conformance import runtime
from close_conformance.contract import Contract
from close_conformance.report.operations import OperationIndex
from close_conformance.report.redact import curl_line, scrub
from close_conformance.retry import Exchange

__all__ = ["pytest_runtest_makereport", "wanted"]

_SAID = re.compile(r"\b(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\s+(/[^\s?'\"]*)(?:\?\S*)?(\s+->\s+\d{3})?")
_TAG = re.compile(r"^\[[^\]]+\]\s*")
_CURL = re.compile(r"^[\s|]*(curl\s.+)$", re.MULTILINE)


def wanted(config: pytest.Config) -> bool:
    """Whether this run writes a report or applies a baseline (else nothing is gathered)."""
    return bool(
        config.getoption("close_report", None)
        or config.getini("close_report")
        or config.getoption("close_baseline", None)
    )


_indexes: dict[int, OperationIndex] = {}


def _index(contract: Contract) -> OperationIndex:
    """One index per contract (the run's, normally), built at the first failure."""
    if id(contract) not in _indexes:
        _indexes[id(contract)] = OperationIndex(contract)
    return _indexes[id(contract)]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Outermost wrapper: runs after close_conformance.plugin has named the broken rules."""
    report = yield
    context = runtime.current()
    exchanges = list(context.requests_sent.exchanges)
    context.requests_sent.exchanges.clear()  # drained every phase, whether a report is wanted or not
    if not wanted(item.config):
        return report
    report.close_exchanges = [[method, urlsplit(url).path, status] for method, url, status, _ in exchanges]
    label = getattr(item, "operation_label", None)
    report.close_operation = context.contract.operation_id(label) if isinstance(label, str) else None
    if report.failed and report.when == "call" and call.excinfo is not None:
        secrets = [s for s in (context.target.secrets() if context.target else []) if s]
        report.close_evidence = [
            _evidence(
                rule, call.excinfo.value, str(report.longrepr), report.close_operation, exchanges, secrets
            )
            for rule in getattr(report, "close_broken", []) or [None]
        ]
    return report


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def _message(rule: str | None, error: BaseException) -> str:
    """The failure's own words about `rule`: the first leaf naming it, from its tag on."""
    for leaf in _leaves(error):
        text = f"{getattr(leaf, 'title', '')}\n{leaf}" if hasattr(leaf, "title") else str(leaf)
        if rule is None or f"[{rule}]" in text:
            start = text.find(f"[{rule}]") if rule else 0
            return text[max(start, 0) :].strip()
    return str(error).strip()


def _evidence(
    rule: str | None,
    error: BaseException,
    longrepr: str,
    operation: str | None,
    exchanges: list[Exchange],
    secrets: list[str],
) -> dict[str, Any]:
    message = _message(rule, error)
    index = _index(runtime.current().contract)
    contract = runtime.current().contract
    wanted = set(contract.rules[rule].operations) if rule is not None and rule in contract.rules else set()
    # The request the failure names: the first `METHOD /path` of an operation of the rule, else
    # the first of any operation; without one, the last request the test sent.
    mentions = [(m, index.operation(m.group(1), m.group(2))) for m in _SAID.finditer(message)]
    mentions = [(m, op) for m, op in mentions if op]
    said = next(((m, op) for m, op in mentions if op in wanted), mentions[0] if mentions else None)
    exchange: Exchange | None = None
    if said:
        method, path = said[0].group(1), said[0].group(2)
        operation = operation or said[1]
        exchange = next(
            (
                e
                for e in reversed(exchanges)
                if e[0] == method and index.relative_path(e[1]) == index.relative_path(path)
            ),
            None,
        )
    elif exchanges:
        exchange = exchanges[-1]
        operation = operation or index.operation(exchange[0], exchange[1])
    # What the failure says it got: its first line (the request and answer are in it, when the
    # test wrote `said(response)`), cut before long bodies.
    first_line = _TAG.sub("", message.split("\n", 1)[0]).strip()
    got = first_line if len(first_line) <= 240 else first_line[:239] + "…"
    # Built from the request itself (runnable: the key comes from the environment); schemathesis'
    # own line (headers filtered) only when no request was seen.
    found = _CURL.search(longrepr)
    if exchange is not None:
        curl = curl_line(exchange[0], exchange[1], exchange[3])
    else:
        curl = found.group(1).strip() if found else ""
    return {
        "rule": rule,
        "operation": operation,
        "message": scrub(message[:4000], secrets),
        "got": scrub(got, secrets),
        "curl": scrub(curl, secrets),
    }
