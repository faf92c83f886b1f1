"""`Close` (sync) and `AsyncClose` (async): the same calls over one request policy.

Policy, from Close's docs: paths end with "/"; credentials are the API key as the Basic username
with an empty password; on 429 wait for the `RateLimit` header's `reset` (seconds, a decimal), else
`retry-after`, then retry (at most `max_retries` times); an update sends only the fields that
change (every PUT behaves as a PATCH); a POST that timed out is not sent again (Close has no
idempotency keys): `Unanswered` is raised, and the caller reads before deciding.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

__all__ = ["PLANTED_BUGS", "AsyncClose", "Close", "CloseError", "Unanswered"]

DEFAULT_BASE_URL = "https://api.close.com/api/v1"

# The mistakes this client can be told to make (`bugs=`), to show SDK validation catches them.
PLANTED_BUGS = frozenset(
    {
        "retry-429-at-once",  # reads `reset=0.870` as 0 and retries at once
        "post-retried-after-timeout",  # sends a timed-out POST again, blind
        "paths-without-slash",  # builds `/lead` instead of `/lead/` (costs a redirect)
        "update-sends-whole-object",  # PUTs the object as read, id and organization_id included
        "email-path-misspelt",  # lists emails at /activities/email/
    }
)

_RESET = re.compile(r"reset=(\d+(?:\.\d+)?)")
_RESET_WHOLE = re.compile(r"reset=(\d+)")


class CloseError(Exception):
    """A non-2xx answer: `status` and the decoded body (a dict, or the text)."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class Unanswered(Exception):
    """A write got no answer: it may or may not have been carried out; read before retrying."""


class _Policy:
    def __init__(self, bugs: Iterable[str], max_retries: int) -> None:
        unknown = set(bugs) - PLANTED_BUGS
        if unknown:
            raise ValueError(f"unknown bugs {sorted(unknown)}; known: {sorted(PLANTED_BUGS)}")
        self.bugs = frozenset(bugs)
        self.max_retries = max_retries

    def path(self, *parts: str) -> str:
        joined = "/" + "/".join(parts)
        return joined if "paths-without-slash" in self.bugs else joined + "/"

    def emails(self) -> str:
        return self.path("activities" if "email-path-misspelt" in self.bugs else "activity", "email")

    def wait(self, response: httpx.Response) -> float:
        """Seconds a 429 asks for (2 s if it says nothing)."""
        header = response.headers.get("ratelimit", "")
        found = (_RESET_WHOLE if "retry-429-at-once" in self.bugs else _RESET).search(header)
        if found:
            return float(found.group(1))
        try:
            return float(response.headers.get("retry-after", "2"))
        except ValueError:
            return 2.0

    def update_body(self, current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
        return {**current, **changes} if "update-sends-whole-object" in self.bugs else dict(changes)

    def retries_timed_out(self, method: str) -> bool:
        return method != "POST" or "post-retried-after-timeout" in self.bugs

    @staticmethod
    def result(response: httpx.Response) -> Any:
        body: Any = response.json() if response.content else None
        if response.is_success:
            return body
        raise CloseError(response.status_code, body if body is not None else response.text)


def _client_options(api_key: str, base_url: str, timeout: float) -> dict[str, Any]:
    return {
        "base_url": base_url,
        "auth": (api_key, ""),
        "timeout": timeout,
        "follow_redirects": True,
        "headers": {"Accept": "application/json"},
    }


class Close:
    """The sync client. Methods return the decoded JSON answer or raise CloseError / Unanswered."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        max_retries: int = 3,
        bugs: Iterable[str] = (),
    ) -> None:
        self._policy = _Policy(bugs, max_retries)
        self._http = httpx.Client(**_client_options(api_key, base_url, timeout))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Close:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, json: Any = None, params: Mapping[str, Any] | None = None) -> Any:
        for attempt in range(self._policy.max_retries + 1):
            try:
                response = self._http.request(method, path, json=json, params=params)
            except httpx.TimeoutException as error:
                if attempt == self._policy.max_retries or not self._policy.retries_timed_out(method):
                    raise Unanswered(f"{method} {path}: no answer") from error
                continue
            if response.status_code == 429 and attempt < self._policy.max_retries:
                time.sleep(self._policy.wait(response))
                continue
            return self._policy.result(response)
        raise AssertionError("unreachable")

    def me(self) -> Any:
        return self._call("GET", self._policy.path("me"))

    def create_lead(self, name: str, **fields: Any) -> Any:
        return self._call("POST", self._policy.path("lead"), json={"name": name, **fields})

    def get_lead(self, lead_id: str) -> Any:
        return self._call("GET", self._policy.path("lead", lead_id))

    def update_lead(self, lead: Mapping[str, Any], **changes: Any) -> Any:
        body = self._policy.update_body(lead, changes)
        return self._call("PUT", self._policy.path("lead", str(lead["id"])), json=body)

    def delete_lead(self, lead_id: str) -> Any:
        return self._call("DELETE", self._policy.path("lead", lead_id))

    def list_leads(self, **params: Any) -> Any:
        return self._call("GET", self._policy.path("lead"), params=params)

    def create_contact(self, lead_id: str, name: str, **fields: Any) -> Any:
        return self._call(
            "POST", self._policy.path("contact"), json={"lead_id": lead_id, "name": name, **fields}
        )

    def list_emails(self, **params: Any) -> Any:
        return self._call("GET", self._policy.emails(), params=params)


class AsyncClose:
    """The async client: the same calls as `Close`, awaited."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 30.0,
        max_retries: int = 3,
        bugs: Iterable[str] = (),
    ) -> None:
        self._policy = _Policy(bugs, max_retries)
        self._http = httpx.AsyncClient(**_client_options(api_key, base_url, timeout))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClose:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _call(
        self, method: str, path: str, json: Any = None, params: Mapping[str, Any] | None = None
    ) -> Any:
        for attempt in range(self._policy.max_retries + 1):
            try:
                response = await self._http.request(method, path, json=json, params=params)
            except httpx.TimeoutException as error:
                if attempt == self._policy.max_retries or not self._policy.retries_timed_out(method):
                    raise Unanswered(f"{method} {path}: no answer") from error
                continue
            if response.status_code == 429 and attempt < self._policy.max_retries:
                await asyncio.sleep(self._policy.wait(response))
                continue
            return self._policy.result(response)
        raise AssertionError("unreachable")

    async def me(self) -> Any:
        return await self._call("GET", self._policy.path("me"))

    async def create_lead(self, name: str, **fields: Any) -> Any:
        return await self._call("POST", self._policy.path("lead"), json={"name": name, **fields})

    async def get_lead(self, lead_id: str) -> Any:
        return await self._call("GET", self._policy.path("lead", lead_id))

    async def update_lead(self, lead: Mapping[str, Any], **changes: Any) -> Any:
        body = self._policy.update_body(lead, changes)
        return await self._call("PUT", self._policy.path("lead", str(lead["id"])), json=body)

    async def delete_lead(self, lead_id: str) -> Any:
        return await self._call("DELETE", self._policy.path("lead", lead_id))

    async def list_leads(self, **params: Any) -> Any:
        return await self._call("GET", self._policy.path("lead"), params=params)

    async def create_contact(self, lead_id: str, name: str, **fields: Any) -> Any:
        return await self._call(
            "POST", self._policy.path("contact"), json={"lead_id": lead_id, "name": name, **fields}
        )

    async def list_emails(self, **params: Any) -> Any:
        return await self._call("GET", self._policy.emails(), params=params)
