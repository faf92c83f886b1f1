"""junit.xml: one testcase per rule x operation (close_conformance.report.cases), for CI.

A failure's message is the rule id, its body the evidence and the curl line; a rule not run is a
skipped case saying why; a known divergence (baseline) is skipped with its reason, so the CI's
count of failures is the run's new ones; a suite error is an <error>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from close_conformance.report.cases import cases

__all__ = ["as_junit"]


def as_junit(document: Mapping[str, Any]) -> str:
    found = cases(document)
    suites = ET.Element("testsuites", name="close-conformance")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="close-conformance",
        tests=str(len(found)),
        failures=str(sum(c.status == "failed" for c in found)),
        errors=str(sum(c.status == "error" for c in found)),
        skipped=str(sum(c.status in ("skipped", "known") for c in found)),
        time=f"{document['run']['duration_seconds']:.3f}",
        timestamp=document["run"]["started"],
    )
    properties = ET.SubElement(suite, "properties")
    run = document["run"]
    for name, value in (
        ("target", run["target"]),
        ("profile", run["profile"]),
        ("seed", str(run["seed"])),
        ("reading", run["reading"]),
        ("exit_code", str(run["exit_code"])),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for case in found:
        element = ET.SubElement(suite, "testcase", name=case.name, classname=case.classname, time="0")
        if case.status == "failed":
            ET.SubElement(element, "failure", message=case.message, type="RuleViolation").text = case.body
        elif case.status == "error":
            ET.SubElement(element, "error", message=case.message, type="SuiteError").text = case.body
        elif case.status == "known":
            ET.SubElement(element, "skipped", message=case.message).text = case.body
        elif case.status == "skipped":
            ET.SubElement(element, "skipped", message=case.message)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
