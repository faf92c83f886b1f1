"""What the contract's schemas say about fields: which a body may carry, which only answers carry.

Close's spec and ours mark no field `readOnly`, so the fields a client must never send are derived
from the contract itself: the properties of an operation's success answer (an object with an `id`:
the resource) that its request body schema does not declare. For `PUT /activity/email/{id}/` that
is `lead_id`, `organization_id`, `created_by`, `date_created` and the rest of the answer's
server-set fields, which is what the docs say of the update body (facts 2.5: "the create fields
minus lead_id, organization_id, created_by and date_created"); for a lead or contact update, the
`id`, `organization_id`, `date_*` and `*_by` fields of the object a client has just read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from close_conformance.contract import HTTP_METHODS

__all__ = ["escape", "properties", "resolve", "response_only_fields", "success_schema"]


def escape(*tokens: str) -> str:
    """A JSON pointer from raw tokens."""
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def _at(spec: Mapping[str, Any], ref: str) -> Any:
    node: Any = spec
    for token in ref.removeprefix("#").lstrip("/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def resolve(spec: Mapping[str, Any], node: Any) -> Any:
    """Follow local `$ref`s to the node they name."""
    for _ in range(32):
        if not (isinstance(node, Mapping) and "$ref" in node):
            return node
        node = _at(spec, str(node["$ref"]))
    raise ValueError("a $ref chain longer than 32")


def properties(spec: Mapping[str, Any], node: Any) -> set[str]:
    """Every property name a schema declares, through $ref, allOf, anyOf and oneOf."""
    node = resolve(spec, node)
    if not isinstance(node, Mapping):
        return set()
    names = set(node.get("properties", {}))
    for key in ("allOf", "anyOf", "oneOf"):
        for part in node.get(key, []):
            names |= properties(spec, part)
    return names


def success_schema(spec: Mapping[str, Any], operation: Mapping[str, Any]) -> Any | None:
    """The JSON schema of the operation's first documented 2xx answer, if it has one."""
    for status in sorted(operation.get("responses", {})):
        if status.startswith("2"):
            response = resolve(spec, operation["responses"][status])
            return response.get("content", {}).get("application/json", {}).get("schema")
    return None


def response_only_fields(spec: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """operationId -> the fields its body must not carry (see the module's docstring)."""
    found: dict[str, frozenset[str]] = {}
    for item in spec.get("paths", {}).values():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not operation or "requestBody" not in operation:
                continue
            answer = success_schema(spec, operation)
            answered = properties(spec, answer) if answer is not None else set()
            if "id" not in answered:
                continue  # not a resource (a list, an empty object): nothing to derive
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            found[operation["operationId"]] = frozenset(answered - properties(spec, body))
    return found
