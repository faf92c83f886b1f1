"""The email sender-by-status rule as a pure model: what a server may answer to a create or update.

Written from specs/rules.yaml (the `email.*` rules), the docs (facts 2.1, create/update an email)
and the 2025-12-17 changelog, never from the mock. Where the sources are silent the discrepancy
register decides, read through `close_conformance.contract` in the run's mode (lenient by default,
exact under `strict`).

What the sources say, and how it is modelled:

- Create (`POST /activity/email/`, answers 200): `sender` is required for inbox, scheduled, outbox
  and error (400 when missing or null); a draft may omit it; a sent email may omit it and then
  carries the address of the email's user (`user_id`) or, without one, of the API key's owner.
- `sender` may be a plain address or `"Name" <address>` (register `sender-format`).
- A scheduled email carries `date_scheduled`; `send_in` must be below 60 seconds (register
  `email-scheduling-fields` decides the refusal's status).
- Only drafts can be modified (register `email-non-draft-edit-status`), except that a scheduled or
  outbox email may be moved back to draft (the cancel).
- A draft may move to scheduled or outbox, which needs a sender, from the request or already
  stored (400 otherwise); whether it may move to inbox, sent or error is the register's
  `email-draft-other-transitions`.

Inferred here, and said so: the changelog states the sender is "required for emails with status
inbox, scheduled, outbox, or error", so an update whose result would be such an email without a
sender is refused with 400 (a draft whose sender the same update nulls cannot be sent); a draft
that moves to sent (where the register admits it) gets the same default as a sent create; a
cancel that also changes other fields is neither documented nor excluded, so either answer is
admitted (success, or the non-draft refusal); after a cancel, whether `date_scheduled` is kept is
unknown.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from email.utils import parseaddr
from typing import Final, Literal, TypeAlias

from close_conformance.contract import Contract, default_contract

__all__ = [
    "ABSENT",
    "CANCELLABLE",
    "SENDER_REQUIRED",
    "SEND_IN_LIMIT",
    "STATUSES",
    "SUCCESS",
    "Absent",
    "EmailRequest",
    "EmailState",
    "Status",
    "Verdict",
    "decide",
    "same_sender",
    "sender_form",
]

Status: TypeAlias = Literal["inbox", "draft", "scheduled", "outbox", "sent", "error"]
STATUSES: Final[tuple[Status, ...]] = ("inbox", "draft", "scheduled", "outbox", "sent", "error")
SENDER_REQUIRED: Final[frozenset[Status]] = frozenset({"inbox", "scheduled", "outbox", "error"})
"""Statuses that need a sender (changelog 2025-12-17)."""
CANCELLABLE: Final[frozenset[Status]] = frozenset({"scheduled", "outbox"})
"""Statuses that may move back to draft (facts 2.1); also the ways a draft is sent."""
SEND_IN_LIMIT: Final = 60
"""`send_in` must be below this many seconds."""
SUCCESS: Final = 200
"""Create and update answer 200 (close.yaml: "200, not 201")."""


class Absent(enum.Enum):
    """A field left out of the request body (as opposed to sent as null)."""

    ABSENT = "absent"

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = Absent.ABSENT


@dataclass(frozen=True)
class EmailState:
    """What the model knows of a stored email."""

    status: Status
    sender: str | None
    """As sent (plain or named), the defaulted address, or None: no sender."""
    user_email: str | None = None
    """The address of the email's user (`user_id`), when one was given; None: the API key's owner."""
    date_scheduled: bool | None = False
    """Whether it carries `date_scheduled`; None when the model cannot know (after a cancel)."""
    sender_alternative: str | None = None
    """Another sender the answer may show instead of `sender`: the sent default where the docs do
    not say whether it applies (a draft moved to sent by an update keeps no sender, or takes it)."""

    def shows_sender(self, got: object) -> bool:
        """Whether an answer's `sender` is one this state admits."""
        alternative = self.sender_alternative is not None and same_sender(self.sender_alternative, got)
        return same_sender(self.sender, got) or alternative


