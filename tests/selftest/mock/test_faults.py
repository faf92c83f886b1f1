"""The fault catalogue: every rule has faults, and every fault bends the behaviour it names.

Each fault has a scenario: a few requests ending in one observation. With the fault off, the
observation is the documented behaviour (`clean`); with it on, it differs. The catalogue and the
`faults:` keys of specs/rules.yaml name the same faults.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from close_conformance.contract import default_contract
from close_conformance.mock import FAULTS
from close_conformance.mock.faults import FaultSet

JSON = {"Content-Type": "application/json"}
FUTURE = "2031-01-02T03:04:05+00:00"
NAMED = '"Bruce Wayne" <bruce.wayne@wayne.example.com>'


@dataclass(frozen=True)
class Scenario:
    run: Callable[[Callable[..., Any]], Any]
    clean: Any


SCENARIOS: dict[str, Scenario] = {}


def scenario(*names: str, clean: Any) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register `run(build)` as the scenario of these faults; `build(**options)` makes the mock."""

    def register(run: Callable[[Any], Any]) -> Callable[[Any], Any]:
        for name in names:
            assert name not in SCENARIOS, name
            SCENARIOS[name] = Scenario(run, clean)
        return run

    return register


def stepping_clock() -> Callable[[], float]:
    ticks = itertools.count()
    return lambda: next(ticks) * 0.25


def create_email(m, role="me", **fields):
    fields.setdefault("lead_id", m.lead(role)["id"])
    return m.client(role).post("/activity/email/", json=fields)


def put_email(m, email, **fields):
    return m.me.put(f"/activity/email/{email['id']}/", json=fields)


# ---------------------------------------------------------------- every endpoint


@scenario("auth-off", clean=401)
def _(build):
    return build().anonymous.get("/me/").status_code


@scenario("unauthorized-plain-text", clean="application/json")
def _(build):
    return build().anonymous.get("/me/").headers["content-type"]


@scenario("bearer-rejected", clean=200)
def _(build):
    return build().client("me", bearer=True).get("/me/").status_code


@scenario("bearer-acts-as-peer", clean=True)
def _(build):
    m = build()
    return m.client("me", bearer=True).get("/me/").json()["id"] == m.id_of("me")


@scenario("tenant-leak-contact-get", clean=404)
def _(build):
    m = build()
    return m.me.get(f"/contact/{m.contact('outsider')['id']}/").status_code


@scenario("tenant-leak-contact-update", clean=404)
def _(build):
    m = build()
    return m.me.put(f"/contact/{m.contact('outsider')['id']}/", json={"name": "x"}).status_code


@scenario("tenant-leak-lead-delete", clean=404)
def _(build):
    m = build()
    return m.me.delete(f"/lead/{m.lead('outsider')['id']}/").status_code


@scenario("tenant-leak-lead-list", clean=0)
def _(build):
    m = build()
    m.lead("outsider")
    return len(m.me.get("/lead/").json()["data"])


@scenario("tenant-leak-lead-update", clean=404)
def _(build):
    m = build()
    return m.me.put(f"/lead/{m.lead('outsider')['id']}/", json={"name": "x"}).status_code


@scenario("tenant-leak-email-list", clean=0)
def _(build):
    m = build()
    m.email("outsider")
    return len(m.me.get("/activity/email/").json()["data"])


@scenario("tenant-leak-user-get", clean=404)
def _(build):
    m = build()
    return m.me.get(f"/user/{m.id_of('outsider')}/").status_code


@scenario("validation-errors-without-field-errors", clean=["errors", "field-errors"])
def _(build):
    return sorted(build().me.post("/contact/", json={"name": 5}).json())


@scenario("not-found-detail-key", clean={"error": "Not found."})
def _(build):
    return build().me.get("/contact/cont_" + "A" * 43 + "/").json()


@scenario("server-error-on-non-ascii-name", clean=200)
def _(build):
    return build().me.post("/contact/", json={"name": "Zoë"}).status_code


@scenario("server-error-on-malformed-json", clean=400)
def _(build):
    return build().me.post("/contact/", content=b"{", headers=JSON).status_code


