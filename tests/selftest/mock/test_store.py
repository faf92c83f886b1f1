"""The store: seeded identities, id formats, reproducible seeds, and consistency under concurrent requests."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from close_conformance.mock import Store

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$")


@pytest.mark.rule("ids.prefixed")
def test_seed_has_two_organizations_with_three_and_one_users():
    store = Store(seed=1)
    organizations = store.describe()
    assert [len(o["users"]) for o in organizations] == [3, 1]
    for organization in organizations:
        assert re.fullmatch(r"orga_[0-9A-Za-z]{43}", organization["id"])
        for user in organization["users"]:
            assert re.fullmatch(r"user_[0-9A-Za-z]{43}", user["id"])
            assert user.keys() == {"id", "email", "api_key", "access_token"}
    keys = [u["api_key"] for o in organizations for u in o["users"]]
    tokens = [u["access_token"] for o in organizations for u in o["users"]]
    assert len(set(keys + tokens)) == 8


@pytest.mark.rule("ids.prefixed")
def test_same_seed_same_ids_and_keys_other_seed_or_none_different():
    assert Store(seed=5).describe() == Store(seed=5).describe()
    assert Store(seed=5).describe() != Store(seed=6).describe()
    assert Store().describe() != Store().describe()


@pytest.mark.rule("ids.prefixed")
def test_timestamps_have_microseconds_and_an_offset(mock):
    contact = mock.contact()
    assert TIMESTAMP.match(contact["date_created"])
    assert TIMESTAMP.match(mock.me.get("/me/").json()["date_created"])


@pytest.mark.rule("http.no-server-error")
def test_concurrent_requests_keep_the_store_consistent(mock):
    clients = [mock.client("me") for _ in range(8)]

    def work(client):
        created = [client.post("/contact/", json={"name": "Concurrent"}).json()["id"] for _ in range(20)]
        for contact_id in created[::2]:
            assert client.delete(f"/contact/{contact_id}/").status_code == 200
        assert client.get("/contact/", params={"_limit": 200}).status_code == 200
        return created[1::2]

    with ThreadPoolExecutor(max_workers=8) as pool:
        kept = [cid for ids in pool.map(work, clients) for cid in ids]
    listed = [c["id"] for c in mock.me.get("/contact/", params={"_limit": 200}).json()["data"]]
    assert sorted(listed) == sorted(kept)
    assert len(set(listed)) == 80
