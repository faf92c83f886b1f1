"""The server under test and the people the suite acts as.

A target is a base URL plus up to three identities: `me` (the acting user), `peer` (another user of
my organization) and `outsider` (a user of another organization). Each is learned from `GET /me/`
(the preflight), so a wrong URL or key becomes one readable line before anything else runs.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import requests

from close_conformance.gate import Gates
from close_conformance.retry import Counter, RateLimitedAdapter, RateLimitedTransport

__all__ = ["ROLES", "Credentials", "Identity", "PreflightError", "Role", "Target", "preflight"]

Role = Literal["me", "peer", "outsider"]
ROLES: tuple[Role, ...] = ("me", "peer", "outsider")
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class PreflightError(RuntimeError):
    """The target cannot be used: reported as one line, exit code 2."""


@dataclass(frozen=True)
class Credentials:
    """An API key (Basic, key as username, empty password) or an OAuth access token (Bearer)."""

    api_key: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)

    @property
    def authorization(self) -> str:
        if self.access_token:
            return f"Bearer {self.access_token}"
        token = base64.b64encode(f"{self.api_key}:".encode()).decode()
        return f"Basic {token}"

    @property
    def secrets(self) -> tuple[str, ...]:
        """What must never be printed: the raw values and the header built from them."""
        values = [v for v in (self.api_key, self.access_token) if v]
        return (*values, self.authorization.split(" ", 1)[1]) if values else ()


@dataclass(frozen=True)
class Identity:
    role: Role
    user_id: str
    email: str
    organization_id: str
    credentials: Credentials = field(repr=False)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": self.credentials.authorization}


@dataclass
class Target:
    base_url: str
    """Ends with /api/v1, no trailing slash."""
    identities: dict[Role, Identity]
    live: bool
    alternates: dict[Role, Credentials] = field(default_factory=dict, repr=False)
    """The other auth scheme's credentials where known (Bearer beside Basic), for auth.schemes."""
    contact_text_field: str | None = None
    """The id (cf_...) of a text contact custom field of me's organization, for
    contact.custom-fields: the embedded mock's, or `CLOSE_CONTACT_TEXT_FIELD` live (Close has no
    way to learn one within this contract's operations)."""
    requests_sent: Counter = field(default_factory=Counter, repr=False)
    gates: Gates = field(default_factory=Gates, repr=False)
    """Per key, the requests in flight within (this worker's share of) the window the server
    announces (concurrent.py)."""
    _clients: list[httpx.Client] = field(default_factory=list, repr=False)

    def identity(self, role: Role) -> Identity | None:
        return self.identities.get(role)

    def url(self, path: str) -> str:
        return self.base_url + path

    def client(self, role: Role = "me") -> httpx.Client:
        """An httpx client acting as `role`, honouring 429, closed with the target."""
        identity = self.identities[role]
        client = httpx.Client(
            base_url=self.base_url,
            headers=identity.headers,
            timeout=TIMEOUT,
            transport=RateLimitedTransport(
                httpx.HTTPTransport(), counter=self.requests_sent, gates=self.gates
            ),
        )
        self._clients.append(client)
        return client

    def session(self) -> requests.Session:
        """A requests session for schemathesis' `case.call`, honouring 429."""
        session = requests.Session()
        adapter = RateLimitedAdapter(counter=self.requests_sent, gates=self.gates)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def secrets(self) -> Iterator[str]:
        for identity in self.identities.values():
            yield from identity.credentials.secrets
        for credentials in self.alternates.values():
            yield from credentials.secrets

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()


def _describe_failure(base_url: str, error: Exception | None, response: httpx.Response | None) -> str:
    if error is not None:
        return f"cannot reach {base_url}: {type(error).__name__}: {error}"
    assert response is not None
    if response.status_code == 401:
        return f"{base_url}/me/ refused the credentials (401): check the API key or access token"
    if response.status_code == 404:
        return f"{base_url}/me/ answered 404: is the base URL right? It should end with /api/v1"
    return f"{base_url}/me/ answered {response.status_code}, not a Close /me/ object"


def preflight(
    base_url: str, role: Role, credentials: Credentials, counter: Counter | None = None
) -> Identity:
    """`GET /me/` as this identity; who it is, or one readable line saying why not. `counter`
    counts the request among the run's (the terminal summary's "requests sent")."""
    response: httpx.Response | None = None
    transport = RateLimitedTransport(httpx.HTTPTransport(), counter=counter)
    try:
        with httpx.Client(timeout=TIMEOUT, transport=transport) as client:
            response = client.get(base_url + "/me/", headers={"Authorization": credentials.authorization})
    except httpx.HTTPError as error:
        raise PreflightError(_describe_failure(base_url, error, None)) from None
    if response.status_code != 200:
        raise PreflightError(_describe_failure(base_url, None, response))
    try:
        me: Any = response.json()
        organization = me["organizations"][0]
        return Identity(
            role=role,
            user_id=str(me["id"]),
            email=str(me["email"]),
            organization_id=str(organization["id"] if isinstance(organization, dict) else organization),
            credentials=credentials,
        )
    except (ValueError, KeyError, IndexError, TypeError):
        raise PreflightError(f"{base_url}/me/ did not answer a Close user object") from None
