"""Send As ownership and visibility as a pure model: who may see and do what, and what comes back.

Written from specs/rules.yaml (the `send_as.*` rules), the seeds (000 delete by users, 001 the
overview, 002 the older page that states who may do what) and facts section 1, never from the mock.
Where the sources are silent the discrepancy register decides, read through
`close_conformance.contract` in the run's mode (lenient by default, exact under `strict`).

The state is the set of associations (allowing user, allowed user) the model knows, each with
its id and organization. A request by an `actor` (a user id) gets an `Expectation`: the answers a
conformant server may give. `Expectation.judge(status, body)` turns the server's answer into a
`Verdict`: whether it is one of them (else which rule broke and what came back), and what it
changed; `SendAsModel.apply(verdict)` moves the model along.

What the sources say, and how it is modelled:

- create (`POST /send_as/`, 201 with the association): only as the allowing user; otherwise
  refused (register `send-as-refusal-status`). The allowed user must be of my organization
  (inferred rule `send_as.create-same-organization`, same refusal).
- list (`GET /send_as/`, 200 `{"data": [...]}`): without filters, `allowing_user_id` = me; with
  filters, one of them must name me and the answer is exactly the associations matching every
  filter given; a filter naming only others is refused or answered with an empty list (register
  `send-as-list-foreign-filter`).
- get and delete by id: the two users involved see the association; anyone else gets the
  register's `uninvolved-status`. The allowing user may revoke by id; whether the allowed user may
  is the register's `send-as-delete-by-id-who` (a refusal then carries `uninvolved-status`'s
  statuses, the 403/404 its decision names).
- delete by users (`DELETE /send_as/?allowing_user_id=&allowed_user_id=`): both ids, and the
  allowing one must be me; a missing id is refused per `send-as-delete-params`, someone else as
  allowing per `send-as-refusal-status`.
- a successful delete answers per `send-as-delete-status` (204 empty; 200 empty or `{}` where
  admitted).
- bulk (`POST /send_as/bulk/`, 200): I am the allowing user of every user in `allowed_user_ids`
  and of none in `disallowed_user_ids`; the answer is every association where I am allowing,
  after the change. An allowed user of another organization makes it a refusal
  (`send_as.create-same-organization`).

Decided here, where the sources say nothing, and said so:

- Creating (or bulk-allowing) a pair that exists already: either the existing association or a
  new one is a conformant answer (201 for a create, as the rule says of every create as the
  allowing user), but the pair must exist exactly once afterwards: a new id replaces the old one.
- An id nobody has (never existed, or deleted) answers 404 to a get or a delete by id, and a delete
  by users of a pair that does not exist answers 404: every Send As page lists 404 Not Found, and
  there is nothing to remove.
- A refused request changes nothing (a bulk with one user of another organization allows nobody).
- Disallowing in bulk a user who is not allowed is a no-op: bulk edits the set of allowed users.
- Not decided at all (the model raises `Undecided`): a user allowing themself, a user both allowed
  and disallowed in one bulk, disallowing a user of another organization, and users the model does
  not know the organization of.
"""

from __future__ import annotations

import enum
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeAlias

from close_conformance.contract import Contract, default_contract

__all__ = [
    "CREATED",
    "EMPTY",
    "LISTED",
    "NOT_FOUND",
    "RULES",
    "Association",
    "Body",
    "Empty",
    "Expectation",
    "NotJson",
    "SendAsModel",
    "Undecided",
    "Verdict",
    "parse_body",
    "show",
]

Pair: TypeAlias = tuple[str, str]
"""(allowing user id, allowed user id)."""

CREATED: Final = 201
"""`POST /send_as/` answers 201 (facts 1.2, create.md)."""
LISTED: Final = 200
"""List and bulk answer 200."""
NOT_FOUND: Final = frozenset({404})
"""What an id nobody has, or a pair that does not exist, answers (decided here, see above)."""
RULES: Final = (
    "send_as.create-as-allowing-user",
    "send_as.create-same-organization",
    "send_as.list-default-allowing",
    "send_as.list-involved-only",
    "send_as.get-involved-only",
    "send_as.delete-by-id",
    "send_as.delete-by-users",
    "send_as.delete-status",
    "send_as.bulk-returns-all-allowing",
)
"""The rules this model speaks for."""


