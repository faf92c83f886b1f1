"""Rules every operation shares, checked narrowly (schemathesis' built-in checks enforce them
broadly in test_operations.py): an answer has the media type and body its operation documents
(response.documented-shape), a value past a documented bound is refused (request.validation), and
an object a create answered is readable by its id at once (resource.readable-after-create).

Expected statuses, media types, bounds and schemas are read from specs/close.yaml."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from jsonschema import FormatChecker
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from close_conformance import runtime
from close_conformance.client import CloseClient
from close_conformance.client import json_or_none as _json
from close_conformance.client import said as _said
from close_conformance.generated import References
from close_conformance.preconditions import expect_success
from close_conformance.runtime import RunContext
from close_conformance.target import Identity, Role

Api = Callable[[Role], CloseClient]
CONTRACT = runtime.current().contract
SPEC: Mapping[str, Any] = CONTRACT.spec
_URI = "urn:close-conformance:shapes"
_OFFSET = "(Z|[+-][0-9]{2}:[0-9]{2})$"
"""A timestamp's UTC offset, at its end. The spec's Timestamp leaves it optional (some of Close's
examples have none); where the register does not accept naive timestamps (`timestamp-offset`,
--strict) the schemas a read is judged by demand it."""


@functools.cache
def _registry(offset_demanded: bool) -> Registry[Any]:
    spec: dict[str, Any] = dict(SPEC)
    if offset_demanded:
        spec = copy.deepcopy(spec)
        schemas = spec["components"]["schemas"]
        schemas["Timestamp"] = {"allOf": [schemas["Timestamp"], {"pattern": _OFFSET}]}
    return Registry().with_resource(_URI, Resource.from_contents(spec, default_specification=DRAFT202012))


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _operation(operation_id: str) -> Mapping[str, Any]:
    method, path = CONTRACT.operations[operation_id]
    operation: Mapping[str, Any] = SPEC["paths"][path][method.lower()]
    return operation


def _response(operation_id: str, status: str) -> tuple[str, Mapping[str, Any]]:
    """The pointer to and the object of the operation's documented response for `status`."""
    method, path = CONTRACT.operations[operation_id]
    response = _operation(operation_id)["responses"][status]
    if "$ref" in response:
        pointer = str(response["$ref"]).removeprefix("#")
        node: Any = SPEC
        for token in pointer.lstrip("/").split("/"):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return pointer, node
    return "/" + "/".join(map(_escape, ("paths", path, method.lower(), "responses", status))), response


def _success(operation_id: str) -> str:
    """The one success status the spec documents for the operation."""
    [status] = [code for code in _operation(operation_id)["responses"] if code.startswith("2")]
    return str(status)


def _schema_errors(pointer: str, instance: Any) -> list[str]:
    """Why the spec's schema at `pointer` rejects `instance` (empty when it accepts it), at most five."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": f"{_URI}#{pointer}"}
    registry = _registry(not runtime.current().accepts("timestamp-offset", "naive"))
    validator = validator_for(schema)(schema, registry=registry, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}" for e in errors[:5]]


@dataclass(frozen=True)
class Own:
    """Objects of mine the reads aim at."""

    lead_id: str
    contact_id: str
    email_id: str


@pytest.fixture(scope="module")
def own(api: Api, references: References) -> Own:
    """The run's reference lead and contact (only read here, or given new contacts) and a draft."""
    email = api("me").post(
        "/activity/email/", {"lead_id": references.lead_id, "status": "draft", "subject": "shapes"}
    )
    return Own(
        references.lead_id,
        references.contact_id,
        expect_success(email, "POST /activity/email/ (a draft)")["id"],
    )


# --------------------------------------------------------------------------- response.documented-shape
READS = ["getMe", "getUser", "getLead", "getContact", "getEmail"]


def _read_path(operation_id: str, own: Own, me: Identity) -> str:
    ids = {
        "getUser": me.user_id,
        "getLead": own.lead_id,
        "getContact": own.contact_id,
        "getEmail": own.email_id,
    }
    path = CONTRACT.operations[operation_id][1]
    return path.replace("{id}", ids[operation_id]) if operation_id in ids else path


@pytest.mark.rule("response.documented-shape")
@pytest.mark.parametrize("operation_id", READS)
def test_a_read_answers_the_documented_media_type_and_schema(
    api: Api, own: Own, me: Identity, operation_id: str
) -> None:
    response = api("me").get(_read_path(operation_id, own, me))
    status = _success(operation_id)
    assert str(response.status_code) == status, (
        f"[response.documented-shape] {operation_id}: expected {status}, got {_said(response)}"
    )
    pointer, documented = _response(operation_id, status)
    media_types = sorted(documented.get("content", {}))
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    assert media_type in media_types, (
        f"[response.documented-shape] {operation_id}: Content-Type {media_type!r}, documented "
        f"{media_types}: {_said(response)}"
    )
    body = _json(response)
    errors = _schema_errors(f"{pointer}/content/{_escape(media_type)}/schema", body)
    assert not errors, (
        f"[response.documented-shape] {operation_id}: the body breaks the documented schema: "
        f"{'; '.join(errors)}: {_said(response)}"
    )


