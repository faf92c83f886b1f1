"""Scenario: the email sender-by-status rule, on create and on every allowed and forbidden update.

A Hypothesis state machine creates emails in random statuses, with a plain sender, a named one
(`"Name" <address>`), a null one or none, as me or as my peer, sometimes for another user
(`user_id`, whose address a sent email without sender must get). Then it updates them at random:
sends drafts (scheduled, outbox) with and without a sender, moves drafts to the other statuses,
edits drafts, cancels scheduled and outbox emails, and tries every kind of edit on non-drafts.
After every request the status code must be one the model admits (`close_conformance.models.email`,
written from the rules and the docs, read in this run's mode), and a success must show the
model's state. A GET must show it too: at once after a refusal (the email unchanged), and for an
accepted write at the example's end, once per email (its answer was compared when it came; the
read shows the last write lasted; issue 14: a GET after every write doubled the scenario's cost).

Emails that Close would send (outbox, scheduled) are only generated when sends are allowed: always
on a loopback target, with --allow-send on a live one. Recipients are reserved addresses.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ClassVar, NoReturn

import httpx
import pytest
from hypothesis import event, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from close_conformance import runtime
from close_conformance.checks import RuleViolation
from close_conformance.client import SENDING_STATUSES, CloseClient, SendRefused
from close_conformance.concurrent import gather
from close_conformance.generated import References
from close_conformance.models.email import (
    ABSENT,
    CANCELLABLE,
    STATUSES,
    SUCCESS,
    Absent,
    EmailRequest,
    EmailState,
    Status,
    Verdict,
    decide,
    sender_form,
)
from close_conformance.runtime import RunContext
from close_conformance.target import Identity, Role, Target

RULES = (
    "email.sender.required-by-status",
    "email.sender.optional-for-draft",
    "email.sender.sent-default",
    "email.sender.required-to-send-draft",
    "email.sender.display-name",
    "email.only-drafts-editable",
    "email.cancel-to-draft",
    "email.draft-transitions",
    "email.scheduling-fields",
)
EMAILS = "/activity/email/"
# Reserved for documentation and testing (RFC 2606, RFC 6761): nobody receives these.
DOMAINS = ("example.com", "mail.test", "nowhere.invalid")
# Close sends an outbox email now: it may have become sent (or error, if sending failed) by the
# next read. The model then continues from what the server shows.
SENT_FROM_OUTBOX = ("sent", "error")


# --------------------------------------------------------------------------- data
def _sends_allowed() -> bool:
    return runtime.current().settings.sends_allowed


def _statuses() -> st.SearchStrategy[Status]:
    """Every status, less those Close would send when this run may not send."""
    return st.sampled_from([s for s in STATUSES if _sends_allowed() or s not in SENDING_STATUSES])


statuses = st.deferred(_statuses)
addresses = st.builds(
    "{}@{}".format, st.from_regex(r"[a-z][a-z0-9]{0,11}", fullmatch=True), st.sampled_from(DOMAINS)
)
names = st.from_regex(r"[A-Z][a-z]{1,9}( [A-Z][a-z]{1,9}){0,2}", fullmatch=True)
senders: st.SearchStrategy[str | Absent | None] = st.one_of(
    st.sampled_from([ABSENT, None]),
    addresses,
    st.builds('"{}" <{}>'.format, names, addresses),
)
# Mostly with a date, so that scheduled emails exist; sometimes without one (refused).
dates = st.sampled_from(["later", "later", "later", ABSENT, None])
send_ins: st.SearchStrategy[int | Absent] = st.one_of(
    st.just(ABSENT), st.integers(0, 59), st.integers(60, 3600)
)


def _later() -> str:
    return (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()


def _request(
    status: Status | Absent,
    sender: str | Absent | None = ABSENT,
    date: str | Absent | None = ABSENT,
    send_in: int | Absent = ABSENT,
    *,
    user_email: str | None = None,
    other_fields: bool = False,
) -> EmailRequest:
    """A request; `date_scheduled` only goes with scheduled, `send_in` only with outbox."""
    return EmailRequest(
        status=status,
        sender=sender,
        user_email=user_email,
        date_scheduled=(_later() if date == "later" else date) if status == "scheduled" else ABSENT,
        send_in=send_in if status == "outbox" else ABSENT,
        other_fields=other_fields,
    )


def _body(request: EmailRequest, user_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if request.status is not ABSENT:
        body["status"] = request.status
    for name in ("sender", "date_scheduled", "send_in"):
        value = getattr(request, name)
        if value is not ABSENT:
            body[name] = value
    if user_id is not None:
        body["user_id"] = user_id
    return body


def _shown(response: httpx.Response) -> str:
    try:
        text = json.dumps(response.json(), sort_keys=True)
    except ValueError:
        text = response.text
    return f"{response.status_code} {text[:600]}"


# --------------------------------------------------------------------------- state
@dataclass(frozen=True)
class Scene:
    """What the machine needs from the session's fixtures."""

    api: Callable[[Role], CloseClient] = field(repr=False)
    identities: dict[Role, Identity]
    lead_id: str
    strict: bool


