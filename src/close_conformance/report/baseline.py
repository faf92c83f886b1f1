"""Known divergences: failures a team has accepted, so CI gates on new ones only.

A baseline is a YAML file:

    version: 1
    divergences:
      - rule: contact.create-without-lead        # specs/rules.yaml id
        operation: createContact                 # operationId, or null if the failure names none
        signature: 3f1c0a9e5b7d2c41              # close_conformance.report.signature
        message: "the new contact has no lead: POST /api/v1/contact/ -> 200 <v>"   # what it was
        reason: our proxy strips lead_id         # why it is accepted (required)
        expires: 2027-03-31                      # optional: from this day on it fails again

A failure matches an entry with its rule, operation and signature. An entry that matched no
failure is reported as not observed (its rule may not have run, or the divergence may be gone:
the report does not guess which). Raises BaselineError (one line) on an unreadable file.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from close_conformance.report.verdicts import Failure

__all__ = ["BaselineError", "Divergence", "apply", "load", "prune", "save", "update"]

VERSION = 1


class BaselineError(ValueError):
    """The baseline file cannot be used; the message is one line naming the file."""


@dataclass(frozen=True)
class Divergence:
    rule: str
    operation: str | None
    signature: str
    reason: str
    message: str = ""
    expires: datetime.date | None = None

    def key(self) -> tuple[str, str | None, str]:
        return (self.rule, self.operation, self.signature)

    def expired(self, today: datetime.date) -> bool:
        return self.expires is not None and self.expires <= today

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "operation": self.operation,
            "signature": self.signature,
            "message": self.message,
            "reason": self.reason,
        }
        if self.expires is not None:
            data["expires"] = self.expires.isoformat()
        return data


def load(path: Path) -> list[Divergence]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise BaselineError(f"{path}: cannot read the baseline ({error.strerror or error})") from None
    except yaml.YAMLError:
        raise BaselineError(f"{path}: not valid YAML") from None
    if data is None:
        return []
    if not isinstance(data, Mapping) or not isinstance(data.get("divergences", []), list):
        raise BaselineError(f"{path}: expected a mapping with a `divergences` list")
    entries = []
    for number, item in enumerate(data.get("divergences") or [], start=1):
        if not isinstance(item, Mapping):
            raise BaselineError(f"{path}: divergence {number} is not a mapping")
        missing = [key for key in ("rule", "signature", "reason") if not item.get(key)]
        if missing:
            raise BaselineError(f"{path}: divergence {number} lacks {', '.join(missing)}")
        expires = item.get("expires")
        try:
            when = (
                expires
                if isinstance(expires, datetime.date) or expires is None
                else datetime.date.fromisoformat(str(expires))
            )
        except ValueError:
            raise BaselineError(
                f"{path}: divergence {number}: expires {expires!r} is not YYYY-MM-DD"
            ) from None
        entries.append(
            Divergence(
                rule=str(item["rule"]),
                operation=str(item["operation"]) if item.get("operation") else None,
                signature=str(item["signature"]),
                reason=str(item["reason"]),
                message=str(item.get("message") or ""),
                expires=when,
            )
        )
    return entries


def save(path: Path, entries: Iterable[Divergence]) -> None:
    header = "# close-conformance baseline: known divergences (see `close-conformance baseline`)\n"
    body = {"version": VERSION, "divergences": [e.as_dict() for e in entries]}
    path.write_text(header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True), encoding="utf-8")


def apply(
    entries: Sequence[Divergence], failures: Sequence[Failure], today: datetime.date
) -> list[Divergence]:
    """Mark each failure known / expired / new (Failure.baseline); return the unobserved entries."""
    by_key = {entry.key(): entry for entry in entries}
    matched: set[tuple[str, str | None, str]] = set()
    for failure in failures:
        entry = by_key.get((failure.rule, failure.operation, failure.signature))
        if entry is None:
            continue
        matched.add(entry.key())
        failure.baseline = {
            "status": "expired" if entry.expired(today) else "known",
            "reason": entry.reason,
            "expires": entry.expires.isoformat() if entry.expires else None,
        }
    return [entry for entry in entries if entry.key() not in matched]


def update(
    entries: Sequence[Divergence],
    failures: Iterable[Mapping[str, Any]],
    *,
    reason: str,
    expires: datetime.date | None,
) -> tuple[list[Divergence], list[Divergence]]:
    """The baseline with the report's failures added (those not in it yet), and the ones added.

    `failures` are the `failures` of a conformance.json."""
    known = {entry.key() for entry in entries}
    added: list[Divergence] = []
    for failure in failures:
        entry = Divergence(
            rule=str(failure["rule"]),
            operation=failure.get("operation"),
            signature=str(failure["signature"]),
            reason=reason,
            message=str(failure.get("normal") or ""),
            expires=expires,
        )
        if entry.key() not in known:
            known.add(entry.key())
            added.append(entry)
    return [*entries, *added], added


def prune(
    entries: Sequence[Divergence], report: Mapping[str, Any]
) -> tuple[list[Divergence], list[Divergence]]:
    """The baseline without the entries the report did not observe although their rule ran (kept:
    those whose rule was not run there, which says nothing either way); and the dropped ones."""
    observed = {(f["rule"], f.get("operation"), f["signature"]) for f in report.get("failures", [])}
    ran = {rule["id"] for rule in report.get("rules", []) if rule.get("verdict") in ("pass", "fail")}
    kept: list[Divergence] = []
    dropped: list[Divergence] = []
    for entry in entries:
        (kept if entry.key() in observed or entry.rule not in ran else dropped).append(entry)
    return kept, dropped
