"""The respx harness: an httpx client's calls to Close answered by the reference mock in-process,
every exchange validated against the contract.

    with CloseSdk() as sdk:                      # routes https://api.close.com/api/v1 by default
        client = MyCloseClient(api_key=sdk.api_key())
        client.create_lead("Acme")
    sdk.assert_no_violations()                   # AssertionError listing each violation readably

respx does the routing: every request to the base URL's host goes to the mock (sync clients through
a private event loop, async ones awaited on theirs), and a request to any other host is a violation
too (client.documented-operations) answered by a connection error, never passed through to the
network. `fail_next` makes the next matching request go unanswered after the mock has carried it
out (a timeout as a client meets it), to test what a client does then.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
import respx

from close_conformance.contract import Contract
from close_conformance.override import overridden_method
from close_conformance.sdk.exchange import Exchange, Received, Sent
from close_conformance.sdk.session import ValidationSession
from close_conformance.sdk.violation import Violation

__all__ = ["DEFAULT_BASE_URL", "CloseSdk"]

DEFAULT_BASE_URL = "https://api.close.com/api/v1"
_MOCK_BASE = "/api/v1"  # where the mock's app serves the contract's paths


@dataclass
class _Failure:
    method: str
    path: str | None
    error: type[httpx.TransportError]


class CloseSdk:
    """The harness; see the module's docstring. Not reentrant; one per test."""

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        faults: Iterable[str] = (),
        rate_limit: float | None = None,
        readings: Iterable[str] = (),
        strict: bool = False,
        contract: Contract | None = None,
    ) -> None:
        """`faults`, `rate_limit`, `readings`, `strict`: as `close-mock serve`'s options (the mock's
        behaviour); ValueError for an unknown fault or a reading the register does not allow."""
        # Imported here: the harness is the only part of the sdk package that needs the mock.
        from close_conformance.contract import default_contract
        from close_conformance.mock.app import create_app
        from close_conformance.mock.readings import parse_override
        from close_conformance.mock.store import Store

        self.contract = contract or default_contract()
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        self.origin = f"{parts.scheme}://{parts.netloc}"
        # The mock serves Close's paths under /api/v1; a base URL with another path (a gateway's,
        # a sandbox's, none at all) is mapped onto it, and redirects mapped back.
        self.base_path = parts.path.rstrip("/")
        chosen = dict(parse_override(self.contract, text) for text in readings)
        self.store = Store()
        self.app = create_app(
            store=self.store,
            faults=tuple(faults),
            strict=strict,
            rate_limit=rate_limit,
            readings=chosen,
            contract=self.contract,
        )
        self.session = ValidationSession(self.contract, base_path=parts.path or "/")
        self._failures: list[_Failure] = []
        self._router: respx.MockRouter | None = None
        self._sync: Any = None
        self._sync_lock = threading.Lock()

    # ------------------------------------------------------------------ who calls

    def api_key(self, organization: int = 0, user: int = 0) -> str:
        """The API key of a seeded user (Basic username, empty password): organization 0 has three
        users, organization 1 one."""
        org_id = list(self.store.organizations)[organization]
        return str(self.store.members(org_id)[user].api_key)

    def access_token(self, organization: int = 0, user: int = 0) -> str:
        org_id = list(self.store.organizations)[organization]
        return str(self.store.members(org_id)[user].access_token)

    def fail_next(
        self, method: str, path: str | None = None, error: type[httpx.TransportError] = httpx.ReadTimeout
    ) -> None:
        """The next `method` request (to a URL path ending in `path`, if given) is carried out by the
        mock, and the client gets `error` instead of the answer."""
        self._failures.append(_Failure(method.upper(), path, error))

    # ------------------------------------------------------------------ routing

    def __enter__(self) -> CloseSdk:
        from close_conformance.mock.transport import ASGIAppTransport

        self._sync = ASGIAppTransport(self.app)
        self._async = httpx.ASGITransport(app=self.app)
        router = respx.mock(assert_all_called=False, assert_all_mocked=True)
        router.route(url__startswith=self.origin + "/").mock(side_effect=self._answer)
        router.route().mock(side_effect=self._elsewhere)
        router.__enter__()
        self._router = router
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._router is not None:
            self._router.__exit__(kind, error, tb)
            self._router = None
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    def _take_failure(self, request: httpx.Request) -> _Failure | None:
        for failure in self._failures:
            method = overridden_method(request.method, request.headers) or request.method
            if failure.method == method and (failure.path is None or request.url.path.endswith(failure.path)):
                self._failures.remove(failure)
                return failure
        return None

    def _answer(self, request: httpx.Request) -> Any:
        """respx side effect: an awaitable for an async client (respx awaits it), else the response."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            started = time.monotonic()
            request.read()
            # One private event loop serves every sync call: threads of a sync client take turns.
            with self._sync_lock:
                response = self._sync.handle_request(self._to_mock(request))
            return self._finish(request, response, started)
        return self._answer_async(request)

    async def _answer_async(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        # Let every request the client has already sent (asyncio.gather, tasks) take its time of
        # sending before this one is answered: the in-process mock answers without yielding, and
        # a request sent before a 429 came back must not look sent after it (client.ratelimit-wait).
        await asyncio.sleep(0)
        await request.aread()
        response = await self._async.handle_async_request(self._to_mock(request))
        await response.aread()
        return self._finish(request, response, started)

    def _to_mock(self, request: httpx.Request) -> httpx.Request:
        """The request as the mock serves it: the base path replaced by the mock's /api/v1."""
        path = request.url.raw_path.decode("ascii")
        if self.base_path == _MOCK_BASE or not (path + "/").startswith(self.base_path + "/"):
            return request
        url = request.url.copy_with(raw_path=(_MOCK_BASE + path[len(self.base_path) :]).encode("ascii"))
        return httpx.Request(request.method, url, headers=request.headers, content=request.content)

    def _from_mock(self, headers: httpx.Headers) -> httpx.Headers:
        """The answer's headers with a redirect to the mock's /api/v1 pointed at the base path."""
        location = headers.get("location")
        mock_base = self.origin + _MOCK_BASE
        if self.base_path == _MOCK_BASE or location is None or not location.startswith(mock_base + "/"):
            return headers
        mapped = httpx.Headers(headers)
        mapped["location"] = self.origin + self.base_path + location[len(mock_base) :]
        return mapped

    def _finish(self, request: httpx.Request, response: httpx.Response, started: float) -> httpx.Response:
        response = httpx.Response(
            response.status_code, headers=self._from_mock(response.headers), content=response.content
        )
        sent = Sent.of(request.method, str(request.url), request.headers.multi_items(), request.content)
        content = response.content
        failure = self._take_failure(request)
        received = (
            None if failure else Received.of(response.status_code, response.headers.multi_items(), content)
        )
        self.session.record(Exchange(sent, received, started, time.monotonic()))
        if failure is not None:
            raise failure.error(
                f"close_sdk: no answer to {request.method} {request.url} (fail_next)", request=request
            )
        return httpx.Response(response.status_code, headers=response.headers, content=content)

    def _elsewhere(self, request: httpx.Request) -> httpx.Response:
        from close_conformance.sdk.curl import curl_line

        sent = Sent.of(request.method, str(request.url), request.headers.multi_items(), request.content)
        self.session.add(
            Violation(
                rule="client.documented-operations",
                operation=None,
                direction="request",
                observed=f"a request to {request.url.host}",
                expected=f"calls to the Close base URL {self.base_url} only",
                request=f"{sent.method} {sent.url}",
                curl=curl_line(sent),
            ),
            sent,
        )
        raise httpx.ConnectError(
            f"close_sdk: {request.url.host} is not the Close base URL {self.base_url}", request=request
        )

    # ------------------------------------------------------------------ results

    @property
    def violations(self) -> list[Violation]:
        return self.session.violations

    @property
    def warnings(self) -> list[Violation]:
        return self.session.warnings

    def report(self) -> str:
        return self.session.report()

    def rules_broken(self) -> set[str]:
        return {v.rule for v in self.violations} | {w.rule for w in self.warnings}

    def assert_no_violations(self, *, warnings: bool = False) -> None:
        """AssertionError with every violation (and warning, if `warnings`) described, if any."""
        bad = self.violations + (self.warnings if warnings else [])
        if bad:
            raise AssertionError(
                f"{len(bad)} contract violation(s):\n" + "\n".join(v.describe() for v in bad)
            )
