"""The mock under the register's other readings (`create_app(readings=...)`, `close-mock serve
--reading`): every value is checked against `accept.default`, and each reading the cases of issue 11
need does what the register says a server may do."""

from __future__ import annotations

import dataclasses
import re

import pytest

from close_conformance.contract import Contract, default_contract
from close_conformance.mock.readings import (
    OUTCOMES,
    Readings,
    alternatives,
    can_take,
    parse_override,
    untaken,
)
from close_conformance.readings_proof import not_covered

pytestmark = pytest.mark.selftest


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------- what may be chosen


@pytest.mark.rule("errors.shape")
def test_values_are_parsed_as_statuses_names_and_seconds():
    contract = default_contract()
    assert parse_override(contract, "uninvolved-status=403") == ("uninvolved-status", 403)
    assert parse_override(contract, "send-as-list-foreign-filter=empty-list") == (
        "send-as-list-foreign-filter",
        "empty-list",
    )
    assert parse_override(contract, "read-after-delete-lag=1") == ("read-after-delete-lag", 1.0)
    assert parse_override(contract, "read-after-delete-lag=exact") == ("read-after-delete-lag", "exact")


@pytest.mark.rule("errors.shape")
@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("uninvolved-status=401", "allowed: 404, 403"),
        ("read-after-delete-lag=11", "poll as seconds (0..10"),
        ("read-after-delete-lag=poll", "poll as seconds"),
        ("no-such-entry=1", "no register entry 'no-such-entry'"),
        ("uninvolved-status", "expected ID=VALUE"),
    ],
)
def test_a_reading_the_register_or_the_mock_cannot_take_is_refused_readably(text, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_override(default_contract(), text)


def _with_reading(contract: Contract, discrepancy_id: str, value: str) -> Contract:
    """The contract with one more reading in an entry's `accept.default` (one no mock takes)."""
    entry = contract.discrepancy(discrepancy_id)
    doctored = dataclasses.replace(entry, default=(*entry.default, value))
    return dataclasses.replace(contract, discrepancies={**contract.discrepancies, discrepancy_id: doctored})


@pytest.mark.rule("errors.shape")
def test_a_reading_the_register_allows_and_the_mock_cannot_take_is_refused_and_listed():
    contract = _with_reading(default_contract(), "timestamp-offset", "epoch")
    with pytest.raises(ValueError, match=re.escape("the register allows it, but the mock cannot act on it")):
        parse_override(contract, "timestamp-offset=epoch")
    assert untaken(contract.discrepancy("timestamp-offset")) == ["epoch"]
    assert not_covered(contract) == ["timestamp-offset=epoch"]


@pytest.mark.rule("errors.shape")
def test_create_app_refuses_a_reading_outside_the_default(make_mock):
    with pytest.raises(ValueError, match="allowed: 204, 200"):
        make_mock(readings={"send-as-delete-status": 202})


@pytest.mark.rule("errors.shape")
def test_every_alternative_is_in_the_default_and_takeable_and_untaken_ones_are_listed():
    contract = default_contract()
    found = alternatives(contract)
    assert found, "the register allows no alternative reading"
    for alternative in found:
        entry = contract.discrepancy(alternative.discrepancy)
        assert alternative.value in can_take(entry)
        Readings(contract, strict=False, overrides={alternative.discrepancy: alternative.value})
        reading = entry.measure["reading"] if isinstance(alternative.value, float) else alternative.value
        assert alternative.strict_only == (reading not in entry.strict)
    # The mock takes every reading the register allows by default (issue 11): none is left for
    # the matrix to report as not covered (a doctored register shows that listing above).
    assert {e.id: untaken(e) for e in contract.discrepancies.values() if untaken(e)} == {}
    assert not_covered(contract) == []
    assert all(untaken(contract.discrepancy(e)) == [] for e in OUTCOMES)


# ---------------------------------------------------------------- what each reading does


@pytest.mark.rule("lead.delete")
def test_read_lag_serves_a_deleted_lead_contact_and_email_for_that_long(make_mock):
    clock = Clock()
    mock = make_mock(readings={"read-after-delete-lag": "1.0"}, clock=clock)
    lead = mock.lead()
    contact = mock.contact(lead_id=lead["id"])
    email = mock.email(lead_id=lead["id"])
    paths = [f"/activity/email/{email['id']}/", f"/contact/{contact['id']}/", f"/lead/{lead['id']}/"]
    for path in paths:
        assert mock.me.delete(path).status_code == 200
    clock.now += 0.9
    for path in paths:
        response = mock.me.get(path)
        assert response.status_code == 200, path
        assert response.json()["id"] in path
    # A lag applies to reads only: the deleted object cannot be changed or deleted again.
    assert mock.me.put(paths[2], json={"name": "x"}).status_code == 404
    clock.now += 0.1
    assert [mock.me.get(path).status_code for path in paths] == [404, 404, 404]


@pytest.mark.rule("lead.delete")
def test_without_a_lag_a_delete_is_seen_at_once(make_mock):
    mock = make_mock(clock=Clock())
    lead = mock.lead()
    assert mock.me.delete(f"/lead/{lead['id']}/").status_code == 200
    assert mock.me.get(f"/lead/{lead['id']}/").status_code == 404


@pytest.mark.rule("ratelimit.headers")
def test_a_429_without_json_still_carries_the_headers(make_mock):
    mock = make_mock(rate_limit=1, clock=Clock(), readings={"ratelimit-body": "no-body"})
    assert mock.me.get("/me/").status_code == 200
    refused = mock.me.get("/me/")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/plain")
    assert not refused.content.lstrip().startswith((b"{", b"["))
    assert refused.text
    assert refused.headers["RateLimit"].startswith("limit=1, remaining=0, reset=")
    assert refused.headers["retry-after"] == "1"


@pytest.mark.rule("ratelimit.headers")
def test_semicolons_in_the_ratelimit_header(make_mock):
    mock = make_mock(rate_limit=5, clock=Clock(), readings={"ratelimit-header-format": "semicolon"})
    assert mock.me.get("/me/").headers["RateLimit"] == "limit=5; remaining=4; reset=1.000"


@pytest.mark.rule("send_as.list-involved-only")
@pytest.mark.parametrize("value", ["", "not-an-id", "user_x"])
def test_empty_list_reading_answers_a_malformed_filter_with_an_empty_page(make_mock, value):
    lenient = make_mock(readings={"send-as-list-foreign-filter": "empty-list"})
    lenient.send_as()
    answer = lenient.me.get("/send_as/", params={"allowing_user_id": value})
    assert (answer.status_code, answer.json()) == (200, {"data": []})
    # The mock's own reading refuses it (the id pattern of the spec).
    assert make_mock().me.get("/send_as/", params={"allowing_user_id": value}).status_code == 400


@pytest.mark.rule("send_as.delete-by-users")
@pytest.mark.parametrize("status", [403, 404])
def test_delete_by_users_missing_an_id_gets_the_reading_status(make_mock, status):
    mock = make_mock(readings={"send-as-delete-params": status})
    answer = mock.me.delete("/send_as/", params={"allowing_user_id": mock.id_of("me")})
    assert answer.status_code == status
    assert set(answer.json()) == {"error"}


@pytest.mark.rule("send_as.delete-status")
def test_delete_status_200_answers_an_empty_object(make_mock):
    mock = make_mock(readings={"send-as-delete-status": 200})
    answer = mock.me.delete(f"/send_as/{mock.send_as()['id']}/")
    assert (answer.status_code, answer.json()) == (200, {})


@pytest.mark.rule("http.trailing-slash-redirect")
@pytest.mark.parametrize("status", [301, 302])
def test_a_301_or_302_reading_redirects_reads_only_writes_keep_their_method(make_mock, status):
    mock = make_mock(readings={"trailing-slash-redirect": status})
    assert mock.me.get("/lead").status_code == status
    assert mock.me.post("/lead", json={"name": "x"}).status_code == 308


@pytest.mark.rule("send_as.get-involved-only")
def test_uninvolved_403(make_mock):
    mock = make_mock(readings={"uninvolved-status": "403"})
    association = mock.send_as()
    assert mock.bystander.get(f"/send_as/{association['id']}/").status_code == 403


def _refused_as(answer, status):
    """`status` in Close's shape: 404 as for an unknown id, a 403 as `{"error": "..."}`."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"}, body
    assert isinstance(body["error"], str), body
    assert body["error"], body


@pytest.mark.rule("tenant.isolation")
@pytest.mark.parametrize("status", [404, 403])
@pytest.mark.parametrize(
    ("kind", "path"), [("contact", "/contact/"), ("lead", "/lead/"), ("email", "/activity/email/")]
)
def test_another_organizations_object_is_refused_with_the_reading(make_mock, status, kind, path):
    mock = make_mock(readings={"uninvolved-status": status})
    theirs = getattr(mock, kind)("outsider")
    url = f"{path}{theirs['id']}/"
    _refused_as(mock.me.get(url), status)
    _refused_as(mock.me.put(url, json={"name": "Hijacked"} if kind != "email" else {"subject": "x"}), status)
    _refused_as(mock.me.delete(url), status)
    # Refused means untouched, and lists never show it, in any reading.
    assert mock.outsider.get(url).json() == theirs
    listed = mock.me.get(path)
    assert listed.status_code == 200
    assert theirs["id"] not in {o["id"] for o in listed.json()["data"]}


@pytest.mark.rule("tenant.isolation", "user.organization-members")
@pytest.mark.parametrize("status", [404, 403])
def test_another_organizations_user_is_refused_with_the_reading(make_mock, status):
    mock = make_mock(readings={"uninvolved-status": status})
    _refused_as(mock.me.get(f"/user/{mock.id_of('outsider')}/"), status)
    assert mock.id_of("outsider") not in {u["id"] for u in mock.me.get("/user/").json()["data"]}
    assert mock.me.get(f"/user/{mock.id_of('peer')}/").status_code == 200


@pytest.mark.rule("send_as.get-involved-only", "send_as.delete-by-id")
@pytest.mark.parametrize("status", [404, 403])
@pytest.mark.parametrize("viewer", ["outsider", "bystander"])
def test_a_send_as_association_i_am_not_part_of_is_refused_with_the_reading(make_mock, status, viewer):
    # The outsider: another organization's association; the bystander: one of my organization.
    mock = make_mock(readings={"uninvolved-status": status})
    association = mock.send_as()
    url = f"/send_as/{association['id']}/"
    client = getattr(mock, viewer)
    _refused_as(client.get(url), status)
    _refused_as(client.delete(url), status)
    assert mock.me.get(url).json() == association


@pytest.mark.rule("tenant.isolation", "send_as.get-involved-only")
@pytest.mark.parametrize(
    "path", ["/contact/{id}/", "/lead/{id}/", "/activity/email/{id}/", "/user/{id}/", "/send_as/{id}/"]
)
def test_an_id_naming_nothing_stays_404_under_the_403_reading(make_mock, concrete_path, path):
    mock = make_mock(readings={"uninvolved-status": 403})
    url = concrete_path(path)
    _refused_as(mock.me.get(url), 404)
    if not path.startswith("/user/"):
        _refused_as(mock.me.delete(url), 404)
    if path.startswith(("/contact/", "/lead/")):
        _refused_as(mock.me.put(url, json={"name": "x"}), 404)


@pytest.mark.rule("lead.delete-cascade")
def test_readings_apply_under_strict_too(make_mock):
    mock = make_mock(strict=True, readings={"lead-delete-cascade": "kept"})
    lead = mock.lead()
    contact = mock.contact(lead_id=lead["id"])
    assert mock.me.delete(f"/lead/{lead['id']}/").status_code == 200
    assert mock.me.get(f"/contact/{contact['id']}/").status_code == 200


# ---------------------------------------------------------------- the readings of issue 11, section 2


@pytest.mark.rule("response.documented-shape")
def test_naive_timestamps_are_written_without_offset_as_the_same_utc_instant(make_mock):
    naive = make_mock(readings={"timestamp-offset": "naive"})
    lead = naive.lead()
    email = naive.email(lead_id=lead["id"], activity_at="2091-06-01T15:00:00+02:00")
    assert email["activity_at"] == "2091-06-01T13:00:00.000000"
    for body in (naive.me.get("/me/").json(), naive.me.get(f"/lead/{lead['id']}/").json(), email):
        assert not body["date_created"].endswith(("+00:00", "Z")), body["date_created"]
        assert len(body["date_created"]) == len("2091-06-01T13:00:00.000000")
    assert naive.me.get("/me/").json()["organizations"][0]["date_created"].count("+") == 0
    # The store keeps the instant: filters still compare it in UTC.
    listed = naive.me.get("/activity/email/", params={"activity_at__lt": "2091-06-01T13:00:01+00:00"})
    assert [e["id"] for e in listed.json()["data"]] == [email["id"]]
    # The mock's own reading writes the offset.
    own = make_mock().email(activity_at="2091-06-01T15:00:00+02:00")
    assert own["activity_at"] == "2091-06-01T13:00:00.000000+00:00"


@pytest.mark.rule("request.validation")
def test_id_format_404_answers_a_body_whose_only_fault_is_an_id_form(make_mock):
    mock = make_mock(readings={"id-format": 404})
    refused = mock.me.post("/contact/", json={"lead_id": "lead_short", "name": "x"})
    assert refused.status_code == 404, refused.text
    assert set(refused.json()) == {"error"}
    assert "lead_id" in refused.json()["error"]
    # Another fault beside it, or a malformed value of another kind: the validator's 400.
    assert mock.me.post("/contact/", json={"lead_id": "lead_short", "name": 5}).status_code == 400
    assert mock.me.post("/contact/", json={"lead_id": 5, "name": "x"}).status_code == 400
    # A well-formed id naming nothing is an unknown reference (its own entry: 400 here).
    unknown = mock.me.post("/contact/", json={"lead_id": "lead_" + "A" * 43, "name": "x"})
    assert unknown.status_code == 400
    # The mock's own reading: 400.
    assert make_mock().me.post("/contact/", json={"lead_id": "lead_short", "name": "x"}).status_code == 400


@pytest.mark.rule("request.validation")
def test_email_recipient_format_accepted_keeps_a_recipient_that_is_no_address(make_mock):
    mock = make_mock(readings={"email-recipient-format": "accepted"})
    email = mock.email(to=["no address"], cc=["Jane <jane@example.com>"], bcc=[])
    assert (email["to"], email["cc"]) == (["no address"], ["Jane <jane@example.com>"])
    assert mock.me.get(f"/activity/email/{email['id']}/").json()["to"] == ["no address"]
    # Close's own bound stays: strings of up to 1000 characters, items still strings.
    lead_id = email["lead_id"]
    for recipients in (["x" * 1001], [5]):
        body = {"lead_id": lead_id, "status": "draft", "to": recipients}
        assert mock.me.post("/activity/email/", json=body).status_code == 400
    own = make_mock()
    body = {"lead_id": own.lead()["id"], "status": "draft", "to": ["no address"]}
    assert own.me.post("/activity/email/", json=body).status_code == 400


@pytest.mark.rule("http.method-not-allowed")
def test_literal_segment_as_id_404_answers_a_method_the_sibling_id_route_has(make_mock):
    mock = make_mock(readings={"literal-segment-as-id": 404})
    answer = mock.me.get("/send_as/bulk/")
    assert answer.status_code == 404
    assert set(answer.json()) == {"error"}
    assert mock.anonymous.get("/send_as/bulk/").status_code == 401  # credentials first, as that route
    # A method no sibling has on that URL stays a 405 with Allow.
    patched = mock.me.patch("/send_as/bulk/", json={})
    assert patched.status_code == 405
    assert "POST" in patched.headers["Allow"]
    own = make_mock().me.get("/send_as/bulk/")
    assert own.status_code == 405


@pytest.mark.rule("email.list-filters")
def test_email_list_id_filter_form_any_takes_the_first_of_repeated_keys(make_mock):
    mock = make_mock(readings={"email-list-id-filter-form": "any"})
    first, second = mock.email(), mock.email()
    params = [("id__in", first["id"]), ("id__in", second["id"])]
    assert [e["id"] for e in mock.me.get("/activity/email/", params=params).json()["data"]] == [first["id"]]
    # The documented comma form is gathered in every reading.
    both = mock.me.get("/activity/email/", params={"id__in": f"{first['id']},{second['id']}"}).json()["data"]
    assert sorted(e["id"] for e in both) == sorted([first["id"], second["id"]])
    own = make_mock()
    first, second = own.email(), own.email()
    params = [("id__in", first["id"]), ("id__in", second["id"])]
    assert len(own.me.get("/activity/email/", params=params).json()["data"]) == 2
