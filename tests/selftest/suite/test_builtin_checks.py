"""Schemathesis' built-in checks are judged by our rules (checks/builtin.py) and narrowed only per
the register: each narrowing accepts the deviating answer by default and refuses it under strict."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from schemathesis.checks import CHECKS as REGISTRY
from schemathesis.checks import load_all_checks
from schemathesis.core.failures import Failure

from close_conformance import runtime
from close_conformance.checks import BUILTIN_RULES, CHECKS, RuleViolation, builtin, rule_for
from close_conformance.contract import default_contract
from close_conformance.inferred import MARK, loosened_spec, marked, marked_schemas
from close_conformance.settings import RunSettings

pytestmark = pytest.mark.selftest


@pytest.fixture(params=[False, True], ids=["default", "strict"])
def strict(request: pytest.FixtureRequest) -> Any:
    previous = runtime.current()
    runtime.install(runtime.RunContext(settings=RunSettings(strict=request.param)))
    yield request.param
    runtime.install(previous)


def test_every_builtin_check_names_existing_rules() -> None:
    load_all_checks()
    ours = {check.name for check in CHECKS}
    assert set(REGISTRY.get_all_names()) - ours <= set(BUILTIN_RULES)
    rules = default_contract().rules
    for name, ids in BUILTIN_RULES.items():
        assert ids, name
        assert all(rule in rules for rule in ids), name


def test_registered_builtins_are_judged() -> None:
    builtin.register()
    builtin.register()  # idempotent: wrapped once
    for name in BUILTIN_RULES:
        check = REGISTRY.get_one(name)
        assert check.__name__ == name
        assert getattr(check, "close_judged", False)
        assert not getattr(check.__wrapped__, "close_judged", False)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("/lead/{id}/", "lead.delete"),
        ("/contact/{id}/", "contact.gone-after-delete"),
        ("/activity/email/{id}/", "email.delete"),
        ("/send_as/{id}/", "send_as.delete-by-id"),
    ],
)
def test_use_after_free_names_the_resource_rule(path: str, rule: str) -> None:
    assert rule_for("use_after_free", path) == rule
    assert rule_for("not_a_server_error", path) == "http.no-server-error"


def _case(path: str = "/lead/{id}/", calls: list[int] | None = None) -> Any:
    answers = iter(calls or [])
    return SimpleNamespace(
        operation=SimpleNamespace(path=path),
        call=lambda **_: SimpleNamespace(status_code=next(answers)),
    )


def _response(
    status: int, method: str = "GET", url: str = "http://x/api/v1/lead/lead_a/", body: bytes = b""
) -> Any:
    return SimpleNamespace(status_code=status, content=body, request=SimpleNamespace(method=method, url=url))


def _failing_on(*statuses: int) -> Any:
    def original(ctx: Any, response: Any, case: Any) -> None:
        if response.status_code in statuses:
            raise Failure(operation="GET /lead/{id}/", title="Use after free", message="still there")

    return original


def test_a_failure_is_titled_with_its_rule(strict: bool) -> None:
    judged = builtin._judged("use_after_free", _failing_on(200))
    ctx = SimpleNamespace(internals=SimpleNamespace(transport_kwargs={}))
    if strict:  # exact: the first read decides
        with pytest.raises(Failure) as raised:
            judged(ctx, _response(200), _case())
        assert raised.value.title == "[lead.delete] Use after free"
        assert "rule: `DELETE /lead/{id}/` MUST answer 200" in raised.value.message


def test_a_plain_assertion_becomes_a_rule_violation() -> None:
    def original(ctx: Any, response: Any, case: Any) -> None:
        raise AssertionError("boom")

    with pytest.raises(RuleViolation, match=r"^\[http.no-server-error\] boom"):
        builtin._judged("not_a_server_error", original)(None, _response(500), _case())


def test_a_read_lagging_a_delete_is_polled_by_default(strict: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builtin, "_READ_LAG_INTERVAL", 0.0)
    judged = builtin._judged("use_after_free", _failing_on(200))
    ctx = SimpleNamespace(internals=SimpleNamespace(transport_kwargs={"base_url": "http://x"}))
    case = _case(calls=[200, 404])  # one more stale read, then gone
    if strict:
        with pytest.raises(Failure):
            judged(ctx, _response(200), case)
    else:
        assert judged(ctx, _response(200), case) is None


def test_a_read_that_never_stops_finding_the_object_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(builtin, "_READ_LAG_INTERVAL", 0.0)
    monkeypatch.setattr(runtime.RunContext, "read_lag", property(lambda _: 0.05))
    judged = builtin._judged("use_after_free", _failing_on(200))
    ctx = SimpleNamespace(internals=SimpleNamespace(transport_kwargs={}))
    stale = SimpleNamespace(operation=SimpleNamespace(path="/lead/{id}/"), call=lambda **_: _response(200))
    with pytest.raises(Failure, match=r"\[lead.delete\]"):
        judged(ctx, _response(200), stale)


def test_a_literal_segment_read_as_an_id_may_be_404(strict: bool) -> None:
    assert builtin.literal_segment_is_an_id("GET", "/send_as/bulk/")
    assert not builtin.literal_segment_is_an_id("PUT", "/send_as/bulk/")
    assert not builtin.literal_segment_is_an_id("PATCH", "/me/")
    judged = builtin._judged("unsupported_method", _failing_on(404))
    response = _response(404, "GET", "http://x/api/v1/send_as/bulk/")
    case = _case("/send_as/bulk/")
    if strict:
        with pytest.raises(Failure, match=r"\[http.method-not-allowed\]"):
            judged(None, response, case)
    else:
        assert judged(None, response, case) is None
    with pytest.raises(Failure):  # elsewhere a 404 for an undeclared method is still wrong
        judged(None, _response(404, "PATCH", "http://x/api/v1/me/"), _case("/me/"))


def test_a_429_without_json_is_exempt_from_body_checks_by_default(strict: bool) -> None:
    judged = builtin._judged("response_schema_conformance", _failing_on(429))
    if strict:
        with pytest.raises(Failure, match=r"\[response.documented-shape\]"):
            judged(None, _response(429, body=b"Too Many Requests"), _case())
    else:
        assert judged(None, _response(429, body=b"Too Many Requests"), _case()) is None
    with pytest.raises(Failure):  # a JSON 429 body is still judged
        judged(None, _response(429, body=b'{"error": 1}'), _case())


def test_inferred_constraints_name_register_entries() -> None:
    contract = default_contract()
    found = list(marked(contract.spec))
    assert ("GET /send_as/", "send-as-list-foreign-filter") in {(label, entry) for label, entry, _ in found}
    for _, entry, _ in found:
        contract.discrepancy(entry)  # raises for an unknown id


def test_inferred_patterns_are_left_out_by_default_and_kept_strict() -> None:
    contract = default_contract()
    for strict_reading, has_pattern in ((False, False), (True, True)):
        spec = loosened_spec(contract, strict=strict_reading)
        for parameter in spec["paths"]["/send_as/"]["get"]["parameters"]:
            assert parameter[MARK] == "send-as-list-foreign-filter"
            schema = parameter["schema"]
            if "$ref" in schema:
                schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            assert ("pattern" in schema) is has_pattern
    # A marked schema (a recipient's address form, email-recipient-format: accepted by default)
    # loses its $ref in request and response schemas alike; Close's own type and length stay.
    for strict_reading, has_form in ((False, False), (True, True)):
        items = loosened_spec(contract, strict=strict_reading)["components"]["schemas"]["Recipients"]["items"]
        assert (items["type"], items["maxLength"]) == ("string", 1000)
        assert ("$ref" in items["allOf"][0]) is has_form
    assert [entry for entry, _ in marked_schemas(contract.spec)] == ["email-recipient-format"]
    # Documented constraints stay in every mode: path ids (id-format admits only refusals).
    spec = loosened_spec(contract, strict=False)
    assert spec["paths"]["/send_as/{id}/"] == contract.spec["paths"]["/send_as/{id}/"]
