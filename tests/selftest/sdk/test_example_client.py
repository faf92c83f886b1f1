"""The example httpx client (examples/close_client) through the respx harness: a correct flow is
clean, sync and async, and each planted client bug is reported by its rule."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from close_client import PLANTED_BUGS, AsyncClose, Close, CloseError, Unanswered

from close_conformance.contract import default_contract
from close_conformance.sdk.client_bugs import CLIENT_BUGS
from close_conformance.sdk.harness import CloseSdk

pytestmark = pytest.mark.selftest


def flow(close: Close) -> None:
    lead = close.create_lead("Acme", description="Rockets")
    close.update_lead(lead, description="Better rockets")
    assert close.get_lead(lead["id"])["description"] == "Better rockets"
    close.create_contact(lead["id"], "Wile E. Coyote")
    assert close.list_leads(_limit=1)["has_more"] is False
    assert close.list_emails(lead_id=lead["id"])["data"] == []
    close.me()
    close.delete_lead(lead["id"])


def test_the_example_client_plants_the_catalogued_bugs():
    assert set(CLIENT_BUGS) == PLANTED_BUGS
    with pytest.raises(ValueError, match="unknown bugs"):
        Close("key", bugs=["no-such-bug"])


@pytest.mark.rule("request.validation", "response.documented-shape")
def test_a_correct_flow_is_clean_sync_and_async():
    with CloseSdk() as sdk:
        with Close(sdk.api_key(), base_url=sdk.base_url) as close:
            flow(close)

        async def run() -> None:
            async with AsyncClose(sdk.api_key(), base_url=sdk.base_url) as close:
                leads = await asyncio.gather(*(close.create_lead(f"Lead {n}") for n in range(3)))
                await asyncio.gather(*(close.update_lead(lead, name="Renamed") for lead in leads))
                assert (await close.list_leads())["data"][0]["name"] in ("Acme", "Renamed")

        asyncio.run(run())
    sdk.assert_no_violations(warnings=True)
    assert sdk.session.exchanges == 8 + 7


def _retry_429(sdk: CloseSdk, close: Close) -> None:
    statuses = []
    for _ in range(4):
        try:
            close.me()
            statuses.append(200)
        except CloseError as error:
            statuses.append(error.status)  # out of retries: the buggy client never waited
    assert set(statuses) <= {200, 429}


def _post_after_timeout(sdk: CloseSdk, close: Close) -> None:
    sdk.fail_next("POST", "/lead/")
    close.create_lead("Twice")


def _whole_object(sdk: CloseSdk, close: Close) -> None:
    close.update_lead(close.create_lead("Acme"), description="New")


def _slashless(sdk: CloseSdk, close: Close) -> None:
    close.me()


def _misspelt(sdk: CloseSdk, close: Close) -> None:
    try:
        answered: Any = close.list_emails()
    except CloseError as error:
        answered = error.status  # Close has no /activities/email/
    assert answered == 404 or "data" in answered


DRIVERS: dict[str, tuple[dict[str, Any], Callable[[CloseSdk, Close], None]]] = {
    "retry-429-at-once": ({"rate_limit": 2}, _retry_429),
    "post-retried-after-timeout": ({}, _post_after_timeout),
    "update-sends-whole-object": ({}, _whole_object),
    "paths-without-slash": ({}, _slashless),
    "email-path-misspelt": ({}, _misspelt),
}


@pytest.mark.parametrize(
    "bug",
    [pytest.param(name, marks=pytest.mark.rule(CLIENT_BUGS[name].rule)) for name in sorted(CLIENT_BUGS)],
)
def test_each_planted_bug_is_reported_by_its_rule_and_the_clean_client_is_not(bug):
    options, drive = DRIVERS[bug]
    rule = CLIENT_BUGS[bug].rule
    reported = {}
    for bugs in ((), (bug,)):
        with CloseSdk(**options) as sdk, Close(sdk.api_key(), base_url=sdk.base_url, bugs=bugs) as close:
            try:
                drive(sdk, close)
            except Unanswered:
                assert not bugs, "only the clean client gives up on a POST that got no answer"
        reported[bugs] = {finding.rule for finding in sdk.session.findings}
    assert reported[()] == set(), sdk.report()
    assert reported[(bug,)] == {rule}
    assert rule in default_contract().rules
