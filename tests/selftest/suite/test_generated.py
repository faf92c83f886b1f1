"""What the generated tests change in a case before it is sent."""

from __future__ import annotations

import pytest

from close_conformance.generated import EmailStatuses, _reserved_domain, _stand_in, load_schema

pytestmark = pytest.mark.selftest


@pytest.mark.parametrize(
    ("address", "sent"),
    [
        ("jane@corp.io", "jane@example.com"),
        ('"Jane" <jane@corp.io>', '"Jane" <jane@example.com>'),
        ('"jane@corp.io" <j@corp.io>', '"jane@corp.io" <j@example.com>'),  # the name keeps its "@"
        ("no-at-sign", "no-at-sign"),
        (None, None),
    ],
)
def test_recipients_go_to_a_reserved_domain(address: str | None, sent: str | None) -> None:
    assert _reserved_domain(address) == sent


def test_stand_ins_name_nothing_and_replay_the_same() -> None:
    original = "cont_" + "a" * 43
    stand_in = _stand_in(original)
    assert stand_in.startswith("cont_")
    assert len(stand_in) == len(original)
    assert stand_in != original
    assert _stand_in(original) == stand_in


@pytest.mark.rule("email.sender.required-to-send-draft")
@pytest.mark.parametrize(
    ("stored_sender", "body", "sent_sender"),
    [
        (None, {"status": "outbox"}, "me@example.com"),
        ("jane@example.com", {"status": "outbox"}, None),  # the stored sender stays
        ("jane@example.com", {"status": "outbox", "sender": None}, "me@example.com"),  # null clears it
        (None, {"status": "outbox", "sender": "x@example.com"}, "x@example.com"),
    ],
)
def test_a_draft_leaving_for_outbox_keeps_a_sender(
    stored_sender: str | None, body: dict[str, object], sent_sender: str | None
) -> None:
    emails = EmailStatuses()
    emails.note({"id": "acti_" + "a" * 43, "status": "draft", "sender": stored_sender})
    assert emails.fit_update("acti_" + "a" * 43, body, "me@example.com")
    assert body.get("sender") == sent_sender


def test_every_builtin_check_runs_but_those_with_nothing_to_add() -> None:
    """`ignored_auth`: test_access.py sends its probes to every operation and demands more;
    `max_response_time`: the docs state no limit. Every other check runs on every case."""
    from schemathesis.checks import CHECKS as REGISTRY

    from close_conformance.checks import BUILTIN_RULES

    schema = load_schema(only_selected_rules=False)
    checks = schema.config.checks
    off = {name for name in REGISTRY.get_all_names() if not checks.get_by_name(name=name).enabled}
    assert off & set(BUILTIN_RULES) == {"ignored_auth"}
    assert not checks.max_response_time.enabled