@scenario("allow-header-missing", clean="GET")
def _(build):
    return build().me.patch("/me/").headers.get("Allow")


@scenario("method-not-allowed-as-404", clean=405)
def _(build):
    return build().me.patch("/me/").status_code


@scenario("json-415-missing", clean=415)
def _(build):
    return (
        build()
        .me.post("/contact/", content=b'{"name": "x"}', headers={"Content-Type": "text/plain"})
        .status_code
    )


@scenario("unsupported-media-type-plain-text", clean="application/json")
def _(build):
    response = build().me.post("/contact/", content=b"x", headers={"Content-Type": "text/plain"})
    return response.headers["content-type"]


@scenario("trailing-slash-404", clean=308)
def _(build):
    return build().me.get("/me").status_code


@scenario("trailing-slash-redirect-301", clean=308)
def _(build):
    return build().me.post("/lead", json={"name": "x"}).status_code


@scenario("trailing-slash-query-dropped", clean="http://mock.test/api/v1/contact/?lead_id=x")
def _(build):
    return build().me.get("/contact", params={"lead_id": "x"}).headers.get("Location")


@scenario("method-override-creates", clean=(True, 0))
def _(build):
    m = build()
    listed = m.me.post("/lead/", json={"_params": {"_limit": "1"}}, headers={"x-http-method-override": "GET"})
    # Clean: a list (of no lead) and no lead made; the fault carries the POST out as a create.
    return "data" in listed.json(), len(m.me.get("/lead/").json()["data"])


@scenario("method-override-params-ignored", clean=1)
def _(build):
    m = build()
    m.lead()
    m.lead()
    listed = m.me.post("/lead/", json={"_params": {"_limit": "1"}}, headers={"x-http-method-override": "GET"})
    return len(listed.json()["data"])


def _rate_limited(build):
    m = build(rate_limit=1, clock=stepping_clock())
    m.me.get("/me/")
    response = m.me.get("/me/")
    assert response.status_code == 429
    return response


@scenario("retry-after-missing", clean=True)
def _(build):
    return "retry-after" in _rate_limited(build).headers


@scenario("retry-after-rounded-down", clean="1")
def _(build):
    return _rate_limited(build).headers.get("retry-after")


@scenario("ratelimit-header-missing", clean=True)
def _(build):
    return "RateLimit" in _rate_limited(build).headers


@scenario("ratelimit-body-reset-in-milliseconds", clean=True)
def _(build):
    response = _rate_limited(build)
    reset = response.headers["RateLimit"].rsplit("reset=", 1)[1]
    return response.json()["error"]["rate_reset"] == float(reset)


@scenario("fields-ignored", clean=["id"])
def _(build):
    return sorted(build().me.get("/me/", params={"_fields": "id"}).json())


@scenario("fields-ignored-on-lists", clean=["id"])
def _(build):
    return sorted(build().me.get("/user/", params={"_fields": "id"}).json()["data"][0])


@scenario("has-more-wrong", clean=False)
def _(build):
    return build().me.get("/user/", params={"_limit": 3}).json()["has_more"]


@scenario("skip-ignored", clean=True)
def _(build):
    m = build()
    return m.me.get("/user/", params={"_skip": 2}).json()["data"][0]["id"] == m.id_of("bystander")


@scenario("skip-maximum-ignored", clean=400)
def _(build):
    return build().me.get("/activity/email/", params={"_skip": 250100}).status_code


@scenario("contact-get-display-name-missing", clean=True)
def _(build):
    m = build()
    return "display_name" in m.me.get(f"/contact/{m.contact()['id']}/").json()


@scenario("contact-title-max-length-ignored", clean=400)
def _(build):
    m = build()
    schema = default_contract().spec["components"]["schemas"]["CreateContact"]
    title = "x" * (schema["properties"]["title"]["maxLength"] + 1)
    return m.me.post("/contact/", json={"lead_id": m.lead()["id"], "title": title}).status_code


@scenario("lead-unreadable-right-after-create", clean=200)
def _(build):
    m = build()
    return m.me.get(f"/lead/{m.lead()['id']}/").status_code


