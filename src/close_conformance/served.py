"""`close-mock serve` as a subprocess, and the suite's command line pointed at it.

Used where the suite must run over real HTTP against a separate server, as against live Close:
the interrupt-safety self-test, the benchmarks and the no-false-positive runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Served", "serve"]


@dataclass(frozen=True)
class Served:
    base_url: str
    announcement: dict[str, Any]
    process: subprocess.Popen[str]

    def user(self, organization: int, index: int) -> dict[str, Any]:
        return dict(self.announcement["organizations"][organization]["users"][index])

    def suite_args(self) -> list[str]:
        """`pytest` options for this server with the three identities (me, peer, outsider)."""
        return [
            "--base-url",
            self.base_url,
            "--api-key",
            self.user(0, 0)["api_key"],
            "--peer-api-key",
            self.user(0, 1)["api_key"],
            "--outsider-api-key",
            self.user(1, 0)["api_key"],
        ]


@contextmanager
def serve(*options: str, timeout: float = 30, log: Path | None = None) -> Iterator[Served]:
    """Start `close-mock serve --port 0 OPTIONS`, read its JSON line, stop it on exit.

    `log`: a file for the server's log (with `--log-level info`, one access line per request).
    """
    command: Sequence[str] = [
        sys.executable,
        "-m",
        "close_conformance.mock",
        "serve",
        "--port",
        "0",
        *options,
    ]
    logged = log.open("w") if log is not None else None
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=logged if logged is not None else subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(
                f"close-mock serve exited with {process.wait(timeout)} before announcing itself"
            )
        announcement = json.loads(line)
        yield Served(announcement["base_url"], announcement, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        if logged is not None:
            logged.close()