# --------------------------------------------------------------------------- request.validation
def _documented_max_lengths(schema_name: str) -> list[tuple[str, int]]:
    """(property, maxLength) of a request schema's string properties bounded by the docs: a
    constraint the spec marks `x-close-inferred` is ours, not Close's, and is left out."""
    properties: Mapping[str, Any] = SPEC["components"]["schemas"][schema_name].get("properties", {})
    return [
        (name, int(prop["maxLength"]))
        for name, prop in properties.items()
        if "maxLength" in prop and "x-close-inferred" not in prop
    ]


BOUNDED = _documented_max_lengths("CreateContact")


@pytest.mark.rule("request.validation")
@pytest.mark.parametrize(("field", "bound"), BOUNDED, ids=[name for name, _ in BOUNDED])
def test_a_contact_value_past_its_documented_length_is_refused(
    api: Api, own: Own, field: str, bound: int
) -> None:
    documented = _operation("createContact")["responses"]
    assert "400" in documented, "the spec documents no 400 for createContact"
    response = api("me").post("/contact/", {"lead_id": own.lead_id, field: "x" * (bound + 1)})
    assert response.status_code == 400, (
        f"[request.validation] POST /contact/ with a {field} of {bound + 1} characters (documented "
        f"maxLength {bound}): expected 400, got {_said(response)}"
    )


MALFORMED_LEAD_ID = "lead_not-an-id"
"""A lead id without the form of every id Close issues (`lead_` + 22 or 43 base62 characters)."""


@pytest.mark.rule("request.validation")
def test_a_body_id_without_its_form_is_refused(api: Api, close_context: RunContext) -> None:
    # Our spec types ids by their form (register id-format): such an id names no object, and a
    # server may answer it as a bad request or as the missing object it names.
    accepted = close_context.accepted("id-format")
    response = api("me").post("/contact/", {"lead_id": MALFORMED_LEAD_ID, "name": "Malformed Lead Id"})
    assert response.status_code in accepted, (
        f"[request.validation] POST /contact/ with lead_id {MALFORMED_LEAD_ID!r}: expected one of "
        f"{list(accepted)} (register id-format), got {_said(response)}"
    )


@pytest.mark.rule("request.validation")
@pytest.mark.parametrize("field", ["to", "cc", "bcc"])
def test_a_recipient_that_is_no_address_is_refused(
    api: Api, own: Own, close_context: RunContext, field: str
) -> None:
    # Our spec types recipients as addresses, narrowing Close's strings (register
    # email-recipient-format): a server may keep one that is not, by default; strict wants a 400.
    response = api("me").post(
        "/activity/email/",
        {"lead_id": own.lead_id, "status": "draft", "subject": "recipient form", field: ["no address"]},
    )
    if response.is_success and close_context.accepts("email-recipient-format", "accepted"):
        return
    statuses = [s for s in close_context.accepted("email-recipient-format") if isinstance(s, int)]
    assert response.status_code in statuses, (
        f"[request.validation] a draft with {field} ['no address']: expected one of {statuses} "
        f"(register email-recipient-format), got {_said(response)}"
    )


# --------------------------------------------------------------------------- resource.readable-after-create
CREATES = {
    "lead": ("createLead", "getLead", lambda own: {"name": "close-conformance read after create"}),
    "contact": ("createContact", "getContact", lambda own: {"lead_id": own.lead_id, "name": "Read Back"}),
    "email": (
        "createEmail",
        "getEmail",
        lambda own: {"lead_id": own.lead_id, "status": "draft", "subject": "read back"},
    ),
}


@pytest.mark.rule("resource.readable-after-create")
@pytest.mark.parametrize("kind", list(CREATES))
def test_a_created_object_is_readable_by_id_at_once(api: Api, own: Own, kind: str) -> None:
    # Exact on every target: the register lets reads lag deletes (read-after-delete-lag), not creates.
    create, read, payload = CREATES[kind]
    client = api("me")
    created = expect_success(client.post(CONTRACT.operations[create][1], payload(own)), f"{create} ({kind})")
    path = CONTRACT.operations[read][1].replace("{id}", str(created["id"]))
    response: httpx.Response = client.get(path)
    expected = _success(read)
    assert str(response.status_code) == expected, (
        f"[resource.readable-after-create] {kind} {created['id']} read right after its create: "
        f"expected {expected}, got {_said(response)}"
    )
    body = _json(response)
    assert isinstance(body, dict), f"[resource.readable-after-create] not a JSON object: {_said(response)}"
    assert body.get("id") == created["id"], (
        f"[resource.readable-after-create] GET {path} answered another object: {_said(response)}"
    )