@dataclass(frozen=True)
class EmailRequest:
    """The body of a create or an update, as far as the rule cares. ABSENT = not in the body."""

    status: Status | Absent = ABSENT
    sender: str | Absent | None = ABSENT
    user_email: str | None = None
    """The address of the user named by `user_id`; None when the body has no `user_id`."""
    date_scheduled: str | Absent | None = ABSENT
    send_in: int | Absent | None = ABSENT
    other_fields: bool = False
    """The body changes something else too (a subject, say)."""

    def __post_init__(self) -> None:
        if isinstance(self.send_in, int) and self.send_in < 0:
            raise ValueError("send_in is a number of seconds, not negative")

    @property
    def touches_only_status(self) -> bool:
        return (
            self.sender is ABSENT
            and self.user_email is None
            and self.date_scheduled is ABSENT
            and self.send_in is ABSENT
            and not self.other_fields
        )


@dataclass(frozen=True)
class Verdict:
    """The answers a conformant server may give.

    `accept` is the email's state after a success (200), None when success is wrong; `reject`
    holds the statuses a refusal may carry, empty when a refusal is wrong. Both set: the register
    admits either answer.
    """

    accept: EmailState | None
    reject: frozenset[int]
    rules: tuple[str, ...]
    """The rules this request exercises (for messages and reports)."""
    rule: str
    """The rule a wrong answer breaks: the one that demands (or, per the register, admits) a
    refusal, else the one that admits the change."""
    reasons: tuple[str, ...] = ()
    """Why a refusal is (or may be) due."""

    def __post_init__(self) -> None:
        if self.accept is None and not self.reject:
            raise ValueError("a verdict admits at least one answer")

    @property
    def must_accept(self) -> bool:
        return self.accept is not None and not self.reject

    @property
    def must_reject(self) -> bool:
        return self.accept is None

    def admits(self, status_code: int) -> bool:
        return (status_code == SUCCESS and self.accept is not None) or status_code in self.reject

    def describe(self) -> str:
        parts = []
        if self.accept is not None:
            parts.append(f"{SUCCESS} with status {self.accept.status!r} and sender {self.accept.sender!r}")
        if self.reject:
            why = f" ({'; '.join(self.reasons)})" if self.reasons else ""
            parts.append(f"a refusal with {' or '.join(map(str, sorted(self.reject)))}{why}")
        return " or ".join(parts)


def sender_form(sender: str) -> Literal["plain", "named"]:
    """`"Name" <address>` is named; anything else is read as a plain address."""
    return "named" if "<" in sender and sender.rstrip().endswith(">") else "plain"


def sender_address(sender: str) -> str:
    return parseaddr(sender)[1].strip().lower()


def same_sender(expected: str | None, got: object) -> bool:
    """Whether a response's `sender` is the expected one: the same address (case-insensitive).

    The docs say a named sender is accepted, not how it is echoed, so only the address counts.
    """
    if expected is None or got is None:
        return expected is None and got is None
    return isinstance(got, str) and sender_address(got) == sender_address(expected) != ""


# --------------------------------------------------------------------------- the register
@dataclass(frozen=True)
class _Reading:
    success: bool
    """The register admits success."""
    codes: frozenset[int]


def _reading(contract: Contract, discrepancy: str, strict: bool) -> _Reading:
    accepted = contract.discrepancy(discrepancy).accepted(strict=strict)
    codes = frozenset(v for v in accepted if isinstance(v, int) and not isinstance(v, bool))
    return _Reading(success="accepted" in accepted, codes=codes)


