"""A run against the embedded mock with one fault writes the five files of the report, and each
says what broke: the JSON follows its shipped schema, the JUnit parses with unique names, CTRF
has its required shape, the HTML shows the failing rule (in headless Chromium), and no credential
is written anywhere."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from close_conformance.report.document import schema, validate
from close_conformance.report.write import FILES
from close_conformance.served import serve

from .conftest import FAULT, RULE, Run, run_suite

# One worker runs the faulty suite once for the module and test_baseline.py (module fixture).
pytestmark = [pytest.mark.selftest, pytest.mark.slow, pytest.mark.xdist_group("report-run")]

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def _document(run: Run) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run.directory / "conformance.json").read_text())
    return data


def test_the_run_writes_all_five_files(faulty_run: Run) -> None:
    for name in FILES:
        path = faulty_run.directory / name
        assert path.is_file(), f"{name} missing"
        assert path.stat().st_size > 0, f"{name} empty"
    assert "reports written to" in faulty_run.output


def test_the_json_follows_its_schema_and_names_the_broken_rule(faulty_run: Run) -> None:
    jsonschema.Draft202012Validator.check_schema(schema())
    document = _document(faulty_run)
    validate(document)
    run = document["run"]
    assert (run["exit_code"], run["profile"], run["seed"], run["reading"]) == (1, "quick", 1, "default")
    assert run["mock_faults"] == [FAULT]
    assert run["selection"]["rules"] == [RULE]
    # What the run spent, as its terminal summary says it (close_conformance.spend).
    assert run["requests_sent"] > 0
    assert run["waits_on_429"] == 0
    assert f"close-conformance: {run['requests_sent']:,} requests sent, 0 waits on 429" in faulty_run.output
    assert document["summary"]["verdict"] == "not conformant"
    rules = {rule["id"]: rule for rule in document["rules"]}
    assert rules[RULE]["verdict"] == "fail"
    assert rules[RULE]["reached"]
    assert any(s["url"] and "changelog/2025/2/14" in s["url"] for s in rules[RULE]["sources"])
    assert rules[RULE]["changelog"] == [{"date": "2025-02-14", "title": rules[RULE]["changelog"][0]["title"]}]
    assert FAULT in rules[RULE]["faults"]
    failures = [f for f in document["failures"] if f["rule"] == RULE]
    assert failures
    assert all(f["operation"] == "createContact" for f in failures)
    for failure in failures:
        assert failure["curl"].startswith("curl -X POST")
        assert "$CLOSE_API_KEY" in failure["curl"]
        assert failure["replay"].startswith("pytest ")
        assert f"--mock-fault {FAULT}" in failure["replay"]
        assert re.fullmatch(r"[0-9a-f]{16}", failure["signature"])
    # A rule no selected test guards is not run, and says so.
    assert rules["send_as.delete-by-id"]["verdict"] == "not run"
    assert rules["send_as.delete-by-id"]["why"]


def test_the_json_counts_coverage_of_operations_and_statuses(faulty_run: Run) -> None:
    coverage = _document(faulty_run)["coverage"]
    cells = {(op["operation"], c["status"]): c["state"] for op in coverage["operations"] for c in op["cells"]}
    assert cells[("createContact", 200)] == "covered"
    assert cells[("createContact", 429)] == "documented, never observed"
    # No test of this selection sends Send As requests.
    assert {state for (op, _), state in cells.items() if op == "bulkEditSendAs"} == {"not run"}
    assert sum(coverage["totals"].values()) == len(cells)


def test_the_changelog_entry_of_the_rule_carries_its_verdict(faulty_run: Run) -> None:
    entries = {e["date"]: e for e in _document(faulty_run)["changelog"]["entries"]}
    assert entries["2025-02-14"]["verdict"] == "fail"
    assert {"id": RULE, "verdict": "fail"} in entries["2025-02-14"]["rules"]


def test_junit_parses_with_unique_names_one_case_per_rule_and_operation(faulty_run: Run) -> None:
    tree = ET.parse(faulty_run.directory / "junit.xml")
    cases = tree.getroot().findall("./testsuite/testcase")
    names = Counter(case.get("name") for case in cases)
    assert names
    assert max(names.values()) == 1, [n for n, c in names.items() if c > 1]
    document = _document(faulty_run)
    assert len(cases) == sum(len(r["operations"]) for r in document["rules"])
    failing = next(c for c in cases if c.get("name") == f"{RULE} [createContact]")
    failure = failing.find("failure")
    assert failing.get("classname") == "contact"
    assert failure is not None
    assert failure.get("message") == RULE
    assert "curl -X POST" in (failure.text or "")
    assert "expected:" in (failure.text or "")
    suite = tree.getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("failures", "0")) == sum(c.find("failure") is not None for c in cases)
    assert int(suite.get("tests", "0")) == len(cases)


def test_ctrf_has_the_required_shape_and_labels(faulty_run: Run) -> None:
    ctrf = json.loads((faulty_run.directory / "ctrf.json").read_text())
    assert ctrf["reportFormat"] == "CTRF"
    assert re.fullmatch(r"\d+\.\d+\.\d+", ctrf["specVersion"])
    results = ctrf["results"]
    assert results["tool"]["name"] == "close-conformance"
    summary = results["summary"]
    for key in ("tests", "passed", "failed", "skipped", "pending", "other", "start", "stop"):
        assert isinstance(summary[key], int), key
    assert (
        summary["tests"]
        == len(results["tests"])
        == sum(summary[k] for k in ("passed", "failed", "skipped", "pending", "other"))
    )
    for test in results["tests"]:
        assert test["status"] in ("passed", "failed", "skipped", "pending", "other")
        assert isinstance(test["duration"], int)
        assert test["name"]
        for value in test["labels"].values():
            assert isinstance(value, str | int | float | bool) or (isinstance(value, list) and value)
    failing = next(t for t in results["tests"] if t["name"] == f"{RULE} [createContact]")
    assert failing["status"] == "failed"
    assert failing["labels"] == {
        "rule": RULE,
        "operation": "createContact",
        "area": "contact",
        "changelog": ["2025-02-14"],
    }


class _Text(HTMLParser):
    """The text of the page's failure sections and its verdict, as a reader without JS sees it."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.failures: list[str] = []
        self.verdict = ""
        self._in_verdict = False
        self.scripts = 0
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section" and "failure" in (found.get("class") or "").split():
            self.depth = 1
        elif self.depth and tag == "section":
            self.depth += 1
        self._in_verdict = found.get("id") == "verdict"
        if tag in ("script", "link", "img") and (found.get("src") or (tag == "link" and found.get("href"))):
            self.external.append(f"{tag} {found}")

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == "section":
            self.depth -= 1
        self._in_verdict = False

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.failures.append(data)
        if self._in_verdict:
            self.verdict += data


