"""The pytest plugin (entry point `pytest11`): options, markers, target selection, exit codes.

Options resolve command line, then environment, then ini. Fixtures live in `fixtures.py` and are
exposed from here. See ../shared/docs/design.md for the interface this holds to.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import tempfile
from collections.abc import Generator, Mapping
from pathlib import Path
from typing import Any

import pytest

from close_conformance import checks, interrupts, options, runtime
from close_conformance.contract import Rule
from close_conformance.fixtures import (  # noqa: F401 - fixtures are found in the plugin's namespace
    api,
    close_context,
    ledger,
    me,
    outsider,
    peer,
    preflight_identities,
    references,
    st_session,
    target,
    throttled_target,
)
from close_conformance.outcome import Tally, is_rule_failure, is_setup_rule_failure, rules_named
from close_conformance.profiles import PROFILES, register_profiles
from close_conformance.settings import RunSettings, SettingsError, given_base_url
from close_conformance.spend import Spend

TALLY = pytest.StashKey[Tally]()
SPEND = pytest.StashKey[Spend]()
SETTINGS = pytest.StashKey[RunSettings]()
SHARED = pytest.StashKey[Path]()
"""The controller's directory for what its xdist workers against a server share: each key's
rate-limit window (close_conformance.gate)."""
SELFTEST_DIR = "selftest"
SEND_AS_RULES = "send_as."
SEND_AS_GROUP = "send-as"
SERVER_WORKERS = 4
"""`-n auto` against a server: a request waits 100-200 ms there, so more workers than cores."""
# pytest_runtest_logreport gets no config; the one tally of this process lives here.
_tally: Tally | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    options.add_options(parser)


def _stop(config: pytest.Config, message: str) -> None:
    config.stash[TALLY].usage_error = message
    pytest.exit(f"close-conformance: {message}", returncode=2)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(*ids): the rule ids from specs/rules.yaml this test guards")
    config.addinivalue_line(
        "markers", "selftest: a test of the project itself (deselected against a live --base-url)"
    )
    global _tally
    _tally = config.stash[TALLY] = Tally()
    config.stash[SPEND] = Spend()
    config.pluginmanager.register(config.stash[SPEND], "close-conformance-spend")
    try:
        settings = RunSettings.resolve(config.getoption, config.getini)
    except SettingsError as error:
        _stop(config, str(error))
        return
    if settings.profile not in PROFILES:
        _stop(config, f"--hypothesis-profile {settings.profile!r}: choose one of {', '.join(PROFILES)}")
    if settings.live and not settings.writes_allowed:
        _stop(
            config,
            f"refusing to write to {settings.base_url} (not loopback): give --allow-writes to let the run "
            "create objects of its own (it changes and deletes nothing else)",
        )
    workers = config.getoption("numprocesses", None)
    spread = isinstance(workers, int) and workers > 1 and config.getoption("dist", None) != "loadgroup"
    if settings.base_url and spread and not hasattr(config, "workerinput"):
        # Workers against one server share its organization, where a Send As pair is one: only
        # loadgroup keeps the tests of Send As pairs on one worker (`_mark`).
        _stop(
            config,
            f"-n {workers} against {settings.base_url} needs --dist loadgroup: it keeps every test "
            "of a Send As pair (one per organization) on one worker",
        )
    if settings.seed is None:
        # Every run has a seed, printed in the header and in each failure's replay line. xdist
        # workers take the controller's (pytest_configure_node).
        inherited = getattr(config, "workerinput", {}).get("close_seed")
        seed = int(inherited) if inherited is not None else random.SystemRandom().randrange(2**31)
        settings = dataclasses.replace(settings, seed=seed, seed_chosen=False)
    config.stash[SETTINGS] = settings
    # Hypothesis loads the profile and seed from its own options: hand ours to it, so the CI
    # environment variable's `ci` profile never decides the budget.
    register_profiles(shrink=settings.shrinks, seed=settings.seed)
    config.option.hypothesis_profile = settings.profile
    config.option.hypothesis_seed = str(settings.seed)
    runtime.install(runtime.RunContext(settings=settings))
    _register_checks()
    if not hasattr(config, "workerinput"):
        interrupts.install()  # SIGTERM as Ctrl-C; both wait for a request in flight to be recorded


_checks_registered = False


def _register_checks() -> None:
    """Hand the rule checks to schemathesis, once per process (its registry is global)."""
    global _checks_registered
    if not _checks_registered:
        checks.register()
        _checks_registered = True


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` against a server (--base-url): SERVER_WORKERS workers under `--dist loadgroup`,
    else none. The workers share the server's one organization: each keeps a ledger of its own
    and touches only what it created, and every test that may create or revoke a Send As pair
    (one per organization) runs on one worker (the `send-as` group, `_mark`); without loadgroup
    that grouping would not hold. Each embedded mock is a worker's own: xdist's own count."""
    if not given_base_url(config.getoption, config.getini):
        return None
    return SERVER_WORKERS if config.getoption("dist", None) == "loadgroup" else 0


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """xdist's controller against a server checks the keys before it starts workers: a wrong URL
    or key is then one line and exit 2, not every worker crashing on it."""
    config = session.config
    settings = config.stash.get(SETTINGS, None)
    workers = config.getoption("numprocesses", None)
    if settings is None or not settings.live or hasattr(config, "workerinput"):
        return
    if isinstance(workers, int) and workers > 0 and not config.option.collectonly:
        preflight_identities(runtime.current())


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: every worker runs with the controller's seed; against a server, the workers share
    what they learn of it through the controller's directory (SHARED)."""
    config = node.config
    node.workerinput["close_seed"] = config.stash[SETTINGS].seed
    if config.stash[SETTINGS].live:
        if SHARED not in config.stash:
            config.stash[SHARED] = Path(tempfile.mkdtemp(prefix="close-conformance-run-"))
        node.workerinput["close_shared"] = str(config.stash[SHARED])