# --------------------------------------------------------------------------- the judgement
@dataclass
class _Judgement:
    refusals: list[tuple[str, frozenset[int], str]] = field(default_factory=list)
    """(rule, statuses, reason): the request must be refused."""
    optional: list[tuple[str, frozenset[int], str]] = field(default_factory=list)
    """(rule, statuses, reason): the register admits a refusal as well as a success."""
    rules: list[str] = field(default_factory=list)
    main: str | None = None
    """The rule that admits the request, when it is admitted."""

    def rule(self, rule: str, *, main: bool = False) -> None:
        if rule not in self.rules:
            self.rules.append(rule)
        if main:
            self.main = rule

    def refuse(self, rule: str, codes: frozenset[int], reason: str) -> None:
        self.rule(rule)
        self.refusals.append((rule, codes, reason))

    def maybe_refuse(self, rule: str, reading: _Reading, reason: str) -> None:
        if reading.success:
            self.rule(rule)
            self.optional.append((rule, reading.codes, reason))
        else:
            self.refuse(rule, reading.codes, reason)

    def verdict(self, state: EmailState) -> Verdict:
        due = self.refusals or self.optional
        codes = frozenset(code for _, c, _ in (*self.refusals, *self.optional) for code in c)
        reasons = tuple(reason for _, _, reason in due)
        # The rule that demands or admits the refusal, else the one that admits the change.
        rule = due[0][0] if due else self.main or self.rules[0]
        return Verdict(
            accept=None if self.refusals else state,
            reject=codes,
            rules=tuple(self.rules),
            rule=rule,
            reasons=reasons,
        )


_BAD_REQUEST: Final = frozenset({400})


def _check_sender_form(
    judgement: _Judgement, sender: str | Absent | None, contract: Contract, strict: bool
) -> None:
    if not isinstance(sender, str):
        return
    form = sender_form(sender)
    if form == "named":
        # The uncommon part of the request: what a wrong refusal most likely breaks.
        judgement.rule("email.sender.display-name", main=True)
    if form not in contract.discrepancy("sender-format").accepted(strict=strict):
        judgement.refuse("email.sender.display-name", _BAD_REQUEST, f"a {form} sender is not accepted")


def _check_send_in(judgement: _Judgement, request: EmailRequest, scheduling: _Reading) -> None:
    if isinstance(request.send_in, int):
        judgement.rule("email.scheduling-fields")
        if request.send_in >= SEND_IN_LIMIT:
            judgement.refuse(
                "email.scheduling-fields", scheduling.codes, f"send_in {request.send_in} is not below 60"
            )


def _default_sender(
    status: Status, sender: str | None, user_email: str | None, actor_email: str
) -> str | None:
    if status == "sent" and sender is None:
        return user_email or actor_email
    return sender


def decide(
    stored: EmailState | None,
    request: EmailRequest,
    *,
    actor_email: str,
    strict: bool = False,
    contract: Contract | None = None,
) -> Verdict:
    """What a server may answer to `request`: a create when `stored` is None, else an update of it.

    `actor_email` is the address of the API key's owner (the sent default without a user).
    """
    contract = contract or default_contract()
    if stored is None:
        return _create(request, actor_email, strict, contract)
    return _update(stored, request, actor_email, strict, contract)


def _create(request: EmailRequest, actor_email: str, strict: bool, contract: Contract) -> Verdict:
    if request.status is ABSENT:
        raise ValueError("a create needs a status (CreateEmailActivity requires it)")
    status: Status = request.status
    judgement = _Judgement()
    scheduling = _reading(contract, "email-scheduling-fields", strict)
    sender = None if request.sender is ABSENT else request.sender
    if status in SENDER_REQUIRED:
        judgement.rule("email.sender.required-by-status", main=True)
        if sender is None:
            judgement.refuse(
                "email.sender.required-by-status", _BAD_REQUEST, f"a {status} email needs a sender"
            )
    elif status == "draft":
        judgement.rule("email.sender.optional-for-draft", main=True)
    else:
        judgement.rule("email.sender.sent-default", main=True)
    _check_sender_form(judgement, request.sender, contract, strict)
    has_date = isinstance(request.date_scheduled, str)
    if status == "scheduled":
        judgement.rule("email.scheduling-fields")
        if not has_date:
            judgement.refuse(
                "email.scheduling-fields", scheduling.codes, "a scheduled email needs date_scheduled"
            )
    _check_send_in(judgement, request, scheduling)
    state = EmailState(
        status=status,
        sender=_default_sender(status, sender, request.user_email, actor_email),
        user_email=request.user_email,
        date_scheduled=has_date,
    )
    return judgement.verdict(state)


