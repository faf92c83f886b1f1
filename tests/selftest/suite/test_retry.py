"""429 is honoured: wait what the server says, a bounded number of times."""

from __future__ import annotations

import httpx
import pytest

from close_conformance.retry import MAX_WAIT, RateLimitedTransport, retry_delay

pytestmark = pytest.mark.selftest


@pytest.mark.parametrize(
    ("headers", "delay"),
    [
        ({"RateLimit": "limit=20, remaining=0, reset=0.25", "retry-after": "1"}, 0.25),
        ({"ratelimit": "limit=100; remaining=0; reset=2"}, 2.0),
        ({"Retry-After": "3"}, 3.0),
        ({"RateLimit-Reset": "1.5"}, 1.5),
        ({}, 1.0),
        ({"retry-after": "86400"}, MAX_WAIT),
        ({"RateLimit": "limit=1, remaining=0, reset=0"}, 0.05),
    ],
)
def test_retry_delay(headers: dict[str, str], delay: float) -> None:
    assert retry_delay(headers) == delay


def test_transport_waits_and_resends_with_the_same_body() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        if len(seen) < 3:
            return httpx.Response(
                429, headers={"RateLimit": "limit=1, remaining=0, reset=0.5", "retry-after": "1"}
            )
        return httpx.Response(200, json={"ok": True})

    waits: list[float] = []
    transport = RateLimitedTransport(httpx.MockTransport(handler), sleep=waits.append)
    with httpx.Client(transport=transport) as client:
        response = client.post("http://x/contact/", json={"name": "A"})
    assert response.status_code == 200
    assert waits == [0.5, 0.5]
    assert seen == [b'{"name":"A"}'] * 3


def test_transport_gives_up_after_the_bound() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(429, headers={"retry-after": "1"})

    transport = RateLimitedTransport(httpx.MockTransport(handler), max_retries=2, sleep=lambda _: None)
    with httpx.Client(transport=transport) as client:
        assert client.get("http://x/me/").status_code == 429
    assert calls == 3
