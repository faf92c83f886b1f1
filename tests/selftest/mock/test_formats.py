"""The request `format` checks: they accept what property testers generate as valid, and refuse at
least what schemathesis' own validator (jsonschema_rs) calls invalid."""

from __future__ import annotations

from datetime import timedelta, timezone

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from close_conformance.mock.formats import is_date, is_date_time, is_email, is_uri, parse_date_or_date_time

CHECKS = {"email": is_email, "date-time": is_date_time, "date": is_date, "uri": is_uri}
REFERENCE = {
    name: jsonschema_rs.Draft202012Validator({"format": name}, validate_formats=True).is_valid
    for name in CHECKS
}
PROPERTY = settings(max_examples=200, deadline=None, database=None)

DATE_TIME_LIKE = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})?"
)
# Strings near each format, so that the search spends its time on the interesting cases.
near = st.text(st.sampled_from("aZ0.-_@:/[]%#?+ ézT9Zz"), max_size=24)
ascii_text = st.text(st.characters(codec="ascii"), max_size=24)
shaped = {
    "email": st.emails() | st.builds("{}@{}".format, near, near),
    "uri": st.from_regex(r"[a-z][a-z0-9+.-]{0,5}:[ -~]{0,20}", fullmatch=True),
    "date-time": st.datetimes().map(lambda d: d.isoformat() + "Z")
    | st.from_regex(DATE_TIME_LIKE, fullmatch=True),
    "date": st.dates().map(str) | st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
}


def _offset(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


def _mixed_case_ace(value: str) -> bool:
    # jsonschema_rs refuses IDNA labels such as "xN--..." that hypothesis' domains() emits; the mock
    # accepts them (DNS is case-insensitive), the one place it is knowingly more lenient.
    return any(
        label[:4].lower() == "xn--" and not label.islower() for label in value.rpartition("@")[2].split(".")
    )


@pytest.mark.rule("errors.shape")
@pytest.mark.parametrize("name", sorted(CHECKS))
@PROPERTY
@given(data=st.data())
def test_never_accepts_what_schemathesis_calls_invalid(name, data):
    value = data.draw(shaped[name] | near | ascii_text)
    if CHECKS[name](value) and not (name == "email" and _mixed_case_ace(value)):
        assert REFERENCE[name](value), value


@pytest.mark.rule("errors.shape")
@PROPERTY
@given(address=st.emails())
def test_accepts_hypothesis_emails(address):
    assert is_email(address)


@pytest.mark.rule("errors.shape")
@PROPERTY
@given(moment=st.datetimes(timezones=st.integers(-23 * 60 - 59, 23 * 60 + 59).map(_offset)))
def test_accepts_and_parses_every_rfc3339_datetime(moment):
    text = moment.isoformat()
    assert is_date_time(text)
    assert parse_date_or_date_time(text) == moment


@pytest.mark.rule("errors.shape")
@pytest.mark.parametrize(
    ("name", "value", "valid"),
    [
        ("email", "john@example.com", True),
        ("email", "o'brien+tag@mail.example.co.uk", True),
        ("email", "useratexample.com", False),
        ("email", "a@b", False),
        ("email", "a..b@example.com", False),
        ("email", ".a@example.com", False),
        ("email", "a@-example.com", False),
        ("email", "a b@example.com", False),
        ("email", "é@example.com", False),
        ("email", "", False),
        ("uri", "https://app.close.com/go/file/x", True),
        ("uri", "mailto:a@example.com", True),
        ("uri", "http://[::1]:8080/", True),
        ("uri", "no scheme", False),
        ("uri", "//example.com", False),
        ("uri", "http://[", False),
        ("uri", "http://x:port/", False),
        ("uri", "http://%zz/", False),
        ("date-time", "2024-01-01T12:00:00Z", True),
        ("date-time", "2024-01-01t12:00:00.123456789+05:30", True),
        ("date-time", "2024-01-01T12:99:00Z", False),
        ("date-time", "2024-01-01T12:00:00", False),
        ("date-time", "2024-02-30T12:00:00Z", False),
        ("date-time", "\uff12\uff10\uff12\uff14-01-01T12:00:00Z", False),  # full-width digits
        ("date", "2024-02-29", True),
        ("date", "2024-13-01", False),
        ("date", "20240101", False),
    ],
)
def test_examples(name, value, valid):
    assert CHECKS[name](value) is valid


@pytest.mark.rule("errors.shape")
def test_non_strings_are_left_to_the_type_keyword():
    assert all(check(5) for check in CHECKS.values())
