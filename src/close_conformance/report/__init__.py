"""Conformance reports: what a run found, per documented rule, for CI and for people.

`pytest --close-report [DIR]` writes `conformance.json` (the machine verdict, schema in
`schema/`), `conformance.md`, `conformance.html`, `junit.xml` and `ctrf.json`; `--close-baseline
FILE` lets known divergences pass until they expire. One module per concept:

    observe.py     per test phase, in every process: the requests answered, a failure's evidence
    plugin.py      the pytest plugin: options, collection on the controller, writing at the end
    operations.py  request path -> operationId, documented statuses (specs/close.yaml)
    redact.py      credentials out of every text, curl lines
    signature.py   a failure's stable signature (no seeds, ids, timestamps)
    verdicts.py    rule and rule x operation verdicts, failures
    coverage.py    operations x documented statuses
    document.py    conformance.json, assembled and validated
    baseline.py    known divergences: match, update, prune
    markdown.py, html.py, junit.py, ctrf.py   the renderings of the document
    explain.py     `close-conformance explain RULE_ID`
"""
