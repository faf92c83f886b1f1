"""The `format` checks the mock validates requests with: email, date-time, date and uri.

jsonschema's defaults are too lax to stand in for a real server (its `email` only looks for an
"@"). These are written from the grammars (RFC 5322 dot-atom, RFC 3339, RFC 3986) and are at
least as strict as the validator schemathesis uses to decide what is invalid, so a value a property
tester calls invalid is refused, while everything hypothesis' `emails()` and schemathesis'
generators call valid is accepted. The self-tests hold both directions.

All patterns are ASCII-only on purpose: `\\d` in Python also matches other scripts' digits.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import UTC, date, datetime, tzinfo
from urllib.parse import urlsplit

from jsonschema import FormatChecker

__all__ = ["format_checker", "is_date", "is_date_time", "is_email", "is_uri", "parse_date_or_date_time"]

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# A dotted domain: a bare host such as `localhost` is well-formed, but no service sends mail there.
_EMAIL = re.compile(rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>{_LABEL}(?:\.{_LABEL})+)", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_DATE_TIME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]"
    r"(?P<time>(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2}))(?:\.(?P<fraction>[0-9]+))?"
    r"(?P<offset>[Zz]|[+-](?P<offset_hour>[0-9]{2}):(?P<offset_minute>[0-9]{2}))",
    re.ASCII,
)
# The spec's NaiveDateTime: no offset, seconds required, up to microseconds.
_NAIVE_DATE_TIME = re.compile(
    r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})T"
    r"(?P<time>(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])(?:\.(?P<fraction>[0-9]{1,6}))?",
    re.ASCII,
)
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*", re.ASCII)
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _valid_ace_label(label: str) -> bool:
    """An `xn--` label must decode as punycode, as IDNA-aware validators insist."""
    if not label.lower().startswith("xn--"):
        return True
    try:
        label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return False
    return True


def is_email(value: object) -> bool:
    if not isinstance(value, str):
        return True  # format applies to strings only; `type` judges the rest
    match = _EMAIL.fullmatch(value)
    if match is None or len(value) > 254 or len(match["local"]) > 64 or len(match["domain"]) > 253:
        return False
    return all(_valid_ace_label(label) for label in match["domain"].split("."))


def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if _DATE.fullmatch(value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.fullmatch(value)
    if match is None or not is_date(match["date"]):
        return False
    # A leap second (60) is legal RFC 3339 but has no datetime; refusing it is the stricter side.
    if int(match["hour"]) > 23 or int(match["minute"]) > 59 or int(match["second"]) > 59:
        return False
    return match["offset_hour"] is None or (
        int(match["offset_hour"]) <= 23 and int(match["offset_minute"]) <= 59
    )


def parse_date_or_date_time(value: str, zone: tzinfo = UTC) -> datetime:
    """An aware datetime from a value `is_date_time` or `is_date` accepted, or a date-time without
    offset (the spec's NaiveDateTime). A date is its midnight in `zone`, a naive date-time is read
    in `zone` (the caller's X-TZ-Offset, UTC without one: discrepancy `naive-datetime-input`)."""
    if is_date(value) and _DATE.fullmatch(value):
        return datetime.fromisoformat(value).replace(tzinfo=zone)
    naive = _NAIVE_DATE_TIME.fullmatch(value)
    if naive is not None and is_date(naive["date"]):
        fraction = (naive["fraction"] or "")[:6].ljust(6, "0")
        return datetime.fromisoformat(f"{naive['date']}T{naive['time']}.{fraction}").replace(tzinfo=zone)
    match = _DATE_TIME.fullmatch(value)
    if match is None or not is_date_time(value):
        raise ValueError(f"not an RFC 3339 date-time: {value[:40]!r}")
    # datetime keeps microseconds: longer fractions are cut, which only drops sub-microsecond noise.
    fraction = (match["fraction"] or "")[:6].ljust(6, "0")
    offset = "+00:00" if match["offset"] in ("Z", "z") else match["offset"]
    return datetime.fromisoformat(f"{match['date']}T{match['time']}.{fraction}{offset}")


def is_uri(value: object) -> bool:
    """An absolute URI (RFC 3986): a scheme, only URI characters, well-formed escapes, host and port."""
    if not isinstance(value, str):
        return True
    if _URI.fullmatch(value) is None or _BAD_PERCENT.search(value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        return False
    if "#" in parts.fragment:
        return False
    netloc_host = parts.netloc.rpartition("@")[2]
    brackets = "[" in value or "]" in value
    if brackets:
        # Brackets may only enclose an IPv6 literal in the authority.
        if not netloc_host.startswith("["):
            return False
        literal = netloc_host[1:].partition("]")[0]
        if value.count("[") != 1 or value.count("]") != 1:
            return False
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return False
    return True


def format_checker() -> FormatChecker:
    """A checker with exactly these four formats; other format names are annotations only."""
    checker = FormatChecker(formats=())
    checker.checks("email")(is_email)
    checker.checks("date")(is_date)
    checker.checks("date-time")(is_date_time)
    checker.checks("uri")(is_uri)
    return checker