class Undecided(ValueError):
    """The sources say nothing about this request, and the model does not guess."""


class Empty(enum.Enum):
    """A response without a body."""

    EMPTY = "empty"

    def __repr__(self) -> str:
        return "EMPTY"


EMPTY: Final = Empty.EMPTY


@dataclass(frozen=True)
class NotJson:
    """A response body that is not JSON."""

    text: str


Body: TypeAlias = Any
"""A parsed JSON body, `EMPTY`, or `NotJson`."""


def parse_body(content: bytes) -> Body:
    """What `judge` takes: the parsed JSON, `EMPTY` for no content, `NotJson` otherwise."""
    if not content.strip():
        return EMPTY
    try:
        return json.loads(content)
    except ValueError:
        return NotJson(content.decode("utf-8", "replace"))


def show(status: int, body: Body, limit: int = 600) -> str:
    """`status body`, the body shortened, for messages."""
    if body is EMPTY:
        text = "(no body)"
    elif isinstance(body, NotJson):
        text = f"(not JSON) {body.text!r}"
    else:
        text = json.dumps(body, sort_keys=True, default=str)
    if len(text) > limit:
        text = text[:limit] + "..."
    return f"{status} {text}"


@dataclass(frozen=True, order=True)
class Association:
    id: str
    allowing_user_id: str
    allowed_user_id: str
    organization_id: str

    @property
    def pair(self) -> Pair:
        return (self.allowing_user_id, self.allowed_user_id)

    def involves(self, user_id: str) -> bool:
        return user_id in self.pair

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "allowing_user_id": self.allowing_user_id,
            "allowed_user_id": self.allowed_user_id,
            "organization_id": self.organization_id,
        }

    @classmethod
    def from_json(cls, value: Any) -> Association | None:
        """The association in a response, None when `value` is not one (a missing or odd field)."""
        if not isinstance(value, dict):
            return None
        fields = [value.get(k) for k in ("id", "allowing_user_id", "allowed_user_id", "organization_id")]
        if not all(isinstance(f, str) and f for f in fields):
            return None
        return cls(*(str(f) for f in fields))


