"""The email sender-by-status model against the rules and the register, case by case."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from close_conformance.contract import Contract, default_contract
from close_conformance.models.email import (
    ABSENT,
    CANCELLABLE,
    SENDER_REQUIRED,
    STATUSES,
    SUCCESS,
    Absent,
    EmailRequest,
    EmailState,
    Status,
    Verdict,
    decide,
    same_sender,
    sender_form,
)

pytestmark = pytest.mark.selftest

ME = "me@example.com"
PEER = "peer@example.com"
PLAIN = "sam@example.com"
NAMED = '"Sam Sender" <sam@example.com>'
LATER = "2031-01-01T09:00:00+00:00"
LENIENT_SCHEDULING = frozenset({400, 403, 404, 422})
LENIENT_NON_DRAFT = frozenset({400, 403})
BAD = frozenset({400})


def create(request: EmailRequest, *, strict: bool = False) -> Verdict:
    return decide(None, request, actor_email=ME, strict=strict)


def update(stored: EmailState, request: EmailRequest, *, strict: bool = False) -> Verdict:
    return decide(stored, request, actor_email=ME, strict=strict)


def scheduled(status: Status, sender: str | Absent | None = PLAIN) -> EmailRequest:
    """A request in that status with what it needs besides the sender."""
    return EmailRequest(
        status=status, sender=sender, date_scheduled=LATER if status == "scheduled" else ABSENT
    )


# --------------------------------------------------------------------------- create
@pytest.mark.parametrize("status", sorted(SENDER_REQUIRED))
@pytest.mark.parametrize("sender", [ABSENT, None], ids=["absent", "null"])
@pytest.mark.parametrize("strict", [False, True])
def test_create_without_sender_is_refused_with_400(status: Status, sender: None, strict: bool) -> None:
    verdict = create(scheduled(status, sender), strict=strict)
    assert verdict.must_reject
    assert verdict.reject == BAD
    assert "email.sender.required-by-status" in verdict.rules


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("sender", [PLAIN, NAMED])
def test_create_with_sender_is_accepted_in_every_status(status: Status, sender: str) -> None:
    verdict = create(scheduled(status, sender))
    assert verdict.must_accept
    assert verdict.accept == EmailState(status, sender, None, status == "scheduled")
    assert verdict.admits(SUCCESS)
    assert not verdict.admits(400)


def test_named_sender_is_the_display_name_rule() -> None:
    assert "email.sender.display-name" in create(scheduled("inbox", NAMED)).rules
    assert "email.sender.display-name" not in create(scheduled("inbox", PLAIN)).rules


@pytest.mark.parametrize("sender", [ABSENT, None], ids=["absent", "null"])
def test_draft_may_omit_the_sender(sender: None) -> None:
    verdict = create(EmailRequest(status="draft", sender=sender))
    assert verdict.must_accept
    assert verdict.accept is not None
    assert verdict.accept.sender is None
    assert "email.sender.optional-for-draft" in verdict.rules


@pytest.mark.parametrize("sender", [ABSENT, None], ids=["absent", "null"])
def test_sent_without_sender_defaults_to_the_key_owner(sender: None) -> None:
    verdict = create(EmailRequest(status="sent", sender=sender))
    assert verdict.must_accept
    assert verdict.accept is not None
    assert verdict.accept.sender == ME
    assert "email.sender.sent-default" in verdict.rules


def test_sent_without_sender_defaults_to_the_emails_user() -> None:
    verdict = create(EmailRequest(status="sent", user_email=PEER))
    assert verdict.accept == EmailState("sent", PEER, PEER, False)


def test_sent_with_sender_keeps_it() -> None:
    verdict = create(EmailRequest(status="sent", sender=NAMED, user_email=PEER))
    assert verdict.accept is not None
    assert verdict.accept.sender == NAMED


def test_create_needs_a_status() -> None:
    with pytest.raises(ValueError, match="status"):
        create(EmailRequest(sender=PLAIN))


@pytest.mark.parametrize("date", [ABSENT, None], ids=["absent", "null"])
@pytest.mark.parametrize(("strict", "codes"), [(False, LENIENT_SCHEDULING), (True, BAD)])
def test_scheduled_without_date_is_refused_per_register(
    date: None, strict: bool, codes: frozenset[int]
) -> None:
    verdict = create(EmailRequest(status="scheduled", sender=PLAIN, date_scheduled=date), strict=strict)
    assert verdict.must_reject
    assert verdict.reject == codes
    assert verdict.rules == ("email.sender.required-by-status", "email.scheduling-fields")


@pytest.mark.parametrize("send_in", [0, 1, 30, 59])
def test_send_in_below_60_is_accepted(send_in: int) -> None:
    verdict = create(EmailRequest(status="outbox", sender=PLAIN, send_in=send_in))
    assert verdict.must_accept
    assert "email.scheduling-fields" in verdict.rules


@pytest.mark.parametrize("send_in", [60, 61, 3600])
@pytest.mark.parametrize(("strict", "codes"), [(False, LENIENT_SCHEDULING), (True, BAD)])
def test_send_in_from_60_is_refused_per_register(send_in: int, strict: bool, codes: frozenset[int]) -> None:
    verdict = create(EmailRequest(status="outbox", sender=PLAIN, send_in=send_in), strict=strict)
    assert verdict.must_reject
    assert verdict.reject == codes


def test_negative_send_in_is_outside_the_model() -> None:
    with pytest.raises(ValueError, match="send_in"):
        EmailRequest(status="outbox", sender=PLAIN, send_in=-1)


def test_several_faults_admit_each_faults_refusal() -> None:
    verdict = create(EmailRequest(status="scheduled"))
    assert verdict.reject == BAD | LENIENT_SCHEDULING
    assert len(verdict.reasons) == 2


# --------------------------------------------------------------------------- update of a draft
DRAFT = EmailState("draft", None)
DRAFT_WITH_SENDER = EmailState("draft", PLAIN)


@pytest.mark.parametrize("target", sorted(CANCELLABLE))
def test_draft_without_sender_cannot_be_sent(target: Status) -> None:
    verdict = update(DRAFT, EmailRequest(status=target, date_scheduled=LATER))
    assert verdict.must_reject
    assert verdict.reject == BAD
    assert "email.sender.required-to-send-draft" in verdict.rules


@pytest.mark.parametrize("target", sorted(CANCELLABLE))
def test_draft_sent_with_the_sender_in_the_same_update(target: Status) -> None:
    verdict = update(DRAFT, EmailRequest(status=target, sender=NAMED, date_scheduled=LATER))
    assert verdict.must_accept
    assert verdict.accept is not None
    assert (verdict.accept.status, verdict.accept.sender) == (target, NAMED)
    assert {"email.draft-transitions", "email.sender.required-to-send-draft"} <= set(verdict.rules)


@pytest.mark.parametrize("target", sorted(CANCELLABLE))
def test_draft_sent_with_its_stored_sender(target: Status) -> None:
    verdict = update(DRAFT_WITH_SENDER, scheduled(target, ABSENT))
    assert verdict.accept == EmailState(target, PLAIN, None, target == "scheduled")
    assert verdict.must_accept


def test_a_draft_whose_sender_the_update_removes_cannot_be_sent() -> None:
    verdict = update(DRAFT_WITH_SENDER, EmailRequest(status="outbox", sender=None))
    assert verdict.must_reject
    assert verdict.reject == BAD


def test_draft_to_scheduled_needs_a_date() -> None:
    verdict = update(DRAFT_WITH_SENDER, EmailRequest(status="scheduled"), strict=True)
    assert verdict.must_reject
    assert verdict.reject == BAD
    stored_date = replace(DRAFT_WITH_SENDER, date_scheduled=True)
    assert update(stored_date, EmailRequest(status="scheduled")).must_accept
    assert update(stored_date, EmailRequest(status="scheduled", date_scheduled=None)).must_reject


def test_draft_to_scheduled_with_an_unknown_date_admits_both() -> None:
    verdict = update(replace(DRAFT_WITH_SENDER, date_scheduled=None), EmailRequest(status="scheduled"))
    assert verdict.accept is not None
    assert verdict.accept.date_scheduled is True
    assert verdict.reject == LENIENT_SCHEDULING


@pytest.mark.parametrize("target", ["inbox", "sent", "error"])
def test_draft_other_transitions_are_lenient_by_default(target: Status) -> None:
    verdict = update(DRAFT_WITH_SENDER, EmailRequest(status=target))
    assert verdict.accept == EmailState(target, PLAIN, None, False)
    assert verdict.reject == LENIENT_NON_DRAFT
    assert verdict.admits(SUCCESS)
    assert verdict.admits(403)
    assert not verdict.admits(422)
    assert "email.draft-transitions" in verdict.rules


@pytest.mark.parametrize("target", ["inbox", "sent", "error"])
def test_draft_other_transitions_are_refused_when_strict(target: Status) -> None:
    verdict = update(DRAFT_WITH_SENDER, EmailRequest(status=target), strict=True)
    assert verdict.must_reject
    assert verdict.reject == BAD


@pytest.mark.parametrize("target", ["inbox", "error"])
def test_draft_without_sender_cannot_become_a_status_that_needs_one(target: Status) -> None:
    verdict = update(DRAFT, EmailRequest(status=target))
    assert verdict.must_reject
    assert verdict.reject == LENIENT_NON_DRAFT


def test_draft_to_sent_without_sender_may_keep_none_or_take_the_default() -> None:
    # The sent default is documented for creates only; for this undocumented update either is fine.
    verdict = update(EmailState("draft", None, PEER), EmailRequest(status="sent"))
    assert verdict.accept is not None
    assert verdict.accept.shows_sender(None)
    assert verdict.accept.shows_sender(PEER)
    assert not verdict.accept.shows_sender("someone.else@example.com")


def test_a_sent_create_without_sender_must_take_the_default() -> None:
    verdict = decide(None, EmailRequest(status="sent", user_email=PEER), actor_email="me@example.com")
    assert verdict.accept is not None
    assert not verdict.accept.shows_sender(None)
    assert verdict.accept.shows_sender(PEER)


@pytest.mark.parametrize(
    "request_",
    [
        EmailRequest(),
        EmailRequest(sender=NAMED),
        EmailRequest(sender=None),
        EmailRequest(status="draft", other_fields=True),
        EmailRequest(send_in=10),
    ],
)
def test_a_draft_can_be_edited(request_: EmailRequest) -> None:
    verdict = update(DRAFT_WITH_SENDER, request_)
    assert verdict.must_accept
    assert verdict.accept is not None
    assert verdict.accept.status == "draft"
    expected = PLAIN if request_.sender is ABSENT else request_.sender
    assert verdict.accept.sender == expected


def test_a_draft_edit_with_send_in_from_60_is_refused() -> None:
    assert update(DRAFT, EmailRequest(send_in=60)).must_reject


# --------------------------------------------------------------------------- update of a non-draft
@pytest.mark.parametrize("stored", [s for s in STATUSES if s != "draft"])
@pytest.mark.parametrize(
    "request_",
    [
        EmailRequest(other_fields=True),
        EmailRequest(sender=PLAIN),
        EmailRequest(sender=None),
        EmailRequest(status="sent"),
        EmailRequest(status="outbox", sender=PLAIN),
        EmailRequest(),
    ],
)
@pytest.mark.parametrize(("strict", "codes"), [(False, LENIENT_NON_DRAFT), (True, BAD)])
def test_non_drafts_cannot_be_edited(
    stored: Status, request_: EmailRequest, strict: bool, codes: frozenset[int]
) -> None:
    state = EmailState(stored, PLAIN)
    verdict = update(state, request_, strict=strict)
    assert verdict.must_reject
    assert verdict.reject == codes
    assert verdict.rules == ("email.only-drafts-editable",)


@pytest.mark.parametrize("stored", ["inbox", "sent", "error"])
def test_only_scheduled_and_outbox_can_go_back_to_draft(stored: Status) -> None:
    verdict = update(EmailState(stored, PLAIN), EmailRequest(status="draft"))
    assert verdict.must_reject
    assert "email.cancel-to-draft" not in verdict.rules


@pytest.mark.parametrize("stored", sorted(CANCELLABLE))
@pytest.mark.parametrize("strict", [False, True])
def test_cancel_to_draft(stored: Status, strict: bool) -> None:
    verdict = update(EmailState(stored, NAMED, None, stored == "scheduled"), EmailRequest(status="draft"))
    assert verdict.must_accept
    assert verdict.accept == EmailState("draft", NAMED, None, None)
    assert {"email.cancel-to-draft", "email.only-drafts-editable"} <= set(verdict.rules)


@pytest.mark.parametrize("stored", sorted(CANCELLABLE))
def test_cancel_with_other_edits_admits_both(stored: Status) -> None:
    verdict = update(EmailState(stored, PLAIN), EmailRequest(status="draft", sender=NAMED), strict=True)
    assert verdict.accept is not None
    assert verdict.accept.sender == NAMED
    assert verdict.reject == BAD


# --------------------------------------------------------------------------- the register is read
def _with_reading(discrepancy: str, default: tuple[object, ...]) -> Contract:
    contract = default_contract()
    changed = dict(contract.discrepancies)
    changed[discrepancy] = replace(changed[discrepancy], default=default)
    return replace(contract, discrepancies=changed)


def test_the_register_decides_the_non_draft_refusal() -> None:
    contract = _with_reading("email-non-draft-edit-status", (409,))
    verdict = decide(EmailState("sent", PLAIN), EmailRequest(), actor_email=ME, contract=contract)
    assert verdict.reject == {409}


def test_the_register_decides_the_draft_transitions() -> None:
    contract = _with_reading("email-draft-other-transitions", ("accepted",))
    verdict = decide(DRAFT_WITH_SENDER, EmailRequest(status="inbox"), actor_email=ME, contract=contract)
    assert verdict.must_accept


def test_the_register_decides_the_sender_format() -> None:
    contract = _with_reading("sender-format", ("plain",))
    verdict = decide(None, EmailRequest(status="inbox", sender=NAMED), actor_email=ME, contract=contract)
    assert verdict.must_reject
    assert "email.sender.display-name" in verdict.rules


# --------------------------------------------------------------------------- senders
@pytest.mark.parametrize(
    ("expected", "got", "same"),
    [
        (PLAIN, PLAIN, True),
        (NAMED, PLAIN, True),
        (PLAIN, NAMED, True),
        (PLAIN, "SAM@example.com", True),
        (PLAIN, "other@example.com", False),
        (None, None, True),
        (PLAIN, None, False),
        (None, PLAIN, False),
        (PLAIN, 42, False),
        ("", "", False),
    ],
)
def test_same_sender(expected: str | None, got: object, same: bool) -> None:
    assert same_sender(expected, got) is same


def test_sender_form() -> None:
    assert sender_form(NAMED) == "named"
    assert sender_form(PLAIN) == "plain"


# --------------------------------------------------------------------------- properties
senders = st.sampled_from([ABSENT, None, PLAIN, NAMED])
requests = st.builds(
    EmailRequest,
    status=st.sampled_from([ABSENT, *STATUSES]),
    sender=senders,
    user_email=st.sampled_from([None, PEER]),
    date_scheduled=st.sampled_from([ABSENT, None, LATER]),
    send_in=st.one_of(st.just(ABSENT), st.none(), st.integers(0, 120)),
    other_fields=st.booleans(),
)
states = st.builds(
    EmailState,
    status=st.sampled_from(STATUSES),
    sender=st.sampled_from([None, PLAIN, NAMED]),
    user_email=st.sampled_from([None, PEER]),
    date_scheduled=st.sampled_from([True, False, None]),
)


@settings(database=None)
@given(stored=st.one_of(st.none(), states), request_=requests)
def test_strict_admits_no_more_than_default(stored: EmailState | None, request_: EmailRequest) -> None:
    if stored is None and request_.status is ABSENT:
        return
    lenient = decide(stored, request_, actor_email=ME)
    exact = decide(stored, request_, actor_email=ME, strict=True)
    assert exact.reject <= lenient.reject
    assert exact.accept is None or exact.accept == lenient.accept
    assert lenient.rules, "every verdict names the rules it exercises"


@settings(database=None)
@given(stored=st.one_of(st.none(), states), request_=requests, strict=st.booleans())
def test_an_accepted_state_obeys_the_sender_rule(
    stored: EmailState | None, request_: EmailRequest, strict: bool
) -> None:
    if stored is None and request_.status is ABSENT:
        return
    verdict = decide(stored, request_, actor_email=ME, strict=strict)
    state = verdict.accept
    if state is None:
        return
    changed = stored is None or state.status != stored.status
    if changed and state.status in SENDER_REQUIRED | {"sent"}:
        # A draft moved to sent by an update may keep no sender or take the default (the docs say
        # neither: models/email.py); the state then admits both, one of them a sender.
        assert state.sender is not None or state.sender_alternative is not None
    if stored is not None and stored.status not in ("draft", *CANCELLABLE):
        pytest.fail(f"a {stored.status} email was edited: {verdict}")


# --------------------------------------------------------------------------- the rule a wrong answer breaks
@pytest.mark.parametrize(
    ("stored", "request_", "rule"),
    [
        (None, EmailRequest(status="inbox"), "email.sender.required-by-status"),
        (None, EmailRequest(status="inbox", sender=PLAIN), "email.sender.required-by-status"),
        (None, EmailRequest(status="draft"), "email.sender.optional-for-draft"),
        (None, EmailRequest(status="sent"), "email.sender.sent-default"),
        (None, EmailRequest(status="scheduled", sender=PLAIN), "email.scheduling-fields"),
        (None, EmailRequest(status="outbox", sender=PLAIN, send_in=60), "email.scheduling-fields"),
        (DRAFT, EmailRequest(status="outbox"), "email.sender.required-to-send-draft"),
        (DRAFT_WITH_SENDER, EmailRequest(status="outbox"), "email.draft-transitions"),
        (DRAFT_WITH_SENDER, EmailRequest(status="sent"), "email.draft-transitions"),
        (DRAFT_WITH_SENDER, EmailRequest(other_fields=True), "email.only-drafts-editable"),
        (EmailState("outbox", PLAIN), EmailRequest(status="draft"), "email.cancel-to-draft"),
        (EmailState("sent", PLAIN), EmailRequest(status="draft"), "email.only-drafts-editable"),
        (None, EmailRequest(status="inbox", sender=NAMED), "email.sender.display-name"),
        (DRAFT, EmailRequest(status="outbox", sender=NAMED), "email.sender.display-name"),
        (None, EmailRequest(status="scheduled", sender=NAMED), "email.scheduling-fields"),
        (DRAFT_WITH_SENDER, EmailRequest(status="inbox", sender=NAMED), "email.draft-transitions"),
        (
            EmailState("outbox", PLAIN),
            EmailRequest(status="draft", sender=NAMED),
            "email.only-drafts-editable",
        ),
    ],
)
def test_the_rule_a_wrong_answer_breaks(stored: EmailState | None, request_: EmailRequest, rule: str) -> None:
    assert decide(stored, request_, actor_email=ME).rule == rule
