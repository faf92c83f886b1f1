"""Fixtures for the contract self-tests: the real contract, and a writable copy to break."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from close_conformance.contract import Contract, default_contract, load_contract, specs_dir

BrokenContract = Callable[[str, Callable[[Any], None]], Contract]
"""Copy specs/, apply an edit to one file's data, load the copy."""

SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The seed pages, in ../shared/seeds beside the checkout (absent from an installed wheel)."""
    return SEEDS


@pytest.fixture(scope="session")
def contract() -> Contract:
    return default_contract()


@pytest.fixture
def broken_contract(tmp_path: Path) -> BrokenContract:
    """Copy specs/ to a temporary folder, let the test edit one file's data, load the copy."""
    copy = tmp_path / "specs"
    shutil.copytree(specs_dir(), copy)

    def edit(filename: str, change: Callable[[Any], None]) -> Contract:
        path = copy / filename
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return load_contract(copy)

    return edit
