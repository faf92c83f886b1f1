"""The credentials a request carries, and a finding with every one of them taken out.

A finding quotes what was sent (a header value, a query, a body, the URL), and a client's bug can
put its key anywhere in it: a bare key as the Authorization value, `?api_key=...`, an `X-Api-Key`
header, the key echoed into a body. So each finding is scrubbed of every credential of its own
request (the Authorization value, its token, a Basic header's user and password, the values of
credential-named query parameters and headers) and of what `report.redact.scrub` recognises in
any text (Authorization values, URL user:password, curl -u values). A report or a log line can
then be shared.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from dataclasses import replace
from urllib.parse import parse_qsl, unquote, urlsplit

from close_conformance.report.redact import REDACTED, scrub
from close_conformance.sdk.exchange import Sent
from close_conformance.sdk.violation import Violation

__all__ = ["AccessLogFilter", "scrubbed", "secrets_of", "without_query_credentials"]

# Query parameter and header names that carry a credential by their name.
_CREDENTIAL_NAME = re.compile(r"(?i)(^|[-_])(api[-_]?key|key|token|access[-_]?token|secret|password|auth)$")
_SHORTEST = 6  # shorter values (an empty password, "1") would scrub ordinary words


def secrets_of(sent: Sent) -> list[str]:
    """Every credential `sent` carries, longest first (so a value is replaced before its parts)."""
    found: set[str] = set()
    authorization = sent.header("authorization")
    if authorization:
        found.add(authorization.strip())
        scheme, _, token = authorization.strip().partition(" ")
        found.add(token.strip() or scheme)
        if scheme.lower() == "basic" and token.strip():
            try:
                user, _, password = base64.b64decode(token.strip(), validate=True).decode().partition(":")
                found |= {user, password}
            except (binascii.Error, UnicodeDecodeError):
                pass
    for name, value in sent.headers:
        if name == "cookie" or name == "proxy-authorization" or _CREDENTIAL_NAME.search(name):
            found.add(value)
    parts = urlsplit(sent.url)
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if _CREDENTIAL_NAME.search(name):
            found |= {value, unquote(value)}
    if parts.username:
        found |= {parts.username, unquote(parts.username)}
    if parts.password:
        found |= {parts.password, unquote(parts.password)}
    return sorted((s for s in found if len(s) >= _SHORTEST), key=len, reverse=True)


def scrubbed(finding: Violation, secrets: list[str]) -> Violation:
    """`finding` with each secret replaced by [redacted] in every text it holds."""
    return replace(
        finding,
        observed=scrub(finding.observed, secrets),
        expected=scrub(finding.expected, secrets),
        request=scrub(finding.request, secrets),
        curl=scrub(finding.curl, secrets),
    )


def without_query_credentials(target: str) -> str:
    """A URL or path with the values of credential-named query parameters replaced by [redacted]."""
    head, mark, query = target.partition("?")
    if not mark:
        return target
    pairs = [pair.partition("=") for pair in query.split("&")]
    return (
        head
        + "?"
        + "&".join(
            f"{name}{eq}{REDACTED if eq and _CREDENTIAL_NAME.search(unquote(name)) else value}"
            for name, eq, value in pairs
        )
    )


class AccessLogFilter(logging.Filter):
    """uvicorn.access: the logged path without credential-named query values (its args are
    (client, method, path with query, http version, status))."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], without_query_credentials(args[2]), *args[3:])
        return True
