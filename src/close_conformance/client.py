"""The HTTP client the hand-written scenarios use: one per identity, every write guarded and
every creation written to the ledger, so cleanup knows what to remove and nothing else is touched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from close_conformance import interrupts
from close_conformance.ledger import Ledger, resource_path
from close_conformance.target import Role

__all__ = [
    "SENDING_STATUSES",
    "CloseClient",
    "SendRefused",
    "json_or_none",
    "poll_until",
    "record_created",
    "said",
]

# Statuses Close acts on by sending the email (docs, create an email).
SENDING_STATUSES = frozenset({"outbox", "scheduled"})


class SendRefused(RuntimeError):
    """Creating this email would make Close send it, and --allow-send was not given."""


@dataclass
class CloseClient:
    role: Role
    user_id: str
    http: httpx.Client
    ledger: Ledger
    sends_allowed: bool

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.request("GET", path, params=params or None)

    def post(self, path: str, body: Any) -> httpx.Response:
        return self.request("POST", path, json=body)

    def put(self, path: str, body: Any) -> httpx.Response:
        return self.request("PUT", path, json=body)

    def delete(self, path: str, **params: Any) -> httpx.Response:
        return self.request("DELETE", path, params=params or None)

    def request(self, method: str, path: str, *, json: Any = None, params: Any = None) -> httpx.Response:
        self.ledger.guard(method, str(httpx.URL(path, params=params)), json, actor=self.user_id)
        if (
            not self.sends_allowed
            and path.startswith("/activity/email/")
            and isinstance(json, dict)
            and str(json.get("status")) in SENDING_STATUSES
        ):
            raise SendRefused(
                f"{method} {path} with status {json['status']!r} would send an email: give --allow-send"
            )
        kwargs: dict[str, Any] = {"params": params}
        if json is not None:
            kwargs["json"] = json
        with interrupts.recording():
            response = self.http.request(method, path, **kwargs)
            self._note(method, path, response, json)
        return response

    def _note(self, method: str, path: str, response: httpx.Response, request: Any) -> None:
        try:
            body = response.json() if response.content else None
        except ValueError:
            return
        if method == "POST" and response.is_success and isinstance(body, dict):
            record_created(self.ledger, path, body, self.role, request=request)
        if method == "DELETE" and response.is_success and path.count("/") >= 3:
            self.ledger.forget(path.strip("/").split("/")[-1])
        self.ledger.observe(body)

    def delete_created(self, object_id: str) -> bool:
        """Cleanup: delete one object the run created; True when it is gone."""
        response = self.http.delete(resource_path(object_id))
        return response.is_success or response.status_code == 404


def record_created(ledger: Ledger, path: str, body: dict[str, Any], role: str, request: Any = None) -> None:
    """Write what a successful POST created to the ledger (shared with the generated tests)."""
    lead = body.get("lead_id")
    if (
        path.startswith("/contact/")
        and isinstance(lead, str)
        and not (isinstance(request, dict) and request.get("lead_id"))
    ):
        ledger.record(lead, role)  # a contact without lead_id gets a new lead (changelog 2025-02-14)
    if path.startswith("/send_as/"):
        for association in body.get("data", [body]) if path.startswith("/send_as/bulk") else [body]:
            ledger.record_association(association, role)
        return
    created = body.get("id")
    if isinstance(created, str):
        ledger.record(created, role, parent=lead)
    for contact in body.get("contacts", []) if path.startswith("/lead/") else []:
        if isinstance(contact, dict) and isinstance(contact.get("id"), str):
            ledger.record(contact["id"], role, parent=created)


def said(response: httpx.Response) -> str:
    """What was asked and answered, for a failure message: `METHOD path?query -> status body`."""
    request = response.request
    query = f"?{request.url.query.decode()}" if request.url.query else ""
    return f"{request.method} {request.url.path}{query} -> {response.status_code} {response.text[:500]!r}"


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def poll_until(check: Callable[[], bool], *, timeout: float, interval: float = 0.5) -> bool:
    """True as soon as `check()` is, within `timeout` seconds: reads may lag writes (facts 6.17).
    A timeout of 0 checks once, so callers pass the run's read lag as it is."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
