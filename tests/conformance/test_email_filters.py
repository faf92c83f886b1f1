"""Rule email.list-filters: `GET /activity/email/` applies every filter Close's spec lists, with
comma-separated id lists, and reads dates without offset in the caller's `X-TZ-Offset`.

The emails are logged ones (status sent, which Close does not send) on leads this module makes,
with `activity_at` set far in the future, so no other object of a live organization can match.
The expected reading of naive values comes from the register (`naive-datetime-input`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from close_conformance.client import CloseClient
from close_conformance.preconditions import expect_success
from close_conformance.runtime import RunContext
from close_conformance.target import Role

EMAILS = "/activity/email/"
# Two moments a day apart, an hour after noon UTC; nothing else on the target is dated there.
AT = ("2091-06-01T13:00:00+00:00", "2091-06-02T13:00:00+00:00")


def _shown(response: httpx.Response) -> str:
    try:
        body: Any = json.dumps(response.json(), sort_keys=True)
    except ValueError:
        body = response.text
    return f"{response.status_code} {body[:400]}"


@dataclass(frozen=True)
class Logged:
    """Two sent emails on two leads, each with a contact of its lead."""

    client: CloseClient = field(repr=False)
    leads: tuple[str, str]
    contacts: tuple[str, str]
    emails: tuple[str, str]

    def listed(self, what: str, headers: dict[str, str] | None = None, **params: str) -> list[str]:
        """The ids listed for these filters (a read: it needs no guard, so it may carry headers)."""
        response = self.client.http.get(EMAILS, params={**params, "_limit": 200}, headers=headers or {})
        assert response.status_code == 200, (
            f"[email.list-filters] {what}: GET {EMAILS} {params} {_shown(response)}"
        )
        return [str(e.get("id")) for e in response.json().get("data", [])]


@pytest.fixture(scope="module")
def logged(api: Callable[[Role], CloseClient]) -> Logged:
    client = api("me")
    leads, contacts, emails = [], [], []
    for index, moment in enumerate(AT):
        lead = client.post("/lead/", {"name": f"close-conformance email filters {index}"})
        leads.append(str(expect_success(lead, "creating a lead")["id"]))
        contact = client.post("/contact/", {"lead_id": leads[-1], "name": f"Filter Person {index}"})
        contacts.append(str(expect_success(contact, "creating a contact")["id"]))
        body = {
            "lead_id": leads[-1],
            "contact_id": contacts[-1],
            "status": "sent",
            "sender": "filters@example.com",
            "to": ["recipient@example.com"],
            "subject": "close-conformance email filters",
            "activity_at": moment,
        }
        email = client.post(EMAILS, body)
        emails.append(str(expect_success(email, "logging a sent email")["id"]))
    return Logged(client, (leads[0], leads[1]), (contacts[0], contacts[1]), (emails[0], emails[1]))


@pytest.mark.rule("email.list-filters")
def test_a_date_filter_is_applied_not_ignored(logged: Logged) -> None:
    lead = logged.leads[0]
    got = logged.listed("activity_at__gt in 2099", lead_id=lead, activity_at__gt="2099-01-01")
    assert got == [], f"[email.list-filters] lead_id={lead}&activity_at__gt=2099-01-01 lists {got}, not none"
    got = logged.listed("activity_at__lt", lead_id=lead, activity_at__lt="2091-06-02")
    assert got == [logged.emails[0]], f"[email.list-filters] activity_at__lt=2091-06-02 lists {got}"
    both = ",".join(logged.emails)
    got = logged.listed("activity_at bounds", id__in=both, activity_at__gte=AT[1], activity_at__lte=AT[1])
    assert got == [logged.emails[1]], f"[email.list-filters] activity_at__gte=__lte={AT[1]} lists {got}"


@pytest.mark.rule("email.list-filters")
@pytest.mark.parametrize("name", ["lead_id", "contact_id", "id__in"])
def test_id_filters_take_comma_separated_lists(logged: Logged, name: str) -> None:
    values = {"lead_id": logged.leads, "contact_id": logged.contacts, "id__in": logged.emails}[name]
    got = logged.listed(f"{name} list", **{name: ",".join(values)})
    assert sorted(got) == sorted(logged.emails), (
        f"[email.list-filters] {name}={','.join(values)} lists {got}, not both emails {list(logged.emails)}"
    )
    got = logged.listed(f"{name} one", **{name: values[1]})
    assert got == [logged.emails[1]], f"[email.list-filters] {name}={values[1]} lists {got}"


@pytest.mark.rule("email.list-filters")
def test_naive_values_are_read_in_x_tz_offset(logged: Logged, close_context: RunContext) -> None:
    if not close_context.accepts("naive-datetime-input", "caller-offset"):
        pytest.skip("the register does not read naive values in X-TZ-Offset in this mode")
    ids = ",".join(logged.emails)
    first = [logged.emails[0]]
    # The first email is at 13:00 UTC. Without a header, 12:00 and 14:00 are UTC.
    got = logged.listed(
        "naive in UTC",
        id__in=ids,
        activity_at__gte="2091-06-01T12:00:00",
        activity_at__lt="2091-06-01T14:00:00",
    )
    assert got == first, (
        f"[email.list-filters] naive bounds without X-TZ-Offset (UTC) list {got}, not {first}"
    )
    # At UTC-5, 09:00 is 14:00 UTC: the email is before it. Read in UTC it would be after.
    got = logged.listed(
        "naive at -5", {"X-TZ-Offset": "-5"}, id__in=ids, activity_at__lt="2091-06-01T09:00:00"
    )
    assert got == first, (
        f"[email.list-filters] activity_at__lt=09:00 at X-TZ-Offset -5 lists {got}, not {first}"
    )
    # At UTC+5.5 a date's midnight is 18:30 UTC the day before: the second email (02, 13:00)
    # is after 2091-06-02 there, the first is not.
    got = logged.listed("date at +5.5", {"X-TZ-Offset": "5.5"}, id__in=ids, activity_at__gte="2091-06-02")
    assert got == [logged.emails[1]], f"[email.list-filters] activity_at__gte=2091-06-02 at +5.5 lists {got}"
    # At UTC-14 the midnight of 2091-06-01 is 14:00 UTC that day: the first email is before it.
    got = logged.listed("date at -14", {"X-TZ-Offset": "-14"}, id__in=ids, activity_at__lt="2091-06-01")
    assert got == first, f"[email.list-filters] activity_at__lt=2091-06-01 at X-TZ-Offset -14 lists {got}"


@pytest.mark.rule("email.list-filters")
@pytest.mark.parametrize("name", ["lead_id", "contact_id", "id__in"])
def test_id_filters_given_as_repeated_keys_gather_their_ids(
    logged: Logged, close_context: RunContext, name: str
) -> None:
    # Close's spec types these filters as arrays without a style: OpenAPI's default sends an
    # array as repeated keys. No text promises that form, so only strict demands it (register).
    if close_context.accepts("email-list-id-filter-form", "any"):
        pytest.skip("the register does not demand repeated keys in this mode")
    values = {"lead_id": logged.leads, "contact_id": logged.contacts, "id__in": logged.emails}[name]
    params = [(name, values[0]), (name, values[1]), ("_limit", "200")]
    response = logged.client.http.get(EMAILS, params=params)
    assert response.status_code == 200, f"[email.list-filters] {name} repeated: {_shown(response)}"
    got = [str(e.get("id")) for e in response.json().get("data", [])]
    assert sorted(got) == sorted(logged.emails), (
        f"[email.list-filters] {name}={values[0]}&{name}={values[1]} lists {got}, not both emails"
    )
