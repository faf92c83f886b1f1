"""Each rule check fails on a response that breaks its rule and passes the conformant one."""

from __future__ import annotations

import json
from typing import Any

import pytest

from close_conformance import runtime
from close_conformance.checks import (
    CHECKS,
    NO_JSON,
    Exchange,
    RuleViolation,
    Viewpoint,
    delete_answer_conformance,
    email_sender_conformance,
    error_body_conformance,
    fields_conformance,
    id_prefix_conformance,
    lead_contact_ids_conformance,
    lead_status_conformance,
    orphan_contact_conformance,
    pagination_conformance,
    ratelimit_body_conformance,
    ratelimit_conformance,
    send_as_visibility_conformance,
    tenant_conformance,
)
from close_conformance.settings import RunSettings

pytestmark = pytest.mark.selftest

ME = "user_" + "A" * 43
PEER = "user_" + "B" * 43
OTHER = "user_" + "C" * 43
ORG = "orga_" + "O" * 43
ELSEWHERE = "orga_" + "X" * 43
VIEW = Viewpoint(user_id=ME, email="me@example.com", organization_id=ORG, emails={PEER: "peer@example.com"})


def exchange(operation_id: str, status: int, body: Any = NO_JSON, **kwargs: Any) -> Exchange:
    raw = kwargs.pop("raw", b"" if body is NO_JSON else json.dumps(body).encode())
    method = kwargs.pop("method", "DELETE" if operation_id.startswith("delete") else "GET")
    return Exchange(
        operation_id=operation_id, method=method, path="/", status=status, body=body, raw=raw, **kwargs
    )


@pytest.fixture(params=[False, True], ids=["default", "strict"])
def strict(request: pytest.FixtureRequest) -> Any:
    previous = runtime.current()
    runtime.install(runtime.RunContext(settings=RunSettings(strict=request.param)))
    yield request.param
    runtime.install(previous)


def test_every_check_names_existing_rules() -> None:
    rules = runtime.current().contract.rules
    for check in CHECKS:
        assert check.rules, check.name
        assert set(check.rules) <= set(rules), check.name


def test_violation_names_rule_statement_and_source() -> None:
    text = str(RuleViolation("contact.delete-empty-object", "got 204"))
    assert text.startswith("[contact.delete-empty-object] got 204")
    assert "seed:003_50ccf10742697b4d.txt" in text


@pytest.mark.rule("errors.shape")
def test_error_bodies(strict: bool) -> None:
    error_body_conformance(exchange("getContact", 404, {"error": "Not found"}), VIEW)
    error_body_conformance(exchange("createContact", 400, {"errors": [], "field-errors": {"x": "bad"}}), VIEW)
    with pytest.raises(RuleViolation, match=r"errors\.shape"):
        error_body_conformance(exchange("getContact", 404, raw=b"<html>"), VIEW)
    with pytest.raises(RuleViolation, match="needs an `error`"):
        error_body_conformance(exchange("getMe", 401, {"detail": "no"}), VIEW)
    with pytest.raises(RuleViolation, match="both `errors`"):
        error_body_conformance(exchange("createContact", 400, {"field-errors": {"x": "bad"}}), VIEW)
    only_error = exchange("createContact", 400, {"error": "Bad request"})
    if strict:
        with pytest.raises(RuleViolation, match="strict reading"):
            error_body_conformance(only_error, VIEW)
    else:
        error_body_conformance(only_error, VIEW)


