"""Close's official Python client (`closeio` 2.1, requests-based) through the validating proxy:
every in-scope operation, used correctly, gives no violation; its 429 handling is reported.

Its 429 handling, read in closeio_api/__init__.py (`_get_rate_limit_sleep_time`): it matches the
RateLimit header with `limit=(\\d+), remaining=(\\d+), reset=(\\d+)` and sleeps `float(reset)`.
The docs give reset as a decimal (`reset=0.870`, facts 5.7), so the regex stops at the point,
reads 0, and the client retries at once: rule client.ratelimit-wait.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import closeio_api
import pytest
import requests

from .conftest import Running, running

pytestmark = [pytest.mark.selftest, pytest.mark.xdist_group("sdk-proxy")]

SENDER = '"Bruce Wayne" <bruce.wayne@wayne.example.com>'


def client(server: Running, organization: int = 0, user: int = 0, **options: Any) -> Any:
    # `API(base_url, api_key)` is how the client is pointed elsewhere; it appends "/" itself.
    return closeio_api.API(server.base_url + "/", api_key=server.key(organization, user), **options)


def every_operation(api: Any, peer_api: Any, ids: dict[str, str]) -> None:
    """All 24 operations of specs/close.yaml, the way the client's users write them."""
    me = api.get("me")
    api.get("user", params={"_limit": 10})
    api.get(f"user/{ids['peer']}")

    lead = api.post("lead", {"name": "Wayne Enterprises", "description": "Gotham"})
    api.get(f"lead/{lead['id']}")
    api.put(f"lead/{lead['id']}", {"description": "Gotham's finest"})
    api.get("lead", params={"_limit": 5, "_skip": 0})

    contact = api.post(
        "contact",
        {
            "lead_id": lead["id"],
            "name": "Lucius Fox",
            "emails": [{"email": "fox@example.com", "type": "office"}],
        },
    )
    api.get(f"contact/{contact['id']}", params={"_fields": "id,name"})
    api.put(f"contact/{contact['id']}", {"title": "CTO"})
    api.get("contact", params={"lead_id": lead["id"]})

    draft = api.post(
        "activity/email",
        {
            "lead_id": lead["id"],
            "status": "draft",
            "to": ["jane@example.com"],
            "subject": "Hi",
            "body_text": "Hi",
        },
    )
    api.get(f"activity/email/{draft['id']}")
    api.put(f"activity/email/{draft['id']}", {"subject": "Hello", "sender": SENDER})
    api.get("activity/email", params={"lead_id": lead["id"]})
    api.delete(f"activity/email/{draft['id']}")

    mine = api.post("send_as", {"allowing_user_id": me["id"], "allowed_user_id": ids["peer"]})
    api.get("send_as")
    api.get(f"send_as/{mine['id']}")
    api.delete(f"send_as/{mine['id']}")
    peer_api.post("send_as", {"allowing_user_id": ids["peer"], "allowed_user_id": me["id"]})
    peer_api.delete("send_as", params={"allowing_user_id": ids["peer"], "allowed_user_id": me["id"]})
    api.post("send_as/bulk", {"allowed_user_ids": [ids["peer"]], "disallowed_user_ids": []})

    api.delete(f"contact/{contact['id']}")
    api.delete(f"lead/{lead['id']}")


@pytest.mark.rule("request.validation", "response.documented-shape", "client.documented-operations")
def test_a_correct_flow_over_every_operation_has_no_violation(tmp_path: Path) -> None:
    report = tmp_path / "closeio.json"
    with (
        running(tmp_path, "serve", "--port", "0") as upstream,
        running(
            tmp_path, "proxy", "--upstream", upstream.base_url, "--port", "0", "--report", str(report)
        ) as proxy,
    ):
        # The proxy announces no users: the keys are the upstream's.
        proxy.announcement["organizations"] = upstream.announcement["organizations"]
        ids = {"peer": upstream.announcement["organizations"][0]["users"][1]["id"]}
        every_operation(client(proxy), client(proxy, 0, 1), ids)
        assert proxy.stop() == 0
    summary = json.loads(report.read_text())
    assert (summary["violations"], summary["warnings"]) == ([], []), proxy.stderr_path.read_text()
    coverage = summary["coverage"]
    assert coverage["operations_never_called"] == []
    assert len(coverage["operations"]) == 24
    assert coverage["calls_outside_contract"] == 0


def test_the_client_reads_the_decimal_reset_as_zero() -> None:
    answer = requests.Response()
    answer.status_code = 429
    answer.headers["RateLimit"] = "limit=2, remaining=0, reset=0.870"
    answer.headers["Retry-After"] = "1"
    assert closeio_api.API("http://unused/", api_key="k")._get_rate_limit_sleep_time(answer) == 0.0


@pytest.mark.rule("client.ratelimit-wait")
def test_its_429_handling_is_reported_by_the_rate_limit_rule(tmp_path: Path) -> None:
    report = tmp_path / "ratelimit.json"
    with running(
        tmp_path, "serve", "--port", "0", "--validate", "--rate-limit", "2", "--report", str(report)
    ) as server:
        api = client(server, max_retries=3)
        answered = []
        for _ in range(4):
            try:
                api.get("me")
                answered.append(200)
            except closeio_api.APIError as error:
                answered.append(error.response.status_code)
        assert server.stop() == 0
    summary = json.loads(report.read_text())
    assert 429 in answered  # out of retries: it never waited
    assert summary["coverage"]["operations"]["getMe"]["statuses"]["429"] >= 2
    assert set(summary["by_rule"]) == {"client.ratelimit-wait"}, summary["by_rule"]
    [first, *_] = summary["violations"]
    assert "before the wait a 429 asked for was over" in first["observed"]
    assert "reset=" in first["expected"]
