"""The suite's pytest options and ini keys: what a run can be told, and where else it can be told
it (environment variables, ini). close_conformance.settings turns them into a RunSettings."""

from __future__ import annotations

import pytest

from close_conformance.settings import ENV

__all__ = ["add_options"]


def add_options(parser: pytest.Parser) -> None:
    """The suite's command-line options and ini keys (README: Options); `RunSettings.resolve`
    reads them, with their environment variables."""
    group = parser.getgroup("close-conformance", "Close conformance suite")
    group.addoption(
        "--base-url",
        dest="base_url",
        metavar="URL",
        help=f"test this server (…/api/v1) instead of the embedded mock [env {ENV['base_url']}]",
    )
    group.addoption(
        "--api-key", dest="api_key", metavar="KEY", help=f"API key of the acting user [env {ENV['api_key']}]"
    )
    group.addoption(
        "--peer-api-key",
        dest="peer_api_key",
        metavar="KEY",
        help=f"API key of another user of the same organization [env {ENV['peer_api_key']}]",
    )
    group.addoption(
        "--outsider-api-key",
        dest="outsider_api_key",
        metavar="KEY",
        help=f"API key of a user of another organization [env {ENV['outsider_api_key']}]",
    )
    group.addoption(
        "--access-token",
        dest="access_token",
        metavar="TOKEN",
        help=f"act through OAuth (Bearer) instead of the API key [env {ENV['access_token']}]",
    )
    group.addoption(
        "--allow-writes",
        action="store_true",
        default=False,
        help="allow creating, changing and deleting (the run's own objects) on a non-loopback server",
    )
    group.addoption(
        "--allow-send",
        action="store_true",
        default=False,
        help="allow emails Close would send (outbox, scheduled) on a non-loopback server",
    )
    group.addoption(
        "--seed",
        dest="close_seed",
        type=int,
        metavar="N",
        help="one seed for schemathesis and hypothesis: same seed, same run",
    )
    group.addoption(
        "--mock-fault",
        dest="mock_fault",
        action="append",
        metavar="NAME",
        help="switch a fault of the embedded mock on (see `close-mock faults`); repeatable",
    )
    group.addoption(
        "--mock-reading",
        dest="mock_reading",
        action="append",
        metavar="ID=VALUE",
        help="make the embedded mock take this reading of a register entry, one its default accepts "
        "(see `close-mock readings`); repeatable",
    )
    group.addoption(
        "--no-shrink",
        dest="close_no_shrink",
        action="store_true",
        default=False,
        help="report a failing example as found, without minimising it (faster; always so live)",
    )
    group.addoption(
        "--read-lag",
        dest="close_read_lag",
        type=float,
        metavar="SECONDS",
        help="how long 'gone after delete' and list checks poll a lagging read (default and most: "
        "the register's bound for read-after-delete-lag, 10 s; 0 demands the first read)",
    )
    group.addoption(
        "--changelog-since",
        dest="changelog_since",
        metavar="YYYY-MM-DD",
        help="run only the tests guarding rules changed by changelog entries since this date",
    )
    group.addoption(
        "--rule",
        dest="close_rules",
        action="append",
        metavar="ID",
        help="run only the tests guarding this rule of specs/rules.yaml; repeatable",
    )
    group.addoption(
        "--operation",
        dest="close_operations",
        action="append",
        metavar="OPERATION_ID",
        help="run only the schemathesis tests of this operation (operationId in specs/close.yaml); "
        "repeatable. Their node ids cannot be selected on the command line",
    )
    group.addoption(
        "--close-results",
        dest="close_results",
        metavar="PATH",
        help="write each test's outcome and rules, and the requests sent, as JSON",
    )
    group.addoption(
        "--close-state-dir",
        dest="close_state_dir",
        metavar="DIR",
        help="where run ledgers are kept (default .close-conformance)",
    )
    parser.addini("base_url", help="base URL of the server under test (…/api/v1)", default="")
    parser.addini(
        "close_strict",
        help="apply the strict reading of the discrepancy register",
        type="bool",
        default=False,
    )
    # `--strict` is pytest's own flag (it also turns on pytest's strictness options); this plugin
    # reads it as "apply the strict reading of every entry of the discrepancy register" too.
