"""Stateful runs that follow the spec's links: create -> get -> update -> delete -> gone.

Schemathesis chains real ids from one response into the next request; on a live target only the
spec's explicit links are followed (never list -> delete), and every write passes the ledger's
guard like any generated case.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from close_conformance import runtime
from close_conformance.checks import BUILTIN_RULES
from close_conformance.generated import References, after_call, before_call, load_schema
from close_conformance.profiles import PROFILES
from close_conformance.target import Target

# Every operation: the links run between them, whatever rule is selected.
schema = load_schema(only_selected_rules=False)


# The links' own rules, and those of every built-in check run on each step (checks.BUILTIN_RULES).
@pytest.mark.rule(
    "lead.create",
    "lead.delete",
    "contact.gone-after-delete",
    "email.delete",
    "send_as.delete-by-id",
    *sorted({rule for rules in BUILTIN_RULES.values() for rule in rules}),
)
def test_links(target: Target, references: References, st_session: requests.Session) -> None:
    budget = PROFILES[runtime.current().settings.profile]

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def before_call(self, case: Any) -> None:
            before_call(case, references)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": target.base_url, "session": st_session, "headers": references.me.headers}

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            after_call(case, response)

    from hypothesis import settings

    Workflow.run(
        settings=settings(max_examples=budget.scenario_examples, stateful_step_count=budget.stateful_steps)
    )