@pytest.mark.rule("ids.prefixed")
def test_id_prefixes() -> None:
    good = {"id": "cont_" + "a" * 43, "lead_id": "lead_" + "b" * 43, "organization_id": ORG}
    id_prefix_conformance(exchange("getContact", 200, good), VIEW)
    id_prefix_conformance(exchange("listContacts", 200, {"data": [good], "has_more": False}), VIEW)
    with pytest.raises(RuleViolation, match="does not start with 'cont_'"):
        id_prefix_conformance(exchange("getContact", 200, {**good, "id": "lead_" + "a" * 43}), VIEW)
    lead = {"id": "lead_" + "a" * 43, "contacts": [{"id": "acti_" + "c" * 43}]}
    with pytest.raises(RuleViolation, match="'cont_'"):
        id_prefix_conformance(exchange("getLead", 200, lead), VIEW)
    with pytest.raises(RuleViolation, match="allowed_user_id"):
        id_prefix_conformance(
            exchange("getSendAs", 200, {"id": "sdas_" + "a" * 22, "allowed_user_id": "3"}), VIEW
        )


@pytest.mark.rule("contact.delete-empty-object", "send_as.delete-status")
def test_delete_answers(strict: bool) -> None:
    delete_answer_conformance(exchange("deleteContact", 200, {}), VIEW)
    with pytest.raises(RuleViolation, match=r"contact\.delete-empty-object"):
        delete_answer_conformance(exchange("deleteContact", 204, raw=b""), VIEW)
    with pytest.raises(RuleViolation, match=r"contact\.delete-empty-object"):
        delete_answer_conformance(exchange("deleteContact", 200, {"id": "cont_x"}), VIEW)
    delete_answer_conformance(exchange("deleteSendAs", 204, raw=b""), VIEW)
    with pytest.raises(RuleViolation, match="204 with a body"):
        delete_answer_conformance(exchange("deleteSendAsByUsers", 204, {"ok": True}), VIEW)
    old_style = exchange("deleteSendAs", 200, {})
    if strict:
        with pytest.raises(RuleViolation, match="the register accepts"):
            delete_answer_conformance(old_style, VIEW)
    else:
        delete_answer_conformance(old_style, VIEW)


def association(allowing: str, allowed: str) -> dict[str, str]:
    return {
        "id": "sdas_" + "s" * 22,
        "allowing_user_id": allowing,
        "allowed_user_id": allowed,
        "organization_id": ORG,
    }


@pytest.mark.rule("send_as.list-default-allowing", "send_as.list-involved-only", "send_as.get-involved-only")
def test_send_as_visibility(strict: bool) -> None:
    mine = {"data": [association(ME, PEER)]}
    send_as_visibility_conformance(exchange("listSendAs", 200, mine), VIEW)
    with pytest.raises(RuleViolation, match="list-default-allowing"):
        send_as_visibility_conformance(exchange("listSendAs", 200, {"data": [association(PEER, ME)]}), VIEW)
    send_as_visibility_conformance(
        exchange("listSendAs", 200, {"data": [association(PEER, ME)]}, query={"allowed_user_id": ME}), VIEW
    )
    with pytest.raises(RuleViolation, match="does not match the filters"):
        send_as_visibility_conformance(exchange("listSendAs", 200, mine, query={"allowed_user_id": ME}), VIEW)
    foreign = exchange("listSendAs", 200, {"data": []}, query={"allowing_user_id": PEER})
    if strict:
        with pytest.raises(RuleViolation, match="naming only others"):
            send_as_visibility_conformance(foreign, VIEW)
    else:
        send_as_visibility_conformance(foreign, VIEW)
    with pytest.raises(RuleViolation, match="get-involved-only"):
        send_as_visibility_conformance(exchange("getSendAs", 200, association(PEER, OTHER)), VIEW)
    with pytest.raises(RuleViolation, match="bulk-returns-all-allowing"):
        send_as_visibility_conformance(
            exchange("bulkEditSendAs", 200, {"data": [association(ME, PEER), association(PEER, ME)]}), VIEW
        )


