"""Helpers for the SDK-validation self-tests: the example client importable, a Basic header, and
`close-mock serve --validate` / `close-mock proxy` as subprocesses (`running`)."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# examples/ is not installed: the example client is imported from the checkout.
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))


def basic(api_key: str, password: str = "") -> tuple[str, str]:
    return ("Authorization", "Basic " + base64.b64encode(f"{api_key}:{password}".encode()).decode())


@dataclass
class Running:
    """A `close-mock` server process: its JSON line, and its stderr once it has stopped."""

    announcement: dict[str, Any]
    process: subprocess.Popen[str]
    stderr_path: Path

    @property
    def base_url(self) -> str:
        return str(self.announcement["base_url"])

    def key(self, organization: int = 0, user: int = 0) -> str:
        return str(self.announcement["organizations"][organization]["users"][user]["api_key"])

    def stop(self) -> int:
        """SIGTERM, as a supervisor would; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)

    def findings(self) -> list[dict[str, Any]]:
        """The JSON lines of stderr (each a violation or warning); the log lines are not JSON."""
        found = []
        for line in self.stderr_path.read_text().splitlines():
            if line.startswith("{"):
                found.append(json.loads(line))
        return found


@contextmanager
def running(tmp_path: Path, *arguments: str) -> Iterator[Running]:
    """`close-mock ARGUMENTS` with stderr kept in a file; stopped (SIGTERM) on exit."""
    stderr_path = tmp_path / f"stderr-{len(list(tmp_path.glob('stderr-*')))}.txt"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "close_conformance.mock", *arguments],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
    server = None
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, f"close-mock {' '.join(arguments)} exited: {stderr_path.read_text()}"
        server = Running(json.loads(line), process, stderr_path)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
