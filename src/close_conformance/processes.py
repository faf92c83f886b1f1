"""Whether a process still runs: a ledger or a shared rate-limit window left by one that died."""

from __future__ import annotations

import os

__all__ = ["alive"]


def alive(pid: int) -> bool:
    """True while process `pid` exists (also when it is somebody else's: PermissionError).

    On Windows signal 0 would not probe but interrupt the process: there every process counts as
    alive, so nothing of another run is ever taken for a dead one's.
    """
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
