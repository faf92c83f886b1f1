"""`close-conformance drift`: our contract against Close's published OpenAPI.

document.py loads a spec and resolves its references; shape.py flattens a schema (nullability in
all its spellings, allOf/anyOf/oneOf); paths.py matches Close's paths to ours by template shape;
compare.py walks two schemas property by property; examples.py validates Close's examples
against our schemas; findings.py is a finding and its key grammar; register.py matches findings
to the register's `drift:` keys; run.py ties them together; render.py prints the result.
"""

from close_conformance.drift.document import DriftInputError
from close_conformance.drift.findings import KINDS, Finding
from close_conformance.drift.run import DriftReport, run_drift

__all__ = ["KINDS", "DriftInputError", "DriftReport", "Finding", "run_drift"]
