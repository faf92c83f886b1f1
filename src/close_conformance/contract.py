"""The contract, read from specs/: the OpenAPI spec, the rule catalogue, the changelog map and the
discrepancy register.

This module is data only: no pytest, no HTTP. The mock, the checks and the plugin all read the
contract through it, so no reading of the docs is hard-coded twice.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

__all__ = [
    "HTTP_METHODS",
    "ChangelogEntry",
    "Contract",
    "Discrepancy",
    "Rule",
    "default_contract",
    "load_contract",
    "specs_dir",
]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Basis = Literal["documented", "inferred"]
# Whose behaviour a rule judges: the server's (the suite, proved by mock faults) or a client's
# (close_conformance.sdk, proved by planted client bugs).
Side = Literal["server", "client"]


def specs_dir() -> Path:
    """Where specs/ lives: inside an installed wheel (`_specs`), else at the checkout's root."""
    packaged = Path(str(resources.files("close_conformance"))) / "_specs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "specs"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    statement: str
    basis: Basis
    sources: tuple[str, ...]
    operations: tuple[str, ...]
    discrepancies: tuple[str, ...] = ()
    faults: tuple[str, ...] = ()
    inferred_from: str | None = None
    side: Side = "server"
    client_bugs: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        return cls(
            id=data["id"],
            statement=" ".join(str(data["statement"]).split()),
            basis=data["basis"],
            sources=tuple(data.get("sources") or ()),
            operations=tuple(data.get("operations") or ()),
            discrepancies=tuple(data.get("discrepancies") or ()),
            faults=tuple(data.get("faults") or ()),
            inferred_from=data.get("inferred_from"),
            side=data.get("side", "server"),
            client_bugs=tuple(data.get("client_bugs") or ()),
        )


@dataclass(frozen=True, slots=True)
class Discrepancy:
    id: str
    question: str
    decision: str
    default: tuple[Any, ...]
    strict: tuple[Any, ...]
    mock: Any
    sources: tuple[Mapping[str, str], ...] = ()
    # Keys of `close-conformance drift` findings this entry justifies (close_conformance.drift).
    drift: tuple[Any, ...] = ()
    # A reading that takes a number ({reading, unit, minimum, maximum, tried}): `read-after-delete-lag`'s
    # `poll` is a lag in seconds (close_conformance.mock.readings).
    measure: Mapping[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Discrepancy:
        accept = data["accept"]
        drift = data.get("drift") or ()
        return cls(
            id=data["id"],
            question=data["question"],
            decision=" ".join(str(data["decision"]).split()),
            default=tuple(accept["default"]),
            strict=tuple(accept["strict"]),
            mock=data["mock"],
            sources=tuple(data.get("sources") or ()),
            drift=(drift,) if isinstance(drift, str) else tuple(drift),
            measure=data.get("measure"),
        )

    def accepted(self, *, strict: bool) -> tuple[Any, ...]:
        """The readings the suite accepts in this mode."""
        return self.strict if strict else self.default

    def mock_reading(self, *, strict: bool) -> Any:
        """What the reference mock does in this mode."""
        return self.strict[0] if strict else self.mock


@dataclass(frozen=True, slots=True)
class ChangelogEntry:
    date: date
    title: str
    source: str
    rules: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChangelogEntry:
        when = data["date"]
        return cls(
            date=when if isinstance(when, date) else date.fromisoformat(str(when)),
            title=data["title"],
            source=data["source"],
            rules=tuple(data.get("rules") or ()),
        )


@dataclass(frozen=True)
class Contract:
    """Everything in specs/, parsed."""

    spec: Mapping[str, Any]
    rules: Mapping[str, Rule]
    discrepancies: Mapping[str, Discrepancy]
    changelog: tuple[ChangelogEntry, ...]
    _operations: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for path, item in self.spec.get("paths", {}).items():
            for method in HTTP_METHODS:
                operation = item.get(method)
                if operation and "operationId" in operation:
                    self._operations[operation["operationId"]] = (method.upper(), path)

    @property
    def operations(self) -> Mapping[str, tuple[str, str]]:
        """operationId -> (METHOD, path)."""
        return self._operations

    def operation_id(self, label: str) -> str | None:
        """The operationId of `METHOD /path/` (schemathesis' label), if the spec has it."""
        return next((o for o, (m, p) in self._operations.items() if f"{m} {p}" == label), None)

    def discrepancy(self, discrepancy_id: str) -> Discrepancy:
        return self.discrepancies[discrepancy_id]

    def rules_for_operation(self, operation_id: str) -> list[Rule]:
        """The server rules concerning `operation_id` (`*` or named): what a server's answers to it
        must keep. Client rules (`side: client`) are left out: they judge a client's traffic, which
        only SDK validation sees, so no server test may carry (or pass) them."""
        return [r for r in self.server_rules.values() if "*" in r.operations or operation_id in r.operations]

    def rules_since(self, since: date) -> set[str]:
        """Rule ids introduced or changed by changelog entries on or after `since`."""
        return {rule for entry in self.changelog if entry.date >= since for rule in entry.rules}

    @property
    def server_rules(self) -> Mapping[str, Rule]:
        """The rules a server must keep (each proved by mock faults), without the client rules."""
        return {rule_id: rule for rule_id, rule in self.rules.items() if rule.side == "server"}

    def rules_with_fault(self, fault: str) -> list[Rule]:
        return [r for r in self.rules.values() if fault in r.faults]


# libyaml's loader where PyYAML was built with it: the pure-Python one takes about a second for
# specs/ and the vendored upstream spec, paid by every process and every mock app.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """One YAML file, safely loaded (libyaml when available). Raises OSError, yaml.YAMLError."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=SAFE_LOADER)


def _index(items: Sequence[Any], what: str) -> dict[str, Any]:
    index: dict[str, Any] = {}
    for item in items:
        if item.id in index:
            raise ValueError(f"duplicate {what} id {item.id!r}")
        index[item.id] = item
    return index


def load_contract(directory: Path | None = None) -> Contract:
    """Parse specs/ (or another directory laid out the same way, as the self-tests use)."""
    base = directory or specs_dir()
    return Contract(
        spec=read_yaml(base / "close.yaml"),
        rules=_index([Rule.from_dict(r) for r in read_yaml(base / "rules.yaml")["rules"]], "rule"),
        discrepancies=_index(
            [Discrepancy.from_dict(d) for d in read_yaml(base / "discrepancies.yaml")["discrepancies"]],
            "discrepancy",
        ),
        changelog=tuple(ChangelogEntry.from_dict(e) for e in read_yaml(base / "changelog.yaml")["entries"]),
    )


@functools.cache
def default_contract() -> Contract:
    """The project's own contract, parsed once per process."""
    return load_contract()
