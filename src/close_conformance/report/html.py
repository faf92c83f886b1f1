"""conformance.html: one self-contained offline page (no network, no server), readable without
JavaScript: verdict first, then failed rules with their evidence, the rule table (a small inline
script filters it where JavaScript runs), coverage, changelog entries with their rules' verdicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jinja2

__all__ = ["as_html"]

_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("close_conformance.report", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def as_html(document: Mapping[str, Any]) -> str:
    new = [f for f in document["failures"] if not (f["baseline"] and f["baseline"]["status"] == "known")]
    known = [f for f in document["failures"] if f["baseline"] and f["baseline"]["status"] == "known"]
    statements = {rule["id"]: rule for rule in document["rules"]}
    return _ENVIRONMENT.get_template("conformance.html.j2").render(
        doc=document, new=new, known=known, rules=statements
    )
