"""Shared by every self-test: the Python processes they start reuse compiled bytecode."""

from __future__ import annotations

import os
from pathlib import Path

# The self-tests start about a hundred Python processes (pytest sessions, `close-mock serve`, the
# fault proof and its runs). Where the environment turns bytecode caching off
# (PYTHONDONTWRITEBYTECODE, as some CI images do), each one compiles pytest, schemathesis,
# hypothesis and uvicorn from source again: 1.7 s of CPU to start a session instead of 0.7 s,
# about two minutes of a default run on 2 cores. Those processes get a cache of their own under
# .pytest_cache instead, so nothing is written beside the sources either way.
if os.environ.get("PYTHONDONTWRITEBYTECODE"):
    del os.environ["PYTHONDONTWRITEBYTECODE"]
    os.environ.setdefault(
        "PYTHONPYCACHEPREFIX", str(Path(__file__).resolve().parents[2] / ".pytest_cache" / "pycache")
    )