def _read(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    return parser


def test_the_html_is_self_contained_and_readable_without_javascript(faulty_run: Run) -> None:
    page = _read((faulty_run.directory / "conformance.html").read_text())
    assert page.external == [], "the page must work offline"
    assert page.verdict.strip() == "not conformant"
    assert RULE in "".join(page.failures)


def test_headless_chromium_shows_the_failing_rule(faulty_run: Run) -> None:
    if CHROMIUM is None:
        message = "Chromium is not installed (Debian: apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI is set, so the HTML check must run")
        pytest.skip(message)
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--dump-dom",
            (faulty_run.directory / "conformance.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    page = _read(done.stdout)
    assert page.verdict.strip() == "not conformant"
    assert RULE in "".join(page.failures)
    # The filter script ran (it shows the filter bar and counts the rules).
    assert re.search(r'id="shown">\d+ of \d+ rules<', done.stdout)


_CREDENTIAL_SHAPES = re.compile(r"(?i)(basic|bearer)\s+[A-Za-z0-9+/=._~-]{16,}")


def test_no_credential_in_any_file(tmp_path: Path, faulty_run: Run) -> None:
    """Against `close-mock serve` with known keys (given as options, as a live run would), and the
    embedded run's files for anything shaped like an Authorization value."""
    import base64

    with serve("--fault", FAULT) as served:
        run = run_suite(tmp_path, "--rule", RULE, *served.suite_args())
        users = [u for org in served.announcement["organizations"] for u in org["users"]]
    assert run.code == 1, run.output[-3000:]
    secrets = [u["api_key"] for u in users] + [u["access_token"] for u in users]
    secrets += [base64.b64encode(f"{key}:".encode()).decode() for key in secrets]
    for directory in (run.directory, faulty_run.directory):
        for name in FILES:
            text = (directory / name).read_text()
            assert not [s for s in secrets if s in text], f"{directory.name}/{name} holds a credential"
            assert not _CREDENTIAL_SHAPES.search(text), (
                f"{directory.name}/{name}: {_CREDENTIAL_SHAPES.search(text)}"
            )
    document = _document(run)
    assert document["run"]["live"] is True
    assert document["run"]["target"] == served.base_url
    assert any(f["rule"] == RULE for f in document["failures"])