@scenario("ids-without-prefix-on-send-as", clean=True)
def _(build):
    return build().send_as()["id"].startswith("sdas_")


@scenario("contact-ids-with-lead-prefix", clean="cont_")
def _(build):
    return build().contact()["id"][:5]


# ---------------------------------------------------------------- users


@scenario("me-organizations-as-ids", clean=True)
def _(build):
    return isinstance(build().me.get("/me/").json()["organizations"][0], dict)


@scenario("me-answers-first-user", clean=True)
def _(build):
    m = build()
    return m.peer.get("/me/").json()["id"] == m.id_of("peer")


@scenario("user-list-includes-outsiders", clean=3)
def _(build):
    return len(build().me.get("/user/").json()["data"])


@scenario("user-organizations-as-objects", clean=True)
def _(build):
    return isinstance(build().me.get("/user/").json()["data"][0]["organizations"][0], str)


# ---------------------------------------------------------------- leads


@scenario("lead-description-dropped", clean="Gotham's finest.")
def _(build):
    return build().lead(description="Gotham's finest.")["description"]


@scenario("lead-contacts-dropped", clean=1)
def _(build):
    return len(build().lead(contacts=[{"name": "Bruce Wayne"}])["contacts"])


@scenario("lead-contact-ids-stale", clean=1)
def _(build):
    m = build()
    lead = m.lead(contacts=[{"name": "Gone"}, {"name": "Kept"}])
    m.me.delete(f"/contact/{lead['contact_ids'][0]}/")
    return len(m.me.get(f"/lead/{lead['id']}/").json()["contact_ids"])


@scenario("lead-status-both-accepted", clean=400)
def _(build):
    m = build()
    status_id = m.me.get("/me/").json()["organizations"][0]["lead_statuses"][0]["id"]
    return m.me.post("/lead/", json={"status": "Qualified", "status_id": status_id}).status_code


@scenario("lead-delete-returns-204", clean=200)
def _(build):
    m = build()
    return m.me.delete(f"/lead/{m.lead()['id']}/").status_code


@scenario("lead-still-readable-after-delete", clean=404)
def _(build):
    m = build()
    lead = m.lead()
    m.me.delete(f"/lead/{lead['id']}/")
    return m.me.get(f"/lead/{lead['id']}/").status_code


@scenario("lead-delete-keeps-contacts", clean=404)
def _(build):
    m = build()
    lead = m.lead(contacts=[{"name": "Bruce Wayne"}])
    m.me.delete(f"/lead/{lead['id']}/")
    return m.me.get(f"/contact/{lead['contacts'][0]['id']}/").status_code


@scenario("lead-delete-contacts-still-listed", clean=(404, 0))
def _(build):
    m = build()
    lead = m.lead(contacts=[{"name": "Bruce Wayne"}])
    m.me.delete(f"/lead/{lead['id']}/")
    gone = m.me.get(f"/contact/{lead['contacts'][0]['id']}/").status_code
    return gone, len(m.me.get("/contact/").json()["data"])


@scenario("lead-update-status-both-accepted", clean=400)
def _(build):
    m = build()
    status_id = m.me.get("/me/").json()["organizations"][0]["lead_statuses"][0]["id"]
    body = {"status": "Qualified", "status_id": status_id}
    return m.me.put(f"/lead/{m.lead()['id']}/", json=body).status_code


@scenario("lead-list-skips-unnamed", clean=1)
def _(build):
    m = build()
    m.me.post("/lead/", json={})
    return len(m.me.get("/lead/").json()["data"])


@scenario("lead-list-total-is-page-size", clean=3)
def _(build):
    m = build()
    for _ in range(3):
        m.lead()
    return m.me.get("/lead/", params={"_limit": 1}).json()["total_results"]


@scenario("lead-put-replaces", clean="Best. Show. Ever.")
def _(build):
    m = build()
    lead = m.lead(description="Best. Show. Ever.")
    return m.me.put(f"/lead/{lead['id']}/", json={"name": "Renamed"}).json()["description"]


