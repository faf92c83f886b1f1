"""Write the five files of a report from one conformance.json document.

The evidence in the document was scrubbed where it was taken (close_conformance.report.observe);
as a last net, every rendering has the run's own secrets replaced before it reaches the disk
(house rule 4). Only the exact values: the pattern rules of `scrub` would break JSON quoting.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from close_conformance.report.ctrf import as_ctrf
from close_conformance.report.html import as_html
from close_conformance.report.junit import as_junit
from close_conformance.report.markdown import as_markdown
from close_conformance.report.redact import REDACTED

__all__ = ["FILES", "write_all"]

FILES = ("conformance.json", "conformance.md", "conformance.html", "junit.xml", "ctrf.json")


def write_all(directory: Path, document: Mapping[str, Any], secrets: Iterable[str] = ()) -> list[Path]:
    """Write the five files into `directory` (created if missing); the paths written, in FILES order."""
    directory.mkdir(parents=True, exist_ok=True)
    hidden = [s for s in secrets if s]
    texts = {
        "conformance.json": json.dumps(document, indent=1, ensure_ascii=False),
        "conformance.md": as_markdown(document),
        "conformance.html": as_html(document),
        "junit.xml": as_junit(document),
        "ctrf.json": json.dumps(as_ctrf(document), indent=1, ensure_ascii=False),
    }
    written = []
    for name in FILES:
        path = directory / name
        text = texts[name]
        for secret in sorted(set(hidden), key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
