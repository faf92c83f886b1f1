"""What this run created, and the guard that keeps every write to it.

Rules of the house for a live target: only resources the run created are modified or deleted;
everything created is cleaned up, after failures and Ctrl-C too; a killed run's leftovers are
removed by the next run. So the ledger is a JSON-lines file per run id under the state folder,
appended to as objects are created, and removed once the run has cleaned up.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["Entry", "GuardRefused", "Ledger", "Leftover", "ids_in", "leftover_ledgers", "resource_path"]

ID = re.compile(r"\b(?:lead|cont|acti|sdas)_[0-9A-Za-z]{22}(?:[0-9A-Za-z]{21})?\b")
# Where each kind of object is deleted; Send As by id, the rest by their resource path.
_DELETE_PATHS = {
    "lead": "/lead/{}/",
    "cont": "/contact/{}/",
    "acti": "/activity/email/{}/",
    "sdas": "/send_as/{}/",
}
WRITE_METHODS = frozenset({"PUT", "PATCH", "DELETE", "POST"})


class GuardRefused(RuntimeError):
    """A write to an object this run did not create; never sent."""


def resource_path(object_id: str) -> str:
    return _DELETE_PATHS[object_id.split("_", 1)[0]].format(object_id)


def ids_in(value: Any) -> set[str]:
    """Every lead, contact, activity and Send As id anywhere in a JSON value or a string."""
    return set(ID.findall(value if isinstance(value, str) else json.dumps(value, default=str)))


@dataclass(frozen=True, slots=True)
class Entry:
    id: str
    role: str
    """Which identity created it (and so may delete it)."""
    parent: str | None = None
    """A lead's contacts go with it: deleting the lead cleans them too."""
    path: str | None = None
    """Where it is deleted, when its id cannot say (a Send As association whose id lacks the
    documented prefix is still the run's and must still go)."""

    @property
    def delete_path(self) -> str:
        return self.path or resource_path(self.id)


class Ledger:
    def __init__(self, directory: Path, *, target: str, run_id: str | None = None) -> None:
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.target = target
        self.path = directory / f"run-{self.run_id}.jsonl"
        self._entries: dict[str, Entry] = {}
        self._gone: set[str] = set()
        self._retired: set[str] = set()
        self._pinned: set[str] = set()
        self._foreign: set[str] = set()
        # Send As associations are also named by their two users (delete-by-users, bulk
        # disallow): pairs seen but not created by the run are somebody's real permissions.
        self._foreign_pairs: set[tuple[str, str]] = set()
        self._owned_pairs: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"run": self.run_id, "pid": os.getpid(), "target": target}) + "\n")

    # -- what the run created -------------------------------------------------------------
    def record(self, object_id: str, role: str, parent: str | None = None, path: str | None = None) -> None:
        entry = Entry(object_id, role, parent, path)
        with self._lock:
            if object_id in self._entries:
                return
            self._entries[object_id] = entry
            self._foreign.discard(object_id)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(asdict(entry)) + "\n")

    def record_association(self, association: Any, role: str) -> None:
        """A Send As association in a create or bulk answer: ours unless it existed before."""
        pair = _pair(association)
        if pair is None:
            return
        with self._lock:
            if pair in self._foreign_pairs:
                return
            self._owned_pairs.add(pair)
        association_id = str(association["id"])
        self.record(association_id, role, path=_DELETE_PATHS["sdas"].format(association_id))

    def pin(self, object_id: str) -> None:
        """An object other tests refer to (the run's reference lead): never changed or deleted
        by generated requests, only by cleanup."""
        with self._lock:
            self._pinned.add(object_id)

    def forget(self, object_id: str) -> None:
        """The object was deleted by a test; cleanup need not try again. Its children (a lead's
        contacts and emails) may have gone with it: no longer fit to refer to, though cleanup
        still tries them, since whether a lead's delete cascades is only inferred."""
        with self._lock:
            self._gone.add(object_id)
            self._retired |= {e.id for e in self._entries.values() if e.parent == object_id}

    def owns(self, object_id: str) -> bool:
        return object_id in self._entries

    def parent_of(self, object_id: str) -> str | None:
        entry = self._entries.get(object_id)
        return entry.parent if entry else None

    def usable(self, object_id: str) -> bool:
        """Created by the run and, as far as the run knows, still there."""
        with self._lock:
            return object_id in self._entries and object_id not in self._gone | self._retired

    def entries(self) -> list[Entry]:
        with self._lock:
            return [e for e in self._entries.values() if e.id not in self._gone]

    # -- the guard ------------------------------------------------------------------------
    def observe(self, body: Any) -> None:
        """Ids seen in a response that the run did not create are someone else's data."""
        seen = ids_in(body)
        pairs = {p for p in map(_pair, _dicts(body)) if p is not None}
        with self._lock:
            self._foreign |= {i for i in seen if i not in self._entries}
            self._foreign_pairs |= pairs - self._owned_pairs

    def guard(self, method: str, url: str, body: Any = None, *, actor: str | None = None) -> None:
        """Refuse a write that names an object someone else owns.

        An id the run created passes; so does a freshly generated one that no response has shown
        (a random 43-character id names nothing). An id seen in a response but not created by
        the run (from a list, say) is refused: that is somebody's real data.
        """
        if method.upper() not in WRITE_METHODS:
            return
        named = ids_in(url) | (ids_in(body) if method.upper() != "POST" else set())
        pairs = _pairs_written(method, url, body, actor)
        with self._lock:
            refused = sorted(i for i in named if i in self._foreign and i not in self._entries)
            refused += sorted(f"{i} (pinned for the run)" for i in ids_in(url) & self._pinned)
            refused += [f"Send As {a} -> {b}" for a, b in sorted(pairs & self._foreign_pairs)]
        if refused:
            raise GuardRefused(f"{method} {url}: {', '.join(refused)} was not created by this run")

    # -- cleanup --------------------------------------------------------------------------
    def cleanup(
        self,
        delete: Callable[[Entry], bool],
        run_all: Callable[[list[Callable[[], bool]]], list[bool]] | None = None,
        gone: Callable[[Entry], bool] | None = None,
    ) -> list[Entry]:
        """Delete what is left; returns what failed.

        `delete` answers True when the object is gone (a 404 counts: already gone). `run_all`
        runs independent deletes together (close_conformance.concurrent.gather). Leads (and every
        object that is no lead's child) go first, then the children of leads: a lead's contacts
        and emails, which a server that cascades (register `lead-delete-cascade`: removed) has
        already removed, while one that keeps them (kept) has not. `gone` (a GET answering 404)
        tells which: it asks about one child per kind whose lead is gone; when that child is gone
        with its lead, the server cascades that kind, and the other children of removed leads are
        not deleted one by one (on Close, hundreds of requests). When it is still there, or lags,
        or `gone` is not given, every child is deleted as before.
        """
        run = run_all or _one_by_one
        left = list(reversed(self.entries()))
        with self._lock:
            deleted_by_tests = set(self._gone)
        # A child is one whose parent this cleanup deletes or a test already deleted.
        parents = {entry.id for entry in left} | deleted_by_tests
        children = [e for e in left if e.parent is not None and e.parent in parents]
        child_ids = {e.id for e in children}
        first = [e for e in left if e.id not in child_ids]
        done = run([partial(_try, delete, entry) for entry in first])
        failed = [entry for entry, ok in zip(first, done, strict=True) if not ok]
        removed = deleted_by_tests | {entry.id for entry, ok in zip(first, done, strict=True) if ok}
        orphans = [e for e in children if e.parent in removed]
        cascades: set[str] = set()
        for kind in sorted({_kind(e.id) for e in orphans}):
            sample = next(e for e in orphans if _kind(e.id) == kind)
            if gone is not None and _try(gone, sample):
                cascades.add(kind)
        rest = [e for e in children if not (e.parent in removed and _kind(e.id) in cascades)]
        done = run([partial(_try, delete, entry) for entry in rest])
        failed += [entry for entry, ok in zip(rest, done, strict=True) if not ok]
        if not failed:
            self.path.unlink(missing_ok=True)
        return failed


