"""A setup request answered against the docs is a broken rule, named, exit 1 (issue 11, case 4):
`expect_success` names the rule admitting each request the fixtures send, and the plugin counts
a rule named in setup as a rule failure, under -x too."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from close_conformance.checks import RuleViolation
from close_conformance.preconditions import expect_success, setup_rule

pytestmark = pytest.mark.selftest

ROOT = Path(__file__).resolve().parents[3]
BASE = "http://127.0.0.1:9/api/v1"
LEAD = "lead_" + "A" * 22


def answered(method: str, path: str, status: int, body: Any = None, **params: str) -> httpx.Response:
    content = json.dumps(body).encode() if body is not None else b""
    request = httpx.Request(method, f"{BASE}{path}", params=params or None, content=content)
    return httpx.Response(status, json={"error": "refused"}, request=request)


# Every request the suite's object-creating fixtures send (fixtures.references, test_access
# `mine`/`theirs`/`lead_with_contacts`, test_email_filters `logged`, test_http `own`,
# test_leads `seven_leads`), and the rule a refusal of it breaks.
SETUP_REQUESTS = [
    ("GET", "/me/", None, {}, "me.current-user"),
    ("GET", "/send_as/", None, {}, "send_as.list-default-allowing"),
    ("GET", "/send_as/", None, {"allowed_user_id": "user_" + "B" * 22}, "send_as.list-involved-only"),
    ("POST", "/lead/", {"name": "x"}, {}, "lead.create"),
    ("POST", "/contact/", {"lead_id": LEAD, "name": "x"}, {}, "contact.create-on-lead"),
    ("POST", "/contact/", {"name": "x"}, {}, "contact.create-without-lead"),
    ("POST", "/activity/email/", {"lead_id": LEAD, "status": "draft"}, {}, "email.sender.optional-for-draft"),
    (
        "POST",
        "/activity/email/",
        {"lead_id": LEAD, "status": "sent", "sender": "a@example.com", "to": ["b@example.com"]},
        {},
        "email.sender.sent-default",
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "params", "rule"),
    SETUP_REQUESTS,
    ids=[f"{m} {p} {rule}" for m, p, _, _, rule in SETUP_REQUESTS],
)
def test_a_refused_setup_request_names_the_rule_admitting_it(
    method: str, path: str, body: Any, params: dict[str, str], rule: str
) -> None:
    response = answered(method, path, 400, body, **params)
    assert setup_rule(response) == (rule, ())
    with pytest.raises(RuleViolation) as raised:
        expect_success(response, f"{method} {path}")
    assert raised.value.rule_id == rule
    assert str(raised.value).startswith(f"[{rule}] {method} {path} (setup of the test) answered")


def test_a_success_returns_the_body() -> None:
    request = httpx.Request("POST", f"{BASE}/lead/", content=b'{"name": "x"}')
    assert expect_success(httpx.Response(200, json={"id": LEAD}, request=request), "POST /lead/") == {
        "id": LEAD
    }


def test_a_refusal_the_register_admits_skips() -> None:
    # A scheduled email without date_scheduled: the register (email-scheduling-fields) admits a 400.
    body = {"lead_id": LEAD, "status": "scheduled", "sender": "a@example.com"}
    with pytest.raises(pytest.skip.Exception):
        expect_success(answered("POST", "/activity/email/", 400, body), "POST /activity/email/")


def test_a_rule_named_in_setup_is_exit_1(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from close_conformance.checks import RuleViolation

        @pytest.fixture
        def created():
            raise RuleViolation("lead.create", "POST /lead/ (setup of the test) answered 400")

        def test_ok():
            pass

        def test_uses(created):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-x")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*[[]lead.create[]] POST /lead/ (setup of the test) answered 400*"])


@pytest.mark.slow
@pytest.mark.parametrize(
    "selection",
    [
        "tests/conformance/test_http.py::test_an_unknown_field_is_a_validation_error",
        "tests/conformance/test_access.py",
    ],
)
def test_a_draft_refused_in_a_fixture_is_the_draft_rule_not_the_suite(selection: str) -> None:
    # The mock refuses drafts without sender; the fixtures `own` and `mine` create one.
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", selection, "-x", "-n", "0"),
            *("-p", "no:cacheprovider", "-p", "no:randomly", "--mock-fault", "sender-required-for-draft"),
            *("--hypothesis-profile", "quick", "--seed", "1"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, f"exit {done.returncode}:\n{done.stdout[-3000:]}"
    assert "[email.sender.optional-for-draft]" in done.stdout, done.stdout[-3000:]


def test_a_broken_rule_shows_its_statement_and_source(pytester: pytest.Pytester) -> None:
    # README: every failure names its rule, the rule's statement and source; a hand-written
    # assert carries only `[rule.id] ...`, so the plugin adds the rest to the report.
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.rule("lead.update")
        def test_put():
            assert False, "[lead.update] PUT /lead/x/ replaced the lead"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "0")
    assert result.ret == 1
    result.stdout.fnmatch_lines(
        ["*close-conformance rule*", "lead.update: `PUT /lead/{id}/` MUST *", "  source: doc:https://*"]
    )
