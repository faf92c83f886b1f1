"""Request checks compiled from specs/close.yaml: bodies, query parameters and path parameters.

The spec is the one source of the shapes the mock accepts, so a change to it changes the mock.
A few constraints of the spec are business rules whose faults must be able to bend them; those
are listed in `HANDLER_OWNED`, left out of schema validation, and enforced by the resource module
named next to them (with tests of their own).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from close_conformance.contract import HTTP_METHODS
from close_conformance.mock.errors import ValidationFailed
from close_conformance.mock.formats import format_checker

__all__ = ["HANDLER_OWNED", "SPEC_URI", "OperationShape", "Repeated", "SpecValidators"]

SPEC_URI = "urn:close-conformance:spec"

Repeated = Literal["gathered", "first", "last"]
"""What a list filter takes of repeated query keys (see `SpecValidators.query`)."""

# JSON pointers into the spec -> the module that enforces that constraint itself.
HANDLER_OWNED: Mapping[str, str] = {
    "/components/schemas/CreateLead/not": "leads.py: status and status_id are exclusive",
    "/components/schemas/UpdateLead/not": "leads.py: status and status_id are exclusive",
    "/components/schemas/CreateEmailActivity/allOf": "emails.py: sender and date_scheduled by status",
    "/components/schemas/EmailFields/properties/send_in/maximum": "emails.py: send_in below 60",
}

# No bound on digits: a huge `_skip` parses and then fails the spec's maximum as a 400 naming it,
# and Python's own cap on int() (4300 digits) is far beyond what a URL carries.
_INTEGER = re.compile(r"[+-]?[0-9]{1,4000}", re.ASCII)


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer(*tokens: str | int) -> str:
    return "".join(f"/{_escape(str(t))}" for t in tokens)


def _at(document: Any, pointer: str) -> Any:
    node = document
    for token in pointer.lstrip("/").split("/") if pointer else []:
        key = token.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: str
    required: bool
    schema_pointer: str
    type: str | None


@dataclass(frozen=True, slots=True)
class OperationShape:
    """What one operation takes, as pointers into the spec."""

    operation_id: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    body_pointer: str | None
    # `x-close-fields: true`: the operation takes `?_fields=a,b`, deliberately not declared as a
    # parameter (a projection no response schema can describe; see the spec's description).
    takes_fields: bool = False


class SpecValidators:
    """Validators for every operation of a spec, built once per app."""

    def __init__(self, spec: Mapping[str, Any], *, handler_owned: Iterable[str] = HANDLER_OWNED) -> None:
        self.spec: dict[str, Any] = copy.deepcopy(dict(spec))
        for pointer in handler_owned:
            parent_pointer, _, key = pointer.rpartition("/")
            parent = _at(self.spec, parent_pointer)
            if key not in parent:
                raise ValueError(f"HANDLER_OWNED names {pointer}, which the spec does not have")
            del parent[key]
        resource: Resource[Any] = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
        self._checker = format_checker()
        self._validators: dict[str, Draft202012Validator] = {}
        self.operations: dict[str, OperationShape] = {}
        for path, item in self.spec.get("paths", {}).items():
            for method in HTTP_METHODS:
                if method in item:
                    shape = self._shape(path, method, item)
                    self.operations[shape.operation_id] = shape

    # ---------------------------------------------------------------- compiling

    def resolve(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow `$ref`s (local ones, as the spec uses) to the node they name."""
        seen = 0
        while "$ref" in node and seen < 32:
            ref = str(node["$ref"])
            node = _at(self.spec, ref.removeprefix("#"))
            seen += 1
        return node

    def _shape(self, path: str, method: str, item: Mapping[str, Any]) -> OperationShape:
        operation = item[method]
        parameters: list[Parameter] = []
        declared = [
            (_pointer("paths", path, "parameters", i), p) for i, p in enumerate(item.get("parameters", []))
        ]
        declared += [
            (_pointer("paths", path, method, "parameters", i), p)
            for i, p in enumerate(operation.get("parameters", []))
        ]
        for pointer, raw in declared:
            if "$ref" in raw:
                pointer = str(raw["$ref"]).removeprefix("#")
            parameter = _at(self.spec, pointer)
            schema = self.resolve(parameter.get("schema", {}))
            parameters.append(
                Parameter(
                    name=parameter["name"],
                    location=parameter["in"],
                    required=bool(parameter.get("required")),
                    schema_pointer=f"{pointer}/schema",
                    type=_query_type(schema.get("type")),
                )
            )
        body_pointer = None
        if "requestBody" in operation:
            body_pointer = _pointer(
                "paths", path, method, "requestBody", "content", "application/json", "schema"
            )
        return OperationShape(
            operation_id=operation["operationId"],
            method=method.upper(),
            path=path,
            parameters=tuple(parameters),
            body_pointer=body_pointer,
            takes_fields=operation.get("x-close-fields") is True,
        )

    def _validator(self, pointer: str) -> Draft202012Validator:
        validator = self._validators.get(pointer)
        if validator is None:
            validator = Draft202012Validator(
                {"$ref": f"{SPEC_URI}#{pointer}"}, registry=self._registry, format_checker=self._checker
            )
            self._validators[pointer] = validator
        return validator

    def schema_errors(self, pointer: str, instance: Any) -> list[ValidationError]:
        """Every error of `instance` against the schema at `pointer` (a JSON pointer into the spec);
        the SDK validator checks responses and whole request bodies with it."""
        return list(self._validator(pointer).iter_errors(instance))

    # ---------------------------------------------------------------- checking

    def path_matches(self, operation_id: str, values: Mapping[str, str]) -> bool:
        """Whether path parameters fit their schemas; an id that cannot exist is a 404, not a 400."""
        shape = self.operations[operation_id]
        return all(
            self._validator(p.schema_pointer).is_valid(values.get(p.name))
            for p in shape.parameters
            if p.location == "path"
        )

    def query(
        self, operation_id: str, values: Mapping[str, str], *, repeated: Repeated = "gathered"
    ) -> dict[str, Any]:
        """The declared query parameters, typed and validated; unknown ones are ignored, as Close does.

        An array parameter (the email list's id filters) becomes a list of strings: each value is
        split at commas (`lead_id=a,b`, as the docs say) and repeated keys add up (`lead_id=a&lead_id=b`,
        OpenAPI's default for an array; discrepancy `email-list-id-filter-form`: "gathered").
        `repeated="first"` keeps only the first of repeated keys (that entry's other reading,
        "any": a Flask server's `request.args.get`), `"last"` only the last (a fault)."""
        shape = self.operations[operation_id]
        typed: dict[str, Any] = {}
        field_errors: dict[str, str] = {}
        for parameter in shape.parameters:
            if parameter.location != "query":
                continue
            raw = values.get(parameter.name)
            if raw is None:
                if parameter.required:
                    field_errors[parameter.name] = "This field is required."
                continue
            value: Any = raw
            if parameter.type == "array":
                given = _all_values(values, parameter.name)
                if repeated != "gathered":
                    given = given[:1] if repeated == "first" else given[-1:]
                value = [part.strip() for item in given for part in item.split(",") if part.strip()]
            if parameter.type == "integer":
                if not _INTEGER.fullmatch(raw):
                    field_errors[parameter.name] = "Input should be a valid integer."
                    continue
                value = int(raw)
            errors = list(self._validator(parameter.schema_pointer).iter_errors(value))
            if errors:
                field_errors[parameter.name] = _message(_deepest(errors))
                continue
            typed[parameter.name] = value
        if field_errors:
            raise ValidationFailed(field_errors)
        return typed

    def body(self, operation_id: str, instance: Any) -> None:
        """Raise a 400 naming every field of the body that breaks the operation's schema."""
        pointer = self.operations[operation_id].body_pointer
        if pointer is None:
            return
        field_errors: dict[str, str] = {}
        errors: list[str] = []
        for error in self._validator(pointer).iter_errors(instance):
            for field, message in _describe(error):
                if field:
                    field_errors.setdefault(field, message)
                else:
                    errors.append(message)
        if field_errors or errors:
            raise ValidationFailed(field_errors, errors)


