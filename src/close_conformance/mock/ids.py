"""Identifiers, secrets and timestamps in Close's formats.

Every Close id is `<prefix>_<base62>`, 43 characters after the prefix for most objects and 22 for
newer ones such as Send As associations (facts sheet, section 0). A seeded factory makes the ids
and keys of a test run reproducible; without a seed they come from `secrets`, as `close-mock
serve` needs keys nobody can guess.
"""

from __future__ import annotations

import random
import secrets
import string
from datetime import UTC, datetime

__all__ = ["BASE62", "IdFactory", "timestamp"]

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase


class IdFactory:
    """Draws ids and secrets; deterministic when given a seed."""

    def __init__(self, seed: int | None = None) -> None:
        # A private Random, never the module-level one: two stores must not disturb each other.
        self._random = random.Random(seed) if seed is not None else None

    def _base62(self, length: int) -> str:
        if self._random is None:
            return "".join(secrets.choice(BASE62) for _ in range(length))
        return "".join(self._random.choice(BASE62) for _ in range(length))

    def object_id(self, prefix: str, length: int = 43) -> str:
        return f"{prefix}_{self._base62(length)}"

    def api_key(self) -> str:
        # Shaped like Close's keys (`api_` + two base62 runs); only their secrecy matters here.
        return f"api_{self._base62(22)}.{self._base62(22)}"

    def access_token(self) -> str:
        return f"oat_{self._base62(43)}"


def timestamp(moment: datetime | None = None) -> str:
    """ISO 8601 with microseconds and a +00:00 offset, as Close writes them (facts 5.9)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