def pytest_unconfigure(config: pytest.Config) -> None:
    shared = config.stash.get(SHARED, None)
    if shared is not None:
        shutil.rmtree(shared, ignore_errors=True)


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = config.stash.get(SETTINGS, None)
    if settings is None:
        return []
    where = settings.base_url or "embedded reference mock"
    faults = f", faults: {', '.join(settings.mock_faults)}" if settings.mock_faults else ""
    faults += f", readings: {', '.join(settings.mock_readings)}" if settings.mock_readings else ""
    return [
        f"close-conformance: target {where}{faults}",
        f"close-conformance: profile {settings.profile}, "
        f"seed {settings.seed}{'' if settings.seed_chosen else ' (random; replay with --seed)'}, "
        f"{'strict' if settings.strict else 'default'} reading of the register",
    ]


def _rules_of(item: pytest.Item) -> set[str]:
    return {rule for mark in item.iter_markers("rule") for rule in mark.args}


def _operation_of(item: pytest.Item) -> str | None:
    """The operationId of a schemathesis item (None for any other test)."""
    label = getattr(item, "operation_label", None)
    return runtime.current().contract.operation_id(label) if isinstance(label, str) else None


def _rename(item: pytest.Item, nodeid: str) -> None:
    # pytest >= 9.2 keeps a structured id; the plugin requires pytest 9.2 (pyproject).
    item._id = type(item._id).parse(nodeid)


def _group(item: pytest.Item) -> None:
    """xdist's `--dist loadgroup` sends items whose node id ends with `@<group>` to one worker; it
    appends the suffix by assigning `_nodeid`, which pytest 9.2's structured ids ignore, so every
    `xdist_group` was silently spread over the workers (the fault proof ran once per worker).
    Name the group the way xdist reads it."""
    names = sorted(
        {
            str(m.args[0] if m.args else m.kwargs.get("name", "default"))
            for m in item.iter_markers("xdist_group")
        }
    )
    if names and "@" not in item.nodeid:
        _rename(item, f"{item.nodeid}@{'_'.join(names)}")


def _mark(items: list[pytest.Item], settings: RunSettings) -> None:
    """Name schemathesis' items by operation and mark them with its rules; mark self-tests; against
    a server, put every test of a Send As rule in one xdist group."""
    context = runtime.current()
    for item in items:
        label = getattr(item, "operation_label", None)
        if isinstance(label, str):
            # schemathesis (4.32 on pytest 9) gives every operation's item the same node id,
            # which xdist, -k and reports cannot tell apart: name each by its operation.
            _rename(item, f"{item.parent.nodeid if item.parent else ''}::{item.name}")
            operation = _operation_of(item)
            if operation:
                rules = [r.id for r in context.contract.rules_for_operation(operation)]
                item.add_marker(pytest.mark.rule(*rules))
        if SELFTEST_DIR in Path(str(item.path)).parts:
            item.add_marker(pytest.mark.selftest)
        if settings.base_url and any(rule.startswith(SEND_AS_RULES) for rule in _rules_of(item)):
            # The workers share the server's one organization, where a Send As pair (me -> peer)
            # is one: a test that may create or revoke it runs on the worker all such tests run
            # on. Each embedded mock is a worker's own, so there the tests spread as usual.
            item.add_marker(pytest.mark.xdist_group(SEND_AS_GROUP))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    settings = config.stash.get(SETTINGS, None)
    if settings is not None:
        _mark(items, settings)
    if hasattr(config, "workerinput") and getattr(config.option, "loadgroup", False):
        for item in items:
            _group(item)  # an xdist worker's collection: the controller schedules by these ids
    if settings is None:
        return
    context = runtime.current()
    keep, drop = [], []
    wanted = context.contract.rules_since(settings.changelog_since) if settings.changelog_since else None
    chosen = config.getoption("close_rules")
    if chosen:
        unknown = sorted(set(chosen) - set(context.contract.rules))
        if unknown:
            _stop(config, f"--rule {', '.join(unknown)}: no such rule in specs/rules.yaml")
        wanted = set(chosen) if wanted is None else wanted & set(chosen)
    operations = config.getoption("close_operations")
    if operations:
        unknown = sorted(set(operations) - set(context.contract.operations))
        if unknown:
            _stop(config, f"--operation {', '.join(unknown)}: no such operationId in specs/close.yaml")
    for item in items:
        selftest_on_live = settings.live and item.get_closest_marker("selftest") is not None
        other_operation = operations and _operation_of(item) not in operations
        if selftest_on_live or other_operation or (wanted is not None and not (_rules_of(item) & wanted)):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    report.close_rules = sorted(_rules_of(item))
    if report.failed and report.when == "call":
        report.sections.append(("close-conformance replay", _replay_line(item)))
    if report.failed:
        # Classified where the exception is at hand; the attribute travels with the report
        # to the xdist controller, which decides the exit code.
        error = call.excinfo.value if call.excinfo else None
        known = runtime.current().contract.rules
        rule_broken = error is not None and (
            (report.when == "call" and is_rule_failure(error))
            # A setup request answered against the docs breaks the rule it names (preconditions).
            or (report.when == "setup" and is_setup_rule_failure(error, known))
        )
        report.close_outcome = "rule" if rule_broken else "suite"
        report.close_broken = rules_named(error, known) if rule_broken and error is not None else []
        if report.close_broken:
            report.sections.append(("close-conformance rule", _rule_lines(report.close_broken, known)))
    _redact(report)
    return report


