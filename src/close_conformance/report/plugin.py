"""The report's pytest plugin (entry point `pytest11`: close_conformance_report).

    --close-report [DIR]   write conformance.json/.md/.html, junit.xml and ctrf.json to DIR
                           (default reports/; ini `close_report`). Give DIR as --close-report=DIR
                           when test paths follow, or they would be read as the directory.
    --close-baseline FILE  failures listed there (rule, operation, signature) pass until they expire

It reads what close_conformance.plugin records (the tally: each test's outcome, rules, kind and
broken rules) and what `observe` attaches to each report (requests, evidence), and writes once, at
the end of the session on the controller: nothing per request beyond an append.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import platform
import time
from pathlib import Path
from typing import Any

import pytest

from close_conformance import runtime
from close_conformance.outcome import CONFORMANT, RULE_BROKEN
from close_conformance.plugin import SETTINGS, SPEND, TALLY
from close_conformance.report import baseline as baselines
from close_conformance.report.document import RunInfo, build
from close_conformance.report.observe import pytest_runtest_makereport, wanted  # noqa: F401 - hook
from close_conformance.report.operations import OperationIndex
from close_conformance.report.records import Extra, merge
from close_conformance.report.redact import scrub, url_without_credentials
from close_conformance.report.verdicts import failures_of, rule_verdicts
from close_conformance.report.write import write_all

DEFAULT_DIR = "reports"
_EXTRAS = pytest.StashKey[dict[str, Extra]]()
_STARTED = pytest.StashKey[tuple[datetime.datetime, float]]()
_PACKAGES = ("close-conformance", "pytest", "schemathesis", "hypothesis")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("close-conformance")
    group.addoption(
        "--close-report",
        dest="close_report",
        nargs="?",
        const=DEFAULT_DIR,
        metavar="DIR",
        help="write conformance.json/.md/.html, junit.xml and ctrf.json to DIR (default reports/); "
        "write --close-report=DIR when test paths follow [ini close_report]",
    )
    group.addoption(
        "--close-baseline",
        dest="close_baseline",
        metavar="FILE",
        help="known divergences (YAML: rule, operation, signature, reason, expires): failures listed "
        "there do not fail the run until they expire (see `close-conformance baseline`)",
    )
    parser.addini("close_report", help="write the conformance reports to this directory", default="")


def _stop(config: pytest.Config, message: str) -> None:
    """A usage error: one line, exit 2, as close_conformance.plugin reports its own."""
    tally = config.stash.get(TALLY, None)
    if tally is not None:
        tally.usage_error = message
    pytest.exit(f"close-conformance: {message}", returncode=2)


def _directory(config: pytest.Config) -> Path | None:
    value = config.getoption("close_report", None) or config.getini("close_report")
    return Path(str(value)) if value else None


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    directory = _directory(config)
    if directory is not None and (
        directory.is_file()
        or str(directory).endswith(".py")
        or "::" in str(directory)
        or (directory.is_dir() and any(directory.glob("test_*.py")))
    ):
        _stop(
            config,
            f"--close-report {directory}: that is a test path, not a report directory; "
            "write --close-report=DIR (or --close-report at the end of the line)",
        )
    baseline = config.getoption("close_baseline", None)
    if baseline:
        try:
            baselines.load(Path(baseline))
        except baselines.BaselineError as error:
            _stop(config, f"--close-baseline {error}")
    config.stash[_EXTRAS] = {}
    config.stash[_STARTED] = (datetime.datetime.now(datetime.UTC), time.monotonic())
    if wanted(config) and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_Collector(config), "close-conformance-report-collector")


class _Collector:
    """The controller's gathering of what `observe` attached to each report, one per session's
    config (registered in pytest_configure): an inner pytest session (pytester) gathers its own."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        extra = self.config.stash[_EXTRAS].setdefault(report.nodeid, Extra())
        extra.exchanges += [(str(m), str(p), int(s)) for m, p, s in getattr(report, "close_exchanges", [])]
        extra.operation = extra.operation or getattr(report, "close_operation", None)
        extra.evidence += getattr(report, "close_evidence", [])
        for title, content in report.sections:
            if title == "close-conformance replay":
                extra.replay = content.strip()
        if report.skipped and report.when == "setup":
            extra.skipped = True
            longrepr = report.longrepr
            extra.skip_reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
        if report.failed:
            lines = [line for line in report.longreprtext.splitlines() if line.strip()]
            extra.error = scrub("\n".join(lines[-12:]), _secrets(self.config))[:3000]


