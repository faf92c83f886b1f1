"""Safe against a live org: a run against `close-mock serve` (a separate server, as live Close is)
that is interrupted, or killed outright, leaves nothing it created behind; and a full run, or an
interrupted one, beside somebody else's leads, contacts, emails and Send As permissions leaves
every one of them byte-identical (README, "Running against a live server")."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from close_conformance.served import Served, serve

pytestmark = [pytest.mark.selftest, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]
# A scenario that creates leads, contacts and emails from its first steps.
SCENARIO = "tests/conformance/test_contacts.py"


# Ctrl-C as in a terminal: a process started in the background (CI's job, nohup, `cmd &`) inherits
# SIGINT ignored, and Python then never raises KeyboardInterrupt; the run would go on to the end.
_AS_IN_A_TERMINAL = (
    "import signal, sys, pytest; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.exit(pytest.main(sys.argv[1:]))"
)


def _run_options(served: Served, state: Path, profile: str) -> list[str]:
    """The suite pointed at `served` as at a live server, with its ledger under `state`."""
    return [
        *served.suite_args(),
        "--allow-writes",
        "--close-state-dir",
        str(state),
        "--hypothesis-profile",
        profile,
        "-p",
        "no:cacheprovider",
        "-n",
        "0",  # one process: the signal reaches the run that holds the ledger
        "-q",
    ]


def _start_run(
    served: Served,
    state: Path,
    tests: str = SCENARIO,
    profile: str = "thorough",  # long enough to be interrupted mid-way
) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", _AS_IN_A_TERMINAL, *tests.split(), *_run_options(served, state, profile)]
    # faulthandler: a run that hangs can be made to print where each of its threads is (SIGABRT).
    environment = {**os.environ, "PYTHONFAULTHANDLER": "1"}
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment
    )


def _ended(run: subprocess.Popen[str], timeout: float = 120) -> str:
    """The run's output once it has ended; if it has not within `timeout` (generous: the default
    run loads both cores), where it hangs."""
    try:
        output, _ = run.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        run.send_signal(signal.SIGABRT)
        output, _ = run.communicate(timeout=30)
        pytest.fail(f"the run did not end within {timeout:g} s of the signal; its threads:\n{output[-6000:]}")
    return output


def _created(state: Path) -> list[str]:
    ids = []
    for ledger in state.glob("run-*.jsonl"):
        ids += [json.loads(line)["id"] for line in ledger.read_text().splitlines()[1:] if line.strip()]
    return ids


def _wait_for_objects(
    state: Path, run: subprocess.Popen[str], count: int = 5, prefix: str = "", timeout: float = 60
) -> None:
    """Until the run's ledger holds `count` objects whose id starts with `prefix`."""
    deadline = time.monotonic() + timeout
    while len([i for i in _created(state) if i.startswith(prefix)]) < count:
        assert run.poll() is None, (
            f"the run ended before creating anything: {run.stdout and run.stdout.read()}"
        )
        assert time.monotonic() < deadline, f"the run created no {prefix or 'object'} within {timeout:g} s"
        time.sleep(0.2)


def _leftovers(served: Served, ids: list[str]) -> list[str]:
    paths = {
        "lead": "/lead/{}/",
        "cont": "/contact/{}/",
        "acti": "/activity/email/{}/",
        "sdas": "/send_as/{}/",
    }
    me = served.user(0, 0)
    with httpx.Client(base_url=served.base_url, auth=(me["api_key"], "")) as client:
        return [i for i in ids if client.get(paths[i.split("_")[0]].format(i)).status_code != 404]


def _kill_holding_objects(
    served: Served, state: Path, run: subprocess.Popen[str], timeout: float = 60
) -> None:
    """SIGKILL the run at a moment it holds live objects. The scenario deletes what it creates as
    it goes, so on a fast machine every object in the ledger may already be gone: the run is frozen
    (SIGSTOP) while the server is asked, and killed only once something it created is still there."""
    deadline = time.monotonic() + timeout
    _wait_for_objects(state, run)
    while True:
        os.kill(run.pid, signal.SIGSTOP)
        if _leftovers(served, _created(state)):
            break
        os.kill(run.pid, signal.SIGCONT)
        assert run.poll() is None, "the run ended before it held a live object"
        assert time.monotonic() < deadline, f"the run held no live object within {timeout:g} s"
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.communicate(timeout=30)


