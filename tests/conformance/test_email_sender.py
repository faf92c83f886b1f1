"""Scenario: the email sender-by-status rule, on create and on every allowed and forbidden update.

A Hypothesis state machine creates emails in random statuses, with a plain sender, a named one
(`"Name" <address>`), a null one or none, as me or as my peer, sometimes for another user
(`user_id`); then updates them at random: edits, sends of drafts (scheduled, outbox), moves to
every other status, cancels. After every request the answer must be one the model
(`close_conformance.models.email`, written from the rules and the docs) admits, a success must
show the model's state, and a GET must show it too (or the unchanged email after a refusal).

Emails that Close would send (outbox, scheduled) are only generated when sends are allowed: always
on a loopback target, with --allow-send on a live one. Recipients are reserved addresses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NoReturn

import httpx
import pytest
from hypothesis import note, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, multiple, rule

from close_conformance import runtime
from close_conformance.checks import RuleViolation
from close_conformance.client import SENDING_STATUSES, CloseClient, SendRefused
from close_conformance.generated import References
from close_conformance.models.email import (
    ABSENT,
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
# Reserved for documentation and testing (RFC 2606, RFC 6761): nobody receives these.
DOMAINS = ("example.com", "mail.test", "nowhere.invalid")
# An outbox email may be sent (and so become sent, or error when sending fails) at any moment.
SENT_FROM_OUTBOX = ("sent", "error")


# --------------------------------------------------------------------------- data
def _later() -> str:
    return (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0).isoformat()


def _sendable_statuses() -> st.SearchStrategy[Status]:
    """Every status, less those Close would send when this run may not send."""
    allowed = runtime.current().settings.sends_allowed
    return st.sampled_from([s for s in STATUSES if allowed or s not in SENDING_STATUSES])


statuses = st.deferred(_sendable_statuses)
addresses = st.builds(
    "{}@{}".format, st.from_regex(r"[a-z][a-z0-9]{0,11}", fullmatch=True), st.sampled_from(DOMAINS)
)
names = st.from_regex(r"[A-Z][a-z]{1,9}( [A-Z][a-z]{1,9}){0,2}", fullmatch=True)
senders: st.SearchStrategy[str | Absent | None] = st.one_of(
    st.sampled_from([ABSENT, None]),
    addresses,
    st.builds('"{}" <{}>'.format, names, addresses),
)
# Mostly with a date, so that scheduled emails exist; sometimes without (refused).
dates = st.sampled_from(["later", "later", "later", ABSENT, None])
send_ins: st.SearchStrategy[int | Absent] = st.one_of(
    st.just(ABSENT), st.integers(0, 59), st.integers(60, 3600)
)


@dataclass(frozen=True)
class Scene:
    """What the machine needs from the session's fixtures."""

    api: Callable[[Role], CloseClient]
    identities: dict[Role, Identity]
    lead_id: str
    context: RunContext

    @property
    def strict(self) -> bool:
        return self.context.strict


@dataclass
class Tracked:
    """An email the scenario created, and who created it (and so edits it)."""

    id: str
    role: Role
    state: EmailState
    verdict: Verdict
    """The model's verdict on the request that made the state: the rules a wrong read breaks."""


def _shown(response: httpx.Response) -> str:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:300]
    text = json.dumps(body, sort_keys=True) if not isinstance(body, str) else body
    return f"{response.status_code} {text[:600]}"


def _body(request: EmailRequest, user_id: str | None) -> dict[str, Any]:
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


