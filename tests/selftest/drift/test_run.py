"""`close-conformance drift` on Close's spec: the vendored copy is fully fixed or listed, and a
doctored copy with a new field, a new method and a new nullable fails, naming each."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from close_conformance.cli import main
from close_conformance.contract import specs_dir
from close_conformance.drift import run_drift

pytestmark = pytest.mark.selftest

UPSTREAM = specs_dir() / "upstream"
CONTACTS = "close-contacts-api-openapi.yml"
DOCTORED = (
    "request-property-missing POST /contact/ request.nickname",
    "operation-missing PATCH /contact/{id}/",
    "response-not-nullable GET /contact/{id}/ response.200.display_name",
)


def test_vendored_files_match_their_checksums() -> None:
    listed = re.findall(r"^([0-9a-f]{64})  (\S+)$", (UPSTREAM / "README.md").read_text(), re.MULTILINE)
    assert len(listed) == 5
    for digest, name in listed:
        assert hashlib.sha256((UPSTREAM / name).read_bytes()).hexdigest() == digest, name


def test_vendored_copy_is_fixed_or_listed(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["drift", "--unlisted"])
    output = capsys.readouterr().out
    assert status == 0, output


def _doctored(tmp_path: Path) -> list[Path]:
    copy = tmp_path / "upstream"
    shutil.copytree(UPSTREAM, copy)
    path = copy / CONTACTS
    spec: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    schemas["CreateContact"]["properties"]["nickname"] = {"type": "string"}  # a new request field
    spec["paths"]["/contact/{id}/"]["patch"] = {  # a new method on one of our paths
        "operationId": "contacts_patch",
        "responses": {"200": {"description": "Successful response"}},
    }
    schemas["Contact"]["properties"]["display_name"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return sorted(copy.glob("*.yml"))


def test_the_doctored_differences_are_new() -> None:
    keys = {f.key for f in run_drift().findings}
    assert not keys & set(DOCTORED)


def test_doctored_copy_fails_and_names_each_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(p) for p in _doctored(tmp_path)]
    assert main(["drift", *files]) == 1
    table = capsys.readouterr().out
    for key in DOCTORED:
        assert re.search(rf"^\s+unlisted\s+{re.escape(key)}$", table, re.MULTILINE), key
    assert main(["drift", "--json", *files]) == 1
    report = json.loads(capsys.readouterr().out)
    by_key = {f["key"]: f for f in report["findings"]}
    assert report["exit_code"] == 1
    for key in DOCTORED:
        assert by_key[key]["status"] == "unlisted"
    assert by_key[DOCTORED[0]]["operation"]["operation_id"] == "createContact"
    assert "contact.create-without-lead" in by_key[DOCTORED[0]]["rules"]
    assert by_key[DOCTORED[1]]["operation"] == {
        "method": "PATCH",
        "path": "/contact/{id}/",
        "operation_id": None,
        "close_operation_id": "contacts_patch",
    }


def test_register_keys_matching_nothing_are_stale_not_failures(tmp_path: Path) -> None:
    # Without the users file, the users entries' keys match nothing: shown, exit unchanged.
    files = [p for p in sorted(UPSTREAM.glob("*.yml")) if "users" not in p.name]
    report = run_drift(files)
    stale = {(s.register_id, s.key) for s in report.stale}
    assert ("unmodelled-operations", "operation-missing GET /user/availability/") in stale
    assert report.exit_code == (1 if report.unlisted else 0)


def test_json_and_table_say_the_same(capsys: pytest.CaptureFixture[str]) -> None:
    main(["drift", "--json"])
    report = json.loads(capsys.readouterr().out)
    main(["drift"])
    table = capsys.readouterr().out
    assert len(report["findings"]) == len(run_drift().findings)
    for finding in report["findings"]:
        assert finding["key"] in table
    assert f"{len(report['findings'])} finding(s)" in table
