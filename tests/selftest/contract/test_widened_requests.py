"""specs/close.yaml accepts what Close's published schema accepts for contacts and emails (issue
10): Close's own request examples (specs/upstream/), what a contact GET returns sent back, naive
date filters, comma-separated id lists and custom field keys. Each case is validated with the
mock's own format checker, so "valid" means what the mock will take.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from close_conformance.contract import Contract, specs_dir
from close_conformance.mock.formats import format_checker

pytestmark = pytest.mark.selftest

UPSTREAM = specs_dir() / "upstream"


def validator(contract: Contract, pointer: str) -> Draft202012Validator:
    resource = Resource.from_contents(dict(contract.spec), default_specification=DRAFT202012)
    return Draft202012Validator(
        {"$ref": f"urn:spec#{pointer}"},
        registry=Registry().with_resource("urn:spec", resource),
        format_checker=format_checker(),
    )


def body_schema(contract: Contract, path: str, method: str) -> Draft202012Validator:
    escaped = path.replace("~", "~0").replace("/", "~1")
    return validator(contract, f"/paths/{escaped}/{method}/requestBody/content/application~1json/schema")


def parameter(contract: Contract, path: str, method: str, name: str) -> Draft202012Validator:
    parameters = contract.spec["paths"][path][method]["parameters"]
    for index, item in enumerate(parameters):
        resolved = item
        if "$ref" in item:
            resolved = contract.spec["components"]["parameters"][item["$ref"].rsplit("/", 1)[1]]
        if resolved["name"] == name:
            escaped = path.replace("~", "~0").replace("/", "~1")
            if "$ref" in item:
                return validator(contract, item["$ref"].removeprefix("#") + "/schema")
            return validator(contract, f"/paths/{escaped}/{method}/parameters/{index}/schema")
    raise AssertionError(f"{method.upper()} {path} declares no {name}")


def upstream_examples(filename: str) -> list[tuple[str, str, Any]]:
    spec = yaml.safe_load((UPSTREAM / filename).read_text(encoding="utf-8"))
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            example = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "example" in example:
                found.append((path, method, example["example"]))
    return found


CASES = upstream_examples("close-contacts-api-openapi.yml") + upstream_examples(
    "close-activities-emails-api-openapi.yml"
)


@pytest.mark.parametrize(("path", "method", "example"), CASES, ids=[f"{m} {p}" for p, m, _ in CASES])
def test_closes_own_request_examples_are_valid(
    contract: Contract, path: str, method: str, example: Any
) -> None:
    errors = [e.message for e in body_schema(contract, path, method).iter_errors(example)]
    assert errors == []


def test_a_contact_as_get_returns_it_can_be_put_back(contract: Contract) -> None:
    contacts = yaml.safe_load((UPSTREAM / "close-contacts-api-openapi.yml").read_text(encoding="utf-8"))
    returned = contacts["paths"]["/contact/{id}/"]["get"]["responses"]["200"]["content"]["application/json"]
    got = returned["example"]
    body = {key: got[key] for key in ("name", "title", "emails", "phones")}
    body["phones"] = [
        *body["phones"],
        {
            "phone": "+16503334444",
            "country": "US",
            "phone_formatted": "+1 650-333-4444",
            "type": "office",
            "outbound_sms_blocked": False,
            "tz_ids": ["America/Los_Angeles"],
        },
    ]
    assert list(body_schema(contract, "/contact/{id}/", "put").iter_errors(body)) == []
    assert list(body_schema(contract, "/contact/", "post").iter_errors(body)) == []


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"emails": None, "phones": None, "urls": None, "timezone": "Europe/Paris"}, True),
        ({"custom.cf_j0P7kHmgFTZZnYBFtyPSZ3uQw4dpW8xKcW7Krps8atj": "Account Executive"}, True),
        ({"custom.cf_abc.add": "Wednesday"}, True),
        ({"custom.cf_abc": {"nested": 1}}, False),
        ({"nickname": "x"}, False),
    ],
)
def test_contact_bodies_top_level(contract: Contract, body: dict[str, Any], valid: bool) -> None:
    for path, method in (("/contact/", "post"), ("/contact/{id}/", "put")):
        assert body_schema(contract, path, method).is_valid(body) is valid


@pytest.mark.parametrize(
    ("name", "value", "valid"),
    [
        ("date_created__gt", "2026-01-01T00:00:00", True),
        ("date_created__gt", "2026-01-01T00:00:00.123456", True),
        ("activity_at__lte", "2024-02-29T23:59:59", True),
        ("activity_at__lte", "2026-01-01", True),
        ("activity_at__lte", "2026-01-01T00:00:00-04:00", True),
        ("activity_at__lte", "2025-02-29T00:00:00", False),
        ("activity_at__lte", "2026-04-31T00:00:00", False),
        ("activity_at__lte", "2026-01-01T24:00:00", False),
        ("activity_at__lte", "0000-01-01T00:00:00", False),
        ("lead_id", ["lead_a", "lead_b"], True),
        ("lead_id", "lead_a,lead_b", True),  # what the wire carries; the mock splits it
        ("contact_id", ["anything"], True),
        ("X-TZ-Offset", "-2.5", True),
        ("X-TZ-Offset", "+14", True),
        ("X-TZ-Offset", "15", False),
        ("X-TZ-Offset", "-04:00", False),
    ],
)
def test_email_list_parameters(contract: Contract, name: str, value: str, valid: bool) -> None:
    assert parameter(contract, "/activity/email/", "get", name).is_valid(value) is valid


def test_every_filter_closes_email_list_declares_is_declared(contract: Contract) -> None:
    emails = yaml.safe_load(
        (UPSTREAM / "close-activities-emails-api-openapi.yml").read_text(encoding="utf-8")
    )
    theirs = {
        emails["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]["name"]
        for p in emails["paths"]["/activity/email/"]["get"]["parameters"]
    }
    ours = set()
    for item in contract.spec["paths"]["/activity/email/"]["get"]["parameters"]:
        if "$ref" in item:
            item = contract.spec["components"]["parameters"][item["$ref"].rsplit("/", 1)[1]]
        ours.add(item["name"])
    # `_fields` is deliberately undeclared (x-close-fields, see the spec's description).
    assert theirs - ours == {"_fields"}
