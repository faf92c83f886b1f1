"""A set of strings the run's processes share (its xdist workers against one server).

Kept in an append-only file, one member per line: a member one process adds, the others find the
next time they look for it. Used for what a run learns once and every worker may rely on:
the operations schemathesis' `ignored_auth` has shown to enforce auth (checks/builtin.py).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["SharedSet"]


class SharedSet(set[str]):
    """`in` also reads what the other processes added since; `add` appends for them.

    Two processes may add the same member at once (each probed before the other wrote): both
    lines are kept and read as one member. A line is read once it is whole (ends in a newline).
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = path
        self._offset = 0

    def _refresh(self) -> None:
        try:
            with self._path.open("rb") as file:
                file.seek(self._offset)
                chunk = file.read()
        except FileNotFoundError:
            return
        whole = chunk[: chunk.rfind(b"\n") + 1]
        self._offset += len(whole)
        super().update(line for line in whole.decode().splitlines() if line)

    def __contains__(self, member: object) -> bool:
        if super().__contains__(member):
            return True
        self._refresh()
        return super().__contains__(member)

    def add(self, member: str) -> None:
        if "\n" in member:
            raise ValueError(f"a member of a SharedSet is one line: {member!r}")
        if member in self:  # also what the others wrote: no second line for it
            return
        super().add(member)
        # One short write in append mode: lines of two processes never interleave.
        with self._path.open("a") as file:
            file.write(member + "\n")
