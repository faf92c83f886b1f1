"""Email rules the sender scenario (test_email_sender.py) does not settle on its own: delete, the
named sender on an inbox email, and the scheduling fields (`send_in` below 60, `date_scheduled`
for scheduled emails), each asked directly.

Expected answers come from the model (`close_conformance.models.email`) and the register, in this
run's mode. Emails Close would send (outbox, scheduled) are only created when sends are allowed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from close_conformance.client import CloseClient, poll_until
from close_conformance.generated import References
from close_conformance.models.email import (
    ABSENT,
    SUCCESS,
    Absent,
    EmailRequest,
    EmailState,
    Status,
    Verdict,
    decide,
    same_sender,
)
from close_conformance.runtime import RunContext
from close_conformance.target import Identity, Role, Target

DOMAINS = ("example.com", "mail.test", "nowhere.invalid")  # reserved: nobody receives these
addresses = st.builds(
    "{}@{}".format, st.from_regex(r"[a-z][a-z0-9]{0,11}", fullmatch=True), st.sampled_from(DOMAINS)
)
names = st.from_regex(r"[A-Z][a-z]{1,9}( [A-Z][a-z]{1,9}){0,2}", fullmatch=True)
SENDER = "sender@example.com"  # plain: the named form is test_*_named_* 's business
LOGGED = ("inbox", "draft", "sent", "error")  # statuses Close does not send
EMAILS = "/activity/email/"


def _shown(response: httpx.Response) -> str:
    try:
        body: Any = json.dumps(response.json(), sort_keys=True)
    except ValueError:
        body = response.text
    return f"{response.status_code} {body[:600]}"


def _later() -> str:
    return (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Emails:
    """What these tests need from the session, small enough for Hypothesis to print on failure."""

    client: CloseClient = field(repr=False)
    lead_id: str
    actor_email: str
    strict: bool
    read_lag: float
    """A server may show a delete late (register read-after-delete-lag): poll this many seconds."""

    def body(self, **fields: Any) -> dict[str, Any]:
        return {
            "lead_id": self.lead_id,
            "to": ["recipient@example.com"],
            "subject": "close-conformance email rules",
            **fields,
        }

    def decide(self, stored: EmailState | None, request: EmailRequest) -> Verdict:
        return decide(stored, request, actor_email=self.actor_email, strict=self.strict)

    def create(self, rule: str, **fields: Any) -> dict[str, Any]:
        """An email the test needs in order to check `rule`: a refusal here breaks the rule too."""
        response = self.client.post(EMAILS, self.body(**fields))
        assert response.status_code == SUCCESS, (
            f"[{rule}] creating the email to work on ({fields}) answered {_shown(response)}"
        )
        created: dict[str, Any] = response.json()
        return created


@pytest.fixture(scope="module")
def emails(
    api: Callable[[Role], CloseClient],
    me: Identity,
    references: References,
    target: Target,
    close_context: RunContext,
) -> Emails:
    return Emails(
        client=api("me"),
        lead_id=references.lead_id,
        actor_email=me.email,
        strict=close_context.strict,
        read_lag=close_context.read_lag,
    )


@pytest.fixture(scope="module")
def sending(close_context: RunContext) -> None:
    """Skip a test that creates emails Close would send, unless sends are allowed."""
    if not close_context.settings.sends_allowed:
        pytest.skip("creates outbox or scheduled emails, which Close sends: give --allow-send")


def _request(body: dict[str, Any]) -> EmailRequest:
    def given_or_absent(name: str) -> Any:
        return body.get(name, ABSENT)

    return EmailRequest(
        status=given_or_absent("status"),
        sender=given_or_absent("sender"),
        date_scheduled=given_or_absent("date_scheduled"),
        send_in=given_or_absent("send_in"),
        other_fields=bool(set(body) - {"lead_id", "status", "sender", "date_scheduled", "send_in"}),
    )


def _expect(verdict: Verdict, what: str, response: httpx.Response) -> None:
    assert verdict.admits(response.status_code), (
        f"[{verdict.rule}] {what} answered {_shown(response)}; expected {verdict.describe()}"
    )


# --------------------------------------------------------------------------- email.delete
@pytest.mark.rule("email.delete")
@given(status=st.sampled_from(LOGGED))
def test_delete_answers_an_empty_object_and_the_email_is_gone(emails: Emails, status: Status) -> None:
    email = emails.create("email.delete", status=status, sender=SENDER)
    path = f"{EMAILS}{email['id']}/"
    deleted = emails.client.delete(path)
    assert deleted.status_code == 200, f"[email.delete] DELETE {path} answered {_shown(deleted)}, not 200"
    body = deleted.json() if deleted.content else None
    assert body == {}, f"[email.delete] DELETE {path} answered {_shown(deleted)}, not 200 {{}}"

    last: list[httpx.Response] = []

    def gone() -> bool:
        last[:] = [emails.client.get(path)]
        return last[0].status_code == 404

    ok = poll_until(gone, timeout=emails.read_lag)
    within = f" within {emails.read_lag:g} s" if emails.read_lag else ""
    assert ok, f"[email.delete] GET {path} after the delete answered {_shown(last[0])}{within}, not 404"


# --------------------------------------------------------------------------- email.sender.display-name
@pytest.mark.rule("email.sender.display-name", "email.sender.required-by-status")
@given(name=names, address=addresses, named=st.booleans())
def test_inbox_email_takes_a_plain_or_named_sender(
    emails: Emails, name: str, address: str, named: bool
) -> None:
    sender = f'"{name}" <{address}>' if named else address
    body = emails.body(status="inbox", sender=sender)
    verdict = emails.decide(None, _request(body))
    response = emails.client.post(EMAILS, body)
    _expect(verdict, f"POST {EMAILS} (inbox) with sender {sender!r}", response)
    if response.status_code != SUCCESS:
        return
    shown = response.json()
    assert same_sender(sender, shown.get("sender")), (
        f"[email.sender.display-name] created with sender {sender!r}, answered {_shown(response)}"
    )
    read = emails.client.get(f"{EMAILS}{shown['id']}/")
    assert read.status_code == 200, (
        f"[email.sender.display-name] GET of the new email answered {_shown(read)}"
    )
    assert same_sender(sender, read.json().get("sender")), (
        f"[email.sender.display-name] created with sender {sender!r}, GET shows {_shown(read)}"
    )


@pytest.mark.rule("email.sender.display-name")
@given(name=names, address=addresses)
def test_draft_sender_can_be_set_to_a_named_one(emails: Emails, name: str, address: str) -> None:
    draft = emails.create("email.sender.display-name", status="draft")
    sender = f'"{name}" <{address}>'
    verdict = emails.decide(EmailState("draft", draft.get("sender")), EmailRequest(sender=sender))
    response = emails.client.put(f"{EMAILS}{draft['id']}/", {"sender": sender})
    _expect(verdict, f"PUT of a draft with sender {sender!r}", response)
    if response.status_code == SUCCESS:
        assert same_sender(sender, response.json().get("sender")), (
            f"[email.sender.display-name] PUT sender {sender!r} answered {_shown(response)}"
        )


# --------------------------------------------------------------------------- email.scheduling-fields
def _scheduling(
    emails: Emails,
    what: str,
    body: dict[str, Any],
    stored: EmailState | None = None,
    path: str = EMAILS,
) -> httpx.Response:
    verdict = emails.decide(stored, _request(body))
    assert "email.scheduling-fields" in verdict.rules
    response = emails.client.post(path, body) if stored is None else emails.client.put(path, body)
    _expect(verdict, what, response)
    return response


@pytest.mark.rule("email.scheduling-fields")
@pytest.mark.usefixtures("sending")
@given(send_in=st.integers(60, 10**6))
def test_send_in_from_60_seconds_is_refused(emails: Emails, send_in: int) -> None:
    body = emails.body(status="outbox", sender=SENDER, send_in=send_in)
    _scheduling(emails, f"POST of an outbox email with send_in {send_in}", body)


@pytest.mark.rule("email.scheduling-fields")
@pytest.mark.usefixtures("sending")
@given(send_in=st.integers(0, 59))
def test_send_in_below_60_seconds_is_accepted(emails: Emails, send_in: int) -> None:
    body = emails.body(status="outbox", sender=SENDER, send_in=send_in)
    _scheduling(emails, f"POST of an outbox email with send_in {send_in}", body)


@pytest.mark.rule("email.scheduling-fields")
@pytest.mark.usefixtures("sending")
@pytest.mark.parametrize("date", [ABSENT, None], ids=["absent", "null"])
def test_scheduled_email_without_date_is_refused(emails: Emails, date: Absent | None) -> None:
    fields: dict[str, Any] = {"status": "scheduled", "sender": SENDER}
    if date is not ABSENT:
        fields["date_scheduled"] = date
    _scheduling(emails, f"POST of a scheduled email with {fields}", emails.body(**fields))


@pytest.mark.rule("email.scheduling-fields")
@pytest.mark.usefixtures("sending")
@pytest.mark.parametrize("date", [ABSENT, None], ids=["absent", "null"])
def test_draft_scheduled_without_date_is_refused(emails: Emails, date: Absent | None) -> None:
    draft = emails.create("email.scheduling-fields", status="draft", sender=SENDER)
    body: dict[str, Any] = {"status": "scheduled"}
    if date is not ABSENT:
        body["date_scheduled"] = date
    stored = EmailState("draft", SENDER, date_scheduled=draft.get("date_scheduled") is not None)
    path = f"{EMAILS}{draft['id']}/"
    _scheduling(emails, f"PUT {body} on a draft", body, stored, path)
    read = emails.client.get(path)
    assert read.status_code == 200, f"[email.scheduling-fields] GET after the PUT answered {_shown(read)}"
    assert read.json().get("status") == "draft", (
        f"[email.scheduling-fields] a refused PUT {body} changed the draft: GET shows {_shown(read)}"
    )


@pytest.mark.rule("email.scheduling-fields")
@pytest.mark.usefixtures("sending")
def test_scheduled_email_carries_its_date(emails: Emails) -> None:
    when = _later()
    body = emails.body(status="scheduled", sender=SENDER, date_scheduled=when)
    response = _scheduling(emails, "POST of a scheduled email with date_scheduled", body)
    assert response.status_code == SUCCESS, f"[email.scheduling-fields] answered {_shown(response)}"
    read = emails.client.get(f"{EMAILS}{response.json()['id']}/")
    scheduled = read.json().get("date_scheduled") if read.status_code == 200 else None
    assert isinstance(scheduled, str), (
        f"[email.scheduling-fields] a scheduled email created with date_scheduled {when} reads back as "
        f"{_shown(read)}"
    )
    try:
        read_back: datetime | None = datetime.fromisoformat(scheduled.replace("Z", "+00:00"))
    except ValueError:
        read_back = None
    if read_back is not None and read_back.tzinfo is None:
        read_back = read_back.replace(tzinfo=UTC)  # no offset means UTC (register timestamp-offset)
    assert read_back == datetime.fromisoformat(when), (
        f"[email.scheduling-fields] date_scheduled {when} reads back as {scheduled!r}"
    )


# --------------------------------------------------------------------------- the sender rule, asked directly
# The scenario explores these at random; here each part of the changelog entry (2025-12-17) is
# asked once, so a server breaking one status is caught at any budget.
NEEDS_SENDER = ("inbox", "scheduled", "outbox", "error")


@pytest.mark.rule("email.sender.required-by-status")
@pytest.mark.parametrize("sender", ["absent", "null"])
@pytest.mark.parametrize("status", NEEDS_SENDER)
def test_status_needing_a_sender_is_refused_without_one(
    emails: Emails, close_context: RunContext, status: Status, sender: str
) -> None:
    if status in ("scheduled", "outbox") and not close_context.settings.sends_allowed:
        pytest.skip("would create an email Close sends: give --allow-send")
    fields: dict[str, Any] = {"status": status, **({"sender": None} if sender == "null" else {})}
    if status == "scheduled":
        fields["date_scheduled"] = _later()
    body = emails.body(**fields)
    response = emails.client.post(EMAILS, body)
    _expect(emails.decide(None, _request(body)), f"POST {EMAILS} {status} with sender {sender}", response)


@pytest.mark.rule("email.sender.sent-default")
@pytest.mark.parametrize("owner", ["me", "peer"])
def test_sent_without_sender_takes_the_address_of_the_email_s_user(
    emails: Emails, me: Identity, peer: Identity, owner: str
) -> None:
    user = peer if owner == "peer" else me
    email = emails.create("email.sender.sent-default", status="sent", user_id=user.user_id)
    assert same_sender(user.email, email.get("sender")), (
        f"[email.sender.sent-default] a sent email of {owner} without sender got {email.get('sender')!r}, "
        f"not {user.email!r}"
    )
    read = emails.client.get(f"{EMAILS}{email['id']}/")
    assert same_sender(user.email, read.json().get("sender")), (
        f"[email.sender.sent-default] GET shows {_shown(read)}"
    )


@pytest.mark.rule("email.sender.required-to-send-draft")
@pytest.mark.parametrize("leaving_for", ["scheduled", "outbox"])
def test_a_draft_without_sender_cannot_leave_for_sending(
    emails: Emails, sending: None, leaving_for: Status
) -> None:
    draft = emails.create("email.sender.required-to-send-draft", status="draft")
    change: dict[str, Any] = {"status": leaving_for}
    if leaving_for == "scheduled":
        change["date_scheduled"] = _later()
    path = f"{EMAILS}{draft['id']}/"
    stored = EmailState(status="draft", sender=None)
    refused = emails.client.put(path, change)
    _expect(emails.decide(stored, _request(change)), f"PUT {path} {change} (no sender)", refused)
    with_sender = {**change, "sender": SENDER}
    sent = emails.client.put(path, with_sender)
    _expect(emails.decide(stored, _request(with_sender)), f"PUT {path} {with_sender}", sent)


@pytest.mark.rule("email.only-drafts-editable")
@pytest.mark.parametrize("status", ["inbox", "sent", "error"])
def test_an_email_that_is_not_a_draft_cannot_be_edited(emails: Emails, status: Status) -> None:
    email = emails.create("email.only-drafts-editable", status=status, sender=SENDER)
    path = f"{EMAILS}{email['id']}/"
    change = {"subject": "edited after the fact"}
    response = emails.client.put(path, change)
    stored = EmailState(status=status, sender=SENDER)
    _expect(emails.decide(stored, _request(change)), f"PUT {path} {change} on a {status} email", response)
    read = emails.client.get(path)
    assert read.json().get("subject") != change["subject"], (
        f"[email.only-drafts-editable] the {status} email changed anyway: {_shown(read)}"
    )


# --------------------------------------------------------------------------- email.attachment-fields
# Close's own request example's form of a Files API url (the docs: it must begin with this prefix).
ATTACHMENT_URL = "https://app.close.com/go/file/temporary/close-conformance/notes.txt/"


@pytest.mark.rule("email.attachment-fields")
def test_attachments_come_back_with_every_key_close_requires(emails: Emails) -> None:
    rule = "email.attachment-fields"
    # No content_type: the key Close's answer requires that a request may leave out.
    attachment = {"url": ATTACHMENT_URL, "filename": "notes.txt", "size": 12}
    response = emails.client.post(EMAILS, emails.body(status="draft", attachments=[attachment]))
    if response.status_code == 400 and "attachments" in response.text:
        # A live server may refuse a file that was never uploaded through the Files API.
        pytest.skip(f"the target refuses an attachment it did not store: {_shown(response)}")
    assert response.status_code == SUCCESS, f"[{rule}] a draft with an attachment answered {_shown(response)}"
    path = f"{EMAILS}{response.json()['id']}/"
    for answer, what in ((response, f"POST {EMAILS}"), (emails.client.get(path), f"GET {path}")):
        assert answer.status_code == 200, f"[{rule}] {what} answered {_shown(answer)}"
        attachments = answer.json().get("attachments")
        assert isinstance(attachments, list), f"[{rule}] {what} answered attachments {attachments!r}"
        assert len(attachments) == 1, f"[{rule}] {what} answered attachments {attachments!r}, not the one"
        missing = sorted({"content_type", "filename", "size", "url"} - set(attachments[0]))
        assert not missing, f"[{rule}] {what}: the attachment lacks {missing}: {attachments[0]}"
        kept = (attachments[0]["filename"], attachments[0]["size"])
        assert kept == ("notes.txt", 12), f"[{rule}] {what}: the attachment changed: {attachments[0]}"
