"""`close-conformance explain RULE_ID`: the rule's statement, sources, readings, guarding tests
and faults; an unknown rule is one line, exit 2, with the closest ids."""

from __future__ import annotations

import pytest

from close_conformance.cli import main

pytestmark = [pytest.mark.selftest]


def test_explain_prints_what_guards_the_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "contact.create-without-lead"]) == 0
    out = capsys.readouterr().out
    assert "MUST be attached to a new lead" in out
    assert "https://developer.close.com/api/overview/changelog/2025/2/14" in out
    assert "contact-new-lead-name" in out  # its register entry
    assert "tests/conformance/test_contacts.py::TestContactLifecycle" in out
    assert "no-lead-for-orphan-contact: " in out


def test_explain_lists_tests_marked_through_a_list_of_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "email.sender.required-by-status"]) == 0
    assert "tests/conformance/test_email_sender.py::TestEmailSender" in capsys.readouterr().out


def test_an_unknown_rule_is_one_line_with_suggestions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "contact.create-without-leads"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert "did you mean contact.create-without-lead" in captured.err
