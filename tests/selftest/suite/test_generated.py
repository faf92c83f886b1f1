"""What the generated tests change in a case before it is sent."""

from __future__ import annotations

import pytest

from close_conformance.generated import EmailStatuses, _reserved_domain, _stand_in

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
