"""Client behaviour across exchanges (sdk/behaviour.py), on exchanges built by hand with their
times, so no test sleeps."""

from __future__ import annotations

import pytest

from close_conformance.sdk.behaviour import BehaviourChecker, wait_after
from close_conformance.sdk.exchange import Exchange, Received, Sent

from .conftest import basic

pytestmark = pytest.mark.selftest

URL = "https://api.close.com/api/v1/lead/"


def exchange(
    method: str, at: float, received: Received | None, *, key: str = "api_me", body: bytes = b""
) -> Exchange:
    return Exchange(Sent.of(method, URL, [basic(key)], body), received, at, at + 0.001)


def limited(reset: str = "0.870", retry_after: str | None = "1") -> Received:
    headers = [("RateLimit", f"limit=20, remaining=0, reset={reset}")]
    if retry_after is not None:
        headers.append(("retry-after", retry_after))
    return Received.of(429, headers)


OK = Received.of(200)


def test_the_wait_is_the_decimal_reset_else_retry_after():
    assert wait_after(limited("0.870")) == 0.870
    assert wait_after(Received.of(429, [("retry-after", "2")])) == 2.0
    assert wait_after(Received.of(429, [("RateLimit", "limit=20; remaining=0; reset=1.5")])) == 1.5
    assert wait_after(Received.of(429)) is None


@pytest.mark.rule("client.ratelimit-wait")
def test_a_request_before_the_reset_is_a_violation_after_it_is_not():
    checker = BehaviourChecker()
    assert checker.check(exchange("GET", 10.0, limited("0.870")), "listLeads") == []
    [early] = checker.check(exchange("GET", 10.1, OK), "listLeads")
    assert early.rule == "client.ratelimit-wait"
    assert "0.77" in early.observed
    # Waiting the reset out is fine; another client (key) was never blocked.
    assert checker.check(exchange("GET", 10.9, OK), "listLeads") == []
    blocked = BehaviourChecker()
    blocked.check(exchange("GET", 10.0, limited()), "listLeads")
    assert blocked.check(exchange("GET", 10.2, OK, key="api_peer"), "listLeads") == []


@pytest.mark.rule("client.no-blind-post-retry")
def test_a_post_sent_again_after_no_answer_needs_a_read_first():
    checker = BehaviourChecker()
    assert checker.check(exchange("POST", 1.0, None, body=b'{"name":"A"}'), "createLead") == []
    [blind] = checker.check(exchange("POST", 2.0, OK, body=b'{"name":"A"}'), "createLead")
    assert blind.rule == "client.no-blind-post-retry"
    # After a read, the same POST is the client's informed choice.
    checker.check(exchange("POST", 3.0, None, body=b'{"name":"B"}'), "createLead")
    checker.check(exchange("GET", 4.0, OK), "listLeads")
    assert checker.check(exchange("POST", 5.0, OK, body=b'{"name":"B"}'), "createLead") == []
    # A different POST is not a retry; an answered one may be repeated.
    checker.check(exchange("POST", 6.0, None, body=b'{"name":"C"}'), "createLead")
    assert checker.check(exchange("POST", 7.0, OK, body=b'{"name":"D"}'), "createLead") == []
    assert checker.check(exchange("POST", 8.0, OK, body=b'{"name":"D"}'), "createLead") == []


@pytest.mark.rule("client.ratelimit-wait")
def test_requests_already_in_flight_and_other_endpoints_are_not_held_to_the_wait():
    # Concurrent requests of one client: sent before the 429 came back, they could not wait for it.
    checker = BehaviourChecker()
    in_flight = Exchange(Sent.of("GET", URL, [basic("api_me")]), OK, 9.99, 10.2)
    assert checker.check(exchange("GET", 10.0, limited("0.870")), "listLeads") == []
    assert checker.check(in_flight, "listLeads") == []
    # "pause ... before calling that endpoint again" (rate-limits page): limits are per endpoint
    # group, so another endpoint may be called at once.
    me = Exchange(Sent.of("GET", "https://api.close.com/api/v1/me/", [basic("api_me")]), OK, 10.1, 10.2)
    assert checker.check(me, "getMe") == []
    # The same endpoint, sent after the 429 came back, is still early.
    [early] = checker.check(exchange("GET", 10.1, OK), "listLeads")
    assert early.rule == "client.ratelimit-wait"


@pytest.mark.rule("client.no-blind-post-retry")
def test_the_same_post_is_the_same_json_whatever_its_key_order_or_spacing():
    checker = BehaviourChecker()
    checker.check(exchange("POST", 1.0, None, body=b'{"name": "A", "title": "x"}'), "createContact")
    [blind] = checker.check(exchange("POST", 2.0, OK, body=b'{"title":"x","name":"A"}'), "createContact")
    assert blind.rule == "client.no-blind-post-retry"
