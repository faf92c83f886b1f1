"""Credentials never reach a report (house rule 4): every text a report holds passes `scrub`.

Three layers: the run's own secrets (raw keys, tokens and the Basic header built from them),
any `Authorization:` header value, and user:password in URLs. A curl line the report builds never
carries a credential: it reads the key from the environment (`$CLOSE_API_KEY`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

__all__ = ["REDACTED", "curl_line", "scrub", "url_without_credentials"]

REDACTED = "[redacted]"
_AUTH_HEADER = re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)((?:basic|bearer)\s+)?[^'\"\s,}]+")
# A scheme and a token anywhere else (a header dict, a log line); 16+ characters so prose such as
# "the Basic username" stays readable.
_SCHEME_TOKEN = re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9+/=._~-]{16,}")
_URL_USERINFO = re.compile(r"(?i)\b(https?://)[^/\s@'\"]+@")
_AUTH_FLAG = re.compile(r"(\s(?:-u|--user))\s+(?:'[^']*'|\"[^\"]*\"|\S+)")


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without the given secrets, Authorization values, URL credentials or curl -u values."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _AUTH_HEADER.sub(rf"\1\2{REDACTED}", text)
    text = _SCHEME_TOKEN.sub(rf"\1 {REDACTED}", text)
    text = _URL_USERINFO.sub(r"\1", text)
    return _AUTH_FLAG.sub(r'\1 "$CLOSE_API_KEY:"', text)


def url_without_credentials(url: str) -> str:
    """The URL as a report may show it: no user, no password, no query (it may hold a token)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def curl_line(method: str, url: str, body: bytes | None) -> str:
    """A one-line reproduction: the key comes from `$CLOSE_API_KEY` (Basic, empty password)."""
    parts = ["curl", "-X", method.upper(), "-u", '"$CLOSE_API_KEY:"']
    if body:
        parts += ["-H", shlex.quote("Content-Type: application/json")]
        parts += ["--data", shlex.quote(body.decode("utf-8", "replace")[:2000])]
    parts.append(shlex.quote(url))
    return " ".join(parts)
