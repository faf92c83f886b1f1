"""The ledger: what the run created, the guard on writes, cleanup and leftovers of killed runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from close_conformance.ledger import Entry, GuardRefused, Ledger, ids_in, leftover_ledgers, resource_path

pytestmark = pytest.mark.selftest

LEAD = "lead_" + "L" * 43
CONTACT = "cont_" + "C" * 43
THEIRS = "cont_" + "T" * 43
ME = "user_" + "M" * 43
PEER = "user_" + "P" * 43
URL = "http://127.0.0.1:1/api/v1"


def association(id_char: str, allowing: str, allowed: str) -> dict[str, str]:
    return {"id": "sdas_" + id_char * 22, "allowing_user_id": allowing, "allowed_user_id": allowed}


def test_ids_and_paths() -> None:
    assert ids_in({"data": [{"id": CONTACT, "lead_id": LEAD}], "user": ME}) == {CONTACT, LEAD}
    assert resource_path(CONTACT) == f"/contact/{CONTACT}/"
    assert resource_path("sdas_" + "a" * 22) == f"/send_as/{'sdas_' + 'a' * 22}/"


def test_guard_refuses_writes_to_objects_seen_but_not_created(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, target=URL)
    ledger.record(CONTACT, "me", parent=LEAD)
    ledger.observe({"data": [{"id": CONTACT}, {"id": THEIRS}]})
    ledger.guard("PUT", f"/contact/{CONTACT}/", {"name": "x"})
    ledger.guard("GET", f"/contact/{THEIRS}/")
    ledger.guard("DELETE", "/contact/cont_" + "N" * 43 + "/")  # never seen: names nothing
    with pytest.raises(GuardRefused, match=THEIRS):
        ledger.guard("DELETE", f"/contact/{THEIRS}/")
    with pytest.raises(GuardRefused, match=THEIRS):
        ledger.guard("PUT", f"/contact/{THEIRS}/", {})


def test_guard_protects_send_as_pairs_that_existed_before(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, target=URL)
    ledger.observe({"data": [association("a", ME, PEER)]})  # someone's real permission
    ledger.record_association(association("a", ME, PEER), "me")  # re-created: still not ours
    assert not ledger.owns("sdas_" + "a" * 22)
    with pytest.raises(GuardRefused, match="Send As"):
        ledger.guard("DELETE", f"/send_as/?allowing_user_id={ME}&allowed_user_id={PEER}")
    with pytest.raises(GuardRefused, match="Send As"):
        ledger.guard("POST", "/send_as/bulk/", {"disallowed_user_ids": [PEER]}, actor=ME)
    ledger.guard("POST", "/send_as/bulk/", {"allowed_user_ids": [PEER]}, actor=ME)


def test_created_pairs_may_be_removed(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, target=URL)
    ledger.record_association(association("b", ME, PEER), "me")
    ledger.observe({"data": [association("b", ME, PEER)]})
    assert ledger.owns("sdas_" + "b" * 22)
    ledger.guard("DELETE", f"/send_as/?allowing_user_id={ME}&allowed_user_id={PEER}")
    ledger.guard("POST", "/send_as/bulk/", {"disallowed_user_ids": [PEER]}, actor=ME)


def test_an_association_without_the_id_prefix_is_still_ours_and_still_cleaned(tmp_path: Path) -> None:
    # A server breaking ids.prefixed must not leave the run's associations behind: the next
    # scenario would start from them and fail earlier, which Hypothesis reports as flaky.
    ledger = Ledger(tmp_path, target=URL)
    odd = {"id": "X" * 22, "allowing_user_id": ME, "allowed_user_id": PEER}
    ledger.record_association(odd, "me")
    assert ledger.owns("X" * 22)
    ledger.guard("DELETE", f"/send_as/?allowing_user_id={ME}&allowed_user_id={PEER}")
    assert [e.delete_path for e in ledger.entries()] == [f"/send_as/{'X' * 22}/"]


def test_an_association_seen_without_the_id_prefix_is_still_protected(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, target=URL)
    ledger.observe({"data": [{"id": "Y" * 22, "allowing_user_id": ME, "allowed_user_id": PEER}]})
    with pytest.raises(GuardRefused, match="Send As"):
        ledger.guard("DELETE", f"/send_as/?allowing_user_id={ME}&allowed_user_id={PEER}")


def test_cleanup_deletes_leads_first_then_their_children_and_removes_the_file(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, target=URL)
    ledger.record(LEAD, "me")
    ledger.record(CONTACT, "peer", parent=LEAD)
    ledger.record(THEIRS, "me")
    ledger.forget(THEIRS)
    deleted: list[Entry] = []
    assert ledger.cleanup(lambda entry: deleted.append(entry) is None) == []
    assert [e.id for e in deleted] == [LEAD, CONTACT], "without a way to ask, every child is deleted"
    assert deleted[1].role == "peer"
    assert not ledger.path.exists()


EMAIL = "acti_" + "E" * 43


def _family(tmp_path: Path) -> tuple[Ledger, list[str]]:
    """Two leads, each with two contacts and an email; a third lead a test deleted, with a contact."""
    ledger = Ledger(tmp_path, target=URL)
    children = []
    for n in "ABC":
        lead = "lead_" + n * 43
        ledger.record(lead, "me")
        for c in (f"cont_{n}1", f"cont_{n}2", f"acti_{n}1")[: 3 if n != "C" else 1]:
            children.append(c + "x" * 40)
            ledger.record(c + "x" * 40, "me", parent=lead)
    ledger.forget("lead_" + "C" * 43)
    return ledger, children


def test_cleanup_asks_one_child_per_kind_and_skips_the_rest_when_the_server_cascades(tmp_path: Path) -> None:
    ledger, _ = _family(tmp_path)
    deleted: list[str] = []
    asked: list[str] = []
    failed = ledger.cleanup(lambda e: deleted.append(e.id) is None, gone=lambda e: asked.append(e.id) is None)
    assert failed == []
    assert deleted == ["lead_" + "B" * 43, "lead_" + "A" * 43], "children of removed leads are gone with them"
    assert sorted(id.split("_")[0] for id in asked) == ["acti", "cont"], "one question per kind"
    assert not ledger.path.exists()


def test_cleanup_deletes_every_child_of_a_kind_the_server_keeps(tmp_path: Path) -> None:
    ledger, children = _family(tmp_path)
    deleted: list[str] = []
    # Contacts go with their lead; emails stay (or lag): every email is still deleted.
    ledger.cleanup(lambda e: deleted.append(e.id) is None, gone=lambda e: e.id.startswith("cont_"))
    emails = sorted(c for c in children if c.startswith("acti_"))
    assert sorted(d for d in deleted if d.startswith("acti_")) == emails
    assert not [d for d in deleted if d.startswith("cont_")]


def test_cleanup_deletes_the_children_of_a_lead_it_could_not_delete(tmp_path: Path) -> None:
    ledger, children = _family(tmp_path)
    deleted: list[str] = []

    def delete(entry: Entry) -> bool:
        deleted.append(entry.id)
        return entry.id != "lead_" + "A" * 43  # lead A stays: its children are not its orphans

    failed = ledger.cleanup(delete, gone=lambda e: True)
    assert [e.id for e in failed] == ["lead_" + "A" * 43]
    assert sorted(d for d in deleted if d.startswith(("cont_A", "acti_A"))) == sorted(
        c for c in children if c.startswith(("cont_A", "acti_A"))
    )
    assert not [d for d in deleted if d.startswith(("cont_B", "acti_B", "cont_C"))]
    assert ledger.path.exists(), "the lead that failed is retried by the next run"


def test_failed_cleanup_keeps_the_ledger_for_the_next_run(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, target=URL)
    ledger.record(LEAD, "me")
    assert [e.id for e in ledger.cleanup(lambda entry: False)] == [LEAD]
    assert ledger.path.exists()


def test_leftovers_of_dead_runs(tmp_path: Path) -> None:
    Ledger(tmp_path, target=URL, run_id="killed").record(LEAD, "me")
    (tmp_path / "run-torn.jsonl").write_text('{"run": "torn", "pi', encoding="utf-8")
    found = leftover_ledgers(tmp_path, alive=lambda pid: False)
    assert [(f.run_id, f.target, [e.id for e in f.entries]) for f in found] == [("killed", URL, [LEAD])]
    assert not (tmp_path / "run-torn.jsonl").exists(), "an unreadable ledger is dropped"


def test_ledgers_of_running_runs_are_left_alone(tmp_path: Path) -> None:
    Ledger(tmp_path, target=URL, run_id="running").record(LEAD, "me")
    assert leftover_ledgers(tmp_path, alive=lambda pid: True) == []


def test_a_deleted_lead_retires_its_children(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, target=URL)
    ledger.record(LEAD, "me")
    ledger.record(CONTACT, "me", parent=LEAD)
    assert ledger.usable(CONTACT)
    ledger.forget(LEAD)
    assert not ledger.usable(LEAD)
    assert not ledger.usable(CONTACT)
    assert [e.id for e in ledger.entries()] == [CONTACT], "cleanup still tries the child"


def test_pinned_objects_are_not_written_by_generated_requests(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path, target=URL)
    ledger.record(LEAD, "me")
    ledger.pin(LEAD)
    ledger.guard("GET", f"/lead/{LEAD}/")
    ledger.guard("POST", "/contact/", {"lead_id": LEAD})
    with pytest.raises(GuardRefused, match="pinned"):
        ledger.guard("DELETE", f"/lead/{LEAD}/")


def test_a_lead_seen_in_the_lead_list_is_not_updated(tmp_path: Path) -> None:
    """`GET /lead/` on a live organization shows everybody's leads: only the run's may be PUT."""
    ledger = Ledger(tmp_path, target=URL)
    theirs = "lead_" + "T" * 43
    ledger.record(LEAD, "me")
    ledger.observe({"data": [{"id": LEAD}, {"id": theirs}], "has_more": False, "total_results": 2})
    ledger.guard("PUT", f"/lead/{LEAD}/", {"name": "mine"})
    with pytest.raises(GuardRefused, match=theirs):
        ledger.guard("PUT", f"/lead/{theirs}/", {"name": "theirs"})
    ledger.pin(LEAD)
    with pytest.raises(GuardRefused, match="pinned"):
        ledger.guard("PUT", f"/lead/{LEAD}/", {"name": "the reference lead"})