def _kind(object_id: str) -> str:
    return object_id.split("_", 1)[0]


def _one_by_one(calls: list[Callable[[], bool]]) -> list[bool]:
    return [call() for call in calls]


def _pair(value: Any) -> tuple[str, str] | None:
    """The two users of a Send As association (any object with an id and the two user ids: a
    server that gets the id's prefix wrong still names somebody's permission)."""
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        allowing, allowed = value.get("allowing_user_id"), value.get("allowed_user_id")
        if isinstance(allowing, str) and isinstance(allowed, str):
            return allowing, allowed
    return None


def _dicts(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [value, *(d for child in value.values() for d in _dicts(child))]
    if isinstance(value, list):
        return [d for child in value for d in _dicts(child)]
    return []


def _pairs_written(method: str, url: str, body: Any, actor: str | None) -> set[tuple[str, str]]:
    """The Send As pairs a delete-by-users or a bulk disallow would remove."""
    parts = urlsplit(url)
    if method.upper() == "DELETE" and parts.path.rstrip("/").endswith("/send_as"):
        query = parse_qs(parts.query)
        return {(a, b) for a in query.get("allowing_user_id", []) for b in query.get("allowed_user_id", [])}
    if (
        method.upper() == "POST"
        and parts.path.rstrip("/").endswith("/send_as/bulk")
        and isinstance(body, dict)
    ):
        disallowed = body.get("disallowed_user_ids")
        if actor is not None and isinstance(disallowed, list):
            return {(actor, str(user)) for user in disallowed}
    return set()


def _try(delete: Callable[[Entry], bool], entry: Entry) -> bool:
    try:
        return delete(entry)
    except Exception:
        return False


@dataclass(frozen=True)
class Leftover:
    """The ledger of an earlier run that died before cleaning up."""

    path: Path
    run_id: str
    target: str
    entries: list[Entry]


def leftover_ledgers(directory: Path, *, alive: Callable[[int], bool]) -> list[Leftover]:
    """Ledgers of earlier runs whose process is gone."""
    found: list[Leftover] = []
    for path in sorted(directory.glob("run-*.jsonl")) if directory.is_dir() else []:
        try:
            lines = [
                json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
            ]
            header = lines[0]
            if alive(int(header.get("pid", -1))):
                continue
            entries = [Entry(**line) for line in lines[1:]]
        except (ValueError, IndexError, TypeError, KeyError):
            path.unlink(missing_ok=True)  # a torn write of a killed run: nothing usable in it
            continue
        found.append(Leftover(path, str(header.get("run")), str(header.get("target", "")), entries))
    return found
