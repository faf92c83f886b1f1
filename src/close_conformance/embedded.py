"""The embedded target: the reference mock served by uvicorn on a free loopback port, in a thread
of the test process.

Real HTTP on loopback keeps one code path for every target (schemathesis' requests session, the
scenarios' httpx clients, 429 handling, the ledger), while faults can still be switched on
in-process. This is the only place the suite touches the mock, and only through the interface
`close-mock serve` offers: an app, and who its users are.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING

from close_conformance.target import Credentials, Identity, Role

if TYPE_CHECKING:
    from close_conformance.mock.store import User

__all__ = ["EmbeddedMock"]


class EmbeddedMock:
    def __init__(
        self,
        *,
        faults: tuple[str, ...] = (),
        strict: bool = False,
        rate_limit: float | None = None,
        readings: tuple[str, ...] = (),
    ) -> None:
        """`readings`: `ID=VALUE` register readings to take (`close-mock serve --reading`); one
        the register's default does not allow raises ValueError naming the allowed values."""
        # Imported here: nothing in the suite depends on the mock unless it is the target.
        from close_conformance.contract import default_contract
        from close_conformance.mock.app import create_app
        from close_conformance.mock.readings import parse_override
        from close_conformance.mock.store import Store

        chosen = dict(parse_override(default_contract(), text) for text in readings)
        self.store = Store()
        self.app = create_app(
            store=self.store, faults=faults, strict=strict, rate_limit=rate_limit, readings=chosen
        )
        self.base_url = ""
        self._server: object | None = None
        self._thread: threading.Thread | None = None

    def identities(self) -> dict[Role, Identity]:
        """me and peer from the first organization, outsider from the second (design.md)."""
        organizations = list(self.store.organizations)
        first = [u for u in self.store.users.values() if u.organization_id == organizations[0]]
        second = [u for u in self.store.users.values() if u.organization_id == organizations[1]]
        chosen: dict[Role, User] = {"me": first[0], "peer": first[1], "outsider": second[0]}
        return {
            role: Identity(
                role=role,
                user_id=user.id,
                email=user.email,
                organization_id=user.organization_id,
                credentials=Credentials(api_key=user.api_key),
            )
            for role, user in chosen.items()
        }

    def contact_text_field(self) -> str | None:
        """A text contact custom field of me's organization (the JSON line of `close-mock serve`
        lists the same per organization)."""
        organization = self.store.organizations[self.identities()["me"].organization_id]
        return next((f.id for f in organization.contact_custom_fields if f.type == "text"), None)

    def access_token(self, role: Role) -> str:
        user_id = self.identities()[role].user_id
        return str(self.store.users[user_id].access_token)

    def start(self) -> str:
        import uvicorn

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit this; without it h11's separate header and body writes
        # meet delayed ACKs and every request costs ~40 ms on loopback.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="close-mock"
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the embedded mock did not start within 10 s")
            time.sleep(0.01)
        self.base_url = f"http://127.0.0.1:{port}/api/v1"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True  # type: ignore[attr-defined]
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> EmbeddedMock:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