def _query_type(declared: Any) -> str | None:
    """How a parameter's value is read: its type, or `array` for a list filter typed
    `[array, string]` (a comma list or repeated keys)."""
    if isinstance(declared, str):
        return declared
    return "array" if isinstance(declared, list) and "array" in declared else None


def _all_values(values: Mapping[str, str], name: str) -> list[str]:
    """Every value of a repeated query key (Starlette's QueryParams), else the one value."""
    getlist = getattr(values, "getlist", None)
    return [str(v) for v in getlist(name)] if callable(getlist) else [values[name]]


def _deepest(errors: list[ValidationError]) -> ValidationError:
    best: ValidationError = best_match(_informative(errors))
    while best.validator in ("anyOf", "oneOf") and best.context:
        best = best_match(_informative(best.context))
    return best


def _informative(errors: list[ValidationError]) -> list[ValidationError]:
    """Drop the "should be null" branch of a nullable field given a value: it says nothing about
    what was wrong with the value (a bad date-time read "Input should be of type null.")."""
    kept = [e for e in errors if not (e.validator == "type" and e.validator_value in ("null", ["null"]))]
    return kept or errors


def _field(error: ValidationError, *extra: str | int) -> str:
    return ".".join(str(part) for part in (*error.absolute_path, *extra))


def _describe(error: ValidationError) -> Iterator[tuple[str, str]]:
    """(field, message) pairs for one error; the field is "" for the body as a whole."""
    required: Any = error.validator_value
    if error.validator == "required" and isinstance(error.instance, dict):
        for name in required:
            if name not in error.instance:
                yield _field(error, name), "This field is required."
        return
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for name in error.instance:
            if name not in known:
                yield _field(error, name), "Unknown field."
        return
    if error.validator in ("anyOf", "oneOf") and error.context:
        yield _field(error), _message(_deepest(list(error.context)))
        return
    if not error.absolute_path and error.validator == "type":
        yield "", "The request body must be a JSON object."
        return
    yield _field(error), _message(error)


def _message(error: ValidationError) -> str:
    """A short message that never echoes the value (a 1 MiB body_text would come back whole)."""
    keyword: Any = error.validator
    expected: Any = error.validator_value
    match keyword:
        case "required":
            return "This field is required."
        case "type":
            kinds = expected if isinstance(expected, list) else [expected]
            return f"Input should be of type {' or '.join(str(k) for k in kinds)}."
        case "enum":
            return f"Input should be one of: {', '.join(repr(v) for v in expected)}."
        case "const":
            return f"Input should be {expected!r}."
        case "maxLength":
            return f"Ensure this value has at most {expected} characters."
        case "minLength":
            return f"Ensure this value has at least {expected} characters."
        case "maximum":
            return f"Input should be less than or equal to {expected}."
        case "minimum":
            return f"Input should be greater than or equal to {expected}."
        case "maxItems":
            return f"Ensure this list has at most {expected} items."
        case "pattern":
            return "Input does not have the expected form."
        case "format":
            return f"Enter a valid {expected}."
        case "additionalProperties":
            return "Unknown field."
        case _:
            return "Invalid value."