# --------------------------------------------------------------------------- the machine
class EmailSenderMachine(RuleBasedStateMachine):
    scene: ClassVar[Scene | None] = None
    """Set by the module's autouse fixture: Hypothesis builds machines without pytest's help."""

    emails = Bundle("emails")

    def __init__(self) -> None:
        super().__init__()
        assert self.scene is not None, "the scene fixture did not run"
        self.tracked: dict[str, Tracked] = {}
        self.step = 0

    # -- helpers --------------------------------------------------------------------------
    def identity(self, role: Role) -> Identity:
        assert self.scene is not None
        return self.scene.identities.get(role) or self.scene.identities["me"]

    def client(self, role: Role) -> CloseClient:
        assert self.scene is not None
        return self.scene.api(role if role in self.scene.identities else "me")

    def fail(self, rule_id: str, what: str, response: httpx.Response | None, detail: str) -> NoReturn:
        came_back = f"; answer {_shown(response)}" if response is not None else ""
        raise RuleViolation(rule_id, f"{what}: {detail}{came_back}")

    def judge(self, what: str, verdict: Verdict, response: httpx.Response) -> None:
        """The status code must be one the model admits."""
        note(f"{what} -> {response.status_code}; model: {verdict.describe()}")
        if not verdict.admits(response.status_code):
            self.fail(
                verdict.rule,
                what,
                response,
                f"expected {verdict.describe()} (rules {', '.join(verdict.rules)})",
            )

    def compare(
        self, what: str, verdict: Verdict, expected: EmailState, shown: Any, response: httpx.Response
    ) -> EmailState:
        """An email as the server shows it must be the model's; answers what it is now."""
        if not isinstance(shown, dict):
            self.fail(verdict.rule, what, response, "the answer is not an email object")
        status = shown.get("status")
        if expected.status == "outbox" and status in SENT_FROM_OUTBOX:
            expected = replace(expected, status=status)  # sent meanwhile: Close sends outbox now
        if status != expected.status:
            self.fail(verdict.rule, what, response, f"status {status!r}, expected {expected.status!r}")
        if status == "scheduled" and shown.get("date_scheduled") is None:
            self.fail("email.scheduling-fields", what, response, "a scheduled email without date_scheduled")
        sender = shown.get("sender")
        if not same_sender(expected.sender, sender):
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
        verdict = email.verdict
        response = self.client(email.role).get(f"/activity/email/{email.id}/")
        if response.status_code != 200:
            self.fail(verdict.rule, f"{what}, then GET", response, "the email cannot be read back")
        email.state = self.compare(f"{what}, then GET", verdict, email.state, response.json(), response)

    def send(self, role: Role, method: str, path: str, body: dict[str, Any]) -> httpx.Response | None:
        """The request, or None when the client refused to send an email (no --allow-send)."""
        assert self.scene is not None
        client = self.client(role)
        try:
            return client.post(path, body) if method == "POST" else client.put(path, body)
        except SendRefused:
            assert not self.scene.context.settings.sends_allowed, "sends are allowed, yet refused"
            note(f"{method} {path} skipped: it would send an email and sends are not allowed")
            return None

    # -- create ---------------------------------------------------------------------------
    @rule(
        target=emails,
        actor=st.sampled_from(["me", "peer"]),
        status=statuses,
        sender=senders,
        owner=st.sampled_from([None, "me", "peer"]),
        date=dates,
        send_in=send_ins,
    )
    def create(
        self,
        actor: Role,
        status: Status,
        sender: str | Absent | None,
        owner: Role | None,
        date: str | Absent | None,
        send_in: int | Absent,
    ) -> Any:
        assert self.scene is not None
        acting, user = self.identity(actor), self.identity(owner) if owner else None
        request = EmailRequest(
            status=status,
            sender=sender,
            user_email=user.email if user else None,
            date_scheduled=(_later() if date == "later" else date) if status == "scheduled" else ABSENT,
            send_in=send_in if status == "outbox" else ABSENT,
        )
        verdict = decide(None, request, actor_email=acting.email, strict=self.scene.strict)
        self.step += 1
        body = {
            "lead_id": self.scene.lead_id,
            "to": [f"recipient{self.step}@example.com"],
            "subject": f"close-conformance sender scenario, step {self.step}",
            **_body(request, user.user_id if user else None),
        }
        what = f"POST /activity/email/ as {acting.role} with {_body(request, user.role if user else None)}"
        response = self.send(acting.role, "POST", "/activity/email/", body)
        if response is None:
            return multiple()
        self.judge(what, verdict, response)
        if response.status_code != SUCCESS:
            return multiple()
        assert verdict.accept is not None
        shown = response.json()
        email = Tracked(shown.get("id"), acting.role, verdict.accept, verdict)
        if not isinstance(email.id, str):
            self.fail(verdict.rule, what, response, "the created email has no id")
        email.state = self.compare(what, verdict, email.state, shown, response)
        self.tracked[email.id] = email
        self.read(email, what)
        return email.id

    # -- updates --------------------------------------------------------------------------
    def update(self, email_id: str, request: EmailRequest, subject: bool = False) -> None:
        assert self.scene is not None
        email = self.tracked[email_id]
        if email.state.status == "outbox":
            # It may have been sent since: the model starts from what the server shows.
            self.read(email, "GET before an update")
        acting = self.identity(email.role)
        verdict = decide(email.state, request, actor_email=acting.email, strict=self.scene.strict)
        body = _body(request, None)
        if subject:
            body["subject"] = f"edited at step {self.step}"
        what = f"PUT /activity/email/{{id}}/ on a {email.state.status} email with {body}"
        response = self.send(email.role, "PUT", f"/activity/email/{email.id}/", body)
        if response is None:
            return
        self.judge(what, verdict, response)
        email.verdict = verdict
        if response.status_code == SUCCESS:
            assert verdict.accept is not None
            email.state = self.compare(what, verdict, verdict.accept, response.json(), response)
        self.read(email, what)

    @rule(
        email=emails,
        status=st.one_of(st.just(ABSENT), statuses),
        sender=senders,
        date=dates,
        send_in=send_ins,
        subject=st.booleans(),
    )
    def edit(
        self,
        email: str,
        status: Status | Absent,
        sender: str | Absent | None,
        date: str | Absent | None,
        send_in: int | Absent,
        subject: bool,
    ) -> None:
        """Any update: an edit, a send of a draft, a move to another status."""
        self.step += 1
        request = EmailRequest(
            status=status,
            sender=sender,
            date_scheduled=(_later() if date == "later" else date) if status == "scheduled" else ABSENT,
            send_in=send_in if status == "outbox" else ABSENT,
            other_fields=subject,
        )
        self.update(email, request, subject)

    @rule(email=emails)
    def cancel(self, email: str) -> None:
        """`{"status": "draft"}` alone: a cancel of a scheduled or outbox email, refused on the rest."""
        self.step += 1
        self.update(email, EmailRequest(status="draft"))

    @rule(email=emails, status=statuses, date=dates)
    def move(self, email: str, status: Status, date: str | Absent | None) -> None:
        """A status change alone: sends a draft with its stored sender (or fails to), and so on."""
        self.step += 1
        scheduled = status == "scheduled"
        request = EmailRequest(
            status=status, date_scheduled=(_later() if date == "later" else date) if scheduled else ABSENT
        )
        self.update(email, request)

    def teardown(self) -> None:
        for email in self.tracked.values():
            self.client(email.role).delete(f"/activity/email/{email.id}/")


@pytest.fixture(autouse=True, scope="module")
def _scene(
    api: Callable[[Role], CloseClient],
    me: Identity,
    target: Target,
    references: References,
    close_context: RunContext,
) -> Any:
    """Hand the session's fixtures to the machine (Hypothesis builds it without pytest)."""
    identities: dict[Role, Identity] = {"me": me}
    peer = target.identity("peer")
    if peer is not None:
        identities["peer"] = peer
    EmailSenderMachine.scene = Scene(api, identities, references.lead_id, close_context)
    yield
    EmailSenderMachine.scene = None


TestEmailSender = pytest.mark.rule(*RULES)(EmailSenderMachine.TestCase)
# The loaded profile's settings (budget, health checks): Hypothesis' own TestCase would
# otherwise suppress every health check.
TestEmailSender.settings = settings()
