"""What one process of a run learns, the others find (sharedset.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from close_conformance.sharedset import SharedSet

pytestmark = pytest.mark.selftest


def test_a_member_one_process_adds_the_others_find(tmp_path: Path) -> None:
    mine, theirs = SharedSet(tmp_path / "set"), SharedSet(tmp_path / "set")
    assert "GET /me/" not in theirs
    mine.add("GET /me/")
    assert "GET /me/" in theirs
    theirs.add("POST /lead/")
    assert "POST /lead/" in mine
    assert "PUT /lead/{id}/" not in mine


def test_a_member_added_twice_is_one(tmp_path: Path) -> None:
    mine, theirs = SharedSet(tmp_path / "set"), SharedSet(tmp_path / "set")
    mine.add("GET /me/")
    theirs.add("GET /me/")
    assert (tmp_path / "set").read_text().count("GET /me/") == 1
    with (tmp_path / "set").open("a") as file:
        file.write("GET /me/\n")  # two processes that added it at once: two lines
    fresh = SharedSet(tmp_path / "set")
    assert "GET /me/" in fresh
    assert set(fresh) == {"GET /me/"}


def test_a_line_being_written_is_not_read_until_whole(tmp_path: Path) -> None:
    (tmp_path / "set").write_text("GET /me/\nPOST /le")
    reader = SharedSet(tmp_path / "set")
    assert "GET /me/" in reader
    assert "POST /le" not in reader
    with (tmp_path / "set").open("a") as file:
        file.write("ad/\n")
    assert "POST /lead/" in reader


def test_a_member_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="one line"):
        SharedSet(tmp_path / "set").add("GET\n/me/")