def _secrets(config: pytest.Config) -> list[str]:
    settings = config.stash.get(SETTINGS, None)
    found = [
        value
        for value in (
            getattr(settings, name, None)
            for name in ("api_key", "peer_api_key", "outsider_api_key", "access_token")
        )
        if value
    ]
    target = runtime.current().target
    return [*found, *(s for s in (target.secrets() if target else []) if s)]


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in _PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After close_conformance.plugin set the exit code: apply the baseline, write the reports."""
    config = session.config
    if hasattr(config, "workerinput") or not wanted(config) or config.option.collectonly:
        return
    tally = config.stash.get(TALLY, None)
    settings = config.stash.get(SETTINGS, None)
    if tally is None or settings is None or tally.usage_error is not None:
        return
    contract = runtime.current().contract
    extras: dict[str, Extra] = config.stash[_EXTRAS]
    records = merge(tally.collected, tally.records, extras)
    failures = failures_of(records, contract)
    code = without = int(session.exitstatus)
    unobserved: list[baselines.Divergence] = []
    baseline_file = config.getoption("close_baseline", None)
    writer = config.get_terminal_writer()
    writer.line("")  # after pytest's progress line, which has no newline yet
    if baseline_file:
        entries = baselines.load(Path(baseline_file))
        unobserved = baselines.apply(entries, failures, datetime.date.today())
        new = [f for f in failures if not f.known]
        if code == RULE_BROKEN and failures and not new:
            code = CONFORMANT
        known = len(failures) - len(new)
        writer.line(
            f"close-conformance: baseline {baseline_file}: {known} known divergence(s), "
            f"{len(new)} new failure(s)",
            red=bool(new),
        )
        for failure in new:
            expired = " (its baseline entry expired)" if failure.baseline else ""
            writer.line(
                f"  new: [{failure.rule}] {failure.operation or '-'} {failure.signature}"
                f"{expired}: {failure.normal}",
                red=True,
            )
        for entry in unobserved:
            writer.line(
                f"  not observed in this run: [{entry.rule}] {entry.operation or '-'} "
                f"{entry.signature} (not run, or no longer diverging)"
            )
        session.exitstatus = code
    directory = _directory(config)
    if directory is None:
        return
    started, clock = config.stash[_STARTED]
    verdicts = rule_verdicts(contract, records, failures, OperationIndex(contract))
    spent = config.stash.get(SPEND, None)
    info = RunInfo(
        target=url_without_credentials(settings.base_url) if settings.base_url else "embedded reference mock",
        live=settings.live,
        profile=settings.profile,
        seed=settings.seed,
        strict=settings.strict,
        mock_faults=settings.mock_faults,
        mock_readings=settings.mock_readings,
        selection=_selection(config, settings),
        versions=_versions(),
        started=started,
        seconds=time.monotonic() - clock,
        exit_code=code,
        exit_code_without_baseline=without,
        requests_sent=spent.sent if spent else 0,
        waits_on_429=spent.waits if spent else 0,
    )
    document = build(
        info,
        contract,
        records,
        failures,
        verdicts,
        baseline_file=baseline_file,
        unobserved=unobserved,
        changelog_since=settings.changelog_since,
    )
    written = write_all(directory, document, _secrets(config))
    writer.line(f"close-conformance: reports written to {directory}/ ({', '.join(p.name for p in written)})")


def _selection(config: pytest.Config, settings: Any) -> dict[str, Any]:
    return {
        "rules": list(config.getoption("close_rules") or []),
        "operations": list(config.getoption("close_operations") or []),
        "changelog_since": settings.changelog_since.isoformat() if settings.changelog_since else None,
    }
