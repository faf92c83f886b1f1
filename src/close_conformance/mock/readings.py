"""The discrepancy register as the mock acts on it: the `mock` reading, or `accept.strict[0]` under
--strict, or any reading the register's `accept.default` allows, chosen per entry
(`close-mock serve --reading ID=VALUE`, `pytest --mock-reading ID=VALUE`).

Nothing in the resource modules hard-codes a choice the register makes; they ask `Readings`. The
readings are checked once when the app is built, so a register edit the mock cannot act on (or a
reading the register does not allow) fails at start-up with a message, not as a wrong answer in
the middle of a run. `alternatives` lists every reading the default accepts besides the mock's
own, which the reading matrix (close_conformance.readings_proof) runs the suite under.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from close_conformance.contract import Contract, Discrepancy

__all__ = [
    "OUTCOMES",
    "Alternative",
    "Readings",
    "alternatives",
    "can_take",
    "parse_override",
    "parse_value",
    "untaken",
]

# What the mock can do for each discrepancy it consults: `int` stands for any HTTP status, `float`
# for a measured reading (the register's `measure`: a lag in seconds), a string for a named outcome
# it implements. An entry missing here is one the mock does not consult: it cannot be switched.
OUTCOMES: Mapping[str, tuple[type[int] | type[float] | str, ...]] = {
    "send-as-delete-status": (int,),
    "send-as-delete-params": (int,),
    "send-as-refusal-status": (int,),
    "send-as-list-foreign-filter": (int, "empty-list"),
    "uninvolved-status": (int,),
    "send-as-delete-by-id-who": ("allowed", "refused"),
    "email-scheduling-fields": (int,),
    "email-non-draft-edit-status": (int,),
    "email-draft-other-transitions": (int, "accepted"),
    "error-shape-400": ("validation", "error"),
    "contact-new-lead-name": ("contact-name",),
    "lead-delete-cascade": ("removed", "kept"),
    "read-after-delete-lag": ("exact", float),
    "ratelimit-header-format": ("comma", "semicolon"),
    "lead-list-total-results": ("present", "absent"),
    "lead-update-contacts": ("ignored", int),
    "email-contact-of-lead": (int, "accepted"),
    "unknown-reference": (int,),
    "naive-datetime-input": ("caller-offset",),
    "contact-custom-fields": (int,),
    "contact-update-null-lead": (int, "accepted"),
    "nested-request-keys": ("ignored",),
    "trailing-slash-redirect": (int,),
    "ratelimit-body": ("body-fields", "headers-only", "no-body"),
    "timestamp-offset": ("offset", "naive"),
    "id-format": (int,),
    "email-recipient-format": (int, "accepted"),
    "literal-segment-as-id": (int,),
    "email-list-id-filter-form": ("gathered", "any"),
    "method-override-params": ("typed", "strings"),
    "method-override-other-methods": ("honoured", int),
}


def _fits(value: Any, allowed: tuple[type[int] | type[float] | str, ...]) -> bool:
    for kind in allowed:
        if isinstance(kind, str):
            if value == kind:
                return True
        elif kind is float:
            if isinstance(value, float):
                return True
        elif isinstance(value, kind) and not isinstance(value, bool):
            return True
    return False


def parse_value(entry: Discrepancy, text: str) -> Any:
    """A reading as typed on a command line: a number of the entry's `measure` (float), a status
    (int), else a named outcome (str)."""
    text = text.strip()
    if entry.measure is not None:
        try:
            return float(text)
        except ValueError:
            pass
    if text.isdigit():
        return int(text)
    return text


def _describe_allowed(entry: Discrepancy) -> str:
    values = [str(v) for v in entry.default if v != (entry.measure or {}).get("reading")]
    if entry.measure is not None:
        m = entry.measure
        values.append(f"{m['reading']} as {m['unit']} ({m['minimum']}..{m['maximum']}, e.g. {m['tried']})")
    return ", ".join(values)


def _reading_of(entry: Discrepancy, value: Any) -> Any:
    """The register's reading a value stands for: a measured number stands for `measure.reading`."""
    if entry.measure is not None and isinstance(value, float):
        return entry.measure["reading"]
    return value


def check_override(contract: Contract, discrepancy_id: str, value: Any) -> Any:
    """`value` (typed, or a string to parse) if the register's default accepts it and the mock can
    act on it; ValueError saying which values are allowed otherwise."""
    if discrepancy_id not in contract.discrepancies:
        raise ValueError(f"no register entry {discrepancy_id!r} (see `close-mock readings`)")
    entry = contract.discrepancy(discrepancy_id)
    if isinstance(value, str):
        value = parse_value(entry, value)
    if entry.measure is not None and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, float):
        m = entry.measure
        if m is None or not (float(m["minimum"]) <= value <= float(m["maximum"])):
            raise ValueError(
                f"{discrepancy_id}={value}: not a reading the register allows by default; "
                f"allowed: {_describe_allowed(entry)}"
            )
    elif value not in entry.default or (entry.measure is not None and value == entry.measure["reading"]):
        raise ValueError(
            f"{discrepancy_id}={value}: not a reading the register allows by default; "
            f"allowed: {_describe_allowed(entry)}"
        )
    if discrepancy_id not in OUTCOMES or not _fits(value, OUTCOMES[discrepancy_id]):
        raise ValueError(
            f"{discrepancy_id}={value}: the register allows it, but the mock cannot act on it "
            f"(it can take: {', '.join(map(str, can_take(entry))) or 'nothing'})"
        )
    return value