@dataclass
class Tracked:
    """An email the scenario created, who created it (and so edits it), and what it should be."""

    id: str
    role: Role
    state: EmailState
    verdict: Verdict
    """The verdict on the request that made the state: the rules a wrong read breaks."""
    unread: str | None = None
    """The accepted write no GET has shown since (what it was): read back at the example's end."""


# --------------------------------------------------------------------------- the machine
class EmailSenderMachine(RuleBasedStateMachine):
    scene: ClassVar[Scene | None] = None
    """Set by the module's autouse fixture: Hypothesis builds machines without pytest's help."""

    def __init__(self) -> None:
        super().__init__()
        assert self.scene is not None, "the scene fixture did not run"
        self.world: Scene = self.scene
        self.tracked: dict[str, Tracked] = {}
        self.step = 0
        self.interrupted = False
        """A request's checks raised: the example failed, the end-of-example reads are skipped."""

    # -- which emails there are -----------------------------------------------------------
    def having(self, *wanted: Status) -> list[str]:
        """In the order they were created: ids are random, and a replay must pick the same email."""
        return [e.id for e in self.tracked.values() if e.state.status in wanted]

    def has_drafts(self) -> bool:
        return bool(self.having("draft"))

    def has_cancellable(self) -> bool:
        return bool(self.having(*CANCELLABLE))

    def has_non_drafts(self) -> bool:
        return bool(self.having(*(s for s in STATUSES if s != "draft")))

    # -- talking to the target ------------------------------------------------------------
    def identity(self, role: Role) -> Identity:
        """The identity; me when the target has no such one (no peer key on a live target)."""
        return self.world.identities.get(role) or self.world.identities["me"]

    def send(self, role: Role, method: str, path: str, body: dict[str, Any]) -> httpx.Response | None:
        """The request, or None when the client refused to send an email (no --allow-send)."""
        client = self.world.api(self.identity(role).role)
        try:
            return client.post(path, body) if method == "POST" else client.put(path, body)
        except SendRefused:
            assert not _sends_allowed(), "sends are allowed, yet the client refused one"
            note(f"{method} {path} skipped: it would send an email, and sends are not allowed")
            return None

    # -- judging answers ------------------------------------------------------------------
    def fail(self, rule_id: str, what: str, response: httpx.Response, detail: str) -> NoReturn:
        raise RuleViolation(rule_id, f"{what}: {detail}; the answer was {_shown(response)}")

    def judge(self, what: str, verdict: Verdict, response: httpx.Response) -> None:
        """The status code must be one the model admits."""
        note(f"{what} -> {response.status_code}; the model admits {verdict.describe()}")
        event(f"{verdict.rule} -> {response.status_code}")  # coverage, in --hypothesis-show-statistics
        if not verdict.admits(response.status_code):
            rules = ", ".join(verdict.rules)
            self.fail(verdict.rule, what, response, f"expected {verdict.describe()} (rules: {rules})")

    def compare(
        self, what: str, verdict: Verdict, expected: EmailState, response: httpx.Response
    ) -> EmailState:
        """The email in `response` must be the model's; answers what it is now."""
        shown = response.json()
        if not isinstance(shown, dict):
            self.fail(verdict.rule, what, response, "the answer is not an email object")
        status = shown.get("status")
        if expected.status == "outbox" and status in SENT_FROM_OUTBOX:
            expected = replace(expected, status=status)
        if status != expected.status:
            self.fail(verdict.rule, what, response, f"status {status!r}, expected {expected.status!r}")
        if status == "scheduled" and shown.get("date_scheduled") is None:
            self.fail("email.scheduling-fields", what, response, "a scheduled email without date_scheduled")
        sender = shown.get("sender")
        if expected.shows_sender(sender) and expected.sender_alternative is not None:
            # Whichever the server chose, the email now has it.
            expected = replace(expected, sender=sender, sender_alternative=None)
        if not expected.shows_sender(sender):
            if isinstance(expected.sender, str) and sender_form(expected.sender) == "named":
                rule_id = "email.sender.display-name"
            elif expected.status == "sent" and "email.sender.sent-default" in verdict.rules:
                rule_id = "email.sender.sent-default"
            else:
                rule_id = verdict.rule
            self.fail(rule_id, what, response, f"sender {sender!r}, expected {expected.sender!r}")
        return expected

    def read(self, email: Tracked, what: str) -> None:
        """GET the email: it must show the model's state."""
        self.shows(email, what, self.world.api(email.role).get(f"{EMAILS}{email.id}/"))

    def shows(self, email: Tracked, what: str, response: httpx.Response) -> None:
        """A GET of the email (`response`) must show the model's state."""
        what = f"{what}, then GET"
        if response.status_code != 200:
            self.fail(email.verdict.rule, what, response, "the email cannot be read back")
        email.state = self.compare(what, email.verdict, email.state, response)
        email.unread = None

    # -- the two requests -----------------------------------------------------------------
    @contextmanager
    def checking(self) -> Iterator[None]:
        """A request and its checks: whatever they raise ends the example, and it is marked."""
        try:
            yield
        except BaseException:
            self.interrupted = True
            raise

    def create(self, actor: Role, request: EmailRequest, owner: Identity | None) -> None:
        with self.checking():
            self._create(actor, request, owner)

    def update(self, email_id: str, request: EmailRequest) -> None:
        with self.checking():
            self._update(email_id, request)

    def _create(self, actor: Role, request: EmailRequest, owner: Identity | None) -> None:
        acting = self.identity(actor)
        verdict = decide(None, request, actor_email=acting.email, strict=self.world.strict)
        self.step += 1
        body = {
            "lead_id": self.world.lead_id,
            "to": [f"recipient{self.step}@example.com"],
            "subject": f"close-conformance sender scenario, step {self.step}",
            **_body(request, owner.user_id if owner else None),
        }
        what = f"POST {EMAILS} as {acting.role} with {_body(request, owner.role if owner else None)}"
        response = self.send(acting.role, "POST", EMAILS, body)
        if response is None:
            return
        self.judge(what, verdict, response)
        if response.status_code != SUCCESS:
            return
        assert verdict.accept is not None
        created = response.json().get("id")
        if not isinstance(created, str):
            self.fail(verdict.rule, what, response, "the new email has no id")
        email = Tracked(created, acting.role, verdict.accept, verdict)
        self.tracked[email.id] = email
        email.state = self.compare(what, verdict, email.state, response)
        # The answer showed the model's state; that it lasted, a GET shows at the example's end.
        email.unread = what

    def _update(self, email_id: str, request: EmailRequest) -> None:
        email = self.tracked[email_id]
        if email.state.status == "outbox":
            self.read(email, "before an update")  # it may have been sent meanwhile
        acting = self.identity(email.role)
        verdict = decide(email.state, request, actor_email=acting.email, strict=self.world.strict)
        self.step += 1
        body = _body(request)
        if request.other_fields:
            body["subject"] = f"edited at step {self.step}"
        what = (
            f"PUT {EMAILS}{{id}}/ on a {email.state.status} email (sender {email.state.sender!r}) with {body}"
        )
        response = self.send(email.role, "PUT", f"{EMAILS}{email.id}/", body)
        if response is None:
            return
        self.judge(what, verdict, response)
        email.verdict = verdict
        if response.status_code == SUCCESS:
            assert verdict.accept is not None
            email.state = self.compare(what, verdict, verdict.accept, response)
            email.unread = what  # as for a create: read back at the example's end
        else:
            self.read(email, what)  # a refusal must have left the email as it was: read at once

    # -- rules ----------------------------------------------------------------------------
    @initialize(sender=senders)
    def start_with_a_draft(self, sender: str | Absent | None) -> None:
        """A draft to work on from the first step (a draft may omit its sender)."""
        self.create("me", _request("draft", sender), None)

    @rule(
        actor=st.sampled_from(["me", "peer"]),
        status=statuses,
        sender=senders,
        owner=st.sampled_from([None, "me", "peer"]),
        date=dates,
        send_in=send_ins,
    )
    def create_email(
        self,
        actor: Role,
        status: Status,
        sender: str | Absent | None,
        owner: Role | None,
        date: str | Absent | None,
        send_in: int | Absent,
    ) -> None:
        """A create in any status, with any kind of sender or none, maybe for another user."""
        user = self.identity(owner) if owner else None
        request = _request(status, sender, date, send_in, user_email=user.email if user else None)
        self.create(actor, request, user)

    @precondition(lambda self: _sends_allowed() and self.has_drafts())
    @rule(
        data=st.data(),
        status=st.sampled_from(sorted(CANCELLABLE)),
        sender=senders,
        date=dates,
        send_in=send_ins,
    )
    def send_draft(
        self,
        data: st.DataObject,
        status: Status,
        sender: str | Absent | None,
        date: str | Absent | None,
        send_in: int | Absent,
    ) -> None:
        """A draft moved to scheduled or outbox: it needs a sender, stored or in the same update."""
        email = data.draw(st.sampled_from(self.having("draft")), label="draft")
        self.update(email, _request(status, sender, date, send_in))

    @precondition(lambda self: self.has_drafts())
    @rule(
        data=st.data(),
        status=st.one_of(st.just(ABSENT), statuses),
        sender=senders,
        date=dates,
        send_in=send_ins,
        subject=st.booleans(),
    )
    def edit_draft(
        self,
        data: st.DataObject,
        status: Status | Absent,
        sender: str | Absent | None,
        date: str | Absent | None,
        send_in: int | Absent,
        subject: bool,
    ) -> None:
        """Any update of a draft: an edit, a send, a move to inbox, sent or error."""
        email = data.draw(st.sampled_from(self.having("draft")), label="draft")
        self.update(email, _request(status, sender, date, send_in, other_fields=subject))

    @precondition(lambda self: self.has_cancellable())
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        """`{"status": "draft"}` on a scheduled or outbox email: the documented cancel."""
        email = data.draw(st.sampled_from(self.having(*CANCELLABLE)), label="scheduled or outbox email")
        self.update(email, EmailRequest(status="draft"))

    @precondition(lambda self: self.has_non_drafts())
    @rule(
        data=st.data(),
        status=st.one_of(st.just(ABSENT), statuses),
        sender=senders,
        date=dates,
        send_in=send_ins,
        subject=st.booleans(),
    )
    def edit_non_draft(
        self,
        data: st.DataObject,
        status: Status | Absent,
        sender: str | Absent | None,
        date: str | Absent | None,
        send_in: int | Absent,
        subject: bool,
    ) -> None:
        """Any update of an email that is not a draft: refused, but for the cancel."""
        non_drafts = self.having(*(s for s in STATUSES if s != "draft"))
        email = data.draw(st.sampled_from(non_drafts), label="non-draft")
        self.update(email, _request(status, sender, date, send_in, other_fields=subject))

    def teardown(self) -> None:
        """Each email whose last accepted write no GET has shown yet is read: the write must have
        lasted (one read for all an email's writes: each answer was compared when it came). Then
        the emails this example created go at once. A failed example is not read again: its
        failure is the one to report."""
        try:
            unread = [email for email in self.tracked.values() if email.unread and not self.interrupted]
            answers = gather(
                partial(self.world.api(email.role).get, f"{EMAILS}{email.id}/") for email in unread
            )
            for email, response in zip(unread, answers, strict=True):
                self.shows(email, f"{email.unread} (its last write in the example)", response)
        finally:
            gather(
                partial(self.world.api(email.role).delete, f"{EMAILS}{email.id}/")
                for email in self.tracked.values()
            )


@pytest.fixture(autouse=True, scope="module")
def _scene(
    api: Callable[[Role], CloseClient],
    me: Identity,
    target: Target,
    references: References,
    close_context: RunContext,
) -> Iterator[None]:
    """Hand the session's fixtures to the machine (Hypothesis builds it without pytest)."""
    identities: dict[Role, Identity] = {"me": me}
    peer = target.identity("peer")
    if peer is not None:
        identities["peer"] = peer
    EmailSenderMachine.scene = Scene(api, identities, references.lead_id, close_context.strict)
    yield
    EmailSenderMachine.scene = None


TestEmailSender = pytest.mark.rule(*RULES)(EmailSenderMachine.TestCase)
# The loaded profile's settings, health checks included (Hypothesis' TestCase turns them all off).
TestEmailSender.settings = settings()