@pytest.mark.rule("tenant.isolation")
def test_tenant() -> None:
    tenant_conformance(exchange("getContact", 200, {"id": "cont_1", "organization_id": ORG}), VIEW)
    with pytest.raises(RuleViolation, match=r"tenant\.isolation"):
        tenant_conformance(exchange("listContacts", 200, {"data": [{"organization_id": ELSEWHERE}]}), VIEW)
    with pytest.raises(RuleViolation, match=r"tenant\.isolation"):
        tenant_conformance(
            exchange("listUsers", 200, {"data": [{"id": OTHER, "organizations": [ELSEWHERE]}]}), VIEW
        )


@pytest.mark.rule("fields.selection")
def test_fields() -> None:
    fields_conformance(
        exchange("getContact", 200, {"id": "c", "name": "n"}, query={"_fields": "id,name"}), VIEW
    )
    with pytest.raises(RuleViolation, match=r"extra fields \['title'\]"):
        fields_conformance(
            exchange("getContact", 200, {"id": "c", "title": "t"}, query={"_fields": "id"}), VIEW
        )
    listed = {"data": [{"id": "c", "title": "t"}], "has_more": False}
    with pytest.raises(RuleViolation, match=r"fields\.selection"):
        fields_conformance(exchange("listContacts", 200, listed, query={"_fields": "id"}), VIEW)


@pytest.mark.rule("pagination.offset")
def test_pagination() -> None:
    page = {"data": [{"id": 1}, {"id": 2}], "has_more": True}
    pagination_conformance(exchange("listContacts", 200, page, query={"_limit": "2"}), VIEW)
    with pytest.raises(RuleViolation, match="answered 2 objects"):
        pagination_conformance(exchange("listContacts", 200, page, query={"_limit": "1"}), VIEW)
    with pytest.raises(RuleViolation, match="short page"):
        pagination_conformance(exchange("listContacts", 200, page, query={"_limit": "5"}), VIEW)
    with pytest.raises(RuleViolation, match="has_more"):
        pagination_conformance(exchange("listUsers", 200, {"data": []}), VIEW)
    with pytest.raises(RuleViolation, match="short page"):
        pagination_conformance(exchange("listLeads", 200, page, query={"_limit": "5"}), VIEW)


@pytest.mark.rule("ratelimit.headers")
def test_ratelimit(strict: bool) -> None:
    good = {"ratelimit": "limit=20, remaining=0, reset=0.4", "retry-after": "1"}
    ratelimit_conformance(exchange("getMe", 429, {"error": "slow down"}, headers=good), VIEW)
    with pytest.raises(RuleViolation, match="rounded up"):
        ratelimit_conformance(exchange("getMe", 429, headers={**good, "retry-after": "0"}), VIEW)
    with pytest.raises(RuleViolation, match="without RateLimit"):
        ratelimit_conformance(exchange("getMe", 429, headers={"retry-after": "1"}), VIEW)
    semicolons = exchange("getMe", 429, headers={**good, "ratelimit": "limit=20; remaining=0; reset=0.4"})
    if strict:
        with pytest.raises(RuleViolation, match="is not"):
            ratelimit_conformance(semicolons, VIEW)
    else:
        ratelimit_conformance(semicolons, VIEW)


@pytest.mark.rule("email.sender.required-by-status", "email.sender.sent-default")
@pytest.mark.parametrize("status", ["inbox", "scheduled", "outbox", "error"])
def test_email_sender_required(status: str) -> None:
    request = {"lead_id": "lead_1", "status": status}
    email_sender_conformance(exchange("createEmail", 400, {"errors": []}, request_body=request), VIEW)
    with pytest.raises(RuleViolation, match="required-by-status"):
        email_sender_conformance(exchange("createEmail", 200, {"sender": None}, request_body=request), VIEW)


