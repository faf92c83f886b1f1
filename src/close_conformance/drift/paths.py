"""Which of Close's paths are ours, and which of our paths each one is.

Close's spec and ours may spell the same path differently: with or without the trailing slash,
`{id}` or `{contact_id}`. Two paths match when their template shapes match: the same literal
segments, a parameter wherever the other has one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

__all__ = ["Areas", "shape"]

_PARAMETER = re.compile(r"\{[^/{}]*\}")


def shape(path: str) -> str:
    """`/contact/{contact_id}` -> `/contact/{}/`: parameters unnamed, one trailing slash."""
    return _PARAMETER.sub("{}", "/" + path.strip("/") + "/").replace("//", "/")


def _prefix(path: str) -> str:
    """The literal part of a path before its first parameter, as a shape."""
    literal = shape(path).split("{}", 1)[0]
    return literal if literal.endswith("/") else literal.rsplit("/", 1)[0] + "/"


class Areas:
    """Our paths, by shape, with the area (the operations' tag) each belongs to."""

    def __init__(self, our_paths: Mapping[str, str]) -> None:
        """`our_paths`: our path -> its area."""
        self._by_shape = {shape(path): path for path in our_paths}
        self._areas = {_prefix(path): area for path, area in our_paths.items()}

    def ours(self, close_path: str) -> str | None:
        """Our path for Close's path, if we have one of the same shape."""
        return self._by_shape.get(shape(close_path))

    def area(self, close_path: str) -> str | None:
        """The area a Close path falls in (the longest of our path prefixes it starts with), or
        None when it is outside every area we cover (e.g. `/opportunity/`)."""
        candidate = shape(close_path)
        best = max((p for p in self._areas if candidate.startswith(p)), key=len, default=None)
        return self._areas[best] if best is not None else None

    @classmethod
    def from_operations(cls, operations: Iterable[tuple[str, str]]) -> Areas:
        """From (path, area) pairs; the first area seen for a path wins."""
        paths: dict[str, str] = {}
        for path, area in operations:
            paths.setdefault(path, area)
        return cls(paths)