@scenario("lead-put-status-ignored", clean="Qualified")
def _(build):
    m = build()
    return m.me.put(f"/lead/{m.lead()['id']}/", json={"status": "Qualified"}).json()["status_label"]


@scenario("lead-put-replaces-contacts", clean=["Gob"])
def _(build):
    m = build()
    lead = m.lead(contacts=[{"name": "Gob"}])
    m.me.put(f"/lead/{lead['id']}/", json={"contacts": [{"name": "Injected"}]})
    return [c["name"] for c in m.me.get(f"/lead/{lead['id']}/").json()["contacts"]]


@scenario("lead-put-revives-deleted", clean=404)
def _(build):
    m = build()
    lead = m.lead()
    m.me.delete(f"/lead/{lead['id']}/")
    return m.me.put(f"/lead/{lead['id']}/", json={"name": "back"}).status_code


# ---------------------------------------------------------------- contacts


@scenario("no-lead-for-orphan-contact", clean=True)
def _(build):
    return build().contact()["lead_id"] is not None


@scenario("lead-named-wrong", clean="John Smith")
def _(build):
    m = build()
    return m.me.get(f"/lead/{m.contact(name='John Smith', title='CEO')['lead_id']}/").json()["name"]


@scenario("contact-lead-filter-ignored", clean=1)
def _(build):
    m = build()
    lead = m.lead()
    m.contact(lead_id=lead["id"])
    m.contact()
    return len(m.me.get("/contact/", params={"lead_id": lead["id"]}).json()["data"])


@scenario("contact-lead-id-ignored", clean=True)
def _(build):
    m = build()
    lead = m.lead()
    return m.contact(lead_id=lead["id"])["lead_id"] == lead["id"]


@scenario("put-replaces-contact", clean="President")
def _(build):
    m = build()
    contact = m.contact(title="President")
    return m.me.put(f"/contact/{contact['id']}/", json={"name": "New"}).json()["title"]


@scenario("put-answers-only-changes", clean=True)
def _(build):
    m = build()
    contact = m.contact(title="President")
    return "title" in m.me.put(f"/contact/{contact['id']}/", json={"name": "New"}).json()


@scenario("contact-delete-returns-204", clean=200)
def _(build):
    m = build()
    return m.me.delete(f"/contact/{m.contact()['id']}/").status_code


@scenario("contact-delete-returns-contact", clean={})
def _(build):
    m = build()
    return m.me.delete(f"/contact/{m.contact()['id']}/").json()


def _deleted_contact(build):
    m = build()
    contact = m.contact()
    m.me.delete(f"/contact/{contact['id']}/")
    return m, contact


@scenario("contact-still-readable-after-delete", clean=404)
def _(build):
    m, contact = _deleted_contact(build)
    return m.me.get(f"/contact/{contact['id']}/").status_code


@scenario("contact-second-delete-succeeds", clean=404)
def _(build):
    m, contact = _deleted_contact(build)
    return m.me.delete(f"/contact/{contact['id']}/").status_code


@scenario("contact-listed-after-delete", clean=0)
def _(build):
    m, _contact = _deleted_contact(build)
    return len(m.me.get("/contact/").json()["data"])


@scenario("phone-not-normalised", clean="+19045551234")
def _(build):
    return build().contact(phones=[{"phone": "9045551234"}])["phones"][0]["phone"]


@scenario("phone-formatted-missing", clean="+1 904-555-1234")
def _(build):
    return build().contact(phones=[{"phone": "9045551234"}])["phones"][0]["phone_formatted"]


# ---------------------------------------------------------------- email activities


for _status in ("inbox", "scheduled", "outbox", "error"):

    @scenario(f"sender-optional-for-{_status}", clean=400)
    def _(build, status=_status):
        extra = {"date_scheduled": FUTURE} if status == "scheduled" else {}
        return create_email(build(), status=status, **extra).status_code


@scenario("sender-required-for-draft", clean=200)
def _(build):
    return create_email(build(), status="draft").status_code


@scenario("sent-sender-not-defaulted", clean="bruce.wayne@wayne.example.com")
def _(build):
    return create_email(build(), status="sent").json()["sender"]


