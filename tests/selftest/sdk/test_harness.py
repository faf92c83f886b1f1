"""The respx harness (sdk/harness.py) and the `close_sdk` fixture (sdk/pytest_plugin.py)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from close_conformance.sdk.harness import CloseSdk

pytestmark = pytest.mark.selftest


@pytest.mark.rule("request.validation", "response.documented-shape")
def test_sync_and_async_clients_reach_the_mock_and_are_validated():
    with CloseSdk() as sdk:
        with httpx.Client(base_url=sdk.base_url, auth=(sdk.api_key(), "")) as client:
            lead = client.post("/lead/", json={"name": "Acme"}).json()
            assert client.get(f"/lead/{lead['id']}/").json()["name"] == "Acme"

        async def read() -> int:
            async with httpx.AsyncClient(base_url=sdk.base_url, auth=(sdk.api_key(), "")) as client:
                answers = await asyncio.gather(*(client.get("/me/") for _ in range(3)))
                return sum(a.status_code == 200 for a in answers)

        assert asyncio.run(read()) == 3
    sdk.assert_no_violations(warnings=True)
    coverage = sdk.session.coverage.to_dict()
    assert coverage["operations"]["getMe"]["statuses"] == {"200": 3}
    assert coverage["operations"]["getLead"]["never_seen"][:2] == [400, 401]
    assert "getSendAs" in coverage["operations_never_called"]
    assert "lead.create" in coverage["rules"]["reached"]
    assert "send_as.delete-by-id" in coverage["rules"]["never_reached"]


@pytest.mark.rule("client.documented-operations")
def test_strict_other_hosts_and_paths_are_violations_not_pass_throughs():
    with CloseSdk("https://close.example.test/api/v1") as sdk:
        with pytest.raises(httpx.ConnectError, match="not the Close base URL"):
            httpx.get("https://api.close.com/api/v1/me/")
        answer = httpx.get("https://close.example.test/api/v1/opportunity/", auth=(sdk.api_key(), ""))
        assert answer.status_code == 501  # the mock: a Close path it does not model
    assert [v.rule for v in sdk.violations] == ["client.documented-operations"] * 2
    with pytest.raises(AssertionError, match=r"2 contract violation\(s\):\n\[client.documented-operations\]"):
        sdk.assert_no_violations()


@pytest.mark.rule("client.no-blind-post-retry")
def test_fail_next_carries_the_request_out_and_withholds_the_answer():
    with CloseSdk() as sdk, httpx.Client(base_url=sdk.base_url, auth=(sdk.api_key(), "")) as client:
        sdk.fail_next("POST", "/lead/")
        with pytest.raises(httpx.ReadTimeout):
            client.post("/lead/", json={"name": "Ghost"})
        names = [lead["name"] for lead in client.get("/lead/").json()["data"]]
    assert names.count("Ghost") == 1
    assert sdk.session.coverage.to_dict()["operations"]["createLead"] == {
        "calls": 1,
        "statuses": {},
        "never_seen": [200, 400, 401, 403, 404, 405, 413, 415, 429],
    }


@pytest.mark.rule("response.documented-shape")
def test_a_mock_fault_shows_as_a_response_violation():
    # A server bug, seen from the client's side: the answer is not a documented one.
    sdk = CloseSdk(faults=["contact-get-display-name-missing"])
    with sdk, httpx.Client(base_url=sdk.base_url, auth=(sdk.api_key(), "")) as client:
        contact = client.post("/contact/", json={"name": "Jane"}).json()
        client.get(f"/contact/{contact['id']}/")
    assert [(v.rule, v.operation, v.direction) for v in sdk.violations] == [
        ("response.documented-shape", "getContact", "response")
    ]


@pytest.mark.rule("request.validation")
def test_the_close_sdk_fixture(close_sdk):
    with httpx.Client(base_url=close_sdk.base_url, auth=(close_sdk.api_key(), "")) as client:
        client.get("/lead/", params={"_limit": "many"})
    [violation] = close_sdk.violations
    assert violation.rule == "request.validation"
    assert "_limit" in violation.observed


@pytest.mark.rule("request.validation")
def test_threads_of_a_sync_client_share_the_harness():
    from concurrent.futures import ThreadPoolExecutor

    with CloseSdk() as sdk, httpx.Client(base_url=sdk.base_url, auth=(sdk.api_key(), "")) as client:
        with ThreadPoolExecutor(4) as pool:
            statuses = list(
                pool.map(lambda n: client.post("/lead/", json={"name": f"T{n}"}).status_code, range(20))
            )
        names = {lead["name"] for lead in client.get("/lead/", params={"_limit": 100}).json()["data"]}
    assert statuses == [200] * 20
    assert {f"T{n}" for n in range(20)} <= names
    sdk.assert_no_violations(warnings=True)


@pytest.mark.rule("client.slashed-paths", "response.documented-shape")
@pytest.mark.parametrize(
    "base_url", ["https://gateway.example.test/close/v1", "https://api.close.com", "http://x.test/api/v1/"]
)
def test_any_base_url_path_reaches_the_mock(base_url):
    # A gateway or sandbox URL whose path is not /api/v1: the calls still reach the mock's routes,
    # and a redirect comes back under the client's base URL.
    with CloseSdk(base_url) as sdk, httpx.Client(auth=(sdk.api_key(), ""), follow_redirects=True) as client:
        base = base_url.rstrip("/")
        assert client.get(f"{base}/me/").status_code == 200
        lead = client.post(f"{base}/lead/", json={"name": "Acme"})
        assert lead.status_code == 200
        answer = client.get(f"{base}/lead/{lead.json()['id']}")
        assert answer.status_code == 200
        assert str(answer.history[0].headers["location"]).startswith(f"{base}/lead/")
    sdk.assert_no_violations()
    assert [w.rule for w in sdk.warnings] == ["client.slashed-paths"]


@pytest.mark.rule("client.ratelimit-wait")
def test_concurrent_async_requests_in_flight_at_a_429_did_not_ignore_it():
    # asyncio.gather sends every request before any answer comes back: none of them could have
    # waited for the 429 another one got.
    with CloseSdk(rate_limit=2) as sdk:

        async def burst() -> list[int]:
            async with httpx.AsyncClient(base_url=sdk.base_url, auth=(sdk.api_key(), "")) as client:
                return [a.status_code for a in await asyncio.gather(*(client.get("/me/") for _ in range(6)))]

        assert 429 in asyncio.run(burst())
    sdk.assert_no_violations()


@pytest.mark.rule("http.method-override")
def test_a_method_override_reaches_the_get_and_counts_as_it():
    with CloseSdk() as sdk, httpx.Client(base_url=sdk.base_url, auth=(sdk.api_key(), "")) as client:
        lead = client.post("/lead/", json={"name": "Acme"}).json()
        headers = {"x-http-method-override": "GET"}
        listed = client.post("/lead/", json={"_params": {"_limit": "1"}}, headers=headers)
        assert [item["id"] for item in listed.json()["data"]] == [lead["id"]]
        assert client.post(f"/lead/{lead['id']}/", headers=headers).json()["name"] == "Acme"
        sdk.fail_next("GET", "/lead/")
        with pytest.raises(httpx.ReadTimeout):
            client.post("/lead/", json={"_params": {}}, headers=headers)
        client.post("/lead/", json={"_params": {}}, headers=headers)  # a read retried: no blind POST
    sdk.assert_no_violations(warnings=True)
    operations = sdk.session.coverage.to_dict()["operations"]
    assert operations["listLeads"]["statuses"] == {"200": 2}
    assert operations["listLeads"]["calls"] == 3
    assert operations["getLead"]["statuses"] == {"200": 1}
    assert operations["createLead"]["statuses"] == {"200": 1}