@pytest.mark.rule("contact.gone-after-delete")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_run_removes_what_it_created(tmp_path: Path, signum: int) -> None:
    with serve() as served:
        run = _start_run(served, tmp_path)
        _wait_for_objects(tmp_path, run)
        run.send_signal(signum)
        output = _ended(run)
        created = sorted(set(_created(tmp_path))) or []
        assert run.returncode != 0, "an interrupted run is not a pass"
        assert list(tmp_path.glob("run-*.jsonl")) == [], f"the ledger stayed: {output[-2000:]}"
        assert created == [], "the ledger is removed only once everything is gone"


def test_a_killed_run_is_cleaned_up_by_the_next(tmp_path: Path) -> None:
    with serve() as served:
        run = _start_run(served, tmp_path)
        _kill_holding_objects(served, tmp_path, run)
        left = sorted(set(_created(tmp_path)))
        assert left, "a killed run leaves its ledger behind"
        assert _leftovers(served, left), "a killed run leaves its objects behind"
        follow_up = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "tests/conformance/test_leads.py",
                *_run_options(served, tmp_path, "quick"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert follow_up.returncode == 0, follow_up.stdout[-2000:]
        assert _leftovers(served, left) == [], "the next run removes a killed run's leftovers"
        assert list(tmp_path.glob("run-*.jsonl")) == []


INTERRUPTED = " ".join(
    f"tests/conformance/test_{name}.py" for name in ("send_as", "leads", "contacts", "email_rules", "access")
)


# -- somebody else's data ----------------------------------------------------------------------
# The mock's first organization has a third user the run never acts as: a colleague of me and
# peer whose leads, contacts, emails and Send As permissions sit in the same organization, as on
# a live org. Everything is created through the API, as that user would (Send As grants by me
# and peer to them too: made before the run, they are not the run's).
LISTS = ("/lead/", "/contact/", "/activity/email/")


def _as(served: Served, organization: int, index: int) -> httpx.Client:
    return httpx.Client(base_url=served.base_url, auth=(served.user(organization, index)["api_key"], ""))


def _bystander(served: Served) -> httpx.Client:
    """The first organization's third user: in the mock's JSON line, never one of the run's."""
    return _as(served, 0, 2)


def _created_by(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.is_success, f"seeding: POST {path} -> {response.status_code} {response.text}"
    created: dict[str, Any] = response.json()
    return created


def _seed_somebody_else(served: Served) -> list[str]:
    """Another user's leads (each with a contact given inline and one added), draft and sent
    emails, and Send As associations with me and peer on either side; the paths to read them."""
    me, peer, other = (served.user(0, i)["id"] for i in range(3))
    paths: list[str] = []
    with _bystander(served) as client:
        for name in ("Gotham Florists", "Iceberg Lounge"):
            lead = _created_by(
                client,
                "/lead/",
                {
                    "name": name,
                    "contacts": [{"name": f"{name} Buyer", "emails": [{"email": "buyer@example.com"}]}],
                },
            )
            contact = _created_by(client, "/contact/", {"lead_id": lead["id"], "name": f"{name} Owner"})
            paths += [f"/lead/{lead['id']}/", f"/contact/{contact['id']}/"]
            paths += [f"/contact/{c['id']}/" for c in lead["contacts"]]
            for status in ("draft", "sent"):
                email = {
                    "lead_id": lead["id"],
                    "contact_id": contact["id"],
                    "status": status,
                    "subject": f"{status} to {name}",
                    "to": ["owner@example.com"],
                    "body_text": "Somebody else's email.",
                }
                paths.append(f"/activity/email/{_created_by(client, '/activity/email/', email)['id']}/")
        for allowed in (me, peer):
            grant = {"allowing_user_id": other, "allowed_user_id": allowed}
            paths.append(f"/send_as/{_created_by(client, '/send_as/', grant)['id']}/")
    for index, allowing in ((0, me), (1, peer)):
        with _as(served, 0, index) as client:
            grant = {"allowing_user_id": allowing, "allowed_user_id": other}
            paths.append(f"/send_as/{_created_by(client, '/send_as/', grant)['id']}/")
    return paths


def _snapshot(served: Served, paths: list[str]) -> Snapshot:
    """Each object as its owner reads it, status and raw bytes, and the owner's Send As lists."""
    other = served.user(0, 2)["id"]
    listings = [f"/send_as/?allowing_user_id={other}", f"/send_as/?allowed_user_id={other}"]
    with _bystander(served) as client:
        return {path: (r.status_code, r.content) for path in paths + listings for r in [client.get(path)]}


def _ids(client: httpx.Client, path: str) -> set[str]:
    found: set[str] = set()
    skip = 0
    while True:
        response = client.get(path, params={"_skip": skip, "_limit": 100})
        assert response.status_code == 200, f"GET {path} -> {response.status_code} {response.text[:300]}"
        page = response.json()
        found |= {str(item["id"]) for item in page["data"]}
        if not page.get("has_more") or not page["data"]:
            return found
        skip += len(page["data"])


def _inventory(served: Served) -> dict[str, set[str]]:
    """Every lead, contact, email and Send As association any of the four users can list."""
    seen: dict[str, set[str]] = {}
    for organization, index in ((0, 0), (0, 1), (0, 2), (1, 0)):
        user = served.user(organization, index)
        with _as(served, organization, index) as client:
            for path in LISTS:
                seen.setdefault(path, set()).update(_ids(client, path))
            for side in ("allowing_user_id", "allowed_user_id"):
                seen.setdefault("/send_as/", set()).update(_ids(client, f"/send_as/?{side}={user['id']}"))
    return seen


Snapshot = dict[str, tuple[int, bytes]]


def _changed(before: Snapshot, after: Snapshot) -> list[str]:
    """`path: status body` before and after, for each object that reads differently now."""
    shown = {path: f"{status} {content[:300]!r}" for path, (status, content) in after.items()}
    return [
        f"{path}: {status} {content[:300]!r}\n  now {shown.get(path)}"
        for path, (status, content) in before.items()
        if after.get(path) != (status, content)
    ]


def _left_behind(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, set[str]]:
    return {path: after[path] - ids for path, ids in before.items() if after[path] - ids}


def _lost(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, set[str]]:
    return {path: ids - after[path] for path, ids in before.items() if ids - after[path]}


def test_a_full_run_leaves_somebody_elses_data_as_it_was(tmp_path: Path) -> None:
    with serve() as served:
        paths = _seed_somebody_else(served)
        before, listed = _snapshot(served, paths), _inventory(served)
        assert all(status == 200 for status, _ in before.values()), before
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/conformance", *_run_options(served, tmp_path, "quick")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        after, listed_after = _snapshot(served, paths), _inventory(served)
    assert run.returncode == 0, f"a full run beside somebody else's data: {run.stdout[-3000:]}"
    assert _changed(before, after) == [], "the run changed somebody else's objects"
    assert _lost(listed, listed_after) == {}, "the run deleted objects it did not create"
    assert _left_behind(listed, listed_after) == {}, "the run left objects behind"
    assert list(tmp_path.glob("run-*.jsonl")) == []


def test_an_interrupted_run_leaves_somebody_elses_data_as_it_was(tmp_path: Path) -> None:
    """Ctrl-C once the run holds Send As associations of its own, beside the pre-existing ones."""
    with serve() as served:
        paths = _seed_somebody_else(served)
        before, listed = _snapshot(served, paths), _inventory(served)
        # The Send As scenario first (pytest keeps the order of files, not of a file inside a
        # directory given too), so the run holds associations of its own within seconds, then the
        # scenarios that write leads, contacts and emails; the full run above takes the whole suite.
        run = _start_run(served, tmp_path, INTERRUPTED, "quick")
        _wait_for_objects(tmp_path, run, count=1, prefix="sdas_", timeout=180)
        run.send_signal(signal.SIGINT)
        output = _ended(run)
        after, listed_after = _snapshot(served, paths), _inventory(served)
    assert run.returncode != 0, "an interrupted run is not a pass"
    assert list(tmp_path.glob("run-*.jsonl")) == [], f"the ledger stayed: {output[-2000:]}"
    assert _changed(before, after) == [], "the interrupted run changed somebody else's objects"
    assert _lost(listed, listed_after) == {}, "the interrupted run deleted objects it did not create"
    assert _left_behind(listed, listed_after) == {}, "the interrupted run left objects behind"
