"""The validating proxy: an ASGI app that forwards each request to an answering server (the mock
in-process for `close-mock serve --validate`, any Close-compatible URL for `close-mock proxy`),
validates the exchange both ways, and hands the answer back unchanged.

Status and body are never changed. Headers are passed on except the hop-by-hop ones and those that
describe the transfer (httpx has already decoded a compressed body); a redirect's `Location` on
the upstream's origin is rewritten to the proxy's, so the client follows it through the proxy.
Each answer carries `Close-Conformance-Violations: N` (violations of that exchange; warnings are
not counted); each finding is one JSON line on stderr. An upstream that does not answer (timeout,
refused connection) gets the client a 502 `{"error": ...}` from the proxy, and the exchange is
recorded as unanswered (which is what client.no-blind-post-retry looks at).
"""

from __future__ import annotations

import json
import sys
import time
from typing import IO

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from close_conformance.sdk.exchange import Exchange, Received, Sent
from close_conformance.sdk.session import ValidationSession

__all__ = ["VIOLATIONS_HEADER", "ValidatingProxy"]

VIOLATIONS_HEADER = "Close-Conformance-Violations"
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",
    }
)


class ValidatingProxy:
    """ASGI app. `client` sends the forwarded requests: `httpx.AsyncClient(transport=
    httpx.ASGITransport(app))` for the mock, a plain one for an upstream. `upstream` is the origin
    (`scheme://host:port`) requests go to; None keeps the URL the client used (the in-process mock)."""

    def __init__(
        self,
        session: ValidationSession,
        client: httpx.AsyncClient,
        *,
        upstream: str | None = None,
        log: IO[str] | None = None,
    ) -> None:
        self.session = session
        self.client = client
        self.upstream = upstream.rstrip("/") if upstream else None
        self.log = log if log is not None else sys.stderr
        self.violations = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        response = await self._forward(request)
        await response(scope, receive, send)

    async def _forward(self, request: Request) -> Response:
        body = await request.body()
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP]
        own_origin = f"{request.url.scheme}://{request.url.netloc}"
        target = str(request.url) if self.upstream is None else self.upstream + _path_and_query(request)
        sent = Sent.of(request.method, str(request.url), request.headers.items(), body)
        started = time.monotonic()
        try:
            answer = await self.client.request(request.method, target, headers=headers, content=body)
        except httpx.HTTPError as error:
            self._record(Exchange(sent, None, started, time.monotonic()))
            return JSONResponse(
                {"error": f"close-mock proxy: the upstream did not answer ({type(error).__name__})"},
                status_code=502,
            )
        received = Received.of(answer.status_code, answer.headers.multi_items(), answer.content)
        found = self._record(Exchange(sent, received, started, time.monotonic()))
        out_headers = [(k, v) for k, v in answer.headers.multi_items() if k.lower() not in _HOP_BY_HOP]
        if self.upstream is not None:
            out_headers = [
                (
                    k,
                    own_origin + v[len(self.upstream) :]
                    if k.lower() == "location" and v.startswith(self.upstream)
                    else v,
                )
                for k, v in out_headers
            ]
        response = Response(content=answer.content, status_code=answer.status_code)
        for name, value in out_headers:
            response.headers.append(name, value)
        response.headers[VIOLATIONS_HEADER] = str(found)
        return response

    def _record(self, exchange: Exchange) -> int:
        findings = self.session.record(exchange)
        for finding in findings:
            print(json.dumps(finding.to_dict()), file=self.log, flush=True)
        counted = sum(1 for f in findings if f.severity == "violation")
        self.violations += counted
        return counted


def _path_and_query(request: Request) -> str:
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) and raw else request.url.path
    query = request.scope.get("query_string", b"")
    return path + ("?" + query.decode("latin-1") if query else "")