def _associations_in(body: Body) -> list[Association] | str:
    """The associations of a `{"data": [...]}` answer, or why it is not one."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return 'the answer is not {"data": [...]}'
    found: list[Association] = []
    for item in body["data"]:
        association = Association.from_json(item)
        if association is None:
            return f"{item!r} in data is not an association with four string fields"
        found.append(association)
    return found


def _short(associations: Iterable[Association]) -> str:
    shown = [f"{a.id} {a.allowing_user_id}->{a.allowed_user_id}" for a in sorted(associations)]
    return "[" + ", ".join(shown) + "]"


def _codes(statuses: Iterable[int]) -> str:
    return " or ".join(map(str, sorted(statuses)))


# --------------------------------------------------------------------------- verdicts
@dataclass(frozen=True)
class Verdict:
    """How the server's answer compares with the model."""

    rule: str
    """The rule judged (the one broken, when `problem` is set)."""
    problem: str | None = None
    """None: the answer is one the model admits; else what was expected and what came back."""
    removed: frozenset[str] = frozenset()
    """Ids the answer removed (a success that deleted or replaced associations)."""
    added: tuple[Association, ...] = ()
    """Associations the answer created."""
    succeeded: bool = False
    """The server did what was asked (as opposed to refusing)."""

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Expectation:
    """The answers a conformant server may give to one request.

    `success` holds the statuses of an admitted success, empty when success is wrong; `refusal`
    the statuses of an admitted refusal, empty when refusing is wrong. What a success must carry
    and what it changes depends on `kind`.
    """

    request: str
    """The request, for messages: `GET /send_as/?allowing_user_id=... as user_...`."""
    rule: str
    kind: str
    """`refused`, `list`, `get`, `create`, `delete` or `bulk`."""
    success: frozenset[int] = frozenset()
    refusal: frozenset[int] = frozenset()
    empty_list_refusal: bool = False
    """A 200 with an empty list counts as a refusal (`send-as-list-foreign-filter`)."""
    reason: str = ""
    """Why a refusal is (or may be) due."""
    listing: tuple[Association, ...] = ()
    """`list`: exactly these. `bulk`: the associations kept as they are."""
    association: Association | None = None
    """`get`: the one shown. `delete`: the one removed. `create`: the pair's current association."""
    pair: Pair | None = None
    """`create`: the pair created."""
    organization_id: str | None = None
    """`create` and `bulk`: the organization of what is created."""
    renewed: tuple[Pair, ...] = ()
    """`bulk`: the pairs allowed, existing ones answered with their old or a new id."""
    replaced: tuple[Association, ...] = ()
    """`bulk`: every association where the actor is allowing, before (the answer replaces them)."""
    status_rule: str | None = None
    """The rule a success with the wrong status or body breaks (`send_as.delete-status`)."""
    alternatives: tuple[Expectation, ...] = ()
    """`either`: the answer must fit one of these."""

    def __post_init__(self) -> None:
        if self.kind != "either" and not self.success and not self.refusal:
            raise ValueError("an expectation admits at least one answer")

    # -- what it admits -----------------------------------------------------------------
    @property
    def must_refuse(self) -> bool:
        if self.kind == "either":
            return all(a.must_refuse for a in self.alternatives)
        return not self.success

    @property
    def may_succeed(self) -> bool:
        if self.kind == "either":
            return any(a.may_succeed for a in self.alternatives)
        return bool(self.success)

    def describe(self) -> str:
        if self.kind == "either":
            return " or ".join(a.describe() for a in self.alternatives)
        parts = []
        if self.success:
            parts.append(f"{_codes(self.success)} {self._success_shape()}")
        if self.refusal:
            why = f" ({self.reason})" if self.reason else ""
            parts.append(f"a refusal with {_codes(self.refusal)}{why}")
        if self.empty_list_refusal:
            parts.append('200 {"data": []}')
        return " or ".join(parts)

    def _success_shape(self) -> str:
        if self.kind == "list":
            return f"listing exactly {_short(self.listing)}"
        if self.kind == "get":
            assert self.association is not None
            return f"with {self.association.as_json()}"
        if self.kind == "create":
            assert self.pair is not None
            return f"with the association {self.pair[0]}->{self.pair[1]} of {self.organization_id}"
        if self.kind == "delete":
            return "with no body (or {} with 200)"
        if self.kind == "bulk":
            pairs = sorted({a.pair for a in self.listing} | set(self.renewed))
            return "listing every association where I am allowing: " + ", ".join(
                f"{a}->{b}" for a, b in pairs
            )
        return ""

    # -- judging an answer --------------------------------------------------------------
    def judge(self, status: int, body: Body) -> Verdict:
        """Whether `status`/`body` is an answer this expectation admits, and what it changed."""
        if self.kind == "either":
            verdicts = [a.judge(status, body) for a in self.alternatives]
            fitting = next((v for v in verdicts if v.ok), None)
            if fitting is not None:
                return fitting
            return self._broken(self.rule, status, body)
        if status in self.refusal:
            return Verdict(self.rule)
        if self.empty_list_refusal and status == LISTED and isinstance(body, dict) and body.get("data") == []:
            return Verdict(self.rule)
        if not self.success:
            return self._broken(self.rule, status, body)
        if status not in self.success:
            # A delete that succeeded with the wrong status breaks the status rule, not the delete.
            rule = self.status_rule if self.status_rule and 200 <= status < 300 else self.rule
            return self._broken(rule, status, body)
        check = {
            "list": self._judge_list,
            "get": self._judge_get,
            "create": self._judge_create,
            "delete": self._judge_delete,
            "bulk": self._judge_bulk,
        }[self.kind]
        return check(status, body)

    def _broken(self, rule: str, status: int, body: Body, why: str = "") -> Verdict:
        detail = f" ({why})" if why else ""
        return Verdict(rule, f"{self.request}: expected {self.describe()}; got {show(status, body)}{detail}")

    def _judge_list(self, status: int, body: Body) -> Verdict:
        found = _associations_in(body)
        if isinstance(found, str):
            return self._broken(self.rule, status, body, found)
        missing = Counter(self.listing) - Counter(found)
        extra = Counter(found) - Counter(self.listing)
        if missing or extra:
            why = f"missing {_short(missing.elements())}, unexpected {_short(extra.elements())}"
            return self._broken(self.rule, status, body, why)
        return Verdict(self.rule, succeeded=True)

    def _judge_get(self, status: int, body: Body) -> Verdict:
        if Association.from_json(body) != self.association:
            return self._broken(self.rule, status, body, "not the association")
        return Verdict(self.rule, succeeded=True)

    def _judge_create(self, status: int, body: Body) -> Verdict:
        created = Association.from_json(body)
        assert self.pair is not None
        if created is None or created.pair != self.pair or created.organization_id != self.organization_id:
            return self._broken(self.rule, status, body, "not the association asked for")
        existing = self.association
        if existing is not None and created.id == existing.id:
            return Verdict(self.rule, succeeded=True)  # the existing association, answered again
        removed = frozenset({existing.id}) if existing is not None else frozenset()
        return Verdict(self.rule, removed=removed, added=(created,), succeeded=True)

    def _judge_delete(self, status: int, body: Body) -> Verdict:
        assert self.association is not None
        rule = self.status_rule or self.rule
        if status == 204 and body is not EMPTY:
            return self._broken(rule, status, body, "204 carries no content")
        if status == 200 and body is not EMPTY and body != {}:
            return self._broken(rule, status, body, "a 200 delete answers no body or {}")
        return Verdict(self.rule, removed=frozenset({self.association.id}), succeeded=True)

    def _judge_bulk(self, status: int, body: Body) -> Verdict:
        found = _associations_in(body)
        if isinstance(found, str):
            return self._broken(self.rule, status, body, found)
        kept = set(self.listing)
        expected_pairs = Counter(a.pair for a in kept) + Counter(self.renewed)
        got_pairs = Counter(a.pair for a in found)
        if got_pairs != expected_pairs:
            missing = sorted((expected_pairs - got_pairs).elements())
            extra = sorted((got_pairs - expected_pairs).elements())
            return self._broken(self.rule, status, body, f"pairs missing {missing}, unexpected {extra}")
        for association in found:
            if association.organization_id != self.organization_id:
                return self._broken(
                    self.rule, status, body, f"{association.id} not of {self.organization_id}"
                )
            if association.pair not in self.renewed and association not in kept:
                return self._broken(self.rule, status, body, f"{association.id} changed though not named")
        return Verdict(
            self.rule,
            removed=frozenset(a.id for a in self.replaced),
            added=tuple(found),
            succeeded=True,
        )


