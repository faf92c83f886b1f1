"""Reading a request body: JSON only, bounded in size, decoded without surprises.

Every way a body can be wrong maps to a documented 4xx before anything else looks at it:
a Content-Type other than JSON is a 415 (rule http.unsupported-media-type), a body over the cap a
413, and bytes that are not strict JSON a 400 `{"error": ...}` (discrepancy `error-shape-400`:
malformed bodies carry the single-message shape). Python's json module is lenient where a server
must not be: it accepts NaN and Infinity, turns 1e999 into inf, and recurses without bound.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request

from close_conformance.mock.errors import ApiError, bad_request
from close_conformance.mock.faults import FaultSet

__all__ = ["MAX_BODY_BYTES", "read_json", "read_optional_json"]

# Email bodies may reach 1 MiB of text (the spec's maxLength); 5 MiB leaves room for the rest.
MAX_BODY_BYTES = 5 * 1024 * 1024


class _NotJson(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotJson(f"number {text[:20]} is out of range")
    return value


def _has_lone_surrogate(value: Any) -> bool:
    """JSON can spell a lone surrogate (\\ud800) that no UTF-8 response could carry back."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _is_json_media_type(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json"


async def _read_capped(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, f"Request body is larger than {MAX_BODY_BYTES} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, f"Request body is larger than {MAX_BODY_BYTES} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, faults: FaultSet) -> Any:
    """The decoded JSON body of a POST or PUT, or an `ApiError` saying why there is none."""
    if not _is_json_media_type(request.headers.get("content-type")) and not faults.on("json-415-missing"):
        raise ApiError(415, "Unsupported media type: send the body as application/json.")
    raw = await _read_capped(request)
    if not raw.strip():
        raise bad_request("A JSON body is required.")
    return _decode(raw, faults)


async def read_optional_json(request: Request, faults: FaultSet) -> Any:
    """The decoded JSON body, or None when there is none: a method override's body may be absent
    (register `method-override-request`). A body that is there is held to `read_json`'s rules."""
    raw = await _read_capped(request)
    if not raw.strip():
        return None
    if not _is_json_media_type(request.headers.get("content-type")) and not faults.on("json-415-missing"):
        raise ApiError(415, "Unsupported media type: send the body as application/json.")
    return _decode(raw, faults)


def _decode(raw: bytes, faults: FaultSet) -> Any:
    if faults.on("server-error-on-malformed-json"):
        # The fault: no guard around the parser, so its exception escapes as a 500.
        return json.loads(raw)
    try:
        value = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as error:
        # ValueError covers JSONDecodeError, bad UTF-8/16/32, _NotJson and over-long integers.
        raise bad_request(f"Malformed JSON: {str(error)[:200]}") from None
    if _has_lone_surrogate(value):
        raise bad_request("Malformed JSON: a string holds an unpaired surrogate.")
    return value
