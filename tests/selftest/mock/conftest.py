"""Fixtures for the mock's self-tests: an app with a seeded store, and an httpx client per identity.

Every test talks to the mock over HTTP (in-process, through `ASGIAppTransport`), never to its
modules, so the tests read like the rules they check. Identities: `me`, `peer` and `bystander`
share the first organization, `outsider` is the user of the second.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from close_conformance.mock import Store, create_app
from close_conformance.mock.store import User
from close_conformance.mock.transport import ASGIAppTransport

BASE_URL = "http://mock.test/api/v1"
ROLES = ("me", "peer", "bystander", "outsider")
ANONYMOUS = "anonymous"


def basic(api_key: str, password: str = "") -> str:
    return "Basic " + base64.b64encode(f"{api_key}:{password}".encode()).decode()


class Mock:
    """One mock app, its store, and clients for each identity (closed by the fixture)."""

    def __init__(self, seed: int = 7, **options: Any) -> None:
        self.store = Store(seed=seed)
        self.app = create_app(store=self.store, **options)
        first, second = (self.store.members(o) for o in self.store.organizations)
        self.users: dict[str, User] = {
            "me": first[0],
            "peer": first[1],
            "bystander": first[2],
            "outsider": second[0],
        }
        self._clients: list[httpx.Client] = []

    def client(self, role: str | None = "me", *, bearer: bool = False, **kwargs: Any) -> httpx.Client:
        """A client for `role` (None: no credentials), with Basic auth or its Bearer token."""
        headers = dict(kwargs.pop("headers", {}))
        if role is not None:
            user = self.users[role]
            headers["Authorization"] = f"Bearer {user.access_token}" if bearer else basic(user.api_key)
        client = httpx.Client(
            transport=ASGIAppTransport(self.app), base_url=BASE_URL, headers=headers, **kwargs
        )
        self._clients.append(client)
        return client

    def __getattr__(self, role: str) -> httpx.Client:
        # `mock.me`, `mock.peer`, ..., `mock.anonymous`: one cached client per role.
        if role not in (*ROLES, ANONYMOUS):
            raise AttributeError(role)
        client = self.client(None if role == ANONYMOUS else role)
        setattr(self, role, client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def id_of(self, role: str) -> str:
        return self.users[role].id

    # ------------------------------------------------------------ creating through the API

    def _created(self, response: httpx.Response, status: int = 200) -> dict[str, Any]:
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    def lead(self, role: str = "me", **fields: Any) -> dict[str, Any]:
        return self._created(getattr(self, role).post("/lead/", json={"name": "Acme", **fields}))

    def contact(self, role: str = "me", **fields: Any) -> dict[str, Any]:
        return self._created(getattr(self, role).post("/contact/", json={"name": "John Smith", **fields}))

    def email(self, role: str = "me", **fields: Any) -> dict[str, Any]:
        if "lead_id" not in fields:
            fields["lead_id"] = self.lead(role)["id"]
        body = {"status": "draft", "subject": "Hello", **fields}
        return self._created(getattr(self, role).post("/activity/email/", json=body))

    def send_as(self, allowing: str = "me", allowed: str = "peer") -> dict[str, Any]:
        body = {"allowing_user_id": self.id_of(allowing), "allowed_user_id": self.id_of(allowed)}
        return self._created(getattr(self, allowing).post("/send_as/", json=body), 201)


MakeMock = Callable[..., Mock]

_PATH_KINDS = {
    "/user/": "user",
    "/lead/": "lead",
    "/contact/": "cont",
    "/activity/email/": "acti",
    "/send_as/": "sdas",
}


@pytest.fixture(scope="session")
def concrete_path() -> Callable[[str], str]:
    """A spec path with its `{id}` filled by a well-formed id of the right kind (that exists nowhere)."""

    def fill(path: str) -> str:
        kind = next((k for start, k in _PATH_KINDS.items() if path.startswith(start)), None)
        if kind is None or "{id}" not in path:
            return path
        return path.replace("{id}", f"{kind}_" + "A" * (22 if kind == "sdas" else 43))

    return fill


@pytest.fixture
def make_mock() -> Iterator[MakeMock]:
    """Build mocks with options (`faults=`, `strict=`, `rate_limit=`, `clock=`); all closed after the test."""
    made: list[Mock] = []

    def make(**options: Any) -> Mock:
        mock = Mock(**options)
        made.append(mock)
        return mock

    yield make
    for mock in made:
        mock.close()


@pytest.fixture
def mock(make_mock: MakeMock) -> Mock:
    """A correct mock in the default reading of the register."""
    return make_mock()


@pytest.fixture
def strict_mock(make_mock: MakeMock) -> Mock:
    """A correct mock in the strict reading of the register."""
    return make_mock(strict=True)