@scenario("sent-sender-ignores-email-user", clean="lucius.fox@wayne.example.com")
def _(build):
    m = build()
    return create_email(m, status="sent", user_id=m.id_of("peer")).json()["sender"]


@scenario("draft-scheduled-without-sender", clean=400)
def _(build):
    m = build()
    return put_email(m, m.email(date_scheduled=FUTURE), status="scheduled").status_code


@scenario("draft-outbox-without-sender", clean=400)
def _(build):
    m = build()
    return put_email(m, m.email(), status="outbox").status_code


@scenario("sender-display-name-rejected", clean=200)
def _(build):
    return create_email(build(), status="draft", sender=NAMED).status_code


@scenario("sender-display-name-rejected-on-update", clean=200)
def _(build):
    m = build()
    return put_email(m, m.email(), sender=NAMED).status_code


@scenario("non-draft-editable", clean=400)
def _(build):
    m = build()
    return put_email(m, m.email(status="sent", sender=NAMED), subject="changed").status_code


@scenario("scheduled-editable", clean=400)
def _(build):
    m = build()
    return put_email(
        m, m.email(status="scheduled", sender=NAMED, date_scheduled=FUTURE), subject="x"
    ).status_code


@scenario("scheduled-cannot-cancel", clean=200)
def _(build):
    m = build()
    return put_email(
        m, m.email(status="scheduled", sender=NAMED, date_scheduled=FUTURE), status="draft"
    ).status_code


@scenario("outbox-cannot-cancel", clean=200)
def _(build):
    m = build()
    return put_email(m, m.email(status="outbox", sender=NAMED), status="draft").status_code


@scenario("draft-to-scheduled-refused", clean=200)
def _(build):
    m = build()
    return put_email(m, m.email(sender=NAMED, date_scheduled=FUTURE), status="scheduled").status_code


@scenario("draft-to-outbox-refused", clean=200)
def _(build):
    m = build()
    return put_email(m, m.email(sender=NAMED), status="outbox").status_code


@scenario("draft-to-sent-allowed", clean=400)
def _(build):
    m = build()
    return put_email(m, m.email(sender=NAMED), status="sent").status_code


@scenario("scheduled-without-date-accepted", clean=400)
def _(build):
    return create_email(build(), status="scheduled", sender=NAMED).status_code


@scenario("send-in-unbounded", clean=400)
def _(build):
    return create_email(build(), status="outbox", sender=NAMED, send_in=60).status_code


@scenario("date-scheduled-dropped", clean="2031-01-02T03:04:05.000000+00:00")
def _(build):
    return create_email(build(), status="scheduled", sender=NAMED, date_scheduled=FUTURE).json()[
        "date_scheduled"
    ]


@scenario("email-delete-returns-204", clean=200)
def _(build):
    m = build()
    return m.me.delete(f"/activity/email/{m.email()['id']}/").status_code


@scenario("email-still-readable-after-delete", clean=404)
def _(build):
    m = build()
    email = m.email()
    m.me.delete(f"/activity/email/{email['id']}/")
    return m.me.get(f"/activity/email/{email['id']}/").status_code


# ---------------------------------------------------------------- Send As


def _create_send_as(m, actor, allowing, allowed):
    body = {"allowing_user_id": m.id_of(allowing), "allowed_user_id": m.id_of(allowed)}
    return m.client(actor).post("/send_as/", json=body).status_code


@scenario("send-as-create-for-others", clean=400)
def _(build):
    return _create_send_as(build(), "peer", "me", "bystander")


@scenario("send-as-create-returns-200", clean=201)
def _(build):
    return _create_send_as(build(), "me", "me", "peer")


@scenario("send-as-allowed-outside-org", clean=400)
def _(build):
    return _create_send_as(build(), "me", "me", "outsider")


@scenario("send-as-bulk-outside-org", clean=400)
def _(build):
    m = build()
    return m.me.post("/send_as/bulk/", json={"allowed_user_ids": [m.id_of("outsider")]}).status_code


