"""Every operation of specs/close.yaml, property-tested by schemathesis: examples, coverage and
fuzzing phases, positive and negative data, every built-in check plus the rule checks of
close_conformance.checks. One pytest item per operation; the plugin marks each with the rules
that concern that operation."""

from __future__ import annotations

from typing import Any

import requests

from close_conformance.generated import References, load_schema, run_case
from close_conformance.target import Target

schema = load_schema()


@schema.parametrize()
def test_operation(case: Any, target: Target, references: References, st_session: requests.Session) -> None:
    run_case(case, target, references, st_session)
