"""Fixtures for the SDK-validation self-tests: the example client importable, and a header helper."""

from __future__ import annotations

import base64
import sys
from pathlib import Path

# examples/ is not installed: the example client is imported from the checkout.
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))


def basic(api_key: str, password: str = "") -> tuple[str, str]:
    return ("Authorization", "Basic " + base64.b64encode(f"{api_key}:{password}".encode()).decode())
