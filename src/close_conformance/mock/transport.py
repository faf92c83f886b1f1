"""A synchronous httpx transport that calls an ASGI app in-process.

httpx's `ASGITransport` is async only, and Starlette deprecates its `TestClient` on top of httpx.
This runs each request on a private event loop, so `httpx.Client(transport=ASGIAppTransport(app))`
talks to the mock exactly as to a server, with no socket and no thread. Close the client (or the
transport) when done: it owns the loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

__all__ = ["ASGIAppTransport"]


class ASGIAppTransport(httpx.BaseTransport):
    def __init__(self, app: Any) -> None:
        self._transport = httpx.ASGITransport(app=app)
        self._runner = asyncio.Runner()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # A streamed sync body becomes bytes, which the async transport can read too.
        request.read()

        async def call() -> httpx.Response:
            response = await self._transport.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(
                response.status_code, headers=response.headers, content=content, request=request
            )

        return self._runner.run(call())

    def close(self) -> None:
        self._runner.close()
