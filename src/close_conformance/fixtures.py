"""Fixtures of the suite: the target, the three identities, the ledger and ledgered clients.

Exposed by the plugin. Everything is session-scoped: Hypothesis tests may not use
function-scoped fixtures, and one target per process is what a run is.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

from close_conformance import runtime
from close_conformance.client import CloseClient
from close_conformance.concurrent import gather
from close_conformance.gate import Gates
from close_conformance.generated import References
from close_conformance.ledger import Entry, Ledger, leftover_ledgers
from close_conformance.preconditions import expect_success
from close_conformance.processes import alive
from close_conformance.settings import ENV, is_loopback
from close_conformance.target import ROLES, Credentials, Identity, PreflightError, Role, Target, preflight

__all__ = [
    "api",
    "close_context",
    "ledger",
    "me",
    "outsider",
    "peer",
    "references",
    "st_session",
    "target",
    "throttled_target",
]

_OPTION = {"me": "--api-key", "peer": "--peer-api-key", "outsider": "--outsider-api-key"}
_ENV = {"me": ENV["api_key"], "peer": ENV["peer_api_key"], "outsider": ENV["outsider_api_key"]}


def _fail_preflight(message: str) -> None:
    from close_conformance.plugin import _tally

    if _tally is not None:
        _tally.usage_error = message
    pytest.exit(f"close-conformance: {message}", returncode=2)


@pytest.fixture(scope="session")
def close_context() -> runtime.RunContext:
    return runtime.current()


def preflight_identities(context: runtime.RunContext) -> tuple[dict[Role, Identity], dict[Role, Credentials]]:
    """The identities the options name, each checked against the server at --base-url (GET /me/),
    and the alternate credentials (a Bearer token beside my key).

    Ends the run (exit 2, one line naming the option) when a key is refused, the server cannot be
    reached, or the keys do not make the organizations the suite needs. The xdist controller calls
    it before starting workers, so that a wrong URL or key reads as that one line.
    """
    settings = context.settings
    assert settings.base_url is not None
    keys: dict[Role, str | None] = {
        "me": settings.api_key,
        "peer": settings.peer_api_key,
        "outsider": settings.outsider_api_key,
    }
    identities: dict[Role, Identity] = {}
    alternates: dict[Role, Credentials] = {}
    for role in ROLES:
        credentials = Credentials(api_key=keys[role])
        if role == "me" and settings.access_token:
            if keys[role]:
                alternates[role] = Credentials(access_token=settings.access_token)
            else:
                credentials = Credentials(access_token=settings.access_token)
        elif not keys[role]:
            continue
        try:
            identities[role] = preflight(settings.base_url, role, credentials, context.requests_sent)
        except PreflightError as error:
            _fail_preflight(f"{_OPTION[role]}: {error}")
    me, peer, outsider = identities.get("me"), identities.get("peer"), identities.get("outsider")
    if me and peer and (peer.organization_id != me.organization_id or peer.user_id == me.user_id):
        _fail_preflight("--peer-api-key must belong to another user of the same organization")
    if me and outsider and outsider.organization_id == me.organization_id:
        _fail_preflight("--outsider-api-key must belong to a user of another organization")
    return identities, alternates


def _live_target(context: runtime.RunContext, shared: Path | None) -> Target:
    """The server at --base-url, its identities preflighted; `shared`: the directory where the
    run's xdist workers share their keys' rate-limit windows (None: this process sends alone)."""
    settings = context.settings
    assert settings.base_url is not None
    identities, alternates = preflight_identities(context)
    return Target(
        settings.base_url,
        identities,
        live=True,
        alternates=alternates,
        contact_text_field=os.environ.get("CLOSE_CONTACT_TEXT_FIELD") or None,
        # The run's xdist workers send with the same keys to this one server: they keep each
        # key's rate-limit window in the controller's directory (an embedded mock is a worker's own).
        gates=Gates(directory=shared),
    )


@pytest.fixture(scope="session")
def target(close_context: runtime.RunContext, request: pytest.FixtureRequest) -> Iterator[Target]:
    """The server under test: the embedded mock unless --base-url was given."""
    settings = close_context.settings
    mock = None
    if settings.live:
        # xdist's own input, not an environment variable: a run started from a worker inherits those.
        shared = getattr(request.config, "workerinput", {}).get("close_shared")
        chosen = _live_target(close_context, Path(shared) if shared else None)
    else:
        from close_conformance.embedded import EmbeddedMock

        mock = EmbeddedMock(
            faults=settings.mock_faults, strict=settings.strict, readings=settings.mock_readings
        )
        base_url = mock.start()
        identities = mock.identities()
        chosen = Target(
            base_url,
            identities,
            live=False,
            alternates={role: Credentials(access_token=mock.access_token(role)) for role in identities},
            contact_text_field=mock.contact_text_field(),
        )
    chosen.requests_sent = close_context.requests_sent
    close_context.target = chosen
    try:
        yield chosen
    finally:
        chosen.close()
        close_context.target = None
        if mock is not None:
            mock.stop()


# Requests per second per key of the embedded mock behind `throttled_target`.
THROTTLED_RATE = 20


@pytest.fixture(scope="session")
def throttled_target(target: Target, close_context: runtime.RunContext) -> Iterator[Target]:
    """A target that rate-limits soon enough for a short burst to see a 429 (ratelimit.headers).

    Live: the target itself. Embedded: a second mock, with the same faults and reading, limited
    to THROTTLED_RATE requests per second per key (the main one is not limited: every test
    would slow down)."""
    if target.live:
        yield target
        return
    from close_conformance.embedded import EmbeddedMock

    settings = close_context.settings
    mock = EmbeddedMock(
        faults=settings.mock_faults,
        strict=settings.strict,
        rate_limit=THROTTLED_RATE,
        readings=settings.mock_readings,
    )
    throttled = Target(mock.start(), mock.identities(), live=False)
    throttled.requests_sent = close_context.requests_sent
    try:
        yield throttled
    finally:
        throttled.close()
        mock.stop()


def _identity(target: Target, role: Role) -> Identity:
    identity = target.identity(role)
    if identity is None:
        pytest.skip(f"needs {_OPTION[role]} (or {_ENV[role]}): the {role} identity")
    return identity


@pytest.fixture(scope="session")
def me(target: Target) -> Identity:
    """The acting user."""
    return _identity(target, "me")


@pytest.fixture(scope="session")
def peer(target: Target) -> Identity:
    """Another user of my organization."""
    return _identity(target, "peer")


@pytest.fixture(scope="session")
def outsider(target: Target) -> Identity:
    """A user of another organization."""
    return _identity(target, "outsider")


def _cleaner(target: Target) -> tuple[Callable[[Entry], bool], Callable[[Entry], bool]]:
    """Cleanup's two requests on one object, as its creator: DELETE (True when it is gone: a 404
    counts) and GET (True only on 404: known gone; any other answer, a lagging read included,
    is not knowledge)."""
    clients: dict[str, httpx.Client] = {}

    def client_of(entry: Entry) -> httpx.Client | None:
        role: Any = entry.role
        if target.identity(role) is None:
            return None
        return clients.get(role) or clients.setdefault(role, target.client(role))

    def delete(entry: Entry) -> bool:
        client = client_of(entry)
        if client is None:
            return False
        response = client.delete(entry.delete_path)
        return response.is_success or response.status_code == 404

    def gone(entry: Entry) -> bool:
        client = client_of(entry)
        return client is not None and client.get(entry.delete_path).status_code == 404

    return delete, gone


@pytest.fixture(scope="session")
def ledger(
    target: Target, close_context: runtime.RunContext, request: pytest.FixtureRequest
) -> Iterator[Ledger]:
    """What this run created; cleaned up at the end, after failures and interrupts too.

    Leftovers of earlier runs against the same server whose process died are removed first.
    """
    directory = close_context.settings.state_dir
    delete, gone = _cleaner(target)
    for leftover in leftover_ledgers(directory, alive=alive):
        if leftover.target == target.base_url:
            if all([delete(entry) for entry in reversed(leftover.entries)]):
                leftover.path.unlink(missing_ok=True)
        elif is_loopback(leftover.target) and not target.live:
            leftover.path.unlink(missing_ok=True)  # an embedded mock's objects died with its process
    run = Ledger(directory, target=target.base_url)
    close_context.ledger = run
    try:
        yield run
    finally:
        failed = run.cleanup(delete, gather, gone)
        close_context.ledger = None
        if failed:
            reporter = request.config.get_terminal_writer()
            reporter.line(
                f"close-conformance: could not remove {len(failed)} object(s) this run created; "
                f"the next run retries (ledger {run.path})",
                yellow=True,
            )


@pytest.fixture(scope="session")
def api(target: Target, ledger: Ledger, close_context: runtime.RunContext) -> Callable[[Role], CloseClient]:
    """`api("me")`: a client acting as that identity, every write guarded and recorded."""
    clients: dict[Role, CloseClient] = {}

    def client(role: Role = "me") -> CloseClient:
        if role not in clients:
            identity = _identity(target, role)
            clients[role] = CloseClient(
                role, identity.user_id, target.client(role), ledger, close_context.settings.sends_allowed
            )
        return clients[role]

    return client


@pytest.fixture(scope="session")
def references(
    api: Callable[[Role], CloseClient], me: Identity, target: Target, ledger: Ledger
) -> References:
    """Objects generated data may refer to: a lead and a contact this run creates, my lead status
    and email account. Send As associations that exist already are noted as somebody's data."""
    client = api("me")
    profile = expect_success(client.get("/me/"), "GET /me/")
    organization = next((o for o in profile.get("organizations", []) if isinstance(o, dict)), {})
    statuses = organization.get("lead_statuses") or [{}]
    accounts = profile.get("email_accounts") or [{}]
    expect_success(client.get("/send_as/"), "GET /send_as/")
    expect_success(client.get("/send_as/", allowed_user_id=me.user_id), "GET /send_as/?allowed_user_id=me")
    lead = expect_success(
        client.post("/lead/", {"name": f"close-conformance run {ledger.run_id}"}), "POST /lead/"
    )
    contact = expect_success(
        client.post("/contact/", {"lead_id": lead["id"], "name": "Reference Contact"}), "POST /contact/"
    )
    # Other tests refer to these: generated requests must not change or delete them.
    ledger.pin(lead["id"])
    ledger.pin(contact["id"])
    return References(
        me=me,
        peer=target.identity("peer"),
        lead_id=lead["id"],
        contact_id=contact["id"],
        status_id=statuses[0].get("id", ""),
        status_label=statuses[0].get("label", ""),
        email_account_id=accounts[0].get("id"),
    )


@pytest.fixture(scope="session")
def st_session(target: Target) -> Iterator[requests.Session]:
    """The requests session schemathesis sends through: honours 429 with a bound."""
    session = target.session()
    yield session
    session.close()