@scenario("send-as-list-default-allowed", "send-as-list-default-both", clean=[True])
def _(build):
    m = build()
    m.send_as("me", "peer")
    m.send_as("peer", "me")
    return [a["allowing_user_id"] == m.id_of("me") for a in m.me.get("/send_as/").json()["data"]]


@scenario("send-as-list-foreign-filter-leaks", clean=400)
def _(build):
    m = build()
    m.send_as("peer", "bystander")
    return m.me.get("/send_as/", params={"allowing_user_id": m.id_of("peer")}).status_code


@scenario("send-as-list-filter-ignored", clean=1)
def _(build):
    m = build()
    m.send_as("me", "peer")
    m.send_as("me", "bystander")
    params = {"allowing_user_id": m.id_of("me"), "allowed_user_id": m.id_of("peer")}
    return len(m.me.get("/send_as/", params=params).json()["data"])


@scenario("send-as-get-visible-to-outsider", clean=404)
def _(build):
    m = build()
    return m.bystander.get(f"/send_as/{m.send_as('me', 'peer')['id']}/").status_code


@scenario("send-as-get-hidden-from-allowed", clean=200)
def _(build):
    m = build()
    return m.peer.get(f"/send_as/{m.send_as('me', 'peer')['id']}/").status_code


@scenario("send-as-delete-by-outsider", clean=404)
def _(build):
    m = build()
    return m.bystander.delete(f"/send_as/{m.send_as('me', 'peer')['id']}/").status_code


@scenario("send-as-delete-by-id-keeps", clean=404)
def _(build):
    m = build()
    association = m.send_as("me", "peer")
    m.me.delete(f"/send_as/{association['id']}/")
    return m.me.get(f"/send_as/{association['id']}/").status_code


@scenario("send-as-delete-by-users-as-allowed", clean=400)
def _(build):
    m = build()
    m.send_as("me", "peer")
    params = {"allowing_user_id": m.id_of("me"), "allowed_user_id": m.id_of("peer")}
    return m.peer.delete("/send_as/", params=params).status_code


@scenario("send-as-delete-by-users-keeps", clean=0)
def _(build):
    m = build()
    m.send_as("me", "peer")
    m.me.delete("/send_as/", params={"allowing_user_id": m.id_of("me"), "allowed_user_id": m.id_of("peer")})
    return len(m.me.get("/send_as/").json()["data"])


@scenario("send-as-delete-answers-association", clean=(204, b""))
def _(build):
    m = build()
    response = m.me.delete(f"/send_as/{m.send_as('me', 'peer')['id']}/")
    return response.status_code, response.content


@scenario("send-as-delete-by-users-answers-200", clean=204)
def _(build):
    m = build()
    m.send_as("me", "peer")
    params = {"allowing_user_id": m.id_of("me"), "allowed_user_id": m.id_of("peer")}
    return m.me.delete("/send_as/", params=params).status_code


@scenario("bulk-returns-only-changed", clean=2)
def _(build):
    m = build()
    m.send_as("me", "peer")
    return len(m.me.post("/send_as/bulk/", json={"allowed_user_ids": [m.id_of("bystander")]}).json()["data"])


@scenario("bulk-disallow-ignored", clean=0)
def _(build):
    m = build()
    m.send_as("me", "peer")
    return len(m.me.post("/send_as/bulk/", json={"disallowed_user_ids": [m.id_of("peer")]}).json()["data"])


# ---------------------------------------------------------------- request widening (issue 10)


@scenario("contact-nested-keys-refused", clean=200)
def _(build):
    m = build()
    contact = m.contact(emails=[{"email": "a@example.com", "type": "office"}])
    got = m.me.get(f"/contact/{contact['id']}/").json()
    return m.me.put(f"/contact/{contact['id']}/", json={"emails": got["emails"]}).status_code


def _custom_field(m, role="me"):
    organization = m.store.organizations[m.users[role].organization_id]
    return next(f for f in organization.contact_custom_fields if f.type == "text")


@scenario("custom-field-dropped", clean="Account Executive")
def _(build):
    m = build()
    key = f"custom.{_custom_field(m).id}"
    contact = m.contact(**{key: "Account Executive"})
    return m.me.get(f"/contact/{contact['id']}/").json().get(key)


