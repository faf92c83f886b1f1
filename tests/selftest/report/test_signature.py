"""A failure's signature holds no seed-, server- or time-dependent value, and keeps what the
divergence is (status, wording, the rule and operation)."""

from __future__ import annotations

import pytest

from close_conformance.report.signature import failure_signature, normal_message

pytestmark = [pytest.mark.selftest]

ONE = (
    "[contact.create-without-lead] the new contact has no lead: POST /api/v1/contact/ -> 200 "
    '\'{"id":"cont_8dLFUBgKBfgWGjoTC98Gwgd1QyaGUk5niENZH1tjpWF","date_created":"2026-11-30T07:55:26"}\'\n'
    "assert False"
)
TWO = ONE.replace(
    "8dLFUBgKBfgWGjoTC98Gwgd1QyaGUk5niENZH1tjpWF", "Zq3LFUBgKBfgWGjoTC98Gwgd1QyaGUk5niENZ"
).replace("07:55", "09:01")


def test_minted_ids_bodies_and_times_do_not_change_it() -> None:
    assert failure_signature("r.x", "createContact", ONE) == failure_signature("r.x", "createContact", TWO)
    assert normal_message(ONE) == "the new contact has no lead: POST /api/v1/contact/ -> 200 <v>"


def test_ids_in_paths_and_long_numbers_are_placeholders() -> None:
    text = (
        "[lead.delete] expected 200, got DELETE /api/v1/lead/lead_abcdefghijklmnop12/ -> 204 after 12345 ms"
    )
    assert normal_message(text) == "expected 200, got DELETE /api/v1/lead/<id>/ -> 204 after <n> ms"


def test_apostrophes_are_words_not_quotes() -> None:
    text = "[c.u] PUT /contact/cont_abcdefghijklmnop/ {'a': 1}: the PUT's answer has name=None, not 'X Y'"
    assert normal_message(text) == "PUT /contact/<id>/ <v>: the PUT's answer has name=None, not <v>"


@pytest.mark.parametrize(
    ("other_rule", "other_operation", "other_message"),
    [
        ("r.y", "createContact", ONE),
        ("r.x", "getLead", ONE),
        ("r.x", "createContact", ONE.replace("-> 200", "-> 201")),
        ("r.x", "createContact", ONE.replace("has no lead", "has two leads")),
    ],
)
def test_rule_operation_status_and_wording_change_it(
    other_rule: str, other_operation: str, other_message: str
) -> None:
    assert failure_signature("r.x", "createContact", ONE) != failure_signature(
        other_rule, other_operation, other_message
    )
