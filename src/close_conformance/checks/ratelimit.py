"""Rule checks on 429 answers: the RateLimit/retry-after headers and the (deprecated) body."""

from __future__ import annotations

import math
import re
from typing import Any

from close_conformance import runtime
from close_conformance.checks.base import NO_JSON, Exchange, RuleViolation, Viewpoint, rule_check

# --------------------------------------------------------------------------- rate limiting
_RATELIMIT = {
    "comma": re.compile(r"^limit=\d+, remaining=\d+, reset=(\d+(?:\.\d+)?)$"),
    "semicolon": re.compile(r"^limit=\d+; ?remaining=\d+; ?reset=(\d+(?:\.\d+)?)$"),
}


@rule_check("ratelimit_conformance", "ratelimit.headers")
def ratelimit_conformance(exchange: Exchange, _: Viewpoint) -> None:
    if exchange.status != 429:
        return
    header = exchange.header("RateLimit")
    retry_after = exchange.header("Retry-After")
    if header is None or retry_after is None:
        raise RuleViolation(
            "ratelimit.headers", f"429 without RateLimit ({header!r}) or retry-after ({retry_after!r})"
        )
    forms = [f for f in runtime.current().accepted("ratelimit-header-format") if isinstance(f, str)]
    match = next((m for m in (_RATELIMIT[f].match(header.strip()) for f in forms) if m), None)
    if match is None:
        raise RuleViolation(
            "ratelimit.headers", f"RateLimit {header!r} is not `limit=N, remaining=N, reset=S`"
        )
    if not retry_after.strip().isdigit() or int(retry_after) != math.ceil(float(match.group(1))):
        raise RuleViolation(
            "ratelimit.headers", f"retry-after {retry_after!r} is not reset={match.group(1)} rounded up"
        )


def ratelimit_body_shape(body: Any) -> str | None:
    """Which reading of `ratelimit-body` a 429 body is: body-fields, headers-only, no-body (not
    JSON at all, as an ingress answers), or None for a JSON body of neither shape."""
    if body is NO_JSON or body is None:
        return "no-body"
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, str) and error:
        return "headers-only"
    if (
        isinstance(error, dict)
        and isinstance(error.get("message"), str)
        and isinstance(error.get("rate_reset"), int | float)
        and not isinstance(error.get("rate_reset"), bool)
    ):
        return "body-fields"
    return None


@rule_check("ratelimit_body_conformance", "ratelimit.body")
def ratelimit_body_conformance(exchange: Exchange, _: Viewpoint) -> None:
    if exchange.status != 429:
        return
    shape = ratelimit_body_shape(exchange.body)
    if shape is None or not runtime.current().accepts("ratelimit-body", shape):
        raise RuleViolation(
            "ratelimit.body",
            f"a 429 body is {{'error': message}} or {{'error': {{'message', 'rate_reset', ...}}}} "
            f"(accepted: {runtime.current().accepted('ratelimit-body')}): {exchange.raw[:200]!r}",
        )
    header = exchange.header("RateLimit") or ""
    reset = re.search(r"reset=(\d+(?:\.\d+)?)", header)
    if shape == "body-fields" and reset is not None:
        rate_reset = float(exchange.body["error"]["rate_reset"])
        # Both are the same instant; the header is written with millisecond precision.
        if abs(rate_reset - float(reset.group(1))) > 0.001:
            raise RuleViolation(
                "ratelimit.body",
                f"body rate_reset {rate_reset} is not the RateLimit header's reset={reset.group(1)}",
            )