@pytest.mark.rule("email.sender.sent-default")
def test_email_sent_default() -> None:
    mine = {"lead_id": "lead_1", "status": "sent"}
    email_sender_conformance(
        exchange("createEmail", 200, {"sender": "me@example.com"}, request_body=mine), VIEW
    )
    peers = {**mine, "user_id": PEER}
    email_sender_conformance(
        exchange("createEmail", 200, {"sender": "peer@example.com"}, request_body=peers), VIEW
    )
    with pytest.raises(RuleViolation, match="sent-default"):
        email_sender_conformance(
            exchange("createEmail", 200, {"sender": "me@example.com"}, request_body=peers), VIEW
        )
    with pytest.raises(RuleViolation, match="sent-default"):
        email_sender_conformance(exchange("createEmail", 200, {"sender": None}, request_body=mine), VIEW)


@pytest.mark.rule("lead.status-exclusive")
def test_lead_status_exclusive() -> None:
    both = {"status": "Potential", "status_id": "stat_1"}
    lead_status_conformance(exchange("createLead", 400, {"errors": []}, request_body=both), VIEW)
    with pytest.raises(RuleViolation, match=r"lead\.status-exclusive"):
        lead_status_conformance(exchange("createLead", 200, {"id": "lead_1"}, request_body=both), VIEW)
    lead_status_conformance(exchange("updateLead", 400, {"errors": []}, request_body=both), VIEW)
    with pytest.raises(RuleViolation, match=r"updateLead accepted both"):
        lead_status_conformance(exchange("updateLead", 200, {"id": "lead_1"}, request_body=both), VIEW)


@pytest.mark.rule("lead.contact-ids")
def test_lead_contact_ids() -> None:
    lead = {
        "id": "lead_1",
        "contact_ids": ["cont_2", "cont_1"],
        "contacts": [{"id": "cont_1"}, {"id": "cont_2"}],
    }
    for operation_id in ("createLead", "getLead", "updateLead"):
        lead_contact_ids_conformance(exchange(operation_id, 200, lead), VIEW)
    lead_contact_ids_conformance(exchange("getLead", 200, {"id": "lead_1", "contact_ids": ["cont_1"]}), VIEW)
    stale = {**lead, "contacts": [{"id": "cont_1"}]}
    with pytest.raises(RuleViolation, match=r"lead\.contact-ids"):
        lead_contact_ids_conformance(exchange("getLead", 200, stale), VIEW)
    with pytest.raises(RuleViolation, match=r"lead\.contact-ids"):
        lead_contact_ids_conformance(
            exchange("listLeads", 200, {"data": [lead, stale], "has_more": False}), VIEW
        )
    lead_contact_ids_conformance(exchange("getContact", 200, stale), VIEW)


@pytest.mark.rule("contact.create-without-lead")
def test_orphan_contact() -> None:
    orphan_contact_conformance(
        exchange("createContact", 200, {"lead_id": "lead_1"}, request_body={"name": "A"}), VIEW
    )
    with pytest.raises(RuleViolation, match=r"contact\.create-without-lead"):
        orphan_contact_conformance(
            exchange("createContact", 200, {"lead_id": None}, request_body={"name": "A"}), VIEW
        )


@pytest.mark.rule("ratelimit.body")
def test_ratelimit_body(strict: bool) -> None:
    headers = {"ratelimit": "limit=20, remaining=0, reset=0.400", "retry-after": "1"}
    plain = exchange("getMe", 429, {"error": "slow down"}, headers=headers)
    deprecated = {"error": {"message": "API call count exceeded", "rate_reset": 0.4, "rate_limit": 20}}
    for body in (plain.body, deprecated):
        ok = exchange("getMe", 429, body, headers=headers)
        ratelimit_body_conformance(ok, VIEW)
        error_body_conformance(ok, VIEW)
    wrong = {"error": {"message": "API call count exceeded", "rate_reset": 400}}
    with pytest.raises(RuleViolation, match="not the RateLimit header's reset"):
        ratelimit_body_conformance(exchange("getMe", 429, wrong, headers=headers), VIEW)
    with pytest.raises(RuleViolation, match="a 429 body is"):
        ratelimit_body_conformance(
            exchange("getMe", 429, {"error": {"rate_reset": 0.4}}, headers=headers), VIEW
        )
