"""The catalogue of planted client bugs: the client rules' counterpart of the mock's faults.

A client rule (`side: client` in specs/rules.yaml) cannot be broken by the mock, so it is proved
on a client: the example client under `examples/close_client` takes these names (`bugs=`) and
misbehaves as described, and tests/selftest/sdk shows each one reported by its rule. The lint
checks that every client rule names bugs from here and every bug names its rule back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["CLIENT_BUGS", "ClientBug"]


@dataclass(frozen=True, slots=True)
class ClientBug:
    name: str
    rule: str
    description: str


CLIENT_BUGS: Mapping[str, ClientBug] = MappingProxyType(
    {
        bug.name: bug
        for bug in (
            ClientBug(
                "retry-429-at-once",
                "client.ratelimit-wait",
                "reads `reset` as a whole number (a decimal below 1 becomes 0) and retries at once",
            ),
            ClientBug(
                "post-retried-after-timeout",
                "client.no-blind-post-retry",
                "sends a POST again after a timeout, without reading whether it was carried out",
            ),
            ClientBug(
                "paths-without-slash", "client.slashed-paths", "builds paths without the trailing slash"
            ),
            ClientBug(
                "update-sends-whole-object",
                "client.no-read-only-fields",
                "an update PUTs the object as read, id and organization_id included",
            ),
            ClientBug(
                "email-path-misspelt",
                "client.documented-operations",
                "lists emails at /activities/email/, a path Close does not have",
            ),
        )
    }
)
