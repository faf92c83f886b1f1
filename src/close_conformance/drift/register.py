"""The register's `drift:` lists: which findings a discrepancy entry justifies.

Each entry of `specs/discrepancies.yaml` may carry `drift:`, a list of finding keys (grammar in
findings.py). A key may use `*` (any run of characters, spaces included) and `?`; keep them
narrow: the kind is literal, the method literal or `*`, and a wildcard in the path needs a literal
`where` (`request-bounds GET /* query._limit`), so a listing cannot swallow a new difference
Close adds elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from close_conformance.drift.findings import KINDS, Finding

__all__ = ["Listing", "apply_register", "key_problems"]

_METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "QUERY", "*"}
_LITERAL_SEGMENT = re.compile(r"/[A-Za-z_]+")
_WILD = re.compile(r"[*?\[]")


def key_problems(key: object) -> list[str]:
    """Why a `drift:` key is malformed or too broad (empty when sound)."""
    if not isinstance(key, str) or not key.strip():
        return [f"{key!r} is not a finding key"]
    parts = key.split(" ", 3)
    if parts[0] not in KINDS:
        return [f"{key!r}: unknown kind {parts[0]!r} (one of {', '.join(KINDS)})"]
    if len(parts) < 3:
        return [f"{key!r}: needs <kind> <METHOD> <path> [<where>]"]
    problems = []
    if parts[1] not in _METHODS:
        problems.append(f"{key!r}: method {parts[1]!r} is not an HTTP method or *")
    if not parts[2].startswith("/"):
        problems.append(f"{key!r}: path {parts[2]!r} must start with /")
    where = parts[3] if len(parts) > 3 else ""
    if _WILD.search(parts[2]) and (not where or _WILD.search(where)):
        problems.append(f"{key!r}: too broad: a wildcard path needs a literal <where>")
    elif not _LITERAL_SEGMENT.match(parts[2]) and not where:
        problems.append(f"{key!r}: too broad: the path starts with no literal segment")
    return problems


@dataclass(frozen=True)
class Listing:
    """A register key that matched no finding (listed but not observed: stale)."""

    register_id: str
    key: str


def apply_register(findings: Sequence[Finding], register: Mapping[str, Iterable[str]]) -> list[Listing]:
    """Mark each finding listed (by the first entry whose key matches) or unlisted; return the
    register keys that matched nothing. `register`: discrepancy id -> its drift keys."""
    used: set[tuple[str, str]] = set()
    for finding in findings:
        finding.status, finding.listed_by = "unlisted", None
        for register_id, keys in register.items():
            match = next((k for k in keys if fnmatchcase(finding.key, k)), None)
            if match is not None:
                finding.status, finding.listed_by = "listed", register_id
                used.add((register_id, match))
                break
    return [
        Listing(register_id, key)
        for register_id, keys in register.items()
        for key in keys
        if (register_id, key) not in used
    ]
