"""Consistency checks of the contract in specs/: each returns a list of problems, empty when sound.

The self-tests run them on the real contract and on deliberately broken copies, so a check that
cannot fail is caught too. `close-conformance lint` (or `python -m close_conformance.lint`) prints
the problems of specs/.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema.validators import validator_for
from openapi_spec_validator import validate as validate_openapi
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from close_conformance.contract import HTTP_METHODS, Contract, Rule
from close_conformance.drift.register import key_problems

__all__ = [
    "lint_all",
    "lint_changelog",
    "lint_drift_keys",
    "lint_examples",
    "lint_links",
    "lint_rules",
    "lint_spec",
]

SOURCE_KINDS = ("seed", "doc", "changelog", "facts")
SEED_NAME = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")
RULE_ID = re.compile(r"^[a-z_]+(\.[a-z0-9_-]+)+$")
# Status codes every operation documents (403: the docs' HTTP response codes page lists it for any
# request, and the register admits it for refusals), and those an operation with a body adds.
REQUIRED_STATUSES = {"400", "401", "403", "404", "405", "429"}
BODY_STATUSES = {"413", "415"}
LINK_EXPRESSION = re.compile(
    r"^\$(response\.body#/[^ ]*|request\.path\.[A-Za-z_]+|request\.query\.[A-Za-z_]+)$"
)


def _operations(spec: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any], Mapping[str, Any]]]:
    for path, item in spec.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item, item[method]


def lint_spec(spec: Mapping[str, Any]) -> list[str]:
    """The spec is valid OpenAPI 3.1 and documents the error statuses every operation can get."""
    problems: list[str] = []
    try:
        validate_openapi(dict(spec))
    except OpenAPIValidationError as error:
        problems.append(f"not valid OpenAPI: {error.message}")
    seen_ids: set[str] = set()
    for path, method, _item, operation in _operations(spec):
        label = f"{method.upper()} {path}"
        operation_id = operation.get("operationId")
        if not operation_id:
            problems.append(f"{label}: no operationId")
        elif operation_id in seen_ids:
            problems.append(f"{label}: duplicate operationId {operation_id}")
        seen_ids.add(operation_id or "")
        if not path.endswith("/"):
            problems.append(f"{label}: Close paths end with a slash")
        statuses = set(operation.get("responses", {}))
        expected = REQUIRED_STATUSES | (BODY_STATUSES if "requestBody" in operation else set())
        for missing in sorted(expected - statuses):
            problems.append(f"{label}: response {missing} not documented")
    return problems


def _resolve(spec: Mapping[str, Any], node: Any) -> Any:
    """Follow a local $ref (one level is all the spec uses for responses and parameters)."""
    if isinstance(node, Mapping) and "$ref" in node:
        target: Any = spec
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        return target
    return node


def _operation_parameters(
    spec: Mapping[str, Any], item: Mapping[str, Any], op: Mapping[str, Any]
) -> set[str]:
    names = set()
    for parameter in [*item.get("parameters", []), *op.get("parameters", [])]:
        names.add(_resolve(spec, parameter)["name"])
    return names


def lint_links(spec: Mapping[str, Any]) -> list[str]:
    """Every link targets an existing operation and parameters it has, with a runtime expression
    we know, and no link starts at a list (stateful runs must only touch what they created)."""
    problems: list[str] = []
    by_id = {
        op["operationId"]: (path, item, op) for path, _m, item, op in _operations(spec) if "operationId" in op
    }
    for path, method, _item, operation in _operations(spec):
        for status, response in operation.get("responses", {}).items():
            response = _resolve(spec, response)
            for name, link in response.get("links", {}).items():
                where = f"{method.upper()} {path} {status} link {name}"
                target_id = link.get("operationId")
                if target_id not in by_id:
                    problems.append(f"{where}: no operation {target_id!r}")
                    continue
                _target_path, target_item, target_op = by_id[target_id]
                known = _operation_parameters(spec, target_item, target_op)
                for parameter, expression in link.get("parameters", {}).items():
                    if parameter not in known:
                        problems.append(f"{where}: {target_id} has no parameter {parameter!r}")
                    if not LINK_EXPRESSION.match(str(expression)):
                        problems.append(f"{where}: unknown expression {expression!r}")
                body = link.get("requestBody")
                if body is not None and "requestBody" not in target_op:
                    problems.append(f"{where}: {target_id} takes no request body")
                if method == "get" and str(operation.get("operationId", "")).startswith("list"):
                    problems.append(f"{where}: links from a list would touch data the run did not create")
    return problems


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _validate_example(spec: Mapping[str, Any], pointer: str, example: Any, where: str) -> list[str]:
    """Validate against the schema found at `pointer` inside the spec, so its local $refs resolve."""
    resource: Resource[Any] = Resource.from_contents(dict(spec), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:close-spec", resource)
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": "urn:close-spec" + pointer}
    validator = validator_for(schema)(schema, registry=registry, format_checker=jsonschema.FormatChecker())
    return [f"{where}: example invalid: {error.message}" for error in validator.iter_errors(example)]


def lint_examples(spec: Mapping[str, Any]) -> list[str]:
    """Every example in the spec validates against its schema."""
    problems: list[str] = []
    for path, method, _item, operation in _operations(spec):
        label = f"{method.upper()} {path}"
        for media, content in operation.get("requestBody", {}).get("content", {}).items():
            if "example" in content:
                pointer = _pointer("paths", path, method, "requestBody", "content", media, "schema")
                problems += _validate_example(spec, pointer, content["example"], f"{label} request {media}")
        for status, response in operation.get("responses", {}).items():
            if "$ref" in response:
                base = tuple(str(response["$ref"]).removeprefix("#/").split("/"))
            else:
                base = ("paths", path, method, "responses", status)
            for media, content in _resolve(spec, response).get("content", {}).items():
                if "example" in content:
                    pointer = _pointer(*base, "content", media, "schema")
                    problems += _validate_example(
                        spec, pointer, content["example"], f"{label} {status} {media}"
                    )
    return problems


def _source_problems(rule_id: str, source: str, seeds: Path | None) -> list[str]:
    kind, _, value = source.partition(":")
    if kind not in SOURCE_KINDS or not value:
        return [f"rule {rule_id}: source {source!r} is not one of {', '.join(k + ':' for k in SOURCE_KINDS)}"]
    if kind == "seed":
        if not SEED_NAME.match(value):
            return [f"rule {rule_id}: seed {value!r} is not a seed file name"]
        if seeds is not None and seeds.is_dir() and not (seeds / value).is_file():
            return [f"rule {rule_id}: seed {value!r} not found in {seeds}"]
    if kind == "doc" and not value.startswith("https://developer.close.com/"):
        return [f"rule {rule_id}: doc source {value!r} is not a developer.close.com page"]
    return []


def lint_rules(contract: Contract, *, seeds: Path | None = None) -> list[str]:
    """Every rule has a statement in MUST wording, a source, a basis, existing operations and
    existing discrepancies; inferred rules say what from."""
    problems: list[str] = []
    for rule in contract.rules.values():
        if not RULE_ID.match(rule.id):
            problems.append(f"rule {rule.id}: id is not <area>.<behaviour>")
        if "MUST" not in rule.statement:
            problems.append(f"rule {rule.id}: statement has no MUST")
        if not rule.sources:
            problems.append(f"rule {rule.id}: no source")
        for source in rule.sources:
            problems += _source_problems(rule.id, source, seeds)
        if rule.basis not in ("documented", "inferred"):
            problems.append(f"rule {rule.id}: basis must be documented or inferred, not {rule.basis!r}")
        if rule.basis == "inferred" and not rule.inferred_from:
            problems.append(f"rule {rule.id}: inferred but does not say from what")
        if not rule.operations:
            problems.append(f"rule {rule.id}: names no operation")
        for operation_id in rule.operations:
            if operation_id != "*" and operation_id not in contract.operations:
                problems.append(f"rule {rule.id}: no operation {operation_id!r} in close.yaml")
        for discrepancy in rule.discrepancies:
            if discrepancy not in contract.discrepancies:
                problems.append(f"rule {rule.id}: no discrepancy {discrepancy!r} in the register")
        problems += _side_problems(rule)
    for _path, _method, _item, operation in _operations(contract.spec):
        named = operation.get("x-discrepancy", [])
        for discrepancy in [named] if isinstance(named, str) else named:
            if discrepancy not in contract.discrepancies:
                problems.append(
                    f"{operation.get('operationId')}: x-discrepancy {discrepancy!r} not in the register"
                )
    for entry in contract.discrepancies.values():
        if not entry.sources:
            problems.append(f"discrepancy {entry.id}: no source")
        if not entry.default or not entry.strict:
            problems.append(f"discrepancy {entry.id}: needs a default and a strict reading")
        if not set(entry.strict) <= set(entry.default):
            problems.append(f"discrepancy {entry.id}: strict must be a narrowing of the default")
    return problems


def _side_problems(rule: Rule) -> list[str]:
    """A server rule is proved by mock faults (tests/selftest/mock/test_faults.py checks them); a
    client rule cannot be broken by the mock, so it must name planted client bugs instead
    (close_conformance.sdk.client_bugs), each breaking that rule."""
    from close_conformance.sdk.client_bugs import CLIENT_BUGS

    if rule.side not in ("server", "client"):
        return [f"rule {rule.id}: side must be server or client, not {rule.side!r}"]
    if rule.side == "server":
        return [f"rule {rule.id}: a server rule names client bugs"] if rule.client_bugs else []
    problems = [f"rule {rule.id}: a client rule cannot have a mock fault"] if rule.faults else []
    if not rule.client_bugs:
        problems.append(f"rule {rule.id}: a client rule needs a planted client bug (client_bugs)")
    for bug in rule.client_bugs:
        if bug not in CLIENT_BUGS:
            problems.append(f"rule {rule.id}: no client bug {bug!r} in close_conformance.sdk.client_bugs")
        elif CLIENT_BUGS[bug].rule != rule.id:
            problems.append(f"rule {rule.id}: client bug {bug} breaks {CLIENT_BUGS[bug].rule}")
    return problems


def lint_changelog(contract: Contract) -> list[str]:
    """Every changelog entry names existing rules, newest first."""
    problems: list[str] = []
    for entry in contract.changelog:
        if not entry.rules:
            problems.append(f"changelog {entry.date}: names no rule")
        for rule in entry.rules:
            if rule not in contract.rules:
                problems.append(f"changelog {entry.date}: no rule {rule!r}")
    dates = [entry.date for entry in contract.changelog]
    if dates != sorted(dates, reverse=True):
        problems.append("changelog: entries are not newest first")
    return problems


def lint_drift_keys(contract: Contract) -> list[str]:
    """Every register `drift:` key follows the finding-key grammar and is narrow (drift/register.py)."""
    problems: list[str] = []
    for entry in contract.discrepancies.values():
        for key in entry.drift:
            problems += [f"discrepancy {entry.id}: drift {problem}" for problem in key_problems(key)]
        if len(set(entry.drift)) != len(entry.drift):
            problems.append(f"discrepancy {entry.id}: drift lists a key twice")
    return problems


def lint_all(contract: Contract, *, seeds: Path | None = None) -> list[str]:
    return [
        *lint_spec(contract.spec),
        *lint_links(contract.spec),
        *lint_examples(contract.spec),
        *lint_rules(contract, seeds=seeds),
        *lint_changelog(contract),
        *lint_drift_keys(contract),
    ]


def main() -> int:
    """`python -m close_conformance.lint`: the same as `close-conformance lint`."""
    from close_conformance.cli import main as cli_main

    return cli_main(["lint", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
