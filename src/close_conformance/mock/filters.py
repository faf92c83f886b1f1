"""List filters as Close's spec lists them, and the caller's timezone (`X-TZ-Offset`).

Id filters (`lead_id`, `contact_id`, `user_id`, `id__in`, `_type`) take comma-separated lists
(Close's spec: "Filter by lead IDs (comma-separated)"); an id that names nothing of the caller's
matches nothing, it is not an error. Date filters (`<field>__gt/__gte/__lt/__lte`) take a
date-time, a date, or a date-time without offset; the last two are read in the caller's
`X-TZ-Offset` (hours, e.g. `-4` or `-2.5`; docs, Timezone Offsets), UTC without it
(discrepancy `naive-datetime-input`). No declared filter is ignored: each is applied here, or
the operation's handler applies it itself.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from close_conformance.mock.errors import ValidationFailed
from close_conformance.mock.formats import parse_date_or_date_time

__all__ = ["DATE_BOUNDS", "TZ_HEADER", "Filters", "caller_zone", "id_list"]

TZ_HEADER = "x-tz-offset"
# Hours, -14..14, up to two decimals: the spec's TzOffset pattern (docs: "-4", "-2.5").
_OFFSET = re.compile(r"[+-]?(?:1[0-4]|[0-9])(?:\.[0-9]{1,2})?", re.ASCII)

DATE_BOUNDS: Mapping[str, Callable[[Any, Any], bool]] = {
    "gte": operator.ge,
    "gt": operator.gt,
    "lte": operator.le,
    "lt": operator.lt,
}


def caller_zone(raw: str | None) -> tzinfo:
    """The caller's timezone from `X-TZ-Offset` (UTC when absent); 400 for a value that is no
    number of hours (register `naive-datetime-input`)."""
    if raw is None:
        return UTC
    if not _OFFSET.fullmatch(raw.strip()):
        raise ValidationFailed({"X-TZ-Offset": "Enter a UTC offset in hours, e.g. -4 or -2.5."})
    minutes = round(float(raw) * 60)
    return timezone(timedelta(minutes=minutes)) if minutes else UTC


def id_list(value: str) -> frozenset[str]:
    """The ids of a comma-separated filter value; blanks around commas do not count."""
    return frozenset(part.strip() for part in value.split(",") if part.strip())


@dataclass(frozen=True, slots=True)
class Filters:
    """The filters of one list request: `query` as validated, read in `zone`.

    `first_id_only` and `naive_as_utc` exist for faults (a comma list cut to its first id, a
    naive value read in UTC whatever the header says)."""

    query: Mapping[str, Any]
    zone: tzinfo = UTC
    first_id_only: bool = False
    naive_as_utc: bool = False

    def ids(self, name: str) -> frozenset[str] | None:
        """The ids a list filter allows, or None when the filter was not given. The value is a
        list (an array parameter, split and gathered by validation) or a comma-separated string."""
        if name not in self.query:
            return None
        given = self.query[name]
        if isinstance(given, list):
            values = [str(v) for v in given]
        else:
            values = [part.strip() for part in str(given).split(",") if part.strip()]
        if self.first_id_only and values:
            values = values[:1]
        return frozenset(values)

    def allows(self, name: str, value: str | None) -> bool:
        ids = self.ids(name)
        return ids is None or (value is not None and value in ids)

    def moment(self, value: str) -> datetime:
        return parse_date_or_date_time(value, UTC if self.naive_as_utc else self.zone)

    def within(self, field: str, stored: str | None, *, ignored: bool = False) -> bool:
        """Whether a stored timestamp meets every `<field>__<bound>` filter given (`ignored`: a
        fault skips them). A record without the timestamp meets no bound."""
        bounds = [
            (self.query[f"{field}__{b}"], test)
            for b, test in DATE_BOUNDS.items()
            if f"{field}__{b}" in self.query
        ]
        if ignored or not bounds:
            return True
        if stored is None:
            return False
        moment = _key(parse_date_or_date_time(stored))
        return all(test(moment, _key(self.moment(str(bound)))) for bound, test in bounds)


_ORIGIN = datetime(1, 1, 1)


def _key(moment: datetime) -> timedelta:
    """A moment as time since 0001-01-01 UTC; a timedelta, so instants past the calendar in UTC
    (9999-12-31T23:59:59-23:59, schema-valid) compare without overflowing."""
    return moment.replace(tzinfo=None) - _ORIGIN - (moment.utcoffset() or timedelta(0))