def parse_override(contract: Contract, text: str) -> tuple[str, Any]:
    """`ID=VALUE` -> (id, typed value), checked as `check_override` does; ValueError otherwise."""
    discrepancy_id, equals, raw = text.partition("=")
    if not equals or not discrepancy_id.strip() or not raw.strip():
        raise ValueError(f"--reading {text!r}: expected ID=VALUE (see `close-mock readings`)")
    discrepancy_id = discrepancy_id.strip()
    return discrepancy_id, check_override(contract, discrepancy_id, raw)


def _tried(entry: Discrepancy, reading: Any) -> Any:
    """The value the mock takes for a reading of the default: a measured one at `measure.tried`."""
    if entry.measure is not None and reading == entry.measure["reading"]:
        return float(entry.measure["tried"])
    return reading


def can_take(entry: Discrepancy) -> list[Any]:
    """The readings of `accept.default` the mock can act on (a measured one as its tried value)."""
    allowed = OUTCOMES.get(entry.id)
    if allowed is None:
        return []
    return [_tried(entry, r) for r in entry.default if _fits(_tried(entry, r), allowed)]


def untaken(entry: Discrepancy) -> list[Any]:
    """The readings of `accept.default`, besides the mock's own, that it cannot act on: the reading
    matrix does not cover them. An entry the mock does not consult (missing from OUTCOMES) holds
    its one reading through the spec (a pattern, a status), so only its other readings count."""
    own = entry.mock if isinstance(entry.mock, list) else [entry.mock]
    if len(entry.default) == 1:
        return []  # nothing to switch to
    taken = [_reading_of(entry, v) for v in can_take(entry)]
    return [r for r in entry.default if r not in taken and r not in own]


@dataclass(frozen=True)
class Alternative:
    """A reading the register allows by default, other than the mock's own."""

    discrepancy: str
    value: Any
    strict_only: bool
    """The default accepts it, --strict does not: a --strict run must fail under it."""

    @property
    def option(self) -> str:
        """`ID=VALUE`, as `--reading` and `--mock-reading` take it."""
        return f"{self.discrepancy}={self.value}"


def alternatives(contract: Contract) -> list[Alternative]:
    """Every reading the mock can take besides its default, in register order."""
    found: list[Alternative] = []
    for entry in contract.discrepancies.values():
        for value in can_take(entry):
            reading = _reading_of(entry, value)
            if reading == entry.mock:
                continue
            found.append(Alternative(entry.id, value, strict_only=reading not in entry.strict))
    return found


class Readings:
    """One reading per discrepancy id, fixed for the life of an app.

    `overrides` ({id: value}, values typed or as strings) replace the mode's reading for those
    entries; each must be one the register's `accept.default` lists and the mock can act on
    (ValueError naming the allowed values otherwise). They apply under --strict too, which is how
    the matrix shows a strict run refusing a reading only the default accepts.
    """

    def __init__(
        self, contract: Contract, *, strict: bool, overrides: Mapping[str, Any] | None = None
    ) -> None:
        self.strict = strict
        self._values: dict[str, Any] = {}
        for discrepancy_id, allowed in OUTCOMES.items():
            value = contract.discrepancy(discrepancy_id).mock_reading(strict=strict)
            if not _fits(value, allowed):
                raise ValueError(
                    f"discrepancy {discrepancy_id!r}: the mock cannot act on the reading {value!r} "
                    f"({'strict' if strict else 'default'} mode); expected {allowed!r}"
                )
            self._values[discrepancy_id] = value
        self.overrides = {
            discrepancy_id: check_override(contract, discrepancy_id, value)
            for discrepancy_id, value in (overrides or {}).items()
        }
        self._values.update(self.overrides)

    def __call__(self, discrepancy_id: str) -> Any:
        return self._values[discrepancy_id]

    def status(self, discrepancy_id: str) -> int:
        """The reading as an HTTP status; callers use it only where the register gives one."""
        value = self._values[discrepancy_id]
        if not isinstance(value, int):
            raise TypeError(f"discrepancy {discrepancy_id!r} reads {value!r}, not a status")
        return value

    def seconds(self, discrepancy_id: str) -> float:
        """A measured reading in seconds: 0.0 for any named one (`exact`)."""
        value = self._values[discrepancy_id]
        return value if isinstance(value, float) else 0.0