def _update(
    stored: EmailState, request: EmailRequest, actor_email: str, strict: bool, contract: Contract
) -> Verdict:
    judgement = _Judgement()
    scheduling = _reading(contract, "email-scheduling-fields", strict)
    non_draft = _reading(contract, "email-non-draft-edit-status", strict)
    target: Status = stored.status if request.status is ABSENT else request.status
    sender = stored.sender if request.sender is ABSENT else request.sender
    user_email = request.user_email or stored.user_email
    date_scheduled = stored.date_scheduled
    if request.date_scheduled is not ABSENT:
        date_scheduled = request.date_scheduled is not None

    if stored.status != "draft":
        judgement.rule("email.only-drafts-editable", main=True)
        if stored.status in CANCELLABLE and target == "draft" and request.status is not ABSENT:
            judgement.rule("email.cancel-to-draft", main=True)
            if not request.touches_only_status:
                judgement.maybe_refuse(
                    "email.only-drafts-editable",
                    _Reading(success=True, codes=non_draft.codes),
                    "a cancel that also edits other fields is not documented",
                )
            _check_sender_form(judgement, request.sender, contract, strict)
            _check_send_in(judgement, request, scheduling)
            cancelled = EmailState(
                "draft", sender, user_email, None if request.date_scheduled is ABSENT else date_scheduled
            )
            return judgement.verdict(cancelled)
        judgement.refuse(
            "email.only-drafts-editable", non_draft.codes, f"a {stored.status} email cannot be modified"
        )
        return judgement.verdict(stored)

    # A draft: anything may change ("only drafts can be modified"); where it goes decides what it needs.
    judgement.rule("email.only-drafts-editable", main=True)
    _check_send_in(judgement, request, scheduling)
    if target != "draft":
        judgement.rule("email.draft-transitions", main=True)
    if target in CANCELLABLE:
        judgement.rule("email.sender.required-to-send-draft")
        if sender is None:
            judgement.refuse(
                "email.sender.required-to-send-draft",
                _BAD_REQUEST,
                f"a draft without sender cannot move to {target}",
            )
    elif target in ("inbox", "sent", "error"):
        judgement.maybe_refuse(
            "email.draft-transitions",
            _reading(contract, "email-draft-other-transitions", strict),
            f"a draft moving to {target} is not documented",
        )
        if target in SENDER_REQUIRED and sender is None:
            judgement.rule("email.sender.required-by-status")
            judgement.refuse(
                "email.sender.required-by-status", _BAD_REQUEST, f"a {target} email needs a sender"
            )
    if target == "scheduled":
        judgement.rule("email.scheduling-fields")
        if date_scheduled is None:
            judgement.maybe_refuse(
                "email.scheduling-fields",
                replace(scheduling, success=True),
                "the draft may or may not still carry date_scheduled",
            )
        elif not date_scheduled:
            judgement.refuse(
                "email.scheduling-fields", scheduling.codes, "a scheduled email needs date_scheduled"
            )
    _check_sender_form(judgement, request.sender, contract, strict)
    defaulted = _default_sender(target, sender, user_email, actor_email)
    # The sent default is documented for creates (email.sender.sent-default, changelog
    # 2025-12-17); a draft moved to sent by an update (register email-draft-other-transitions)
    # may take it or keep no sender: the docs say neither.
    undecided = target == "sent" and sender is None
    state = EmailState(
        status=target,
        sender=None if undecided else defaulted,
        user_email=user_email,
        date_scheduled=True if target == "scheduled" else date_scheduled,
        sender_alternative=defaulted if undecided else None,
    )
    return judgement.verdict(state)
