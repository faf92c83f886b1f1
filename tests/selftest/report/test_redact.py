"""No credential survives `scrub`; the curl lines the report builds never hold one."""

from __future__ import annotations

import base64

import pytest

from close_conformance.report.redact import REDACTED, curl_line, scrub, url_without_credentials

pytestmark = [pytest.mark.selftest]

KEY = "api_5mK2xYb8QzT1rLw9"


@pytest.mark.parametrize(
    "text",
    [
        f"the key {KEY} leaked",
        f"-H 'Authorization: Basic {base64.b64encode(f'{KEY}:'.encode()).decode()}'",
        "{'Authorization': 'Bearer abcdefghijklmnopqrstuvwxyz0123'}",
        f"curl -u {KEY}: https://api.close.com/api/v1/me/",
        f"https://{KEY}:@api.close.com/api/v1/me/",
    ],
)
def test_credentials_are_removed(text: str) -> None:
    cleaned = scrub(text, [KEY])
    assert KEY not in cleaned
    assert base64.b64encode(f"{KEY}:".encode()).decode() not in cleaned
    assert "abcdefghijklmnopqrstuvwxyz0123" not in cleaned


def test_prose_about_schemes_stays_readable() -> None:
    text = "An API key MUST be accepted as the Basic username with an empty password"
    assert scrub(text) == text


def test_the_authorization_value_is_replaced_whatever_the_scheme() -> None:
    assert scrub("Authorization: [Filtered]") == f"Authorization: {REDACTED}"


def test_a_curl_line_reads_the_key_from_the_environment() -> None:
    line = curl_line("POST", "http://127.0.0.1:1/api/v1/contact/", b'{"name": "it\'s"}')
    assert line.startswith('curl -X POST -u "$CLOSE_API_KEY:"')
    assert "--data" in line


def test_a_report_url_has_no_user_password_or_query() -> None:
    assert (
        url_without_credentials(f"https://{KEY}:x@api.close.com/api/v1?token=1")
        == "https://api.close.com/api/v1"
    )