@scenario("unknown-custom-field-accepted", clean=400)
def _(build):
    m = build()
    theirs = _custom_field(m, "outsider")
    return m.me.post("/contact/", json={"name": "x", f"custom.{theirs.id}": "y"}).status_code


def _listed(m, **params):
    return [e["id"] for e in m.me.get("/activity/email/", params=params).json()["data"]]


@scenario("email-activity-at-filter-ignored", clean=[])
def _(build):
    m = build()
    email = m.email()
    return _listed(m, lead_id=email["lead_id"], activity_at__gt="2099-01-01")


@scenario("email-id-list-first-only", clean=2)
def _(build):
    m = build()
    first, second = m.email(), m.email()
    return len(_listed(m, lead_id=f"{first['lead_id']},{second['lead_id']}"))


@scenario("email-tz-offset-ignored", clean=1)
def _(build):
    m = build()
    email = m.email()
    # An hour ago, written without offset: in UTC before the email was created, at UTC-5 after it.
    before = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    client = m.client("me", headers={"X-TZ-Offset": "-5"})
    listed = client.get("/activity/email/", params={"id__in": email["id"], "date_created__lt": before})
    return len(listed.json()["data"])


@scenario("email-id-list-repeated-last-only", clean=2)
def _(build):
    m = build()
    first, second = m.email(), m.email()
    return len(_listed(m, lead_id=[first["lead_id"], second["lead_id"]]))


@scenario("contact-item-type-missing", clean=["office", "office", "url"])
def _(build):
    m = build()
    contact = m.contact(
        emails=[{"email": "a@example.com"}],
        phones=[{"phone": "+14155550123"}],
        urls=[{"url": "https://example.com/", "type": None}],
    )
    return [contact[kind][0]["type"] for kind in ("emails", "phones", "urls")]


@scenario("contact-email-unsubscribed-missing", clean=[False])
def _(build):
    m = build()
    contact = m.contact(emails=[{"email": "a@example.com"}])
    got = m.me.get(f"/contact/{contact['id']}/").json()
    return [e.get("is_unsubscribed", "absent") for e in got["emails"]]


@scenario("email-attachment-keys-dropped", clean={"content_type": None})
def _(build):
    m = build()
    url = "https://app.close.com/go/file/temporary/x/notes.txt/"
    email = m.email(attachments=[{"url": url, "filename": "notes.txt", "size": 3}])
    [attachment] = m.me.get(f"/activity/email/{email['id']}/").json()["attachments"]
    return {k: attachment.get(k, "absent") for k in ("content_type",)}


# ---------------------------------------------------------------- the tests


def test_every_fault_has_a_scenario():
    assert sorted(SCENARIOS) == sorted(FAULTS)


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=pytest.mark.rule(fault.rule)) for name, fault in FAULTS.items()]
)
def test_fault_bends_the_behaviour_it_names(make_mock, name):
    clean = SCENARIOS[name].run(make_mock)
    broken = SCENARIOS[name].run(lambda **options: make_mock(faults=[name], **options))
    assert clean == SCENARIOS[name].clean
    assert broken != clean


@pytest.mark.rule("http.no-server-error")
def test_every_fault_names_a_rule_and_every_rule_has_a_fault():
    # Client rules (side: client) have planted client bugs instead (lint.py, sdk/client_bugs.py).
    rules = default_contract().server_rules
    assert {fault.rule for fault in FAULTS.values()} == set(rules)


@pytest.mark.rule("http.no-server-error")
def test_rules_yaml_lists_each_rules_faults():
    rules = default_contract().rules
    for rule_id, rule in rules.items():
        assert sorted(rule.faults) == sorted(n for n, f in FAULTS.items() if f.rule == rule_id), rule_id


@pytest.mark.rule("http.no-server-error")
def test_asking_for_a_fault_not_in_the_catalogue_is_a_bug():
    with pytest.raises(KeyError):
        FaultSet().on("no-such-fault")
    with pytest.raises(ValueError, match=r"known faults: .*auth-off"):
        FaultSet(["no-such-fault"])
