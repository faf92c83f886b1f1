"""A curl line that replays a request, with its credentials replaced by shell variables.

An API key is the Basic username with an empty password (Close's api-key-authentication page), so
it becomes `-u "$CLOSE_API_KEY:"`; a Bearer token becomes `$CLOSE_ACCESS_TOKEN`. Nothing of the
credential itself is kept, so a report can be shared.
"""

from __future__ import annotations

import shlex

from close_conformance.sdk.exchange import Sent

__all__ = ["curl_line"]

# Headers curl sets itself or that only describe the transport.
_SKIPPED = frozenset({"host", "content-length", "accept-encoding", "connection", "user-agent"})


def curl_line(sent: Sent) -> str:
    # `-X HEAD` would wait for a body that never comes: curl's own HEAD is -I.
    method = ["-I"] if sent.method.upper() == "HEAD" else ["-X", sent.method]
    parts = ["curl", *method, shlex.quote(sent.url)]
    for name, value in sent.headers:
        if name in _SKIPPED:
            continue
        if name == "authorization":
            scheme = value.split(" ", 1)[0].lower()
            if scheme == "basic":
                parts += ["-u", '"$CLOSE_API_KEY:"']
            elif scheme == "bearer":
                parts += ["-H", '"Authorization: Bearer $CLOSE_ACCESS_TOKEN"']
            else:
                parts += ["-H", shlex.quote("Authorization: <redacted>")]
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if sent.body:
        parts += ["--data-raw", shlex.quote(sent.body.decode("utf-8", errors="replace"))]
    return " ".join(parts)