def _rule_lines(rule_ids: list[str], known: Mapping[str, Rule]) -> str:
    """What each broken rule says and where the docs say it, for the failure's report."""
    lines = []
    for rule_id in rule_ids:
        if rule_id in known:
            rule = known[rule_id]
            lines.append(f"{rule_id}: {' '.join(rule.statement.split())}")
            lines.append(f"  source: {', '.join(rule.sources)}")
    return "\n".join(lines)


def pytest_collection_finish(session: pytest.Session) -> None:
    if _tally is not None:
        _tally.collected = [
            {"nodeid": item.nodeid, "rules": sorted(_rules_of(item))} for item in session.items
        ]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    tally = _tally
    if tally is None:
        return
    if report.when == "call" or report.failed:
        tally.records.append(
            {
                "nodeid": report.nodeid,
                "when": report.when,
                "outcome": report.outcome,
                "kind": getattr(report, "close_outcome", None),
                "rules": getattr(report, "close_rules", []),
                "broken": getattr(report, "close_broken", []),
                "seconds": round(report.duration, 3),
            }
        )
    if report.when == "call" and report.passed:
        tally.passed += 1
    elif report.failed:
        outcome = getattr(report, "close_outcome", "suite")
        (tally.rule_failures if outcome == "rule" else tally.suite_errors).append(report.nodeid)


def _replay_line(item: pytest.Item) -> str:
    """The command that runs this test again the same way (keys come from the environment)."""
    settings = item.config.stash[SETTINGS]
    operation = _operation_of(item)
    # pytest cannot select a schemathesis item by its node id: its file and --operation can.
    selected = (
        f"'{item.path.relative_to(item.config.rootpath)}' --operation {operation}"
        if operation
        else f"'{item.nodeid.split('@', 1)[0]}'"  # without an xdist group suffix (_group)
    )
    parts = [f"pytest {selected}", f"--seed {settings.seed}", f"--hypothesis-profile {settings.profile}"]
    if settings.strict:
        parts.append("--strict")
    if settings.no_shrink:
        parts.append("--no-shrink")
    if settings.read_lag is not None:
        parts.append(f"--read-lag {settings.read_lag:g}")
    if settings.base_url:
        parts.append(f"--base-url {settings.base_url}")
    parts += [f"--mock-fault {fault}" for fault in settings.mock_faults]
    parts += [f"--mock-reading {reading}" for reading in settings.mock_readings]
    return " ".join(parts)


def _redact(report: pytest.TestReport) -> None:
    """API keys never appear in failure output (house rule 4)."""
    context = runtime.current()
    secrets = [s for s in (context.target.secrets() if context.target else []) if s]
    if not secrets or not report.longrepr:
        return
    text = str(report.longrepr)
    if any(secret in text for secret in secrets):
        for secret in secrets:
            text = text.replace(secret, "***")
        report.longrepr = text


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return  # the controller decides the exit code from the reports it receives
    tally = session.config.stash.get(TALLY, None)
    if tally is None:
        return
    if session.config.option.collectonly:
        _write_results(session.config, {"exit_code": int(exitstatus), "collected": tally.collected})
        return
    code = tally.exit_code(int(exitstatus))
    if code == 5:
        session.config.get_terminal_writer().line(
            "close-conformance: nothing was checked (every test skipped or deselected): not a pass", red=True
        )
    session.exitstatus = code
    spend = session.config.stash[SPEND]
    _write_results(
        session.config,
        {
            "exit_code": code,
            "requests_sent": spend.sent,
            "waits_on_429": spend.waits,
            "requests_by_test": spend.by_test,
            "tests": tally.records,
            "collected": tally.collected,
        },
    )


def _write_results(config: pytest.Config, results: dict[str, Any]) -> None:
    path = config.getoption("close_results")
    if path:
        Path(path).write_text(json.dumps(results, indent=1), encoding="utf-8")