# --------------------------------------------------------------------------- the model
class SendAsModel:
    """The associations of the organizations the run sees, and what each user may do with them.

    `organizations` maps every user the model knows to their organization; `associations` is the
    state to start from (the server's, as the users involved see it).
    """

    def __init__(
        self,
        organizations: Mapping[str, str],
        associations: Iterable[Association] = (),
        *,
        strict: bool = False,
        contract: Contract | None = None,
    ) -> None:
        self.organizations = dict(organizations)
        self.strict = strict
        self.contract = contract or default_contract()
        self._state: dict[str, Association] = {}
        self._gone: dict[str, str] = {}
        """Deleted ids -> the rule of the request that deleted them (for messages)."""
        for association in associations:
            if association.pair in self.pairs():
                raise ValueError(f"{association.pair} is given twice: a pair exists at most once")
            self._state[association.id] = association

    # -- the register -------------------------------------------------------------------
    def accepted(self, discrepancy: str) -> tuple[object, ...]:
        return self.contract.discrepancy(discrepancy).accepted(strict=self.strict)

    def statuses(self, discrepancy: str) -> frozenset[int]:
        return frozenset(
            v for v in self.accepted(discrepancy) if isinstance(v, int) and not isinstance(v, bool)
        )

    # -- the state ----------------------------------------------------------------------
    @property
    def state(self) -> tuple[Association, ...]:
        return tuple(sorted(self._state.values()))

    def pairs(self) -> frozenset[Pair]:
        return frozenset(a.pair for a in self._state.values())

    def find(self, allowing: str, allowed: str) -> Association | None:
        return next((a for a in self._state.values() if a.pair == (allowing, allowed)), None)

    def by_id(self, association_id: str) -> Association | None:
        return self._state.get(association_id)

    def gone(self) -> frozenset[str]:
        return frozenset(self._gone)

    def matching(self, *, allowing: str | None = None, allowed: str | None = None) -> tuple[Association, ...]:
        """Every association matching the filters given (no visibility rule applied)."""
        return tuple(
            a
            for a in self.state
            if (allowing is None or a.allowing_user_id == allowing)
            and (allowed is None or a.allowed_user_id == allowed)
        )

    def visible_to(self, user: str) -> tuple[Association, ...]:
        """What `user` may see: the associations they are involved in."""
        return tuple(a for a in self.state if a.involves(user))

    def apply(self, verdict: Verdict) -> None:
        """Move the model along by what an admitted answer did."""
        if not verdict.ok:
            raise ValueError(f"the answer broke {verdict.rule}: the model cannot follow it")
        for association_id in verdict.removed:
            if self._state.pop(association_id, None) is not None:
                self._gone[association_id] = verdict.rule
        for association in verdict.added:
            for stale in [a.id for a in self._state.values() if a.pair == association.pair]:
                if stale != association.id:
                    del self._state[stale]
                    self._gone[stale] = verdict.rule
            self._state[association.id] = association
            self._gone.pop(association.id, None)

    # -- helpers ------------------------------------------------------------------------
    def organization(self, user: str) -> str:
        try:
            return self.organizations[user]
        except KeyError:
            raise Undecided(f"user {user} is not one the model knows the organization of") from None

    def _refused(self, request: str, rule: str, statuses: Iterable[int], reason: str) -> Expectation:
        return Expectation(request, rule, "refused", refusal=frozenset(statuses), reason=reason)

    def _not_found(self, request: str, rule: str, association_id: str) -> Expectation:
        how = self._gone.get(association_id)
        reason = f"{association_id} was deleted" if how else f"no association {association_id}"
        return self._refused(request, how or rule, NOT_FOUND, reason)

    # -- the operations -----------------------------------------------------------------
    def expect_create(self, actor: str, allowing: str, allowed: str) -> Expectation:
        """`POST /send_as/ {"allowing_user_id": allowing, "allowed_user_id": allowed}` by `actor`."""
        request = f"POST /send_as/ {{allowing_user_id: {allowing}, allowed_user_id: {allowed}}} as {actor}"
        refusal = self.statuses("send-as-refusal-status")
        if allowing != actor:
            return self._refused(
                request, "send_as.create-as-allowing-user", refusal, "allowing_user_id is not me"
            )
        if self.organization(allowed) != self.organization(actor):
            return self._refused(
                request,
                "send_as.create-same-organization",
                refusal,
                "the allowed user is of another organization",
            )
        if allowed == actor:
            raise Undecided("the sources say nothing about a user allowing themself")
        return Expectation(
            request,
            "send_as.create-as-allowing-user",
            "create",
            success=frozenset({CREATED}),
            pair=(allowing, allowed),
            organization_id=self.organization(actor),
            association=self.find(allowing, allowed),
        )

    def expect_list(
        self, actor: str, *, allowing: str | None = None, allowed: str | None = None
    ) -> Expectation:
        """`GET /send_as/` with the filters given, by `actor`."""
        query = "&".join(
            f"{k}={v}"
            for k, v in (("allowing_user_id", allowing), ("allowed_user_id", allowed))
            if v is not None
        )
        request = f"GET /send_as/{'?' + query if query else ''} as {actor}"
        if allowing is None and allowed is None:
            return Expectation(
                request,
                "send_as.list-default-allowing",
                "list",
                success=frozenset({LISTED}),
                listing=self.matching(allowing=actor),
            )
        if actor not in (allowing, allowed):
            accepted = self.accepted("send-as-list-foreign-filter")
            return Expectation(
                request,
                "send_as.list-involved-only",
                "refused",
                refusal=self.statuses("send-as-list-foreign-filter"),
                empty_list_refusal="empty-list" in accepted,
                reason="no filter names me",
            )
        return Expectation(
            request,
            "send_as.list-involved-only",
            "list",
            success=frozenset({LISTED}),
            listing=self.matching(allowing=allowing, allowed=allowed),
        )

    def expect_get(self, actor: str, association_id: str) -> Expectation:
        """`GET /send_as/{id}/` by `actor`."""
        request = f"GET /send_as/{association_id}/ as {actor}"
        association = self._state.get(association_id)
        if association is None:
            return self._not_found(request, "send_as.get-involved-only", association_id)
        if association.involves(actor):
            return Expectation(
                request,
                "send_as.get-involved-only",
                "get",
                success=frozenset({LISTED}),
                association=association,
            )
        return self._refused(
            request,
            "send_as.get-involved-only",
            self.statuses("uninvolved-status"),
            "I am not involved in it",
        )

    def _deleted(self, request: str, rule: str, association: Association) -> Expectation:
        return Expectation(
            request,
            rule,
            "delete",
            success=self.statuses("send-as-delete-status"),
            association=association,
            status_rule="send_as.delete-status",
        )

    def expect_delete(self, actor: str, association_id: str) -> Expectation:
        """`DELETE /send_as/{id}/` by `actor`."""
        request = f"DELETE /send_as/{association_id}/ as {actor}"
        rule = "send_as.delete-by-id"
        association = self._state.get(association_id)
        if association is None:
            return self._not_found(request, rule, association_id)
        if actor == association.allowing_user_id:
            return self._deleted(request, rule, association)
        uninvolved = self.statuses("uninvolved-status")
        if actor == association.allowed_user_id:
            # Register send-as-delete-by-id-who: "allowed" and/or "refused"; a refusal carries
            # the statuses its decision names (403/404, strict 404), those of uninvolved-status.
            who = self.accepted("send-as-delete-by-id-who")
            options = []
            if "allowed" in who:
                options.append(self._deleted(request, rule, association))
            if "refused" in who:
                options.append(
                    self._refused(request, rule, uninvolved, "the allowed user may not revoke by id")
                )
            if len(options) == 1:
                return options[0]
            return Expectation(request, rule, "either", alternatives=tuple(options))
        return self._refused(request, rule, uninvolved, "I am not involved in it")

    def expect_delete_by_users(
        self, actor: str, *, allowing: str | None = None, allowed: str | None = None
    ) -> Expectation:
        """`DELETE /send_as/?allowing_user_id=&allowed_user_id=` (each optional) by `actor`."""
        query = "&".join(
            f"{k}={v}"
            for k, v in (("allowing_user_id", allowing), ("allowed_user_id", allowed))
            if v is not None
        )
        request = f"DELETE /send_as/{'?' + query if query else ''} as {actor}"
        rule = "send_as.delete-by-users"
        if allowing is None or allowed is None:
            statuses = set(self.statuses("send-as-delete-params"))
            reason = "both ids are required"
            if allowing is not None and allowing != actor:
                # Two rules broken at once: either refusal is right.
                statuses |= self.statuses("send-as-refusal-status")
                reason += "; allowing_user_id is not me"
            return self._refused(request, rule, statuses, reason)
        if allowing != actor:
            return self._refused(
                request, rule, self.statuses("send-as-refusal-status"), "allowing_user_id is not me"
            )
        association = self.find(allowing, allowed)
        if association is None:
            return self._refused(request, rule, NOT_FOUND, f"no association {allowing}->{allowed}")
        return self._deleted(request, rule, association)

    def expect_bulk(
        self, actor: str, allowed_user_ids: Sequence[str], disallowed_user_ids: Sequence[str]
    ) -> Expectation:
        """`POST /send_as/bulk/ {"allowed_user_ids": [...], "disallowed_user_ids": [...]}` by `actor`."""
        request = (
            f"POST /send_as/bulk/ {{allowed_user_ids: {list(allowed_user_ids)}, "
            f"disallowed_user_ids: {list(disallowed_user_ids)}}} as {actor}"
        )
        allow, disallow = set(allowed_user_ids), set(disallowed_user_ids)
        if actor in allow or actor in disallow:
            raise Undecided("the sources say nothing about a user allowing or disallowing themself")
        if allow & disallow:
            raise Undecided("the sources say nothing about a user both allowed and disallowed")
        mine = self.organization(actor)
        if any(self.organization(u) != mine for u in disallow):
            raise Undecided("the sources say nothing about disallowing a user of another organization")
        outside = sorted(u for u in allow if self.organization(u) != mine)
        if outside:
            return self._refused(
                request,
                "send_as.create-same-organization",
                self.statuses("send-as-refusal-status"),
                f"{', '.join(outside)} of another organization",
            )
        current = self.matching(allowing=actor)
        kept = tuple(a for a in current if a.allowed_user_id not in allow | disallow)
        return Expectation(
            request,
            "send_as.bulk-returns-all-allowing",
            "bulk",
            success=frozenset({LISTED}),
            listing=kept,
            renewed=tuple(sorted((actor, u) for u in allow)),
            replaced=current,
            organization_id=mine,
        )
