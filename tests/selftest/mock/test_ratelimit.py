"""Rule ratelimit.headers: `--rate-limit N` answers 429 past N requests per second per credential,
with `RateLimit: limit=, remaining=, reset=` and `retry-after` = reset rounded up."""

from __future__ import annotations

import math
import re

import pytest

from close_conformance.mock import create_app

RATELIMIT = re.compile(r"^limit=(\d+), remaining=(\d+), reset=(\d+(?:\.\d+)?)$")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def limited(make_mock, clock):
    return make_mock(rate_limit=3, clock=clock)


@pytest.mark.rule("ratelimit.headers")
def test_every_answer_carries_the_ratelimit_header(limited, clock):
    remaining = []
    for step in range(3):
        clock.now += 0.1
        response = limited.me.get("/me/")
        assert response.status_code == 200
        limit, left, reset = RATELIMIT.match(response.headers["RateLimit"]).groups()
        assert int(limit) == 3
        assert float(reset) == pytest.approx(1.0 - 0.1 * step, abs=1e-3)
        remaining.append(int(left))
    assert remaining == [2, 1, 0]


@pytest.mark.rule("ratelimit.headers")
def test_past_the_limit_429_with_ratelimit_and_retry_after(limited, clock):
    for _ in range(3):
        assert limited.me.get("/me/").status_code == 200
    clock.now += 0.25
    response = limited.me.get("/me/")
    assert response.status_code == 429
    assert set(response.json()) == {"error"}
    limit, left, reset = RATELIMIT.match(response.headers["RateLimit"]).groups()
    assert (int(limit), int(left), float(reset)) == (3, 0, 0.75)
    assert response.headers["retry-after"] == str(math.ceil(float(reset))) == "1"


@pytest.mark.rule("ratelimit.headers")
def test_the_window_resets_after_a_second(limited, clock):
    for _ in range(4):
        limited.me.get("/me/")
    clock.now += 1.0
    assert limited.me.get("/me/").status_code == 200


@pytest.mark.rule("ratelimit.headers")
def test_limits_count_per_credential(limited):
    for _ in range(4):
        limited.me.get("/me/")
    assert limited.me.get("/me/").status_code == 429
    assert limited.peer.get("/me/").status_code == 200
    # The same user's OAuth token is another credential with its own window.
    assert limited.client("me", bearer=True).get("/me/").status_code == 200


@pytest.mark.rule("ratelimit.headers")
def test_requests_without_valid_credentials_are_not_counted(limited):
    for _ in range(5):
        assert limited.anonymous.get("/me/").status_code == 401
    assert limited.me.get("/me/").status_code == 200


@pytest.mark.rule("ratelimit.headers")
def test_errors_carry_the_header_too(limited):
    response = limited.me.get("/contact/", params={"_limit": 500})
    assert response.status_code == 400
    assert RATELIMIT.match(response.headers["RateLimit"])


@pytest.mark.rule("ratelimit.headers")
def test_without_a_limit_there_is_no_header(mock):
    for _ in range(50):
        response = mock.me.get("/me/")
        assert response.status_code == 200
        assert "RateLimit" not in response.headers


@pytest.mark.rule("ratelimit.headers")
@pytest.mark.parametrize("limit", [0, 0.5, -1])
def test_a_limit_below_one_is_refused(limit):
    with pytest.raises(ValueError, match="at least one request"):
        create_app(rate_limit=limit)


# ---------------------------------------------------------------- ratelimit.body (register ratelimit-body)
def _limited_429(mock, clock):
    for _ in range(3):
        assert mock.me.get("/me/").status_code == 200
    clock.now += 0.25
    response = mock.me.get("/me/")
    assert response.status_code == 429
    return response


@pytest.mark.rule("ratelimit.body")
def test_the_429_body_keeps_the_deprecated_fields_by_default(limited, clock):
    response = _limited_429(limited, clock)
    error = response.json()["error"]
    reset = float(RATELIMIT.match(response.headers["RateLimit"]).group(3))
    assert error["rate_reset"] == pytest.approx(reset, abs=1e-3) == 0.75
    assert (error["rate_limit"], error["rate_window"], error["rate_limit_type"]) == (3, 1, "key")
    assert error["message"]


@pytest.mark.rule("ratelimit.body")
def test_under_strict_the_429_body_is_the_plain_error(make_mock, clock):
    response = _limited_429(make_mock(rate_limit=3, clock=clock, strict=True), clock)
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"], str)
    assert body["error"]


@pytest.mark.rule("ratelimit.body")
def test_fault_gives_rate_reset_in_milliseconds(make_mock, clock):
    mock = make_mock(rate_limit=3, clock=clock, faults=["ratelimit-body-reset-in-milliseconds"])
    assert _limited_429(mock, clock).json()["error"]["rate_reset"] == pytest.approx(750)
